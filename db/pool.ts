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
