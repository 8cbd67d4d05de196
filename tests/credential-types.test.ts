/** The platform's credential types are listed once (lib/credential-types.ts); the database's check must agree. */
import { CREDENTIAL_TYPES } from '../lib/program-rules';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

test('the check on programs.credential_type lists exactly the credential types', async () => {
  const {
    rows: [check],
  } = await database.db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      WHERE c.conrelid = 'programs'::regclass AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%credential_type%'`,
  );
  const listed = [...check.def.matchAll(/'([a-z_]+)'::text/g)].map((m: RegExpMatchArray) => m[1]);
  expect(listed.sort()).toEqual([...CREDENTIAL_TYPES].sort());
});
