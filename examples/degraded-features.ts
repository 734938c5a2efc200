// Degrading by policy when the online store is down: a trading service keeps predicting from the
// offline store (slower, marked degraded, counted in a metric) instead of failing every request.
// The outage here is simulated with an online store that refuses every call, as a Redis that is down
// does (UNAVAILABLE); with Redis nothing changes but the URL.
// Run: npx tsx examples/degraded-features.ts
import { UnavailableError, createMlops, type KvStore } from '@trademaster/mlops';
import { buildMlp } from '@trademaster/mlops/testing';
import { createMemoryKvStore } from '@trademaster/mlops/adapters';

let down = false;
const memory = createMemoryKvStore();
const online = new Proxy(memory, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver) as unknown;
    if (typeof value !== 'function' || prop === 'close') return value;
    return (...args: unknown[]) => {
      if (down) return Promise.reject(new UnavailableError('Redis unavailable during hmgetMany: connect ECONNREFUSED'));
      return (value as (...a: unknown[]) => unknown).apply(target, args);
    };
  },
}) as KvStore;

const ml = await createMlops({ online });
try {
  await ml.features.apply({
    entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
    views: [{ name: 'px', entities: ['instrument'], ttl: '10m', schema: { vwap_5m: 'float64', vol_1h: 'float64' } }],
    services: [{ name: 'signal-v1', features: ['px:vwap_5m', 'px:vol_1h'] }],
  });
  await ml.features.push('px', [{ symbol: 'AAPL', event_ts: Date.now() - 1000, vwap_5m: 189.4, vol_1h: 0.21 }]);

  // Y = X, so the output shows the features that were joined.
  const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 0, 0, 1], bias: [0, 0], activation: 'none' }] });
  const model = await ml.serving.load({ bytes, name: 'signal' }, { features: { service: 'signal-v1', onUnavailable: 'offline' } });

  down = true; // the online store goes away
  try {
    await ml.features.getOnline({ featureService: 'signal-v1', entities: [{ symbol: 'AAPL' }] });
  } catch (err) {
    console.log('default policy (fail):', (err as UnavailableError).code);
  }
  const degraded = await ml.features.getOnline({ featureService: 'signal-v1', entities: [{ symbol: 'AAPL' }], onUnavailable: 'offline' });
  console.log('offline policy:', degraded.degraded, degraded.rows[0]?.values, degraded.rows[0]?.status);
  console.log('prediction while down:', Array.from((await model.predict({ entities: [{ symbol: 'AAPL' }] })).Y?.data as Float32Array));
  console.log((await ml.metrics.text()).split('\n').find((l) => /^\w*feature_online_degraded_reads_total\{/.test(l)));
} finally {
  await ml.close();
}
