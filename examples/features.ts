// Feature store: definitions, pushes, online reads with ttl status, point-in-time training data,
// materialization and streaming ingest. Uses the online store createMlops() is configured with:
// memory by default, Redis with MLOPS_ONLINE=redis://127.0.0.1:6379/0?prefix=demo:
// Run: npx tsx examples/features.ts
import { createMlops } from '@trademaster/mlops';

const ml = await createMlops();
try {
  await ml.features.apply({
    entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
    views: [{ name: 'px', entities: ['instrument'], ttl: '10m', schema: { vwap_5m: 'float64', vol_1h: 'float64' }, owner: 'market-data' }],
    services: [{ name: 'signal-v1', features: ['px:vwap_5m', 'px:vol_1h'] }],
  });

  const now = Date.now();
  // Every row is validated against the schema; one bad row rejects the whole batch.
  await ml.features.push('px', [
    { symbol: 'AAPL', event_ts: now - 60_000, vwap_5m: 189.4, vol_1h: 0.21 },
    { symbol: 'MSFT', event_ts: now - 20 * 60_000, vwap_5m: 410.2, vol_1h: 0.18 }, // older than the 10 minute ttl
  ]);

  // One round trip for all entities; the ttl is enforced when reading.
  const online = await ml.features.getOnline({ featureService: 'signal-v1', entities: [{ symbol: 'AAPL' }, { symbol: 'MSFT' }, { symbol: 'TSLA' }] });
  for (const row of online.rows) console.log(row.values, row.status);

  // Point-in-time training data: each row sees the values as of its own time.
  const training = await ml.features.getHistorical({
    features: ['px:vwap_5m'],
    entityRows: [
      { symbol: 'AAPL', event_ts: now - 90_000 }, // before the AAPL row: null
      { symbol: 'AAPL', event_ts: now },
    ],
  });
  console.log(training);

  // Batch jobs write offline; materialization copies the latest value per entity online.
  await ml.features.push('px', [{ symbol: 'NVDA', event_ts: now - 1000, vwap_5m: 950.5, vol_1h: 0.4 }], { to: 'offline' });
  ml.events.on('features.materialize.progress', (p) => console.log(`materialized ${p.written} entities of ${p.view}`));
  await ml.features.materializeIncremental(now);

  // Streams: any async iterable of rows (or redisStreamSource from @trademaster/mlops/redis for a Redis Stream with consumer groups).
  async function* ticks() {
    for (let i = 0; i < 100; i++) yield { symbol: 'AAPL', event_ts: now + i, vwap_5m: 189 + i / 100 };
  }
  console.log('ingested', await ml.features.ingest('px', ticks(), { batchSize: 50 }));
  const latest = await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'AAPL' }, { symbol: 'NVDA' }] });
  console.log(latest.rows.map((r) => r.values));
} finally {
  await ml.close();
}
