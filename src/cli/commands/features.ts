import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, NotFoundError } from '../../core/errors.js';
import type { ApplyInput } from '../../features/types.js';
import { parse, positional, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { print, progress, table } from '../output.js';
import { openRuntime, withRuntime } from '../runtime-options.js';

/** A file named by a flag, as text; NOT_FOUND names the flag and the path when it cannot be read. */
export async function readTextFile(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new NotFoundError(`Cannot read ${field} ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
  }
}

export async function readJsonFile(path: string, field: string): Promise<unknown> {
  const text = await readTextFile(path, field);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidArgumentError(`Invalid ${field} ${JSON.stringify(path)}: not JSON (${(err as Error).message})`, { cause: err });
  }
}

export const featuresApply: Command = {
  name: 'features apply',
  summary: 'Create or update entities, feature views and services from a JSON file',
  help: 'mlops features apply <definitions.json>   ({ entities, views, services } as ml.features.apply takes)',
  async run(argv, o) {
    const p = parse(argv, {});
    const file = positional(p, 0, 'definitions.json');
    const defs = (await readJsonFile(file, 'definitions file')) as ApplyInput;
    const r = await withRuntime(p, (ml) => ml.features.apply(defs));
    print(o, r, () => (r.changed.length === 0 ? 'No changes' : table(['CHANGED'], r.changed.map((c) => [c]))));
  },
};

export const featuresMaterialize: Command = {
  name: 'features materialize',
  summary: 'Copy offline feature values into the online store for a time range',
  help: `mlops features materialize --start <time> --end <time> [--view <name>]...
mlops features materialize --incremental [--end <time>] [--view <name>]...
  times: ISO 8601 (2026-11-01T00:00:00Z) or milliseconds since the epoch; --end defaults to now`,
  async run(argv, o) {
    const p = parse(argv, { start: { type: 'string' }, end: { type: 'string' }, view: { type: 'string', multiple: true }, incremental: { type: 'boolean' } });
    const time = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
    const start = time(p.values.start);
    const end = time(p.values.end) ?? Date.now();
    if (!p.values.incremental && start === undefined) throw new UsageError('missing --start <time> (or --incremental)');
    const online = p.values.online ?? process.env.MLOPS_ONLINE;
    if (online === undefined || online === '' || online === 'memory' || online === 'memory://') {
      o.err('warning: the online store is in memory (no --online or MLOPS_ONLINE): the rows materialized here vanish when this command exits. Pass --online redis://host:6379/0 to keep them.');
    }
    const ml = await openRuntime(p);
    const bars = new Map<string, ReturnType<typeof progress>>();
    const off = ml.events.on('features.materialize.progress', (e) => {
      let bar = bars.get(e.view);
      if (bar === undefined) {
        bar = progress(o, `materialize ${e.view}`);
        bars.set(e.view, bar);
      }
      bar.update(e.written, e.total);
    });
    try {
      const views = p.values.view;
      const written = p.values.incremental
        ? await ml.features.materializeIncremental(end, views ? { views } : {})
        : await ml.features.materialize({ start: start as number | string, end, ...(views ? { views } : {}) });
      for (const [view, n] of Object.entries(written)) (bars.get(view) ?? progress(o, `materialize ${view}`)).finish(`${n.toLocaleString('en-US')} rows written`);
      print(o, written, () => table(['VIEW', 'ROWS WRITTEN'], Object.entries(written)));
    } finally {
      off();
      await ml.close();
    }
  },
};
