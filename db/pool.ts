import { Pool, type PoolClient, types } from 'pg';

// bigint columns (counts, sums of cents) arrive as numbers; every amount here stays far below 2^53.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));

export type Db = Pool;

/** `connectTimeoutMs`: how long a query waits for a connection; without one it waits as long as the server takes to refuse. */
export function createPool(connectionString: string, max = 10, connectTimeoutMs?: number): Db {
  const pool = new Pool({ connectionString, max, connectionTimeoutMillis: connectTimeoutMs });
  // An idle client's connection error must not crash the process; the next query reconnects.
  pool.on('error', (err) => console.error('[db] idle client error:', err.message));
  return pool;
}

/** Runs `work` in one transaction on one client: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(db: Db, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
