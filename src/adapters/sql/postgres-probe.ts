import { importOptional, pickExport } from '../../core/optional-import.js';

/** The parts of pg's Client the startup probe uses. */
interface PgProbeClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Connects with `connectionString` on a short-lived client of its own and runs `SELECT 1`. Resolves
 * undefined when both answered, or `{ error }` with the driver's own error (config/startup-probe.ts
 * turns it into a message with the fix); rejects only when pg is not installed. The client is always
 * ended, so a refused configuration leaves nothing behind.
 */
export async function pingPostgres(connectionString: string, timeoutMs: number): Promise<{ error: unknown } | undefined> {
  const pg = await importOptional(() => import('pg'), 'pg', 'The PostgreSQL store');
  const Client = pickExport<new (config: Record<string, unknown>) => PgProbeClient>(pg, 'Client');
  const client = new Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  // A socket that dies after connect() emits 'error' on the client: the failing call reports it.
  client.on?.('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return { error };
  } finally {
    await client.end().catch(() => undefined);
  }
}
