import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FailedPreconditionError } from './errors.js';

export const METRIC_PREFIX = 'mlops_';

interface MetricSpec<L extends string> {
  /** Name without the `mlops_` prefix. */
  name: string;
  help: string;
  labelNames?: readonly L[];
}

interface HistogramSpec<L extends string> extends MetricSpec<L> {
  buckets: number[];
}

/**
 * The runtime's metrics. Uses the host's prom-client Registry when one is given, else a private one.
 * Metrics are get-or-create by name: two runtimes in one process that share a host registry share the
 * metric objects instead of failing on a duplicate registration.
 */
export class MetricsRegistry {
  readonly registry: Registry;
  readonly isPrivate: boolean;

  constructor(host?: Registry) {
    this.registry = host ?? new Registry();
    this.isPrivate = host === undefined;
  }

  counter<L extends string>(spec: MetricSpec<L>): Counter<L> {
    return this.getOrCreate(spec.name, 'counter', (name) =>
      new Counter<L>({ name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.registry] }),
    );
  }

  gauge<L extends string>(spec: MetricSpec<L>): Gauge<L> {
    return this.getOrCreate(spec.name, 'gauge', (name) =>
      new Gauge<L>({ name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.registry] }),
    );
  }

  histogram<L extends string>(spec: HistogramSpec<L>): Histogram<L> {
    return this.getOrCreate(spec.name, 'histogram', (name) =>
      new Histogram<L>({
        name,
        help: spec.help,
        labelNames: spec.labelNames ?? [],
        buckets: spec.buckets,
        registers: [this.registry],
      }),
    );
  }

  /** Prometheus text exposition of every metric in the registry. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M>(shortName: string, type: string, create: (name: string) => M): M {
    const name = shortName.startsWith(METRIC_PREFIX) ? shortName : METRIC_PREFIX + shortName;
    const existing = this.registry.getSingleMetric(name) as unknown as
      | { get?: () => unknown; constructor: { name: string } }
      | undefined;
    if (existing !== undefined) {
      const existingType = existing.constructor.name.toLowerCase();
      if (existingType !== type) {
        throw new FailedPreconditionError(
          `Metric ${name} is already registered as a ${existingType}, cannot use it as a ${type}`,
        );
      }
      return existing as unknown as M;
    }
    return create(name);
  }
}
