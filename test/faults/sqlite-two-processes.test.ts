import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finished, spawnTs } from '../helpers/child.js';
import { tempDir } from '../helpers/services.js';

/** Window each process writes in, from the moment all are ready. The assertion compares counts, never this time. */
const WINDOW_MS = 3000;

async function contend(dir: string, names: string[], round: string): Promise<Record<string, number>> {
  const goFile = join(dir, `go-${round}`);
  const children = names.map((name) => {
    const child = spawnTs('test/fixtures/sqlite-contender.ts', [dir, name, goFile, String(WINDOW_MS)]);
    const ready = new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    return { name, ready, exit: finished(child) };
  });
  // Start together once every contender has opened the store: start-up time (tsx, migrations) never eats a window.
  await Promise.race([Promise.all(children.map((c) => c.ready)), Promise.all(children.map((c) => c.exit))]);
  await writeFile(goFile, '');
  const out: Record<string, number> = {};
  for (const { name, exit } of children) {
    const r = await exit;
    const m = /done (\d+) failed (\d+)/.exec(r.stdout);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m?.[2]), `${name} failed calls: ${r.stderr}`).toBe(0);
    out[name] = Number(m?.[1]);
  }
  return out;
}

describe('two processes writing one SQLite file', () => {
  it('both make progress, a trainer logging 1000-metric batches and a registry writer: each completes at least 25% of what it completes alone', async () => {
    const dir = await tempDir('mlops-two-');
    try {
      // Alone and together interleaved twice and summed, so that a change in the machine's load
      // during the test weighs on both sides of the comparison.
      let aloneA = 0;
      let aloneB = 0;
      const together = { a: 0, b: 0 };
      for (let round = 0; round < 2; round++) {
        aloneA += (await contend(dir.path, ['trainer'], `${round}-a`)).trainer as number;
        aloneB += (await contend(dir.path, ['registry'], `${round}-b`)).registry as number;
        const both = await contend(dir.path, ['trainer', 'registry'], `${round}-ab`);
        together.a += both.trainer as number;
        together.b += both.registry as number;
      }
      console.info(`alone: trainer ${aloneA}, registry ${aloneB}; together: trainer ${together.a}, registry ${together.b}`);
      expect(aloneA).toBeGreaterThan(20);
      expect(aloneB).toBeGreaterThan(20);
      expect(together.a).toBeGreaterThanOrEqual(0.25 * aloneA);
      expect(together.b).toBeGreaterThanOrEqual(0.25 * aloneB);
    } finally {
      await dir.remove();
    }
  }, 240_000);
});
