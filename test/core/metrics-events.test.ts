import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeferredCounter, DeferredObserver, MetricsRegistry } from '../../src/core/metrics.js';
import { EventBus } from '../../src/core/events.js';

describe('metrics', () => {
  it('prefixes names and keeps a private registry by default', async () => {
    const m = new MetricsRegistry();
    m.counter({ name: 'things_total', help: 'Things', labelNames: ['kind'] }).inc({ kind: 'a' }, 2);
    expect(m.isPrivate).toBe(true);
    const text = await m.text();
    expect(text).toContain('mlops_things_total{kind="a"} 2');
  });

  it('lets two runtimes share a host registry without a duplicate-name failure', async () => {
    const host = new Registry();
    const a = new MetricsRegistry(host);
    const b = new MetricsRegistry(host);
    const ca = a.counter({ name: 'shared_total', help: 'x' });
    const cb = b.counter({ name: 'shared_total', help: 'x' });
    expect(ca).toBe(cb);
    ca.inc();
    cb.inc();
    expect(await host.metrics()).toContain('mlops_shared_total 2');
    expect(() => b.gauge({ name: 'shared_total', help: 'x' })).toThrow(/already registered as a counter/);
  });

  it('keeps two private registries apart', async () => {
    const a = new MetricsRegistry();
    const b = new MetricsRegistry();
    a.gauge({ name: 'depth', help: 'x' }).set(3);
    b.gauge({ name: 'depth', help: 'x' }).set(5);
    expect(await a.text()).toContain('mlops_depth 3');
    expect(await b.text()).toContain('mlops_depth 5');
  });

  it('builds histograms with the given buckets', async () => {
    const m = new MetricsRegistry();
    m.histogram({ name: 'latency_seconds', help: 'x', buckets: [0.001, 0.01] }).observe(0.005);
    expect(await m.text()).toContain('mlops_latency_seconds_bucket{le="0.01"} 1');
  });
});

describe('event bus', () => {
  it('delivers typed events and unsubscribes', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.on('warning', (w) => seen.push(w.message));
    bus.emit('warning', { source: 'test', message: 'one' });
    off();
    bus.emit('warning', { source: 'test', message: 'two' });
    bus.once('warning', (w) => seen.push(`once:${w.message}`));
    bus.emit('warning', { source: 'test', message: 'three' });
    bus.emit('warning', { source: 'test', message: 'four' });
    expect(seen).toEqual(['one', 'once:three']);
    expect(bus.listenerCount('warning')).toBe(0);
  });

  it('lets a listener error reach the emitter', () => {
    const bus = new EventBus();
    bus.on('close', () => {
      throw new Error('listener failed');
    });
    expect(() => bus.emit('close')).toThrow('listener failed');
  });
});

describe('deferred metric recorders', () => {
  it('expose exactly what plain prom-client calls expose, across flushes and resets', async () => {
    const deferred = new MetricsRegistry();
    const plain = new MetricsRegistry();
    const spec = { name: 'deferred_check_seconds', help: 'check', labelNames: ['model', 'version'] as const, buckets: [0.001, 0.01, 0.1] };
    const h1 = deferred.histogram(spec);
    const h2 = plain.histogram(spec);
    const c1 = deferred.counter({ name: 'deferred_check_total', help: 'check', labelNames: ['model'] as const });
    const c2 = plain.counter({ name: 'deferred_check_total', help: 'check', labelNames: ['model'] as const });
    const a = new DeferredObserver(h1, { model: 'a', version: '1' });
    const b = new DeferredObserver(h1, { model: 'b', version: '2' });
    const count = new DeferredCounter(c1, c1.labels({ model: 'a' }));
    const values = Array.from({ length: 3000 }, (_, i) => [0.001, 0.01, 0.1, 5, (i % 97) / 1000][i % 5] as number);
    const feed = () => {
      values.forEach((v, i) => {
        (i % 3 === 0 ? b : a).observe(v);
        h2.observe({ model: i % 3 === 0 ? 'b' : 'a', version: i % 3 === 0 ? '2' : '1' }, v);
        count.inc();
        c2.inc({ model: 'a' });
      });
    };
    // Same lines; label sets may come out in another order (the first flush creates them).
    const lines = async (m: MetricsRegistry) => (await m.text()).split('\n').sort();
    feed();
    expect(await lines(deferred)).toEqual(await lines(plain));
    deferred.registry.resetMetrics();
    plain.registry.resetMetrics();
    feed();
    feed();
    expect(await lines(deferred)).toEqual(await lines(plain));
    expect(await deferred.text()).toContain('deferred_check_seconds_count{model="a",version="1"} 4000');
  });
});
