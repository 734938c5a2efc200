// `npm run demo`: what the runtime does today, on the embedded default (./.mlops), with no services.
// It grows into the full trading-signal walkthrough as tracking, registry, features, serving and
// monitoring land; every step it prints has run for real.
import { createMlops } from '../src/index.js';

function step(title: string): () => void {
  const t0 = performance.now();
  process.stdout.write(`• ${title} … `);
  return () => process.stdout.write(`done in ${(performance.now() - t0).toFixed(1)} ms\n`);
}

const ml = await createMlops();
try {
  process.stdout.write(`mlops runtime in ${ml.dir} as ${ml.principal.id} (${ml.principal.roles.join(', ')})\n`);
  const db = ml.stores.metadata;

  let done = step('migrating the demo schema (versioned, safe for concurrent starts)');
  await db.migrate('demo', [
    { version: 1, name: 'ticks', up: `CREATE TABLE IF NOT EXISTS demo_ticks (symbol TEXT NOT NULL, ts ${db.dialect.bigint} NOT NULL, px ${db.dialect.double} NOT NULL, PRIMARY KEY (symbol, ts))` },
  ]);
  done();

  const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN'];
  const start = Date.now();
  const rows = symbols.flatMap((symbol, s) =>
    Array.from({ length: 25_000 }, (_, i) => [symbol, start + i, 100 + s * 50 + Math.sin(i / 100) * 5] as [string, number, number]),
  );
  done = step(`writing ${rows.length.toLocaleString('en-US')} ticks in one transaction`);
  const t0 = performance.now();
  await db.insertMany('demo_ticks', ['symbol', 'ts', 'px'], rows, { onConflict: 'ON CONFLICT (symbol, ts) DO UPDATE SET px = excluded.px' });
  const insertMs = performance.now() - t0;
  done();

  done = step('computing the average price per symbol in SQL');
  const stats = await db.query<{ symbol: string; avg_px: number; n: number }>(
    'SELECT symbol, AVG(px) AS avg_px, COUNT(*) AS n FROM demo_ticks WHERE ts >= ? GROUP BY symbol ORDER BY symbol',
    [start],
  );
  done();

  done = step('storing a report artifact atomically, with its sha256');
  const report = JSON.stringify({ generatedAt: new Date().toISOString(), stats }, null, 2);
  const info = await ml.stores.artifacts.put('demo/report.json', report);
  done();

  done = step('pushing latest features to the online store and reading them in one round trip');
  await ml.stores.online.hsetMany(stats.map((s) => ({ key: `px:${s.symbol}`, fields: { avg_px: String(s.avg_px) }, ttlMs: 600_000 })));
  const online = await ml.stores.online.hmgetMany(stats.map((s) => ({ key: `px:${s.symbol}`, fields: ['avg_px'] })));
  done();

  process.stdout.write('\nSummary\n');
  for (const [i, s] of stats.entries()) {
    process.stdout.write(`  ${s.symbol.padEnd(5)} ticks=${Number(s.n).toLocaleString('en-US')} avg_px=${Number(s.avg_px).toFixed(3)} online=${Number(online[i]?.[0]).toFixed(3)}\n`);
  }
  process.stdout.write(`  insert rate: ${Math.round(rows.length / (insertMs / 1000)).toLocaleString('en-US')} rows/s\n`);
  process.stdout.write(`  artifact: ${ml.stores.artifacts.uri}/demo/report.json (${info.size} bytes, sha256 ${info.sha256.slice(0, 16)}…)\n`);
  const mismatch = stats.some((s, i) => Number(online[i]?.[0]) !== Number(s.avg_px));
  if (stats.length !== symbols.length || mismatch) throw new Error('demo check failed: online values differ from SQL');
} finally {
  await ml.close();
}
