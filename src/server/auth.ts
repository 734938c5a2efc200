import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import { parsePrincipal, type Principal } from '../governance/principal.js';
import { HttpError } from './http-errors.js';
import type { RateLimitOptions } from './rate-limit.js';

export interface AuthOptions {
  /** API key (or bearer token) -> the principal it acts as. Keys must be at least 16 characters. */
  apiKeys: Record<string, Principal>;
  /**
   * Wrong keys allowed per client address: `burst` at once, refilled at `perSecond`. Past it, that
   * address gets 429 (with Retry-After) for any key before the key is even checked, so guessing keys
   * is throttled. Requests without a key (a dashboard before sign-in) are not counted: they guess
   * nothing. Default { perSecond: 1, burst: 10 }; false turns it off.
   */
  failures?: RateLimitOptions | false;
}

/** 10 wrong keys at once, then one a second: plenty for a mistyped key, useless for guessing. */
export const DEFAULT_AUTH_FAILURES: RateLimitOptions = { perSecond: 1, burst: 10 };

interface KeyEntry {
  digest: Buffer;
  principal: Principal;
}

const MIN_KEY_LENGTH = 16;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Turns `Authorization: Bearer <key>` or `X-API-Key: <key>` into a principal. Presented keys are
 * hashed and compared against every configured key with timingSafeEqual, always all of them, so the
 * time taken says nothing about which key or how much of it matched.
 */
export class ApiKeyAuthenticator {
  private readonly keys: KeyEntry[];

  constructor(options: AuthOptions) {
    if (options === null || typeof options !== 'object' || options.apiKeys === null || typeof options.apiKeys !== 'object') {
      throw new InvalidArgumentError('Invalid auth.apiKeys: expected an object of key -> { id, roles }');
    }
    this.keys = Object.entries(options.apiKeys).map(([key, principal], i) => {
      if (key.length < MIN_KEY_LENGTH) throw new InvalidArgumentError(`Invalid auth.apiKeys (key #${i + 1}, principal ${JSON.stringify((principal as Principal | undefined)?.id)}): keys must be at least ${MIN_KEY_LENGTH} characters`);
      return { digest: digest(key), principal: parsePrincipal(principal, `auth.apiKeys[#${i + 1}]`) };
    });
    if (this.keys.length === 0) throw new InvalidArgumentError('Invalid auth.apiKeys: give at least one key (leave auth out to serve without authentication)');
  }

  /** The principal of a request's headers; 401 when no key is presented or it matches none. */
  authenticate(headers: Record<string, string | string[] | undefined>): Principal {
    const presented = presentedKey(headers);
    if (presented === undefined) throw new HttpError(401, 'UNAUTHENTICATED', 'Authentication required: send Authorization: Bearer <api key> or X-API-Key', { 'www-authenticate': 'Bearer' });
    const d = digest(presented);
    let found: Principal | undefined;
    for (const entry of this.keys) {
      if (timingSafeEqual(entry.digest, d) && found === undefined) found = entry.principal;
    }
    if (found === undefined) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid API key', { 'www-authenticate': 'Bearer error="invalid_token"' });
    return found;
  }
}

/** The API key a request presents (Bearer token or X-API-Key), if any. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1] !== undefined) return m[1];
  }
  const key = headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}
