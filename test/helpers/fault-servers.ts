/**
 * Throw-away PostgreSQL clusters and redis-server processes for the fault-injection suite
 * (test/faults/): each on a free loopback port, in a temporary folder, started, stopped and killed
 * by the test that owns it. Never the shared 5432/6379 services.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const AS_ROOT = process.getuid?.() === 0;

function works(bin: string, args: string[]): boolean {
  return spawnSync(bin, args, { stdio: 'ignore' }).status === 0;
}

/** initdb refuses to run as root: then the cluster belongs to the `postgres` user (as on CI images). */
const idOf = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout?.trim() || NaN);
const POSTGRES_UID = AS_ROOT ? idOf('-u') : undefined;
const POSTGRES_GID = AS_ROOT ? idOf('-g') : undefined;

/** initdb and pg_ctl on PATH (or in Debian's versioned folder), runnable by this user. */
const PG_BIN = ['', ...['17', '16', '15', '14'].map((v) => `/usr/lib/postgresql/${v}/bin/`)].find((dir) => works(`${dir}initdb`, ['--version']) && works(`${dir}pg_ctl`, ['--version']));
export const HAS_POSTGRES_BINARIES = PG_BIN !== undefined && (!AS_ROOT || (Number.isInteger(POSTGRES_UID) && works('runuser', ['--help'])));
export const HAS_REDIS_SERVER = works('redis-server', ['--version']);

/** A TCP port nobody listens on now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function pgCommand(bin: string, args: string[]): [string, string[]] {
  const path = `${PG_BIN ?? ''}${bin}`;
  return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** Starts the server and resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  crash(): Promise<void>;
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>;
}

/** initdb into a temporary folder (trust auth, fsync off: a process crash keeps what the OS holds). */
export async function createPostgres(): Promise<PostgresServer> {
  if (!HAS_POSTGRES_BINARIES) throw new Error('initdb/pg_ctl are not available');
  const dir = await mkdtemp(join(tmpdir(), 'mlops-fault-pg-'));
  await chmod(dir, 0o700);
  if (AS_ROOT) await chown(dir, POSTGRES_UID as number, POSTGRES_GID as number);
  const data = join(dir, 'data');
  const port = await freePort();
  const pgCtl = (...args: string[]) => run(...pgCommand('pg_ctl', ['-D', data, ...args]));
  try {
    await run(...pgCommand('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50`;
  const server: PostgresServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pgCtl('-l', join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start');
    },
    async crash() {
      await pgCtl('-m', 'immediate', '-w', 'stop');
    },
    async destroy() {
      await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Starts redis-server (again, on the same port) and resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL: the process dies at once. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server hangs (connections stay open, nothing is answered), then goes on. */
  pause(): void;
  resume(): void;
  destroy(): Promise<void>;
}

/**
 * redis-server on a free loopback port. `persistent`: an append-only file fsynced on every write, so
 * a killed server comes back with every acknowledged write; otherwise it comes back empty.
 */
export async function createRedis(options: { persistent: boolean }): Promise<RedisServer> {
  if (!HAS_REDIS_SERVER) throw new Error('redis-server is not available');
  const dir = await mkdtemp(join(tmpdir(), 'mlops-fault-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence], { stdio: 'ignore' });
      child.on('error', () => undefined); // a spawn failure shows as the PING below timing out
      await until(`redis-server on ${port}`, async () => {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
        r.on('error', () => undefined); // not up yet: connect() rejects
        try {
          await r.connect();
          return (await r.ping()) === 'PONG';
        } finally {
          r.disconnect();
        }
      });
    },
    async kill() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async destroy() {
      server.resume();
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
