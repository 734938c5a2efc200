import { InvalidArgumentError } from '../../core/errors.js';

/** Deeper than any tensor's rank plus its `parameters`; a request beyond it is refused before anything walks it. */
export const MAX_DEPTH = 64;

/**
 * Refuses a parsed body nested deeper than `max`, walking it without recursion: JSON.parse takes
 * any depth, but flat(), JSON.stringify and error formatting recurse and overflowed the stack at a
 * depth of about 10,000 (a 500 instead of a 400).
 */
export function checkDepth(value: unknown, field = 'request body', max = MAX_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) throw new InvalidArgumentError(`Invalid ${field}: nested deeper than ${max} levels`, { details: { field } });
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}
