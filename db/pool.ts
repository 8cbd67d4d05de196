import { Pool, types } from 'pg';

// bigint columns (counts, sums of cents) arrive as numbers; every amount here stays far below 2^53.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));

export type Db = Pool;

export function createPool(connectionString: string, max = 10): Db {
  const pool = new Pool({ connectionString, max });
  // An idle client's connection error must not crash the process; the next query reconnects.
  pool.on('error', (err) => console.error('[db] idle client error:', err.message));
  return pool;
}
