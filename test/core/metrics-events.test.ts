import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/core/metrics.js';
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
