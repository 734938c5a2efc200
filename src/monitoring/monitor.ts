import { InvalidArgumentError } from '../core/errors.js';
import type { MonitoringBus } from './events.js';
import type { MetricsRegistry } from '../core/metrics.js';
import { systemClock, type Clock } from '../core/clock.js';
import { driftReport, type DriftOptions, type DriftReport } from './drift.js';
import { Reservoir, buildProfile, prng, toColumns, type Columns, type ReferenceProfile, type Rows } from './profile.js';
import type { Value } from './binning.js';

export interface MonitorOptions extends DriftOptions {
  /** The reference: a profile, or data to build one from. */
  reference: ReferenceProfile | Columns | Rows;
  /** Values kept per column and window (reservoir). Default 5000. */
  sampleSize?: number;
  /** Report on a schedule (and start a new window each time). */
  schedule?: { everyMs: number; minRows?: number };
}

export interface DataQuality {
  rows: number;
  nulls: number;
  nonFinite: number;
  outOfRange: number;
  unseenCategories: number;
}

/** What a monitor shares with the runtime. */
export interface MonitorHost {
  events: MonitoringBus;
  metrics: MetricsRegistry;
  /** The runtime's clock (report times); default the system clock. */
  clock?: Clock;
}

/**
 * Live drift and data quality for one model. Memory is bounded: each column keeps a reservoir sample
 * of `sampleSize` values per window plus a few counters, however many rows are observed.
 */
export class DriftMonitor {
  readonly reference: ReferenceProfile;
  private readonly windows = new Map<string, Reservoir>();
  private readonly quality = new Map<string, DataQuality>();
  private readonly random = prng(7);
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sampleSize: number;
  private readonly scoreGauge;
  private readonly shareGauge;
  private readonly datasetGauge;
  private readonly issues;

  constructor(
    readonly name: string,
    private readonly options: MonitorOptions,
    private readonly host: MonitorHost,
  ) {
    if (options === null || typeof options !== 'object' || options.reference === undefined) throw new InvalidArgumentError('Invalid monitor options: a reference is required');
    this.sampleSize = options.sampleSize ?? 5000;
    if (!Number.isSafeInteger(this.sampleSize) || this.sampleSize < 10) throw new InvalidArgumentError(`Invalid sampleSize: ${this.sampleSize} must be an integer >= 10`);
    const ref = options.reference as ReferenceProfile;
    this.reference = ref && typeof ref === 'object' && !Array.isArray(ref) && 'columns' in ref && 'createdAt' in ref ? ref : buildProfile(options.reference as Columns | Rows);
    for (const name of Object.keys(this.reference.columns)) {
      this.windows.set(name, new Reservoir(this.sampleSize, this.random));
      this.quality.set(name, { rows: 0, nulls: 0, nonFinite: 0, outOfRange: 0, unseenCategories: 0 });
    }
    const m = host.metrics;
    this.scoreGauge = m.gauge({ name: 'feature_drift_score', help: 'Drift score per column: the p-value (ks, chi-squared, z) or the distance', labelNames: ['model', 'feature'] as const });
    this.shareGauge = m.gauge({ name: 'drift_share', help: 'Share of columns that drifted in the last report', labelNames: ['model'] as const });
    this.datasetGauge = m.gauge({ name: 'dataset_drift', help: '1 when the last report found dataset drift', labelNames: ['model'] as const });
    this.issues = m.counter({ name: 'data_quality_issues_total', help: 'Nulls, non-finite numbers, values outside the reference range, unseen categories', labelNames: ['model', 'feature', 'kind'] as const });
    if (options.schedule) {
      const { everyMs, minRows = 100 } = options.schedule;
      if (!Number.isFinite(everyMs) || everyMs < 10) throw new InvalidArgumentError(`Invalid schedule.everyMs: ${everyMs} must be >= 10`);
      this.timer = setInterval(() => {
        if (this.rows >= minRows) this.report({ reset: true });
      }, everyMs);
      this.timer.unref();
    }
  }

  /** The last report made (by report(), a schedule or the dashboard); undefined before the first. */
  lastReport: (DriftReport & { at: number }) | undefined;

  /**
   * Reference and current distributions per column, for charts: numeric columns as `bins` equal-width
   * bins over both samples' range, categorical ones as counts per category (most frequent first).
   */
  histograms(bins = 20): Record<string, { kind: 'numeric' | 'categorical'; labels: string[]; reference: number[]; current: number[] }> {
    const out: Record<string, { kind: 'numeric' | 'categorical'; labels: string[]; reference: number[]; current: number[] }> = {};
    for (const [name, window] of this.windows) {
      const ref = this.reference.columns[name]?.sample ?? [];
      const cur = window.values;
      const numeric = [...ref, ...cur].every((v) => typeof v === 'number' || v === null);
      if (numeric) {
        const finite = (xs: readonly unknown[]) => xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        const r = finite(ref);
        const c = finite(cur);
        const all = [...r, ...c];
        if (all.length === 0) continue;
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of all) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const width = hi > lo ? (hi - lo) / bins : 1;
        const count = (xs: number[]) => {
          const h = new Array<number>(bins).fill(0);
          for (const v of xs) h[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
          return h.map((n) => (xs.length > 0 ? n / xs.length : 0));
        };
        out[name] = { kind: 'numeric', labels: Array.from({ length: bins }, (_, i) => (lo + (i + 0.5) * width).toPrecision(4)), reference: count(r), current: count(c) };
      } else {
        const tally = (xs: readonly unknown[]) => {
          const m = new Map<string, number>();
          for (const v of xs) m.set(String(v), (m.get(String(v)) ?? 0) + 1);
          return m;
        };
        const rm = tally(ref);
        const cm = tally(cur);
        const labels = [...new Set([...rm.keys(), ...cm.keys()])].sort((a, b) => (rm.get(b) ?? 0) + (cm.get(b) ?? 0) - (rm.get(a) ?? 0) - (cm.get(a) ?? 0)).slice(0, 30);
        out[name] = { kind: 'categorical', labels, reference: labels.map((l) => (rm.get(l) ?? 0) / Math.max(1, ref.length)), current: labels.map((l) => (cm.get(l) ?? 0) / Math.max(1, cur.length)) };
      }
    }
    return out;
  }

  /** Rows observed in the current window. */
  get windowRows(): number {
    return this.rows;
  }

  /** Adds model inputs (and optionally outputs) as rows or columns; unknown columns are ignored. */
  observe(inputs: Columns | Rows, outputs?: Columns | Rows): void {
    this.observeColumns(toColumns(inputs, 'inputs'));
    if (outputs !== undefined) this.observeColumns(toColumns(outputs, 'outputs'), false);
  }

  private observeColumns(columns: Columns, countRows = true): void {
    let n = 0;
    for (const [name, values] of Object.entries(columns)) {
      const window = this.windows.get(name);
      const profile = this.reference.columns[name];
      if (window === undefined || profile === undefined) continue;
      const q = this.quality.get(name) as DataQuality;
      n = Math.max(n, values.length);
      const numeric = profile.kind === 'num';
      const lo = profile.min ?? -Infinity;
      const hi = profile.max ?? Infinity;
      const seen = profile.categories;
      let nulls = 0;
      let nonFinite = 0;
      let outOfRange = 0;
      let unseen = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) {
          nulls++;
          continue;
        }
        if (numeric) {
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            nonFinite++;
            continue;
          }
          if (v < lo || v > hi) outOfRange++;
        } else if (seen !== undefined && seen[String(v)] === undefined) unseen++;
        window.offer(v as Value);
      }
      q.rows += values.length;
      q.nulls += nulls;
      q.nonFinite += nonFinite;
      q.outOfRange += outOfRange;
      q.unseenCategories += unseen;
      if (nulls) this.issues.inc({ model: this.name, feature: name, kind: 'null' }, nulls);
      if (nonFinite) this.issues.inc({ model: this.name, feature: name, kind: 'non_finite' }, nonFinite);
      if (outOfRange) this.issues.inc({ model: this.name, feature: name, kind: 'out_of_range' }, outOfRange);
      if (unseen) this.issues.inc({ model: this.name, feature: name, kind: 'unseen_category' }, unseen);
    }
    if (countRows) this.rows += n;
  }

  /** Data-quality counters per column for the current window. */
  dataQuality(): Record<string, DataQuality> {
    return Object.fromEntries([...this.quality].map(([k, v]) => [k, { ...v }]));
  }

  /** Drift of the current window against the reference; `reset` starts a new window. */
  report(options: { reset?: boolean } = {}): DriftReport {
    const reference: Record<string, unknown[]> = {};
    const current: Record<string, unknown[]> = {};
    const referenceRows: Record<string, number> = {};
    for (const [name, window] of this.windows) {
      const profile = this.reference.columns[name];
      if (profile === undefined || window.values.length === 0 || profile.sample.length === 0) continue;
      reference[name] = profile.sample;
      current[name] = window.values;
      referenceRows[name] = profile.rows;
    }
    const report = driftReport(reference, current, { ...this.options, referenceRows });
    for (const [feature, col] of Object.entries(report.columns)) this.scoreGauge.set({ model: this.name, feature }, col.pValue ?? col.statistic);
    this.shareGauge.set({ model: this.name }, report.share);
    this.datasetGauge.set({ model: this.name }, report.datasetDrift ? 1 : 0);
    this.host.events.emit('monitoring.report', { model: this.name, report });
    if (report.datasetDrift) this.host.events.emit('drift.detected', { model: this.name, report });
    this.lastReport = { ...report, at: (this.host.clock ?? systemClock).now() };
    if (options.reset) this.resetWindow();
    return report;
  }

  /** Same as report(): the name DESIGN.md uses. */
  driftReport(): DriftReport {
    return this.report();
  }

  resetWindow(): void {
    for (const w of this.windows.values()) w.clear();
    for (const q of this.quality.values()) Object.assign(q, { rows: 0, nulls: 0, nonFinite: 0, outOfRange: 0, unseenCategories: 0 });
    this.rows = 0;
  }

  readonly #closeHooks: Array<() => void> = [];

  /**
   * Adds a hook that runs once when the monitor closes (in the order added), e.g. to stop listening to
   * what feeds it. Returns a function that removes the hook.
   */
  addHook(name: 'close', fn: () => void): () => void {
    if (name !== 'close') throw new InvalidArgumentError(`Invalid hook: ${JSON.stringify(name)} (monitors have close)`);
    if (typeof fn !== 'function') throw new InvalidArgumentError(`Invalid hook: close needs a function, got ${typeof fn}`);
    this.#closeHooks.push(fn);
    return () => {
      const at = this.#closeHooks.indexOf(fn);
      if (at !== -1) this.#closeHooks.splice(at, 1);
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const fn of this.#closeHooks.splice(0)) fn();
  }
}
