import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/adapters/sql/sqlite-driver.js';
import { openLocalBlobStore } from '../../src/adapters/blob/local-store.js';
import { payloadFor } from '../fixtures/crash-writer.js';
import { spawnTs, finished } from '../helpers/child.js';
import { tempDir } from '../helpers/services.js';

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

describe('crash safety of the embedded stores', () => {
  it('removes on open the temp files of writers that are gone, and keeps those of live ones', async () => {
    const dir = await tempDir('mlops-temps-');
    try {
      const root = join(dir.path, 'blobs');
      await (await openLocalBlobStore({ root })).close();
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      const host = encodeURIComponent(hostname());
      const temps = { dead: `${host}~${gone}~a.tmp`, self: `${host}~${process.pid}~b.tmp`, parent: `${host}~${process.ppid}~c.tmp`, otherHost: `elsewhere~${gone}~d.tmp` };
      for (const name of Object.values(temps)) await writeFile(join(root, '.mlops-tmp', name), 'partial');
      await (await openLocalBlobStore({ root })).close();
      expect((await readdir(join(root, '.mlops-tmp'))).sort()).toEqual([temps.self, temps.parent, temps.otherHost].sort());
    } finally {
      await dir.remove();
    }
  });

  it('keeps every acknowledged write and no torn blob after SIGKILL', async () => {
    const dir = await tempDir('mlops-crash-');
    try {
      for (let round = 0; round < 3; round++) {
        const child = spawnTs('test/fixtures/crash-writer.ts', [dir.path]);
        const done = finished(child);
        const acked: number[] = [];
        const target = 15 + round * 7;
        await new Promise<void>((resolve) => {
          let buffer = '';
          const timer = setTimeout(resolve, 20_000);
          child.stdout?.on('data', (d: Buffer) => {
            buffer += d.toString();
            const lines = buffer.split('\n');
            buffer = lines.pop() ?? '';
            for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
            if (acked.length === target) {
              clearTimeout(timer);
              // Kill at a moment unrelated to the last acknowledgement: usually mid-write.
              setTimeout(() => {
                child.kill('SIGKILL');
                resolve();
              }, 5 + Math.random() * 30);
            }
          });
        });
        const exit = await done;
        expect(exit.signal, exit.stderr).toBe('SIGKILL');
        expect(acked.length).toBeGreaterThanOrEqual(target);

        const db = await openSqlite({ path: join(dir.path, 'crash.db') });
        const blobs = await openLocalBlobStore({ root: join(dir.path, 'blobs') });
        try {
          const rows = await db.query<{ i: number; sha: string }>('SELECT i, sha FROM acks');
          const stored = new Map(rows.map((r) => [Number(r.i), r.sha]));
          for (const i of acked) {
            expect(stored.get(i), `row ${i}`).toBe(sha(payloadFor(i)));
            expect(sha(await blobs.get(`obj/${i}`)), `blob ${i}`).toBe(sha(payloadFor(i)));
          }
          const listed = (await blobs.list('', { limit: 100_000 })).entries;
          for (const entry of listed) {
            expect(entry.key).toMatch(/^obj\/\d+$/);
            const i = Number(entry.key.slice(4));
            expect(sha(await blobs.get(entry.key)), `listed blob ${entry.key} is whole`).toBe(sha(payloadFor(i)));
          }
        } finally {
          await blobs.close();
          await db.close();
        }
      }
    } finally {
      await dir.remove();
    }
  }, 90_000);
});
