import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobBody } from './types.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Normalises any body to an async iterable of byte chunks. */
export async function* chunksOf(body: BlobBody): AsyncIterable<Uint8Array> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
  } else if (body instanceof Uint8Array) {
    yield body;
  } else {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    }
  }
}

/** Reads a stream to one buffer. */
export async function readAll(stream: Readable | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}
