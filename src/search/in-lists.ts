/** Splits a list into chunks for `IN (…)` lists that stay under parameter limits. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function placeholders(n: number): string {
  return new Array<string>(n).fill('?').join(', ');
}
