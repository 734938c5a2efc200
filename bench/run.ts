// `npm run bench` runs every suite; `npm run bench -- <suite> [<suite> …]` runs the named ones.
// Each prints a table (ours, a baseline measured in the same run, their ratio, the goal) and writes
// bench/results/<suite>.json.
import { fileURLToPath } from 'node:url';
import { table, writeLatest, writeResults } from './lib/report.js';
import type { BenchContext, BenchSuite } from './lib/types.js';
import { adaptersSuite } from './suites/adapters.js';
import { trackingSuite } from './suites/tracking.js';
import { registrySuite } from './suites/registry.js';
import { featuresSuite } from './suites/features.js';
import { monitoringSuite } from './suites/monitoring.js';
import { servingSuite } from './suites/serving.js';
import { serverSuite } from './suites/server.js';
import { dashboardSuite } from './suites/dashboard.js';
import { ingestSuite } from './suites/ingest.js';
import { tracingSuite } from './suites/tracing.js';
import { controlsSuite } from './suites/controls.js';
import { fleetSuite } from './suites/fleet.js';
import { hostImpactSuite } from './suites/host-impact.js';

const suites: BenchSuite[] = [adaptersSuite, trackingSuite, registrySuite, featuresSuite, monitoringSuite, servingSuite, serverSuite, dashboardSuite, ingestSuite, tracingSuite, controlsSuite, fleetSuite, hostImpactSuite];

const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
if (unknown.length > 0) {
  process.stderr.write(`Unknown suite(s): ${unknown.join(', ')}. Known: ${suites.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
const ctx: BenchContext = {
  log: (m) => process.stderr.write(`  … ${m}\n`),
  redisUrl: process.env.MLOPS_BENCH_REDIS_URL ?? process.env.MLOPS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15',
  pgUrl: process.env.MLOPS_BENCH_PG_URL ?? process.env.MLOPS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
};
let failed = false;
for (const suite of suites.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
  process.stdout.write(`\n## ${suite.name}: ${suite.description}\n`);
  try {
    const results = await suite.run(ctx);
    process.stdout.write(`${table(results)}\n`);
    const path = await writeResults(resultsDir, suite.name, results);
    process.stdout.write(`(written to ${path})\n`);
  } catch (err) {
    failed = true;
    process.stderr.write(`Suite ${suite.name} failed: ${(err as Error).stack ?? String(err)}\n`);
  }
}
process.stdout.write(`\nsummary of all suites: ${await writeLatest(resultsDir)}\n`);
process.exit(failed ? 1 : 0);
