import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rabbit from 'rabbitmq-stream-js-client';
import pg from 'pg';
import { type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { rabbitStreamSource } from '../../src/rabbitmq.js';
import { FEATURE_BACKENDS } from '../helpers/feature-backends.js';
import { PG_URL, RABBIT_STREAM_URL, REDIS_URL, dropSchema, tempDir, uniqueName } from '../helpers/services.js';
import { finished, spawnTs } from '../helpers/child.js';
import { applyRabbitCompat } from '../../src/adapters/ingest/rabbitmq-compat.js';
import { clearKvStore } from '../helpers/kv-cleanup.js';
import { createMlops } from '../../src/index.js';

type Client = Awaited<ReturnType<typeof rabbit.connect>>;

function endpoint(url: string) {
  const u = new URL(url);
  return { hostname: u.hostname, port: Number(u.port || 5552), username: u.username || 'guest', password: u.password || 'guest', vhost: '/' };
}

async function publish(client: Client, stream: string, bodies: Array<string | object>): Promise<void> {
  const publisher = await client.declarePublisher({ stream });
  for (const b of bodies) await publisher.send(Buffer.from(typeof b === 'string' ? b : JSON.stringify(b)));
  await publisher.flush();
  await publisher.close();
}

/** Every message of a stream, read from the first offset, with its application properties. */
async function readAll(client: Client, stream: string, expected: number): Promise<Array<{ body: string; props: Record<string, unknown> }>> {
  const out: Array<{ body: string; props: Record<string, unknown> }> = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const consumer = await client.declareConsumer({ stream, offset: rabbit.Offset.first() }, (m) => {
    out.push({ body: m.content.toString(), props: { ...(m.applicationProperties ?? {}) } });
    if (out.length >= expected) done();
  });
  await Promise.race([all, new Promise((r) => setTimeout(r, 5000))]);
  await consumer.close();
  return out;
}

const VIEWS = {
  entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
  views: [{ name: 'px', entities: ['instrument'], schema: { vwap: 'float64' as const } }],
};

describe.skipIf(!RABBIT_STREAM_URL)('[rabbitmq] streaming ingest from RabbitMQ Streams', () => {
  let client: Client;
  const streams: string[] = [];
  const newStream = async () => {
    const s = uniqueName('mlops-stream');
    await client.createStream({ stream: s });
    streams.push(s, `${s}.dead-letter`);
    return s;
  };
  beforeAll(async () => {
    await applyRabbitCompat(); // the broker on our machines is 3.10: the test's own client needs it too
    client = await rabbit.connect(endpoint(RABBIT_STREAM_URL as string));
  });
  afterAll(async () => {
    for (const stream of streams) await client.deleteStream({ stream }).catch(() => undefined);
    await client.close();
  });

  describe('on SQLite + memory', () => {
    let opened: { ml: Mlops; close: () => Promise<void> };
    beforeAll(async () => {
      opened = await FEATURE_BACKENDS[0]!.open({ clock: new ManualClock(2_000_000_000_000) });
      await opened.ml.features.apply(VIEWS);
    });
    afterAll(async () => opened.close());

    it('writes rows, stores the offset after the write, and a restarted consumer resumes after it', async () => {
      const stream = await newStream();
      await publish(client, stream, Array.from({ length: 100 }, (_, i) => ({ symbol: `S${i % 5}`, event_ts: 1_700_000_000_000 + i, vwap: i })));
      const first = rabbitStreamSource({ url: RABBIT_STREAM_URL, stream, consumerRef: 'px-writer' });
      const stop = new AbortController();
      const ingest = opened.ml.features.ingest('px', first, { batchSize: 30, maxDelayMs: 5, signal: stop.signal });
      await waitFor(() => first.progress().acked === 100);
      stop.abort();
      expect((await ingest).rows).toBe(100);
      expect(await client.queryOffset({ reference: 'px-writer', stream })).toBe(99n);
      const res = await opened.ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'S0' }, { symbol: 'S4' }] });
      expect(res.rows.map((r) => r.values['px:vwap'])).toEqual([95, 99]);

      // 50 more while nobody reads; the same consumerRef picks up exactly those.
      await publish(client, stream, Array.from({ length: 50 }, (_, i) => ({ symbol: `S${i % 5}`, event_ts: 1_700_000_001_000 + i, vwap: 1000 + i })));
      const second = rabbitStreamSource({ url: RABBIT_STREAM_URL, stream, consumerRef: 'px-writer' });
      const stop2 = new AbortController();
      const again = opened.ml.features.ingest('px', second, { batchSize: 30, maxDelayMs: 5, signal: stop2.signal });
      await waitFor(() => second.progress().acked === 50);
      stop2.abort();
      expect((await again).rows).toBe(50);
      expect(second.progress().lagMessages).toBe(0);
      const after = await opened.ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'S4' }] });
      expect(after.rows[0]?.values['px:vwap']).toBe(1049);
    });

    it('sends bad messages to the dead-letter stream with the reason and goes on', async () => {
      const stream = await newStream();
      await publish(client, stream, [
        { symbol: 'A', event_ts: 1_700_000_000_000, vwap: 1 },
        'not json {',
        { symbol: 'B', event_ts: 1_700_000_000_000, vwap: 'high' },
        [{ symbol: 'C', event_ts: 1_700_000_000_000, vwap: 3 }],
      ]);
      const source = rabbitStreamSource({ url: RABBIT_STREAM_URL, stream, consumerRef: 'dlq-test' });
      const stop = new AbortController();
      const ingest = opened.ml.features.ingest('px', source, { batchSize: 10, maxDelayMs: 5, signal: stop.signal });
      await waitFor(() => source.progress().acked === 4);
      stop.abort();
      const stats = await ingest;
      expect(stats.rows).toBe(2);
      expect(stats.rejected).toBe(1);
      expect(source.progress().deadLettered).toBe(2);
      const dead = await readAll(client, `${stream}.dead-letter`, 2);
      expect(dead.map((d) => d.body)).toEqual(['not json {', JSON.stringify({ symbol: 'B', event_ts: 1_700_000_000_000, vwap: 'high' })]);
      expect(String(dead[0]?.props['x-reason'])).toMatch(/not JSON/);
      expect(String(dead[1]?.props['x-reason'])).toMatch(/vwap/);
      expect(dead.map((d) => d.props['x-source-offset'])).toEqual(['1', '2']);
      const res = await opened.ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'A' }, { symbol: 'B' }, { symbol: 'C' }] });
      expect(res.rows.map((r) => r.status['px:vwap'])).toEqual(['PRESENT', 'NOT_FOUND', 'PRESENT']);
    });

    it('refuses bad options with the field named', () => {
      expect(() => rabbitStreamSource({ url: RABBIT_STREAM_URL, stream: '', consumerRef: 'x' })).toThrow(/stream/);
      expect(() => rabbitStreamSource({ url: 'amqp://127.0.0.1', stream: 's', consumerRef: 'x' })).toThrow(/scheme/);
      expect(() => rabbitStreamSource({ url: RABBIT_STREAM_URL, stream: 's', consumerRef: 'x', deadLetterStream: 's' })).toThrow(/deadLetterStream/);
    });

    it('fails with UNAVAILABLE, not a crash, when the broker cannot be reached', async () => {
      const source = rabbitStreamSource({ url: 'rabbitmq-stream://guest:guest@127.0.0.1:1/', stream: 's', consumerRef: 'x' });
      await expect(opened.ml.features.ingest('px', source)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });

  describe.skipIf(!PG_URL || !REDIS_URL)('[postgres] [redis] a consumer killed mid-stream', () => {
    it('resumes from the stored offset: nothing lost, and what was redelivered changed nothing', async () => {
      const stream = await newStream();
      const n = 3000;
      const symbols = 20;
      await publish(client, stream, Array.from({ length: n }, (_, i) => ({ symbol: `S${i % symbols}`, event_ts: 1_700_000_000_000 + i, vwap: i })));
      const dir = await tempDir('mlops-rabbit-');
      const schema = uniqueName('rabbit');
      const prefix = `${uniqueName('rabbit')}:`;
      const metadata = `${PG_URL}?schema=${schema}`;
      const online = `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
      const ml = await createMlops({ dir: dir.path, env: {}, metadata, online });
      try {
        await ml.features.apply(VIEWS);
        const child = spawnTs('test/fixtures/rabbit-ingest-child.ts', [metadata, online, RABBIT_STREAM_URL as string, stream, 'killed'], { MLOPS_CHILD_DIR: dir.path });
        const exited = finished(child);
        let written = 0;
        await new Promise<void>((resolve, reject) => {
          child.stdout?.on('data', (d: Buffer) => {
            const m = /rows (\d+)\s*$/.exec(d.toString());
            if (m) written = Number(m[1]);
            if (written >= 600) resolve();
          });
          void exited.then((r) => reject(new Error(`child exited early: ${r.stderr}`)));
        });
        child.kill('SIGKILL');
        await exited;
        expect(written).toBeGreaterThanOrEqual(600);
        expect(written).toBeLessThan(n);
        // Offsets are stored at most every 200 ms: a child killed sooner may have stored none (-1: start over).
        const stored = await client.queryOffset({ reference: 'killed', stream }).catch((err: Error) => {
          if (/code 19/.test(err.message)) return -1n;
          throw err;
        });
        expect(Number(stored)).toBeLessThan(written); // never beyond what was written

        const source = rabbitStreamSource({ url: RABBIT_STREAM_URL, stream, consumerRef: 'killed' });
        const stop = new AbortController();
        const resumed = ml.features.ingest('px', source, { batchSize: 200, maxDelayMs: 5, signal: stop.signal });
        await waitFor(() => source.progress().acked === n - Number(stored) - 1, 30_000);
        stop.abort();
        const stats = await resumed;
        // Redelivered: written by the killed child after its last stored offset, then again here.
        const redelivered = written - (Number(stored) + 1);
        console.log(`killed after ${written} rows, offset stored at ${stored}: ${redelivered} rows delivered twice, ${stats.rows} read on resume`);
        expect(stats.rows).toBe(n - Number(stored) - 1);

        // Nothing lost: every (symbol, event_ts) is in the offline store, and online holds each symbol's last value.
        const db = new pg.Client({ connectionString: PG_URL });
        await db.connect();
        try {
          const { rows } = await db.query(`SELECT COUNT(DISTINCT (symbol, event_ts))::int AS n, COUNT(*)::int AS total FROM ${schema}.features_offline_px`).catch(async () => {
            const t = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
            throw new Error(`offline table not found among ${t.rows.map((r: { table_name: string }) => r.table_name).join(', ')}`);
          });
          expect(rows[0].n).toBe(n);
          // ...and once: the redelivered rows were upserted onto themselves (push is idempotent by entity and event time).
          expect(rows[0].total).toBe(n);
        } finally {
          await db.end();
        }
        const res = await ml.features.getOnline({ features: ['px:vwap'], entities: Array.from({ length: symbols }, (_, i) => ({ symbol: `S${i}` })) });
        // The redelivered rows were older than what online already held or equal to it: newer-wins left the last value.
        expect(res.rows.map((r) => r.values['px:vwap'])).toEqual(Array.from({ length: symbols }, (_, i) => n - symbols + i));
      } finally {
        await clearKvStore(ml.stores.online);
        await ml.close();
        await dropSchema(schema);
        await dir.remove();
      }
    });
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met in time: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
