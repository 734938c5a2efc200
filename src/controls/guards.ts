import { FailedPreconditionError, InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature } from '../registry/index.js';
import { VIOLATION_POLICIES, type GuardSpec, type OutputGuard, type Outputs, type ViolationPolicy } from '../serving/index.js';
import type { SafeAnswer } from './fallback.js';

// The guard types are part of serving's load options (serving owns that contract); re-exported here.
export type { GuardSpec, OutputGuard, ViolationPolicy } from '../serving/index.js';

export interface Violation {
  output: string;
  guard: 'min' | 'max' | 'finite' | 'maxAbsChange';
  /** Index in the output's flat data. */
  index: number;
  value: number;
}

const GUARD_FIELDS = ['min', 'max', 'finite', 'maxAbsChange'] as const;

/** Checks guards against the model's outputs; nothing is loaded or stored when one is wrong. */
export function checkGuards(value: unknown, signature: ModelSignature | null, field = 'guards'): GuardSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`Invalid ${field}: expected { <output>: { min, max, finite, maxAbsChange } }`, { details: { field } });
  const names = signature?.outputs.map((o) => o.name);
  const out: GuardSpec = {};
  for (const [output, g] of Object.entries(value as Record<string, unknown>)) {
    const f = `${field}.${output}`;
    if (names !== undefined && !names.includes(output)) throw new InvalidArgumentError(`Invalid ${f}: the model has no output ${output} (outputs: ${names.join(', ')})`, { details: { field: f } });
    if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new InvalidArgumentError(`Invalid ${f}: expected { min, max, finite, maxAbsChange }`, { details: { field: f } });
    const guard: OutputGuard = {};
    for (const [k, v] of Object.entries(g as Record<string, unknown>)) {
      if (!(GUARD_FIELDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`Invalid ${f}.${k}: guards are ${GUARD_FIELDS.join(', ')}`, { details: { field: `${f}.${k}` } });
      if (v === undefined) continue;
      if (k === 'finite') {
        if (typeof v !== 'boolean') throw new InvalidArgumentError(`Invalid ${f}.finite: ${JSON.stringify(v)} must be true or false`, { details: { field: `${f}.finite` } });
        guard.finite = v;
      } else {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`Invalid ${f}.${k}: ${JSON.stringify(v)} must be a finite number`, { details: { field: `${f}.${k}` } });
        if (k === 'maxAbsChange' && v < 0) throw new InvalidArgumentError(`Invalid ${f}.maxAbsChange: ${v} must be >= 0`, { details: { field: `${f}.maxAbsChange` } });
        guard[k as 'min' | 'max' | 'maxAbsChange'] = v;
      }
    }
    if (guard.min !== undefined && guard.max !== undefined && guard.min > guard.max) {
      throw new InvalidArgumentError(`Invalid ${f}: min ${guard.min} is above max ${guard.max}`, { details: { field: f } });
    }
    if (Object.keys(guard).length === 0) throw new InvalidArgumentError(`Invalid ${f}: give at least one of ${GUARD_FIELDS.join(', ')}`, { details: { field: f } });
    out[output] = guard;
  }
  return out;
}

export function checkPolicy(value: unknown, field = 'onViolation'): ViolationPolicy {
  if (value === undefined) return 'reject';
  if (!(VIOLATION_POLICIES as readonly unknown[]).includes(value)) throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value)} must be one of ${VIOLATION_POLICIES.join(', ')}`, { details: { field } });
  return value as ViolationPolicy;
}

/**
 * Applies guards to one request's outputs. Never changes the arrays it was given (a batch-1 answer
 * is onnxruntime's own tensor): a clamped or replaced output is a copy. `last` keeps the previous
 * answered value per output element, for maxAbsChange.
 */
export class GuardRunner {
  private readonly last = new Map<string, Float64Array>();

  constructor(
    readonly guards: GuardSpec,
    readonly policy: ViolationPolicy,
    private readonly safe: SafeAnswer | undefined,
  ) {}

  /** Returns the outputs to answer with, and the violations seen; throws on reject. */
  apply(outputs: Outputs, rows: number, model: string): { outputs: Outputs; violations: Violation[] } {
    const violations: Violation[] = [];
    const fixed: Record<string, { [i: number]: unknown; length: number }> = {};
    const badRows = new Set<number>();
    for (const [name, guard] of Object.entries(this.guards)) {
      const out = outputs[name];
      if (out === undefined) continue;
      const data = out.data as ArrayLike<number | bigint>;
      const n = data.length;
      const width = rows > 0 ? Math.max(1, Math.floor(n / rows)) : n;
      let prev = this.last.get(name);
      if (guard.maxAbsChange !== undefined && (prev === undefined || prev.length !== width)) {
        prev = new Float64Array(width).fill(Number.NaN);
        this.last.set(name, prev);
      }
      for (let i = 0; i < n; i++) {
        const v = Number(data[i]);
        let x = v;
        const hit = (g: Violation['guard']) => violations.push({ output: name, guard: g, index: i, value: v });
        if (!Number.isFinite(v)) {
          if (guard.finite) {
            hit('finite');
            badRows.add(Math.floor(i / width));
          }
          continue;
        }
        if (guard.min !== undefined && x < guard.min) {
          hit('min');
          x = guard.min;
        }
        if (guard.max !== undefined && x > guard.max) {
          hit('max');
          x = guard.max;
        }
        if (guard.maxAbsChange !== undefined && prev !== undefined) {
          const p = prev[i % width] as number;
          if (!Number.isNaN(p) && Math.abs(x - p) > guard.maxAbsChange) {
            hit('maxAbsChange');
            x = x > p ? p + guard.maxAbsChange : p - guard.maxAbsChange;
          }
        }
        if (x !== v) {
          badRows.add(Math.floor(i / width));
          if (this.policy === 'clamp') {
            const copy = (fixed[name] ??= copyOf(data));
            copy[i] = typeof data[i] === 'bigint' ? BigInt(Math.round(x)) : x;
          }
        }
      }
    }
    if (violations.length === 0) {
      this.remember(outputs, rows);
      return { outputs, violations };
    }
    const first = violations[0] as Violation;
    const nonFinite = violations.some((v) => v.guard === 'finite');
    if (this.policy === 'reject' || (this.policy === 'clamp' && nonFinite)) {
      throw new FailedPreconditionError(
        `Output guard of ${model}: ${first.output}[${first.index}] = ${first.value} breaks ${first.guard}${describeGuard(this.guards[first.output] as OutputGuard, first.guard)}${violations.length > 1 ? ` (${violations.length} violations in this request)` : ''}; nothing was answered`,
        { details: { output: first.output, guard: first.guard, value: first.value, violations: violations.length } },
      );
    }
    let result: Outputs = outputs;
    if (this.policy === 'clamp') {
      result = { ...outputs };
      for (const [name, data] of Object.entries(fixed)) {
        const out = outputs[name] as Outputs[string];
        result[name] = { data: data as ArrayLike<unknown>, dims: out.dims, type: out.type };
      }
    } else {
      // fallback: each row with a violation gets the safe answer in every output.
      result = {};
      for (const [name, out] of Object.entries(outputs)) {
        const data = copyOf(out.data as ArrayLike<number | bigint>);
        const big = typeof data[0] === 'bigint';
        for (const r of badRows) this.safe?.fill(name, data, r, big);
        result[name] = { data: data as ArrayLike<unknown>, dims: out.dims, type: out.type };
      }
    }
    this.remember(result, rows);
    return { outputs: result, violations };
  }

  private remember(outputs: Outputs, rows: number): void {
    for (const [name, prev] of this.last) {
      const data = outputs[name]?.data as ArrayLike<number | bigint> | undefined;
      if (data === undefined || rows === 0) continue;
      const start = (rows - 1) * prev.length;
      for (let j = 0; j < prev.length; j++) {
        const v = Number(data[start + j]);
        if (Number.isFinite(v)) prev[j] = v;
      }
    }
  }
}

function copyOf(data: ArrayLike<number | bigint>): { [i: number]: unknown; length: number } {
  const d = data as unknown as { slice?: () => { [i: number]: unknown; length: number } };
  return typeof d.slice === 'function' ? d.slice() : Array.from(data);
}

function describeGuard(g: OutputGuard, which: Violation['guard']): string {
  if (which === 'min') return ` (min ${g.min})`;
  if (which === 'max') return ` (max ${g.max})`;
  if (which === 'maxAbsChange') return ` (maxAbsChange ${g.maxAbsChange})`;
  return ' (finite)';
}
