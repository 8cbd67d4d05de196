import type { Db } from '../db/pool';

/** Resolves when PostgreSQL answers a query; for /readyz. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.query('SELECT 1');
}
