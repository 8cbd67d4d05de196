import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase, migrate } from '../../db/migrate';
import { createPool, type Db } from '../../db/pool';
import { seed } from '../../db/seed';

/** The shared PostgreSQL server the tests make their databases on. */
export const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated and seeded database of its own; `drop` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cm_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = `${SERVER_URL}/${name}`;
  await ensureDatabase(url);
  await migrate(url);
  const db = createPool(url, 5);
  await seed(db);
  return {
    url,
    db,
    async drop() {
      await db.end();
      const admin = new Client({ connectionString: `${SERVER_URL}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
