import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { finished, onStdoutLines, spawnTs } from '../helpers/child.js';
import { tempDir } from '../helpers/services.js';

const KILLS = 10;

interface Acks {
  runId?: string;
  versions: Map<number, string>;
  batches: number[];
}

/** Runs the writer until it has acknowledged `target` more writes, then SIGKILLs it a random few ms later. */
async function writeThenKill(dir: string, acks: Acks, target: number): Promise<void> {
  const nextBatch = acks.batches.length === 0 ? 0 : Math.max(...acks.batches) + 1;
  const child = spawnTs('test/fixtures/registry-crash-writer.ts', [dir, acks.runId ?? '', String(nextBatch)]);
  const done = finished(child);
  let seen = 0;
  await new Promise<void>((resolve) => {
    const giveUp = setTimeout(resolve, 60_000);
    onStdoutLines(child, (line) => {
      const [kind, what, a, b] = line.split(' ');
      if (kind === 'run') acks.runId = what;
      if (kind !== 'ack') return;
      if (what === 'version') acks.versions.set(Number(a), String(b));
      else acks.batches.push(Number(a));
      if (++seen === target) {
        clearTimeout(giveUp);
        // Kill at a moment unrelated to the acknowledgement: usually mid-registration or mid-batch.
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 2 + Math.random() * 40);
      }
    });
  });
  const exit = await done;
  expect(exit.signal, exit.stderr).toBe('SIGKILL');
  expect(seen, exit.stderr).toBeGreaterThanOrEqual(target);
}

describe('SIGKILL of a SQLite writer, recovery on reopen', () => {
  it(`keeps every acknowledged write and recovers abandoned registrations and temp files, ${KILLS} kills`, async () => {
    const dir = await tempDir('mlops-kill-');
    const acks: Acks = { versions: new Map(), batches: [] };
    let recovered = 0;
    try {
      for (let round = 0; round < KILLS; round++) {
        await writeThenKill(dir.path, acks, 3 + (round % 4));
        // Reopen as the next process would. Grace 0: the only writer is dead, so whatever is pending is abandoned.
        const ml = await createMlops({ dir: dir.path, env: {}, registry: { pendingGraceMs: 0, pollIntervalMs: 0 } });
        try {
          const { modelVersions } = await ml.registry.searchModelVersions({ filter: "name = 'crashy'", maxResults: 1000 });
          expect(modelVersions.filter((v) => v.status === 'PENDING_REGISTRATION')).toEqual([]);
          for (const [version, sha] of acks.versions) {
            const mv = modelVersions.find((v) => v.version === version);
            expect(mv, `acknowledged version ${version}`).toMatchObject({ status: 'READY', sha256: sha });
            const bytes = await ml.registry.readModelVersionArtifact('crashy', version);
            expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
          }
          const failed = modelVersions.filter((v) => v.status === 'FAILED_REGISTRATION');
          const audited = await ml.audit.query({ action: 'model_version.recover', limit: 10_000 });
          expect(audited.map((r) => (r.details as { version: number }).version).sort((a, b) => a - b)).toEqual(failed.map((v) => v.version).sort((a, b) => a - b));
          expect(audited.every((r) => r.actor === 'system')).toBe(true);
          recovered = failed.length;
          expect(await readdir(join(dir.path, 'artifacts', '.mlops-tmp'))).toEqual([]);
          if (acks.runId !== undefined) {
            const history = await ml.tracking.getMetricHistory(acks.runId, 'm0');
            const steps = new Set(history.map((p) => Math.floor(p.step / 100)));
            for (const b of acks.batches) expect(steps.has(b), `acknowledged batch ${b}`).toBe(true);
          }
          expect((await ml.audit.verify()).ok).toBe(true);
        } finally {
          await ml.close();
        }
        const db = new Database(join(dir.path, 'mlops.db'), { readonly: true });
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        } finally {
          db.close();
        }
      }
      expect(acks.versions.size).toBeGreaterThanOrEqual(KILLS);
      // Informational: how many registrations the kills interrupted (seen 6 in 10 before recovery existed).
      console.info(`${KILLS} kills: ${acks.versions.size} versions acknowledged, ${recovered} abandoned registrations marked failed`);
    } finally {
      await dir.remove();
    }
  }, 300_000);
});
