import { Pool, type PoolClient, types } from 'pg';

// bigint columns (counts, sums of cents) arrive as numbers; every amount here stays far below 2^53.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));

export type Db = Pool;

/**
 * `connectTimeoutMs`: how long a query waits for a connection; without one it waits as long as the server takes to refuse.
 * `applicationName`: how this process's connections show in `pg_stat_activity` (a `DATABASE_URL` that sets one wins).
 */
export function createPool(connectionString: string, max = 10, connectTimeoutMs?: number, applicationName?: string): Db {
  const pool = new Pool({ connectionString, max, connectionTimeoutMillis: connectTimeoutMs, application_name: applicationName });
  // A connection can die at any moment (pg_terminate_backend, a server restart, a network cut), also while checked
  // out with no query running, where pg emits 'error' on the client and nothing else listens: an unhandled 'error'
  // event would end the process. So every client has a listener for its whole life; the query or transaction that
  // was using it fails (and is retried by its caller), and the pool replaces the connection.
  pool.on('connect', (client) => {
    client.on('error', (err: Error & { code?: string }) =>
      console.error(`[db] connection lost${err.code ? ` (${err.code})` : ''}: ${err.message}`),
    );
  });
  // An idle client's error: the client's own listener above has logged it and the pool has already removed it.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction on one client: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(db: Db, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is broken: released with the error, the pool closes it instead of
    // lending it out again.
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackErr: Error) => rollbackErr,
    );
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Tries of a write after an outside effect: 0.25 + 0.5 + 1 + 2 + 4 s between them, well inside an activity's 30 s. */
const AFTER_EFFECT_ATTEMPTS = 6;

/**
 * The write that records an outside effect already done (an email handed to SMTP). A lost connection there must not
 * fail the activity, whose retry would repeat the effect: the write is tried again, each time on a fresh connection.
 */
export async function writeAfterEffect(db: Db, sql: string, params: unknown[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query(sql, params);
      return;
    } catch (err) {
      if (attempt === AFTER_EFFECT_ATTEMPTS) throw err;
      console.warn(`[db] the record of an effect already done failed (try ${attempt}); trying again: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    }
  }
}
