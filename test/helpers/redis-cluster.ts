import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { openRedisKvStore } from '../../src/adapters/kv/redis-store.js';
import type { KvStore } from '../../src/adapters/kv/types.js';
import { clearKvStore } from './kv-cleanup.js';
import { uniqueName } from './services.js';

/** redis-server and redis-cli are on PATH (Debian's redis package, as on CI machines). */
export const HAS_REDIS_BINARIES = ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version']).status === 0);

export interface RedisCluster {
  ports: number[];
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports p where p and its cluster bus port p + 10000 are both free on loopback. */
async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let p = 20_000 + Math.floor(Math.random() * 20_000); out.length < n && p < 55_000; p++) {
    if ((await isFree(p)) && (await isFree(p + 10_000))) out.push(p);
  }
  if (out.length < n) throw new Error('no free ports for a Redis cluster');
  return out;
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Redis cluster: timed out waiting for ${what}`);
}

/** Starts `masters` redis-server processes on loopback, joins them into a cluster, and waits for it. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-redis-cluster-'));
  const ports = await freePorts(masters);
  const children: ChildProcess[] = ports.map((port) =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
  );
  const stop = async () => {
    for (const c of children) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      await until(`port ${port}`, async () => {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
        r.on('error', () => undefined); // not up yet: the connect() below rejects
        try {
          await r.connect();
          return (await r.ping()) === 'PONG';
        } finally {
          r.disconnect();
        }
      });
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const port of ports) {
      await until(`cluster_state:ok on ${port}`, async () => {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
        r.on('error', () => undefined); // not up yet: the connect() below rejects
        try {
          await r.connect();
          return String(await r.cluster('INFO')).includes('cluster_state:ok');
        } finally {
          r.disconnect();
        }
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, stop };
}

/** A store on the cluster under a fresh prefix, through a caller-owned ioredis Cluster client. */
export async function openClusterStore(cluster: RedisCluster, prefix = `${uniqueName('c')}:`): Promise<KvStore> {
  const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  client.on('error', () => undefined); // commands reject with their own errors
  const store = await openRedisKvStore({ client, prefix });
  const close = store.close.bind(store);
  store.close = async () => {
    await clearKvStore(store);
    await close();
    client.disconnect();
  };
  return store;
}
