/**
 * A host's own timer beside a library call: a 1 ms timer chain that records how late each tick fires.
 * A trading service feels this lateness on every order it handles while the library works, so the
 * host-impact bench rows report its p99 and max next to the hot path that caused them.
 */
export interface HostTimerReport {
  /** How many times the timer fired while it ran. */
  ticks: number;
  /** Lateness of a tick beyond its 1 ms period, in ms. */
  p50: number;
  p99: number;
  max: number;
}

export interface HostTimer {
  stop(): HostTimerReport;
}

export function startHostTimer(periodMs = 1): HostTimer {
  const late: number[] = [];
  let expected = performance.now() + periodMs;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    late.push(Math.max(0, now - expected));
    expected = now + periodMs;
    timer = setTimeout(tick, periodMs);
  };
  timer = setTimeout(tick, periodMs);
  return {
    stop() {
      clearTimeout(timer);
      // The interval since the last tick counts too: a loop that never yields leaves no ticks at all.
      late.push(Math.max(0, performance.now() - expected));
      const sorted = late.sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
      return { ticks: late.length - 1, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? 0 };
    },
  };
}

/** Runs `fn` in a loop for `ms` with the host timer beside it; returns the timer's report and the calls made. */
export async function hostImpact(ms: number, fn: () => Promise<unknown> | unknown): Promise<HostTimerReport & { calls: number }> {
  const timer = startHostTimer();
  const end = performance.now() + ms;
  let calls = 0;
  while (performance.now() < end) {
    await fn();
    calls++;
  }
  return { ...timer.stop(), calls };
}
