import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import type { ServingBus } from './events.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { Outputs } from './batcher.js';
import type { PredictInputs } from './inputs.js';
import type { ServedModel } from './served-model.js';

export interface Route {
  /** Route label in metrics and results, e.g. `champion`, `challenger`. */
  name: string;
  model: ServedModel;
  weight: number;
}

export interface RouterOptions {
  routes: Route[];
  /** Mirrored traffic: runs on every request, its outputs are logged (event `serving.shadow`), never returned. */
  shadow?: { name?: string; model: ServedModel };
}

/**
 * Champion/challenger traffic split by weight; with a sticky key (an account, an instrument) the
 * same key always takes the same route. A shadow model sees the same inputs; its outputs go to the
 * `serving.shadow` event only.
 */
export class ModelRouter {
  private readonly cumulative: number[];
  private readonly total: number;
  private readonly counter;

  constructor(
    readonly name: string,
    private readonly options: RouterOptions,
    private readonly events: ServingBus,
    metrics: MetricsRegistry,
  ) {
    if (!Array.isArray(options?.routes) || options.routes.length === 0) throw new InvalidArgumentError('Invalid routes: give at least one { name, model, weight }');
    let sum = 0;
    this.cumulative = options.routes.map((r, i) => {
      if (typeof r.name !== 'string' || r.name.length === 0) throw new InvalidArgumentError(`Invalid routes[${i}].name: a route needs a name`);
      if (!(typeof r.weight === 'number' && r.weight >= 0 && Number.isFinite(r.weight))) throw new InvalidArgumentError(`Invalid routes[${i}].weight: ${String(r.weight)} must be a number >= 0`);
      sum += r.weight;
      return sum;
    });
    if (sum <= 0) throw new InvalidArgumentError('Invalid routes: the weights add up to 0');
    this.total = sum;
    this.counter = metrics.counter({ name: 'route_predictions_total', help: 'Predictions per route of a router (shadow included)', labelNames: ['model', 'route'] as const });
  }

  /** The route a request takes: by weight, or fixed per sticky key. */
  pick(key?: string): Route {
    const x = key === undefined ? Math.random() * this.total : (createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32) * this.total;
    const i = this.cumulative.findIndex((c) => x < c);
    return this.options.routes[i === -1 ? this.options.routes.length - 1 : i] as Route;
  }

  async predict(inputs: PredictInputs, options: { key?: string } = {}): Promise<Outputs> {
    const route = this.pick(options.key);
    const shadow = this.options.shadow;
    if (shadow !== undefined) {
      const shadowName = shadow.name ?? 'shadow';
      void shadow.model.predict(inputs).then(
        (outputs) => {
          this.counter.inc({ model: this.name, route: shadowName });
          this.events.emit('serving.shadow', { model: this.name, route: shadowName, version: shadow.model.version, outputs });
        },
        (err: unknown) => this.events.emit('warning', { source: 'serving', message: `${this.name}: shadow ${shadowName} failed: ${(err as Error).message}`, cause: err }),
      );
    }
    const outputs = await route.model.predict(inputs);
    this.counter.inc({ model: this.name, route: route.name });
    this.lastRoute = route.name;
    return outputs;
  }

  /** The route of the most recent prediction (for tests and logs). */
  lastRoute: string | undefined;
}
