// Streaming ingest: RabbitMQ Streams into a feature view, beside the raw client reading and parsing the same
// stream in the same run. Needs the broker's stream plugin (MLOPS_BENCH_RABBITMQ_STREAM_URL, or
// MLOPS_TEST_RABBITMQ_STREAM_URL, default rabbitmq-stream://guest:guest@127.0.0.1:5552/).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import rabbit from 'rabbitmq-stream-js-client';
import { createMlops } from '../../src/index.js';
import { rabbitStreamSource } from '../../src/rabbitmq.js';
import { applyRabbitCompat } from '../../src/adapters/ingest/rabbitmq-compat.js';
import { rate } from '../lib/stats.js';
import type { BenchContext, BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'ingest';
const MESSAGES = 50_000;
const SYMBOLS = 500;

async function rawRead(client: Awaited<ReturnType<typeof rabbit.connect>>, stream: string): Promise<number> {
  let n = 0;
  let sum = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const started = performance.now();
  const consumer = await client.declareConsumer({ stream, offset: rabbit.Offset.first() }, (m) => {
    const row = JSON.parse(m.content.toString('utf8')) as { vwap: number };
    sum += row.vwap;
    if (++n === MESSAGES) done();
  });
  await all;
  const seconds = (performance.now() - started) / 1000;
  await consumer.close();
  if (sum < 0) throw new Error('unreachable');
  return MESSAGES / seconds;
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const url = process.env.MLOPS_BENCH_RABBITMQ_STREAM_URL ?? process.env.MLOPS_TEST_RABBITMQ_STREAM_URL ?? 'rabbitmq-stream://guest:guest@127.0.0.1:5552/';
  const u = new URL(url);
  await applyRabbitCompat();
  let client: Awaited<ReturnType<typeof rabbit.connect>>;
  try {
    client = await rabbit.connect({ hostname: u.hostname, port: Number(u.port || 5552), username: u.username || 'guest', password: u.password || 'guest', vhost: '/' });
  } catch (err) {
    ctx.log(`RabbitMQ streams not reachable (${(err as Error).message}); skipping`);
    return [];
  }
  const stream = `mlops-bench-${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-ingest-'));
  const ml = await createMlops({ dir, env: {} });
  try {
    await client.createStream({ stream });
    ctx.log(`publishing ${MESSAGES.toLocaleString('en-US')} messages`);
    const publisher = await client.declarePublisher({ stream });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < MESSAGES; i++) await publisher.send(Buffer.from(JSON.stringify({ symbol: `S${i % SYMBOLS}`, event_ts: t0 + i, vwap: i * 0.5 })));
    await publisher.flush();
    await publisher.close();
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], schema: { vwap: 'float64' } }] });
    const ours: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < 3; round++) {
      ctx.log(`round ${round + 1}: raw read, then ingest`);
      raw.push(await rawRead(client, stream));
      const source = rabbitStreamSource({ url, stream, consumerRef: `bench-${round}`, deadLetterStream: `${stream}.dlq` });
      const stop = new AbortController();
      const started = performance.now();
      const ingest = ml.features.ingest('px', source, { to: 'online', signal: stop.signal });
      while (source.progress().acked < MESSAGES) await new Promise((r) => setTimeout(r, 2));
      ours.push(MESSAGES / ((performance.now() - started) / 1000));
      stop.abort();
      await ingest;
    }
    const best = (xs: number[]) => Math.max(...xs);
    return [
      rate(SUITE, `RabbitMQ stream -> online view, ${MESSAGES.toLocaleString('en-US')} one-row messages (best of 3) vs raw client read + JSON.parse`, 'msgs/s', best(ours), best(raw), 'ratio >= 0.8', 0.8),
    ];
  } finally {
    await client.deleteStream({ stream }).catch(() => undefined);
    await client.deleteStream({ stream: `${stream}.dlq` }).catch(() => undefined);
    await client.close().catch(() => undefined);
    await ml.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const ingestSuite: BenchSuite = { name: SUITE, description: 'streaming ingest from RabbitMQ Streams vs the raw client', run };
