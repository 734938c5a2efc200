import type { Readable } from 'node:stream';

/** What `put` accepts: bytes, text (UTF-8), or a stream of chunks. */
export type BlobBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

/** A listed object. */
export interface BlobEntry {
  key: string;
  size: number;
  /** Milliseconds since the epoch. */
  lastModified: number;
}

/** A stored object with its checksum. */
export interface BlobInfo extends BlobEntry {
  /** Lowercase hex sha256 of the content. */
  sha256: string;
}

export interface BlobListOptions {
  /** Largest number of entries in one page. Default 1000. */
  limit?: number;
  /** Opaque token from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface BlobListPage {
  entries: BlobEntry[];
  /** Present when more entries follow. */
  nextCursor?: string;
}

/**
 * The contract every artifact store implements. Keys are `/`-separated relative paths; any key that
 * could escape the store's root is refused with INVALID_ARGUMENT before anything is touched.
 */
export interface BlobStore {
  /** A URI naming the store's root (`file:///…`, `s3://bucket/prefix`), for run artifact URIs. */
  readonly uri: string;
  /** Writes the object whole or not at all; a reader never sees a partial object. */
  put(key: string, body: BlobBody, options?: { contentType?: string }): Promise<BlobInfo>;
  /** Reads the whole object. NOT_FOUND when absent. */
  get(key: string): Promise<Uint8Array>;
  /** Streams the object. NOT_FOUND when absent. */
  getStream(key: string): Promise<Readable>;
  /** Size, time and sha256, or undefined when absent. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Entries whose key starts with `prefix`, in key order, a page at a time. */
  list(prefix: string, options?: BlobListOptions): Promise<BlobListPage>;
  /** Removes the object; true when it existed. */
  delete(key: string): Promise<boolean>;
  close(): Promise<void>;
}
