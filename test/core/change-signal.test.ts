import { createHash } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ChangeSignal, type SignalTransport } from '../../src/core/change-signal.js';
import { openPostgres } from '../../src/adapters/sql/postgres-driver.js';
import { openRedisKvStore } from '../../src/adapters/kv/redis-store.js';
import { PG_URL, REDIS_URL, dropSchema, uniqueName } from '../helpers/services.js';

/** A transport in memory shared by several signals, counting what it is asked to do. */
function memoryBus(): { transport: () => SignalTransport; published: string[] } {
  const subscribers = new Map<string, Array<() => void>>();
  const published: string[] = [];
  return {
    published,
    transport: () => ({
      name: 'memory',
      async subscribe(channel, onMessage) {
        subscribers.set(channel, [...(subscribers.get(channel) ?? []), onMessage]);
      },
      async publish(channel) {
        published.push(channel);
        for (const wake of subscribers.get(channel) ?? []) wake();
      },
      async close() {},
    }),
  };
}

function waitUntil(check: () => boolean, limitMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve(Date.now() - started);
      else if (Date.now() - started > limitMs) reject(new Error(`not within ${limitMs} ms`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('change signal', () => {
  it('wakes the listeners of a channel in other signals; one message per channel per tick', async () => {
    const bus = memoryBus();
    const a = new ChangeSignal([bus.transport()]);
    const b = new ChangeSignal([bus.transport()]);
    let woken = 0;
    let other = 0;
    const off = b.on('registry', () => (woken += 1));
    b.on('halts', () => (other += 1));
    a.notify('registry');
    a.notify('registry');
    a.notify('registry');
    await waitUntil(() => woken === 1, 1000);
    expect(bus.published).toEqual(['registry']);
    expect(other).toBe(0);
    off();
    a.notify('registry');
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toBe(1);
    await a.close();
    await b.close();
  });

  it('wakes at least every floorMs with no transport, and refuses a bad channel', async () => {
    const signal = new ChangeSignal([]);
    let woken = 0;
    const off = signal.on('registry', () => (woken += 1), { floorMs: 20 });
    await waitUntil(() => woken >= 3, 2000);
    off();
    const at = woken;
    await new Promise((r) => setTimeout(r, 60));
    expect(woken).toBe(at);
    expect(() => signal.on('has space', () => undefined)).toThrow(/Invalid channel/);
    expect(() => signal.notify('')).toThrow(/Invalid channel/);
    await signal.close();
  });

  it('reports a failing transport and a throwing listener to onError, never to the caller', async () => {
    const errors: string[] = [];
    const broken: SignalTransport = {
      name: 'broken',
      subscribe: async () => Promise.reject(new Error('no subscribe')),
      publish: async () => Promise.reject(new Error('no publish')),
      close: async () => undefined,
    };
    const signal = new ChangeSignal([broken], (err, transport) => errors.push(`${transport}: ${(err as Error).message}`));
    signal.on('registry', () => {
      throw new Error('listener bug');
    }, { floorMs: 10 });
    signal.notify('registry');
    await waitUntil(() => errors.length >= 3, 1000);
    expect(errors).toEqual(expect.arrayContaining(['broken: no subscribe', 'broken: no publish', 'wake: listener bug']));
    await signal.close();
  });

  it.skipIf(!PG_URL)('[postgres] crosses processes by LISTEN/NOTIFY and listens again after its connection is killed', async () => {
    const schema = uniqueName('sig');
    const one = await openPostgres({ url: PG_URL as string, schema, max: 2 });
    const two = await openPostgres({ url: PG_URL as string, schema, max: 2 });
    const other = await openPostgres({ url: PG_URL as string, schema: uniqueName('sig'), max: 2 });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const a = new ChangeSignal([one.signalTransport!() as SignalTransport]);
      const b = new ChangeSignal([two.signalTransport!() as SignalTransport]);
      const c = new ChangeSignal([other.signalTransport!() as SignalTransport]);
      let woken = 0;
      let otherSchema = 0;
      b.on('registry', () => (woken += 1));
      c.on('registry', () => (otherSchema += 1));
      await new Promise((r) => setTimeout(r, 200));
      a.notify('registry');
      await waitUntil(() => woken === 1, 2000);
      // Kill the listening session: only ours, found by its LISTEN on this schema's channel.
      const channel = `mlops_${createHash('sha1').update(`${schema}/registry`).digest('hex').slice(0, 24)}`;
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [`LISTEN "${channel}"`]);
      expect(killed.rowCount).toBeGreaterThan(0);
      // After the reconnect every channel is woken once (messages meanwhile are lost), then NOTIFY works again.
      await waitUntil(() => woken >= 2, 3000);
      const before = woken;
      a.notify('registry');
      await waitUntil(() => woken > before, 2000);
      expect(otherSchema).toBe(0);
      await Promise.all([a.close(), b.close(), c.close()]);
    } finally {
      await admin.end();
      await Promise.all([one.close(), two.close(), other.close()]);
      await dropSchema(schema);
    }
  }, 30_000);

  it.skipIf(!REDIS_URL)('[redis] crosses processes by pub/sub and subscribes again after its connection is killed', async () => {
    const prefix = `${uniqueName('sig')}:`;
    const one = await openRedisKvStore({ url: REDIS_URL as string, prefix });
    const two = await openRedisKvStore({ url: REDIS_URL as string, prefix });
    const admin = await openRedisKvStore({ url: REDIS_URL as string, prefix: `${uniqueName('sig')}:` });
    try {
      const a = new ChangeSignal([one.signalTransport!() as SignalTransport]);
      const b = new ChangeSignal([two.signalTransport!() as SignalTransport]);
      let woken = 0;
      b.on('registry', () => (woken += 1));
      await new Promise((r) => setTimeout(r, 200));
      a.notify('registry');
      await waitUntil(() => woken === 1, 2000);
      // Kill our subscriber connections only: they carry this test's prefix in their name.
      const client = (admin as unknown as { client: { call(...args: string[]): Promise<unknown> } }).client;
      const list = String(await client.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const ids = list.split('\n').filter((l) => l.includes(`name=mlops-signal:${prefix}`)).map((l) => /id=(\d+)/.exec(l)?.[1] as string);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) await client.call('CLIENT', 'KILL', 'ID', id);
      await waitUntil(() => woken >= 2, 5000);
      const before = woken;
      a.notify('registry');
      await waitUntil(() => woken > before, 2000);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await Promise.all([one.close(), two.close(), admin.close()]);
    }
  }, 30_000);
});
