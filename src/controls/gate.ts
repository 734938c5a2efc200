import { createHash } from 'node:crypto';
import type { Tensor } from 'onnxruntime-node';
import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import { HaltedError } from '../core/errors.js';
import type { ControlsBus } from './events.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { AuditSink } from '../governance/index.js';
import type { Outputs, PredictGate } from '../serving/index.js';
import type { SafeAnswer } from './fallback.js';
import type { GuardRunner, Violation } from './guards.js';
import type { Halt, HaltBoard } from './halt-board.js';
import { describeTarget } from './targets.js';

/** The first violations each minute per model are audited; the rest are counted only. */
export const AUDITED_VIOLATIONS_PER_MINUTE = 10;

export interface GateDeps {
  board: HaltBoard;
  sql: SqlDriver;
  audit: AuditSink;
  clock: Clock;
  events: ControlsBus;
  metrics: MetricsRegistry;
}

/** sha256 of the request's inputs (names and bytes): ties an audited violation to its input without storing it. */
export function inputsHash(tensors: Record<string, Pick<Tensor, 'data'>>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(tensors).sort()) {
    const data = tensors[name]?.data as ArrayLike<unknown> & Partial<ArrayBufferView>;
    h.update(name).update('\0');
    if (data?.buffer instanceof ArrayBuffer || data?.buffer instanceof SharedArrayBuffer) h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else h.update(JSON.stringify(Array.from(data ?? [])));
  }
  return h.digest('hex');
}

/**
 * The controls around one served model: the kill switch (checked when a request arrives and again
 * when its batch has run, so no answer leaves after a halt took effect here) and the output guards.
 */
export class ControlGate implements PredictGate {
  private seen = -1;
  private halt: Halt | undefined;
  private windowStart = 0;
  private audited = 0;

  constructor(
    private readonly deps: GateDeps,
    /** Registered name (or served name for a file), what halts name. */
    readonly model: string,
    /** The alias it was loaded by, what route halts name. */
    readonly route: string | undefined,
    private readonly version: () => number | null,
    private readonly safe: SafeAnswer | undefined,
    private guards: GuardRunner | undefined,
  ) {}

  /** Replaces the guards (a hot swap to a version that stores other guards). */
  useGuards(guards: GuardRunner | undefined): void {
    this.guards = guards;
  }

  private current(): Halt | undefined {
    const board = this.deps.board;
    if (board.generation !== this.seen) {
      this.seen = board.generation;
      this.halt = board.match(this.model, this.route);
    }
    return this.halt;
  }

  get halted(): Halt | undefined {
    return this.current();
  }

  private refuse(h: Halt): never {
    throw new HaltedError(`Model ${this.model}${this.route ? `@${this.route}` : ''} is halted (${describeTarget(h.target)} halted by ${h.haltedBy} at ${new Date(h.since).toISOString()}: ${h.reason})`, {
      details: { model: this.model, haltedBy: h.haltedBy, since: h.since },
    });
  }

  admit(rows: number): Outputs | undefined {
    const h = this.current();
    if (h === undefined) return undefined;
    if (this.safe !== undefined) return this.safe.outputs(rows);
    return this.refuse(h);
  }

  release(outputs: Outputs, tensors: Record<string, Tensor>): Outputs {
    const rows = rowsOf(tensors);
    const h = this.current();
    if (h !== undefined) {
      if (this.safe !== undefined) return this.safe.outputs(rows);
      this.refuse(h);
    }
    if (this.guards === undefined) return outputs;
    try {
      const r = this.guards.apply(outputs, rows, this.model);
      if (r.violations.length > 0) this.report(r.violations, tensors);
      return r.outputs;
    } catch (err) {
      const details = (err as { details?: { violations?: number } }).details;
      if (details !== undefined) this.reportRejected(err as Error, tensors);
      throw err;
    }
  }

  private reportRejected(err: Error & { details?: Record<string, unknown> }, tensors: Record<string, Tensor>): void {
    const d = err.details as { output: string; guard: Violation['guard']; value: number };
    this.report([{ output: d.output, guard: d.guard, index: 0, value: d.value }], tensors, 'reject');
  }

  private report(violations: Violation[], tensors: Record<string, Tensor>, action = this.guards?.policy ?? 'reject'): void {
    const { metrics, events } = this.deps;
    const counter = metrics.counter({ name: 'guard_violations_total', help: 'Output guard violations (ml.serving.load guards)', labelNames: ['model', 'output', 'guard'] as const });
    const version = this.version();
    for (const v of violations) {
      counter.inc({ model: this.model, output: v.output, guard: v.guard });
      events.emit('controls.guard.violation', { model: this.model, version, output: v.output, guard: v.guard, value: v.value, action });
    }
    const now = this.deps.clock.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.audited = 0;
    }
    if (this.audited >= AUDITED_VIOLATIONS_PER_MINUTE) return;
    this.audited += 1;
    const first = violations[0] as Violation;
    const hash = inputsHash(tensors);
    // Written after the answer, off the request path; a store that fails costs a warning, not the request.
    void this.deps.sql
      .transaction((tx) =>
        this.deps.audit.append(tx, {
          actor: 'system',
          action: 'controls.guard_violation',
          resourceKind: 'registered_model',
          resource: this.model,
          details: { version, output: first.output, guard: first.guard, value: Number.isFinite(first.value) ? first.value : String(first.value), violations: violations.length, action, inputSha256: hash },
        }),
      )
      .catch((err: unknown) => events.emit('warning', { source: 'controls', message: `${this.model}: a guard violation could not be audited`, cause: err }));
  }
}

function rowsOf(tensors: Record<string, Pick<Tensor, 'dims'>>): number {
  for (const t of Object.values(tensors)) return Number(t.dims[0] ?? 1);
  return 1;
}
