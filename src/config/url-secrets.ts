/**
 * Masks the secrets a store URL can hold, working on the text so that a URL WHATWG cannot parse
 * (`postgres://u:s3cret@host:notaport/db`) is masked too: the password of the userinfo part and
 * query parameters whose names say they carry a secret (`password`, `secretAccessKey`, `token`, …).
 */
export function maskUrlSecrets(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#]*@/i, '$1***@')
    .replace(/([?&][^=&#]*(?:pass|secret|token|key|credential)[^=&#]*=)[^&#]*/gi, '$1***');
}

/** The port part of a `scheme://[user[:pass]@]host:port/...` URL as written, when there is one. */
export function writtenPort(url: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1];
  if (authority === undefined) return undefined;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const match = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(host);
  return match?.[1];
}
