import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { InvalidArgumentError, UnavailableError } from '../../core/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { isMissingNativeAddon, missingNativeAddonError } from '../../core/native-addon.js';
import { hostSlicer } from '../../core/time-slice.js';
import { AsyncMutex } from './async-mutex.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { LockWaiters } from './sqlite-lock-waiters.js';
import { backoff, errorCode, isBusy, mapSqlError } from './errors.js';
import { applyMigrationsLocked, validateMigrations } from './migrations.js';
import { checkInsertShape } from './sql-text.js';
import type {
  ExecResult,
  Migration,
  MigrationResult,
  SqlDialect,
  SqlDriver,
  SqlExecutor,
  SqlRow,
  SqlValue,
  TransactionOptions,
} from './types.js';

export interface SqliteOptions {
  /** Database file, or ':memory:'. Parent folders are created. */
  path: string;
  /**
   * How long a statement waits for another process's write lock before failing with UNAVAILABLE (ms).
   * Default 5000. The wait is asynchronous (retries on timers), never SQLite's own busy handler, which
   * sleeps on the host's thread.
   */
  busyTimeoutMs?: number;
  /**
   * 'normal' (default) survives a crash of the process; 'full' also survives a power loss, at the
   * cost of an fsync per commit.
   */
  synchronous?: 'normal' | 'full';
  /** Page cache per connection in MB. Default 64. */
  cacheSizeMb?: number;
  clock?: Clock;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  autoId: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  bigint: 'INTEGER',
  double: 'REAL',
  blob: 'BLOB',
  text: 'TEXT',
  clusteredSuffix: ' WITHOUT ROWID',
  forUpdate: '',
  maxParams: 32766,
};

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * Runs a statement. Spreading a few parameters is 6% faster than passing them as an array (measured
 * per 1000-row batch); long lists go as an array, since spreading those costs more.
 */
function runStmt(stmt: Statement, params: readonly SqlValue[]): BetterSqlite3.RunResult {
  const values = bindable(params);
  return values.length <= 32 ? stmt.run(...values) : stmt.run(values);
}

function allStmt(stmt: Statement, params: readonly SqlValue[]): unknown[] {
  const values = bindable(params);
  return values.length <= 32 ? stmt.all(...values) : stmt.all(values);
}

function bindable(params: readonly SqlValue[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    if (typeof v === 'boolean' || (v instanceof Uint8Array && !Buffer.isBuffer(v))) {
      out ??= params.slice();
      out[i] = typeof v === 'boolean' ? (v ? 1 : 0) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return out ?? (params as unknown[]);
}

/** Opens a SQLite database with better-sqlite3 (WAL, busy timeout, foreign keys on). */
export async function openSqlite(options: SqliteOptions): Promise<SqlDriver> {
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new InvalidArgumentError(`Invalid sqlite path: ${JSON.stringify(options.path)}`);
  }
  const mod = (await import('better-sqlite3')) as unknown as { default: typeof BetterSqlite3 };
  const Database = mod.default;
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  let db: BetterSqlite3.Database;
  try {
    db = new Database(options.path);
  } catch (err) {
    // better-sqlite3 loads its addon on the first `new Database`, so a skipped install script shows here.
    if (isMissingNativeAddon(err)) throw missingNativeAddonError('better-sqlite3', err, 'The SQLite metadata store');
    throw new UnavailableError(`Cannot open SQLite database ${options.path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // SQLite's busy handler sleeps on the calling thread, which is the host's event loop here: lock
  // waits are retried on timers instead (lockWait), so SQLite itself must answer "busy" at once.
  db.pragma('busy_timeout = 0');
  if (options.path !== ':memory:') {
    // Switching a new file to WAL needs a moment of exclusive access; when another process opens the
    // same file at that instant SQLite answers "busy" without waiting, so try again shortly.
    for (let attempt = 0; ; attempt++) {
      try {
        db.pragma('journal_mode = WAL');
        break;
      } catch (err) {
        if (!isBusy(errorCode(err)) || attempt >= 50) {
          db.close();
          throw mapSqlError(err, 'PRAGMA journal_mode = WAL');
        }
        await backoff(attempt);
      }
    }
  }
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  // SQLite's default page cache is 2 MB; metric history outgrows it within minutes of training, and
  // every insert then walks index pages through the OS. 64 MB keeps the hot index pages in memory.
  db.pragma(`cache_size = ${-Math.max(2048, Math.floor((options.cacheSizeMb ?? 64) * 1024))}`);
  let checkpointer: Checkpointer | undefined;
  if (options.path !== ':memory:') {
    // Checkpoints fsync for tens of ms: a worker does them (sqlite-checkpointer.ts), not COMMIT here.
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = await startCheckpointer({
      path: options.path,
      onFailure: () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      },
    });
  }
  const waiters = options.path === ':memory:' ? undefined : new LockWaiters(options.path);
  return new SqliteDriver(db, options.clock ?? systemClock, Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000)), checkpointer, waiters);
}

/**
 * Rows per synchronous step of a bulk insert. 250 rows of the metric history take about 0.7 ms, so
 * a 1000-row logBatch gives the host a turn between steps when its time slice is spent.
 */
const CHUNK_ROWS = 100;

/**
 * Backoff for a lock held by another process: short waits throughout, since most write transactions
 * here last 1-5 ms and a holder that sees this process waiting pauses briefly for it (LockWaiters).
 */
function lockBackoff(attempt: number): Promise<void> {
  const ms = Math.min(2, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect;
  private readonly statements = new LRUCache<string, Statement>({ max: 500 });
  // Raw mode is a property of a prepared statement, so array reads keep their own statements.
  private readonly arrayStatements = new LRUCache<string, Statement>({ max: 100 });
  private readonly mutex = new AsyncMutex();
  private closed = false;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly clock: Clock,
    private readonly busyTimeoutMs: number,
    private readonly checkpointer: Checkpointer | undefined,
    private readonly waiters: LockWaiters | undefined,
  ) {}

  query<T = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.outside(() => this.rawQuery<T>(sql, params));
  }

  queryArrays<T extends unknown[] = unknown[]>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.outside(() => this.rawArrays<T>(sql, params));
  }

  exec(sql: string, params: readonly SqlValue[] = []): Promise<ExecResult> {
    return this.outside(() => this.rawExec(sql, params));
  }

  execScript(sql: string): Promise<void> {
    return this.outside(() => this.rawScript(sql));
  }

  execMany(sql: string, paramLists: readonly (readonly SqlValue[])[]): Promise<ExecResult> {
    if (paramLists.length <= CHUNK_ROWS) return this.outside(() => this.db.transaction(() => this.rawExecMany(sql, paramLists)).immediate());
    return this.transaction((tx) => tx.execMany(sql, paramLists), { retries: 0 });
  }

  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly SqlValue[])[],
    options: { onConflict?: string } = {},
  ): Promise<ExecResult> {
    if (rows.length <= CHUNK_ROWS) return this.outside(() => this.db.transaction(() => this.rawInsertMany(table, columns, rows, options)).immediate());
    return this.transaction((tx) => tx.insertMany(table, columns, rows, options), { retries: 0 });
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.assertOpen();
    const retries = options.retries ?? 5;
    return this.mutex.run(async () => {
      for (let attempt = 0; ; attempt++) {
        await hostSlicer.yield();
        // Another process waits for the write lock: let it have a turn before taking it again.
        if (this.waiters?.shouldDefer()) await this.waiters.deferToOthers();
        const tx = this.executorFor();
        try {
          await this.lockWait(() => this.prepare('BEGIN IMMEDIATE').run());
        } catch (err) {
          tx.end();
          throw mapSqlError(err, 'BEGIN IMMEDIATE');
        }
        try {
          const result = await fn(tx.executor);
          this.prepare('COMMIT').run();
          return result;
        } catch (err) {
          if (this.db.inTransaction) this.prepare('ROLLBACK').run();
          if (isBusy(errorCode(err)) && attempt < retries) {
            await backoff(attempt);
            continue;
          }
          throw err;
        } finally {
          tx.end();
        }
      }
    });
  }

  async migrate(module: string, migrations: readonly Migration[]): Promise<MigrationResult> {
    const sorted = validateMigrations(module, migrations);
    // BEGIN IMMEDIATE holds SQLite's write lock: a second process waits, then finds them applied.
    return this.transaction((tx) => applyMigrationsLocked(tx, module, sorted, this.clock.now()), { retries: 20 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      this.closed = true;
      this.waiters?.close();
      await this.checkpointer?.close();
      this.statements.clear();
      this.arrayStatements.clear();
      this.db.close();
    });
  }

  /**
   * Runs a statement outside a transaction: at once when nothing is queued, else after the holder;
   * either way only once the host has had its turn if the time slice is spent.
   */
  private async outside<T>(fn: () => T): Promise<T> {
    this.assertOpen();
    if (!this.mutex.busy) {
      await hostSlicer.yield();
      if (!this.mutex.busy) {
        try {
          return fn();
        } catch (err) {
          // Waiting for the lock means awaiting; only the mutex keeps this connection's own
          // transactions from starting meanwhile.
          if (!isBusy(errorCode(err))) throw err;
        }
      }
    }
    return this.mutex.run(() => {
      this.assertOpen();
      return this.lockWait(fn);
    });
  }

  /**
   * Runs `fn`, retrying on timers while another process holds the write lock, for up to
   * busyTimeoutMs; then fails with UNAVAILABLE. Runs at once (no promise hop) when the lock is free.
   */
  private lockWait<T>(fn: () => T): T | Promise<T> {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(errorCode(err)) || this.busyTimeoutMs === 0) throw err;
    }
    const deadline = performance.now() + this.busyTimeoutMs;
    this.waiters?.mark();
    return (async () => {
      try {
        for (let attempt = 0; ; attempt++) {
          await lockBackoff(attempt);
          this.assertOpen();
          try {
            return fn();
          } catch (err) {
            if (!isBusy(errorCode(err)) || performance.now() >= deadline) throw err;
          }
        }
      } finally {
        this.waiters?.unmark();
      }
    })();
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('The SQLite driver is closed');
  }

  private prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      try {
        stmt = this.db.prepare(sql);
      } catch (err) {
        throw mapSqlError(err, sql);
      }
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private rawQuery<T>(sql: string, params: readonly SqlValue[]): T[] {
    const stmt = this.prepare(sql);
    try {
      return (stmt.reader ? allStmt(stmt, params) : (runStmt(stmt, params), [])) as T[];
    } catch (err) {
      throw mapSqlError(err, sql);
    }
  }

  private rawArrays<T>(sql: string, params: readonly SqlValue[]): T[] {
    let stmt = this.arrayStatements.get(sql);
    if (stmt === undefined) {
      try {
        stmt = this.db.prepare(sql);
        if (!stmt.reader) throw new InvalidArgumentError('queryArrays needs a statement that returns rows');
        stmt.raw(true);
      } catch (err) {
        throw mapSqlError(err, sql);
      }
      this.arrayStatements.set(sql, stmt);
    }
    try {
      return allStmt(stmt, params) as T[];
    } catch (err) {
      throw mapSqlError(err, sql);
    }
  }

  private rawExec(sql: string, params: readonly SqlValue[]): ExecResult {
    const stmt = this.prepare(sql);
    try {
      if (stmt.reader) {
        allStmt(stmt, params);
        return { changes: 0 };
      }
      return { changes: runStmt(stmt, params).changes };
    } catch (err) {
      throw mapSqlError(err, sql);
    }
  }

  private rawScript(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw mapSqlError(err, sql);
    }
  }

  private rawExecMany(sql: string, paramLists: readonly (readonly SqlValue[])[]): ExecResult {
    const stmt = this.prepare(sql);
    let changes = 0;
    try {
      for (const params of paramLists) changes += runStmt(stmt, params).changes;
    } catch (err) {
      throw mapSqlError(err, sql);
    }
    return { changes };
  }

  private rawInsertMany(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly SqlValue[])[],
    options: { onConflict?: string },
  ): ExecResult {
    checkInsertShape(table, columns, rows);
    // One prepared single-row statement run per row. Multi-row VALUES lists were measured too: 1.7x
    // faster on a table with only a primary key, but 25% slower on the indexed metric history
    // (2.8 vs 3.4 ms per 1000 rows), which is the hot path here.
    const sql =
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})` +
      (options.onConflict ? ` ${options.onConflict}` : '');
    return this.rawExecMany(sql, rows);
  }

  /** An executor bound to the current transaction; it refuses work once the transaction ended. */
  private executorFor(): { executor: SqlExecutor; end: () => void } {
    let live = true;
    const run = <T>(fn: () => T): Promise<T> => {
      if (!live) return Promise.reject(new UnavailableError('This transaction has already ended'));
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    };
    // The host gets its turn between statements of a transaction too; the mutex keeps this
    // connection's other callers out meanwhile, so the transaction stays whole.
    const guard = <T>(fn: () => T): Promise<T> => {
      const wait = hostSlicer.due();
      return wait === undefined ? run(fn) : wait.then(() => run(fn));
    };
    const chunked = async (rows: readonly (readonly SqlValue[])[], step: (part: readonly (readonly SqlValue[])[]) => ExecResult): Promise<ExecResult> => {
      let changes = 0;
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        const part = rows.length <= CHUNK_ROWS ? rows : rows.slice(start, start + CHUNK_ROWS);
        changes += (await guard(() => step(part))).changes;
      }
      return { changes };
    };
    const executor: SqlExecutor = {
      dialect: this.dialect,
      query: (sql, params = []) => guard(() => this.rawQuery(sql, params)),
      queryArrays: <T extends unknown[]>(sql: string, params: readonly SqlValue[] = []) => guard(() => this.rawArrays<T>(sql, params)),
      exec: (sql, params = []) => guard(() => this.rawExec(sql, params)),
      execScript: (sql) => guard(() => this.rawScript(sql)),
      execMany: (sql, lists) => chunked(lists, (part) => this.rawExecMany(sql, part)),
      insertMany: (table, columns, rows, options = {}) => {
        checkInsertShape(table, columns, rows);
        return chunked(rows, (part) => this.rawInsertMany(table, columns, part, options));
      },
    };
    return { executor, end: () => (live = false) };
  }
}
