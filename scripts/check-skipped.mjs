// Fails when a suite that needs PostgreSQL, Redis, S3, RabbitMQ or Chromium was skipped, or when none of them ran:
// in CI the services are there, so a skip means a broken setup, not a missing service.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/vitest-results.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
// [faults]: the fault-injection suite (test/faults/), which needs initdb, pg_ctl and redis-server.
const tags = ['postgres', 'redis', 's3', 'browser', 'rabbitmq', 'faults'];
const ran = Object.fromEntries(tags.map((t) => [t, 0]));
const skipped = [];
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    const name = test.fullName ?? [...(test.ancestorTitles ?? []), test.title].join(' > ');
    const hit = tags.filter((t) => name.toLowerCase().includes(`[${t}]`));
    if (hit.length === 0) continue;
    if (test.status === 'passed') hit.forEach((t) => (ran[t] += 1));
    else if (test.status !== 'failed') skipped.push(`${test.status}: ${name}`);
  }
}
const missing = tags.filter((t) => ran[t] === 0);
if (skipped.length > 0 || missing.length > 0) {
  if (skipped.length > 0) console.error(`service-backed tests not run:\n  ${skipped.join('\n  ')}`);
  if (missing.length > 0) console.error(`no passing test tagged ${missing.map((t) => `[${t}]`).join(', ')}`);
  process.exit(1);
}
console.log(`service-backed tests passed: ${tags.map((t) => `[${t}] ${ran[t]}`).join(', ')}`);
