/**
 * Which row wins when two carry the same entity and the same event_ts, the same in the online and the
 * offline store and whatever order the writes arrive in (two processes pushing at once, a retried
 * batch, a materialization replaying rows):
 *
 *   the later `event_ts` wins; at an equal event_ts the later write time (`created_ts`, ms) wins;
 *   at an equal write time the larger value digest wins (a hash of the row's feature values).
 *
 * Both stores compare the same triple: the offline table keeps one row per (entity, event_ts), upserted
 * when the incoming (created_ts, digest) is larger; the online store writes `[created_ts, digest]` as
 * the tie of its compare-and-set. Equal digests mean equal values, so a retried batch changes nothing
 * but the write time.
 */

/** 53-bit FNV-style hash (cyrb53): cheap enough for every pushed row, exact as a double and a BIGINT. */
function cyrb53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The digest of a row's values, from their online encoding (JSON per feature, in schema order). */
export function valueDigest(encoded: readonly string[]): number {
  return cyrb53(encoded.join('\u0000'));
}

/** True when row a beats row b under the rule above (both of one entity). */
export function beats(a: { eventTs: number; digest: number }, b: { eventTs: number; digest: number }): boolean {
  return a.eventTs !== b.eventTs ? a.eventTs > b.eventTs : a.digest > b.digest;
}
