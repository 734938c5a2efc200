/** One measured figure, ours beside a baseline measured in the same run. */
export interface BenchResult {
  suite: string;
  name: string;
  /** Unit of `ours` and `baseline`, e.g. 'rows/s' or 'us p50'. */
  unit: string;
  ours: number;
  /** The same work done with the raw library; null where no baseline applies. */
  baseline: number | null;
  /** How we compare, >1 is better than the baseline: ours/baseline for rates, baseline/ours for times. */
  ratio: number | null;
  /** The goal from the issue, e.g. 'ratio >= 0.8' or '<= 6 ms'. */
  goal: string;
  /** Whether the goal was met in this run. */
  met?: boolean;
}

export interface BenchContext {
  /** Prints progress on stderr so tables on stdout stay clean. */
  log(message: string): void;
  redisUrl: string;
  pgUrl: string;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}
