/** Drives one operation in a loop through a store outage and reports what its callers saw. */
import { expect } from 'vitest';

/** A caller must hear UNAVAILABLE within this long of asking, while the store is down (ms). */
export const BOUNDED_MS = 3000;
/** Service must resume within this long of the store answering again (ms). */
export const RESUME_MS = 2000;

/** The embedding contract over one outage: calls were made, each failed with UNAVAILABLE in bounded time, and service resumed by itself. */
export function expectOutageContract(report: Pick<OutageReport<unknown>, 'failures' | 'resumeMs'>): void {
  expect(report.failures.length, 'calls made while the store was down').toBeGreaterThan(0);
  for (const f of report.failures) {
    expect(f.code, f.message).toBe('UNAVAILABLE');
    expect(f.ms, f.message).toBeLessThan(BOUNDED_MS);
  }
  expect(report.resumeMs).toBeLessThan(RESUME_MS);
}

export interface OutageReport<T> {
  /** Results of calls that succeeded (acknowledged writes), in order. */
  acked: T[];
  /** Calls that failed: their error code and how long the caller waited for the error (ms). */
  failures: Array<{ code: string; ms: number; message: string }>;
  /** From the moment the store was back (up() resolved) to the first call that succeeded after it (ms). */
  resumeMs: number;
}

export interface OutagePlan {
  /** Acknowledged calls before the store goes down. */
  before: number;
  /** How long the store stays down (ms). */
  outageMs: number;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Acknowledged calls after service resumed. Default 5. */
  after?: number;
}

/**
 * Calls `op(i)` one after another: `before` successes, then `down()`, calls for `outageMs`, `up()`,
 * and calls until `after` more have succeeded. Throws if that takes longer than a minute.
 */
export async function throughOutage<T>(op: (i: number) => Promise<T>, plan: OutagePlan): Promise<OutageReport<T>> {
  const acked: T[] = [];
  const failures: OutageReport<T>['failures'] = [];
  const deadline = Date.now() + 60_000;
  let downAt: number | undefined;
  let upAt: number | undefined;
  let resumedAt: number | undefined;
  let afterUp = 0;
  for (let i = 0; afterUp < (plan.after ?? 5); i++) {
    if (Date.now() > deadline) throw new Error(`no recovery: ${acked.length} acknowledged, ${failures.length} failed`);
    if (downAt === undefined && acked.length >= plan.before) {
      await plan.down();
      downAt = Date.now();
    }
    if (downAt !== undefined && upAt === undefined && Date.now() - downAt >= plan.outageMs) {
      await plan.up();
      upAt = Date.now();
    }
    const started = Date.now();
    try {
      acked.push(await op(i));
      if (upAt !== undefined) {
        resumedAt ??= Date.now();
        afterUp += 1;
      }
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      failures.push({ code: String(e.code), ms: Date.now() - started, message: String(e.message) });
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return { acked, failures, resumeMs: (resumedAt as number) - (upAt as number) };
}
