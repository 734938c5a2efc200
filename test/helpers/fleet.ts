import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createMlops, type Mlops } from '../../src/index.js';
import { REPO_ROOT } from './child.js';
import { PG_URL, REDIS_URL, dropSchema, tempDir, uniqueName } from './services.js';
import { clearKvStore } from './kv-cleanup.js';
import { openRedisKvStore } from '../../src/adapters/kv/redis-store.js';

export interface Reply {
  seq: number;
  ok: boolean;
  result?: unknown;
  code?: string;
  message?: string;
}

/** What one replica is told to do in a round: an operation of test/fixtures/fleet-worker.ts and its arguments. */
export type Step = [op: string, ...args: unknown[]];

export interface Fleet {
  /** A runtime of the test itself on the same stores (for set-up and for checking outcomes). */
  ml: Mlops;
  metadata: string;
  online: string;
  dir: string;
  size: number;
  /**
   * One round: replica i runs steps[i] (or steps[0] when one step is given for all), every replica at
   * the same instant. Resolves with each replica's reply, in replica order.
   */
  round(steps: Step[]): Promise<Reply[]>;
  close(): Promise<void>;
}

interface Replica {
  child: ChildProcess;
  waiting: Map<number, (r: Reply) => void>;
  stderr: string;
  exited: Promise<void>;
}

function startReplica(args: string[]): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/fleet-worker.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const replica: Replica = { child, waiting: new Map(), stderr: '', exited: new Promise((r) => child.on('close', () => r())) };
  child.stderr?.on('data', (d: Buffer) => (replica.stderr += d.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const reply = JSON.parse(line) as Reply;
    replica.waiting.get(reply.seq)?.(reply);
    replica.waiting.delete(reply.seq);
  });
  return replica;
}

/**
 * Forks `size` replicas on one fresh PostgreSQL schema and Redis key prefix (plus a shared artifact
 * folder), as the replicas of a service in production share them. Everything is removed on close.
 */
export async function startFleet(size: number, options: { pollIntervalMs?: number } = {}): Promise<Fleet> {
  if (!PG_URL || !REDIS_URL) throw new Error('the fleet suite needs MLOPS_TEST_PG_URL and MLOPS_TEST_REDIS_URL');
  const schema = uniqueName('fleet');
  const prefix = `${uniqueName('fleet')}:`;
  const metadata = `${PG_URL}?schema=${schema}`;
  const redis = new URL(REDIS_URL);
  redis.searchParams.set('prefix', prefix);
  const online = redis.toString();
  const dir = await tempDir('mlops-fleet-');
  // The test's own runtime migrates the schema first, so replicas start on a ready store.
  const ml = await createMlops({ metadata, online, dir: dir.path, env: {}, registry: { pollIntervalMs: options.pollIntervalMs ?? 200 } });
  const replicas = Array.from({ length: size }, (_, i) => startReplica([metadata, online, dir.path, `replica-${i}`]));
  let seq = 0;
  const send = (r: Replica, cmd: Record<string, unknown>) => r.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
  const fleet: Fleet = {
    ml,
    metadata,
    online,
    dir: dir.path,
    size,
    async round(steps) {
      seq += 1;
      const at = Date.now() + 50;
      return Promise.all(
        replicas.map((r, i) => {
          const [op, ...args] = (steps.length === 1 ? steps[0] : steps[i]) as Step;
          const answer = new Promise<Reply>((resolve, reject) => {
            r.waiting.set(seq, resolve);
            void r.exited.then(() => reject(new Error(`replica ${i} exited: ${r.stderr}`)));
          });
          send(r, { seq, at, op, args });
          return answer;
        }),
      );
    },
    async close() {
      for (const r of replicas) send(r, { seq: 0, at: 0, op: 'exit', args: [] });
      await Promise.all(replicas.map((r) => Promise.race([r.exited, new Promise((t) => setTimeout(t, 10_000))])));
      for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
      await ml.close();
      await dropSchema(schema);
      const kv = await openRedisKvStore({ url: REDIS_URL as string, prefix });
      await clearKvStore(kv);
      await kv.close();
      await dir.remove();
    },
  };
  // Wait until every replica answers (its runtime is open).
  await fleet.round([['ping']]);
  return fleet;
}
