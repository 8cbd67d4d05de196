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

/** What an enrollment left in the records: the rows that must exist exactly once each after it closes. */
export interface EnrollmentOutcomeRows {
  id: string;
  certificates: number;
  wioa: number;
  ledger: string[];
  ledger_sum: number;
  payments: number;
  history: string[];
  emails: string[];
  unsent: number;
  transfers: number;
}

/** Each enrollment's outcome rows, counted (for "exactly once" after crashes and faults). */
export async function enrollmentOutcomes(db: Db, ids: string[]): Promise<EnrollmentOutcomeRows[]> {
  const { rows } = await db.query<EnrollmentOutcomeRows>(
    `SELECT e.id,
            (SELECT count(*)::int FROM certificates c WHERE c.enrollment_id = e.id) AS certificates,
            (SELECT count(*)::int FROM wioa_outcomes w WHERE w.enrollment_id = e.id) AS wioa,
            (SELECT array_agg(party ORDER BY party) FROM ledger_entries l WHERE l.enrollment_id = e.id) AS ledger,
            (SELECT sum(amount_cents)::int FROM ledger_entries l WHERE l.enrollment_id = e.id) AS ledger_sum,
            (SELECT count(*)::int FROM payments p WHERE p.enrollment_id = e.id AND p.status = 'accepted') AS payments,
            (SELECT array_agg(status ORDER BY seq) FROM enrollment_status_history h WHERE h.enrollment_id = e.id) AS history,
            (SELECT array_agg(kind ORDER BY kind) FROM emails_sent m WHERE m.enrollment_id = e.id) AS emails,
            (SELECT count(*)::int FROM emails_sent m WHERE m.enrollment_id = e.id AND m.status <> 'sent') AS unsent,
            (SELECT count(*)::int FROM transfers t WHERE t.enrollment_id = e.id) AS transfers
       FROM enrollments e WHERE e.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows;
}
