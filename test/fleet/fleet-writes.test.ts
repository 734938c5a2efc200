// Replicas of one service on one PostgreSQL and one Redis give the answers one process gives. Each
// scenario forks its replicas once and drives them in rounds, all replicas acting at the same instant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/adapters/sql/postgres-driver.js';
import type { SqlDriver } from '../../src/adapters/sql/types.js';
import { startFleet, type Fleet, type Reply } from '../helpers/fleet.js';
import { PG_URL, REDIS_URL } from '../helpers/services.js';

const SERVICES = Boolean(PG_URL && REDIS_URL);
const reviewer = { id: 'fleet-reviewer', roles: ['reviewer'] };

function failures(replies: Reply[]): Reply[] {
  return replies.filter((r) => !r.ok);
}

/** Deadlocks and serialization failures the replicas' drivers retried so far, all together. */
async function retried(fleet: Fleet): Promise<number> {
  return (await fleet.round([['retries']])).reduce((sum, r) => sum + Number(r.result), 0);
}

describe.skipIf(!SERVICES)('[postgres] [redis] a fleet of replicas', () => {
  let fleet: Fleet;
  let sql: SqlDriver;
  beforeAll(async () => {
    fleet = await startFleet(4);
    sql = await openPostgres({ url: fleet.metadata, max: 2 });
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
    await fleet?.close();
  }, 60_000);

  it('logging the same param value from two replicas at once succeeds in both, metrics kept', async () => {
    const run = await fleet.ml.tracking.startRun({ name: 'fleet-params' });
    const rounds = 30;
    for (let r = 0; r < rounds; r++) {
      const replies = await fleet.round([0, 1, 2, 3].map((i) => ['logBatch', run.runId, { params: { [`p${r}`]: 'same' }, metrics: [{ key: 'm', value: i, step: r }] }]));
      expect(failures(replies)).toEqual([]);
    }
    expect(await fleet.ml.tracking.getMetricHistory(run.runId, 'm')).toHaveLength(rounds * 4);
    // A real conflict still fails its whole batch: one value is stored, the others' metrics are not.
    const replies = await fleet.round([0, 1, 2, 3].map((i) => ['logBatch', run.runId, { params: { conflict: `v${i}` }, metrics: [{ key: 'c', value: i }] }]));
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    expect(failures(replies).map((r) => r.code)).toEqual(['INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
    const stored = (await fleet.ml.tracking.getRun(run.runId)).data.params.conflict;
    const winner = replies.findIndex((r) => r.ok);
    expect(stored).toBe(`v${winner}`);
    expect((await fleet.ml.tracking.getMetricHistory(run.runId, 'c')).map((m) => m.value)).toEqual([winner]);
  }, 120_000);

  it('replicas logging the same metric keys in different orders all succeed', async () => {
    const run = await fleet.ml.tracking.startRun({ name: 'fleet-order' });
    const keys = Array.from({ length: 20 }, (_, k) => `k${String(k).padStart(2, '0')}`);
    const before = await retried(fleet);
    for (let r = 0; r < 20; r++) {
      const replies = await fleet.round(
        [0, 1, 2, 3].map((i) => ['logBatch', run.runId, { metrics: (i % 2 === 0 ? keys : [...keys].reverse()).map((key) => ({ key, value: r, step: r })), tags: Object.fromEntries((i % 2 === 0 ? keys : [...keys].reverse()).map((k) => [k, String(i)])) }]),
      );
      expect(failures(replies)).toEqual([]);
    }
    expect(await fleet.ml.tracking.getMetricHistory(run.runId, 'k00')).toHaveLength(80);
    // Rows are locked in one order in every process: no deadlock to retry.
    expect(await retried(fleet)).toBe(before);
  }, 120_000);

  it('features.apply from every replica at once: one change, applied once, the same answer everywhere', async () => {
    const defs = (extra: boolean, type = 'float64') => ({
      entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
      views: [{ name: 'px_fleet', entities: ['instrument'], schema: { vwap: type, ...(extra ? { vol: 'float64' } : {}) } }],
    });
    const first = await fleet.round([['apply', defs(false)]]);
    expect(failures(first)).toEqual([]);
    // Exactly one replica created each definition; the others found them in place.
    expect(first.map((r) => (r.result as { changed: string[] }).changed.length).sort()).toEqual([0, 0, 0, 2]);
    expect(failures(await fleet.round([['apply', defs(false)]]))).toEqual([]);
    const upgrade = await fleet.round([['apply', defs(true)]]);
    expect(failures(upgrade)).toEqual([]);
    expect(upgrade.map((r) => (r.result as { changed: string[] }).changed).flat()).toEqual(['view:px_fleet']);
    const bad = await fleet.round([['apply', defs(true, 'string')]]);
    expect(bad.map((r) => r.code)).toEqual(['FAILED_PRECONDITION', 'FAILED_PRECONDITION', 'FAILED_PRECONDITION', 'FAILED_PRECONDITION']);
    const history = await sql.query<{ kind: string; version: number }>("SELECT kind, version FROM features_definition_history WHERE name IN ('instrument', 'px_fleet') ORDER BY kind, version");
    expect(history.map((h) => `${h.kind}:${h.version}`)).toEqual(['entity:1', 'view:1', 'view:2']);
  }, 120_000);

  it('alias moves racing each other and revocations: every audit record names the version it replaced', async () => {
    const name = 'fleet-model';
    await fleet.ml.registry.createRegisteredModel({ name });
    const approved = async () => {
      const mv = await fleet.ml.registry.createModelVersion({ name, source: { bytes: new Uint8Array([1, 2, 3]) }, format: 'opaque' });
      await fleet.ml.registry.requestApproval(name, mv.version);
      await fleet.ml.as(reviewer).registry.approve(name, mv.version);
      return mv.version;
    };
    const versions = [await approved(), await approved(), await approved(), await approved(), await approved()];
    for (let r = 0; r < 20; r++) {
      await fleet.ml.registry.setAlias(name, 'champion', versions[0] as number);
      const replies = await fleet.round(versions.slice(1).map((v) => ['setAlias', name, 'champion', v]));
      expect(failures(replies)).toEqual([]);
    }
    // Revocation racing alias moves onto the version being revoked.
    const before = await retried(fleet);
    for (let r = 0; r < 6; r++) {
      const v = await approved();
      const replies = await fleet.round([
        ['revoke', name, v],
        ['setAlias', name, 'champion', v],
        ['setAlias', name, 'challenger', v],
        ['setAlias', name, 'champion', versions[r % versions.length]],
      ]);
      expect(replies[0]?.ok, replies[0]?.message).toBe(true);
      for (const reply of replies.slice(1)) if (!reply.ok) expect(reply.code).toBe('FAILED_PRECONDITION');
    }
    expect(await retried(fleet)).toBe(before);
    expect(await fleet.ml.audit.verify()).toMatchObject({ ok: true });
    const replay = await fleet.ml.audit.verifyAliases();
    expect(replay.mismatches).toEqual([]);
    expect(replay.checked).toBeGreaterThan(80);
  }, 180_000);

  it('replicas pushing different values for one entity and event time: online and offline keep the same winner', async () => {
    await fleet.ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'tie_fleet', entities: ['instrument'], schema: { x: 'float64' } }] });
    for (let r = 0; r < 20; r++) {
      const symbol = `T${r}`;
      const replies = await fleet.round([0, 1, 2, 3].map((i) => ['push', 'tie_fleet', [{ symbol, event_ts: 1000, x: i }]]));
      expect(failures(replies)).toEqual([]);
      const online = (await fleet.ml.features.getOnline({ features: ['tie_fleet:x'], entities: [{ symbol }] })).rows[0]?.values['tie_fleet:x'];
      const [offline] = await fleet.ml.features.getHistorical({ features: ['tie_fleet:x'], entityRows: [{ symbol, event_ts: 1000 }] });
      expect(online).toBe(offline?.['tie_fleet:x']);
      const [count] = await sql.query<{ c: number }>('SELECT COUNT(*) AS c FROM features_offline_tie_fleet WHERE symbol = ?', [symbol]);
      expect(Number(count?.c)).toBe(1);
    }
  }, 120_000);

  it('two materializations finishing in either order leave the watermark at the later end', async () => {
    await fleet.ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'wm_fleet', entities: ['instrument'], schema: { x: 'float64' } }] });
    await fleet.ml.features.push('wm_fleet', Array.from({ length: 200 }, (_, i) => ({ symbol: `S${i}`, event_ts: i * 200, x: i })));
    for (let r = 0; r < 6; r++) {
      await sql.exec('UPDATE features_watermarks SET watermark = NULL');
      const replies = await fleet.round([
        ['materialize', 'wm_fleet', 0, 50_000],
        ['materialize', 'wm_fleet', 0, 40_000],
        ['materialize', 'wm_fleet', 0, 30_000],
        ['materialize', 'wm_fleet', 0, 20_000],
      ]);
      expect(failures(replies)).toEqual([]);
      const [row] = await sql.query<{ watermark: number }>("SELECT watermark FROM features_watermarks WHERE view = 'wm_fleet'");
      expect(Number(row?.watermark)).toBe(50_000);
    }
  }, 120_000);
});
