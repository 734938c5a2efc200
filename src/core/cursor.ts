/** Opaque list cursors: the last key of the previous page. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
