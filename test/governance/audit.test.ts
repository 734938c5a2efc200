import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { finished, spawnTs } from '../helpers/child.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { PG_URL, dropSchema, tempDir, uniqueName } from '../helpers/services.js';

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`audit log on ${backend.name}`, () => {
    let ml: Mlops;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ ml, close } = await backend.open());
    });
    afterAll(async () => {
      await close?.();
    });

    async function tamper(sql: string, params: Array<string | number>): Promise<void> {
      await ml.stores.metadata.exec(sql, params);
    }

    it('records changes with actor, reason and digests, and verifies the chain', async () => {
      const before = (await ml.audit.query()).length;
      const exp = await ml.as({ id: 'dana', roles: ['data-scientist'] }).tracking.createExperiment({ name: 'audited' });
      await ml.tracking.renameExperiment(exp.experimentId, 'audited-2');
      await ml.registry.createRegisteredModel({ name: 'audited-model' });
      const records = await ml.audit.query({ afterSeq: before });
      expect(records.map((r) => [r.actor, r.action, r.resource])).toEqual([
        ['dana', 'experiment.create', exp.experimentId],
        ['local', 'experiment.rename', exp.experimentId],
        ['local', 'registered_model.create', 'audited-model'],
      ]);
      expect(records[1]).toMatchObject({ details: { from: 'audited', to: 'audited-2' } });
      expect(records[1]?.beforeDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(records[1]?.prevHash).toBe(records[0]?.hash);
      expect(await ml.audit.query({ actor: 'dana' })).toHaveLength(1);
      expect(await ml.audit.query({ resource: 'audited-model', resourceKind: 'registered_model' })).toHaveLength(1);
      expect(await ml.audit.query({ since: Date.now() + 60_000 })).toHaveLength(0);
      await expect(ml.audit.query({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.audit.query({ since: 'yesterday' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await ml.audit.verify()).toEqual({ ok: true, checked: before + 3 });
    });

    it('finds a row changed with raw SQL, a deleted row and a cut-off tail', async () => {
      for (let i = 0; i < 5; i++) await ml.tracking.createExperiment({ name: `tamper-${i}` });
      const all = await ml.audit.query();
      const target = all[all.length - 3]!;
      await tamper('UPDATE governance_audit SET actor = ? WHERE seq = ?', ['mallory', target.seq]);
      expect(await ml.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: target.seq, checked: target.seq - 1 });
      await tamper('UPDATE governance_audit SET actor = ? WHERE seq = ?', [target.actor, target.seq]);
      expect((await ml.audit.verify()).ok).toBe(true);
      // Recomputing the hash of a changed row does not help: the next row's link breaks.
      await tamper('UPDATE governance_audit SET reason = ?, hash = ? WHERE seq = ?', ['forged', 'f'.repeat(64), target.seq]);
      expect(await ml.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
      await tamper('UPDATE governance_audit SET reason = NULL, hash = ? WHERE seq = ?', [target.hash, target.seq]);
      const saved = await ml.stores.metadata.query<Record<string, unknown>>('SELECT * FROM governance_audit WHERE seq = ?', [target.seq]);
      await tamper('DELETE FROM governance_audit WHERE seq = ?', [target.seq]);
      expect(await ml.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
      const row = saved[0]!;
      await ml.stores.metadata.exec(
        'INSERT INTO governance_audit (seq, ts, actor, action, resource_kind, resource, before_digest, after_digest, reason, details_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ['seq', 'ts', 'actor', 'action', 'resource_kind', 'resource', 'before_digest', 'after_digest', 'reason', 'details_json', 'prev_hash', 'hash'].map((k) => row[k] as string),
      );
      expect((await ml.audit.verify()).ok).toBe(true);
      const last = all[all.length - 1]!;
      await tamper('DELETE FROM governance_audit WHERE seq = ?', [last.seq]);
      expect(await ml.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: last.seq });
    });
  });
}

describe('two processes writing audit records at once keep one chain', () => {
  async function race(metadata: string, dir: string): Promise<void> {
    const startAt = String(Date.now() + 1500);
    const results = await Promise.all(['a', 'b'].map((tag) => finished(spawnTs('test/fixtures/audit-writer.ts', [metadata, dir, tag, '25', startAt]))));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
  }

  it('on SQLite', async () => {
    const dir = await tempDir();
    try {
      const metadata = `sqlite://${join(dir.path, 'shared.db')}`;
      await race(metadata, dir.path);
      const ml = await createMlops({ metadata, dir: dir.path, env: {} });
      const verification = await ml.audit.verify();
      const writers = new Set((await ml.audit.query({ limit: 10_000 })).map((r) => r.actor));
      await ml.close();
      expect(verification).toEqual({ ok: true, checked: 2 * (25 + 9) });
      expect(writers).toEqual(new Set(['writer-a', 'writer-b']));
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it.skipIf(!PG_URL)('[postgres] on one schema', async () => {
    const dir = await tempDir();
    const schema = uniqueName('auditrace');
    try {
      const metadata = `${PG_URL}?schema=${schema}`;
      const ml0 = await createMlops({ metadata, dir: dir.path, env: {} });
      await ml0.close();
      await race(metadata, dir.path);
      const ml = await createMlops({ metadata, dir: dir.path, env: {} });
      const verification = await ml.audit.verify();
      await ml.close();
      expect(verification).toEqual({ ok: true, checked: 2 * (25 + 9) });
    } finally {
      await dropSchema(schema);
      await dir.remove();
    }
  }, 60_000);
});
