import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every metric name the sources register (`name: 'batch_size'` becomes mlops_batch_size). */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/\bname: '([a-z_]+)'/g)) names.add(`mlops_${m[1]}`);
    }
  };
  walk(join(ROOT, 'src'));
  return names;
}

describe('examples/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'examples/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ id: number; title: string; targets: Array<{ expr: string }> }> };

  it('queries only metrics the library registers', () => {
    const known = registeredMetrics();
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bmlops_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))));
    expect([...used].filter((n) => !known.has(n))).toEqual([]);
  });

  it('has serving and HTTP panels: rate, p99, queue depth, batch size, 5xx', () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const needle of ['rate(mlops_predictions_total', 'mlops_prediction_duration_seconds_bucket', 'mlops_queue_depth', 'mlops_batch_size_sum', 'mlops_http_request_duration_seconds_bucket', 'status=~"5.."']) {
      expect(exprs).toContain(needle);
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });
});
