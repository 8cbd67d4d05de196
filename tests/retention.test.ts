/**
 * The retention policy over a real PostgreSQL and file store, with a clock the test sets (each batch takes the run's
 * `now`): what is past its period is deleted, marked or pseudonymized, what is within it is untouched, the law's rows
 * stay; a second run does nothing; a batch that fails is rolled back and the next one resumes. The README's table
 * states each rule's variable and default.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyRetentionBatch, type RetentionBatchRule } from '../capabilities/privacy/retention';
import { fileRetentionErasures } from '../capabilities/privacy/retention-erasure';
import { RETENTION_POLICY, RETENTION_RULES } from '../capabilities/privacy/retention-policy';
import type { Db } from '../db/pool';
import { SEEDED_PROGRAMS } from '../db/seed';
import { loadConfig } from '../lib/config';
import { retentionFromEnv, type RetentionSettings } from '../lib/retention-config';
import { createLocalFileStore, type FileStore } from '../services/file-store';
import { createTestDatabase, type TestDatabase } from './helpers/db';

const NOW = new Date('2031-06-01T12:00:00.000Z');
const [PROGRAM] = SEEDED_PROGRAMS;

/** `now` minus so many years, days or hours. */
function ago(amount: number, unit: 'y' | 'd' | 'h', now = NOW): Date {
  const d = new Date(now);
  if (unit === 'y') d.setUTCFullYear(d.getUTCFullYear() - amount);
  else d.setTime(d.getTime() - amount * (unit === 'd' ? 86_400_000 : 3_600_000));
  return d;
}

interface World {
  database: TestDatabase;
  db: Db;
  files: FileStore;
  root: string;
}

async function world(): Promise<World> {
  const database = await createTestDatabase();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-retention-'));
  return { database, db: database.db, files: createLocalFileStore(root), root };
}

async function dispose(w: World | undefined) {
  await w?.database.drop();
  if (w) fs.rmSync(w.root, { recursive: true, force: true });
}

/** Every rule but the pseudonymization, each batch after batch until it finds nothing more, as the workflow runs them. */
async function runRules(w: World, settings: RetentionSettings, now = NOW) {
  const counts: Partial<Record<RetentionBatchRule, number>> = {};
  for (const rule of RETENTION_RULES.filter((r): r is RetentionBatchRule => r !== 'personalData')) {
    counts[rule] = 0;
    for (let more = true; more;) {
      const batch = await applyRetentionBatch(
        { db: w.db, files: w.files, periods: settings.periods, now, limit: settings.batchSize },
        rule,
      );
      counts[rule] += batch.done;
      more = batch.more;
    }
  }
  return counts;
}

interface EnrollmentFixture {
  id: string;
  studentId: string;
  uploadKey: string;
  proofKey: string;
}

/**
 * A student's enrollment with an uploaded evidence file and a holder's proof file in the store, its payment, ledger
 * and WIOA rows; closed at `closedAt` (null: still open).
 */
async function enrollment(
  w: World,
  o: { fundingSource?: 'self_pay' | 'wioa_ita'; closedAt: Date | null; studentId?: string },
): Promise<EnrollmentFixture> {
  const id = randomUUID();
  const studentId = o.studentId ?? `student-${id.slice(0, 8)}`;
  const fundingSource = o.fundingSource ?? 'self_pay';
  const opened = o.closedAt ? ago(60, 'd', o.closedAt) : ago(30, 'd');
  await w.db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, price_cents, currency,
                              status, closed_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 1000, 'usd', $7, $8::timestamptz, $9::timestamptz, COALESCE($8::timestamptz, $9::timestamptz))`,
    [
      id,
      PROGRAM.id,
      studentId,
      `${studentId}@example.com`,
      `Name ${studentId}`,
      fundingSource,
      o.closedAt ? 'closed' : 'in_progress',
      o.closedAt,
      opened,
    ],
  );
  await w.db.query(`INSERT INTO students (id, email, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
    studentId,
    `${studentId}@example.com`,
    `Name ${studentId}`,
  ]);
  const uploadKey = `evidence/${id}/upload.pdf`;
  const proofKey = `evidence/${id}/proof.pdf`;
  await w.files.put(uploadKey, Buffer.from('%PDF-upload'));
  await w.files.put(proofKey, Buffer.from('%PDF-proof'));
  await w.db.query(
    `INSERT INTO completion_submissions (id, enrollment_id, student_id, file_key, content_type, size_bytes, sha256, completed_at, status, submitted_at)
     VALUES ($1, $2, $3, $4, 'application/pdf', 11, 'sha', $5, 'approved', $5)`,
    [randomUUID(), id, studentId, uploadKey, ago(40, 'd', o.closedAt ?? NOW)],
  );
  await w.db.query(
    `INSERT INTO completion_evidence (enrollment_id, method, report_id, completed_at, reported_by, outcome,
                                      proof_file_key, proof_content_type, proof_size_bytes, proof_sha256)
     VALUES ($1::uuid, 'manual', $1::text, $2, 'holder', 'applied', $3, 'application/pdf', 10, 'sha')`,
    [id, ago(40, 'd', o.closedAt ?? NOW), proofKey],
  );
  await w.db.query(
    `INSERT INTO payments (enrollment_id, provider, provider_ref, amount_cents, currency, status, paid_at)
     VALUES ($1::uuid, 'simulated', $1::text, 1000, 'usd', 'accepted', $2)`,
    [id, opened],
  );
  await w.db.query(
    `INSERT INTO ledger_entries (enrollment_id, program_id, party, party_id, entry_type, basis_cents, bps, amount_cents, currency)
     VALUES ($1, $2, 'platform', 'platform', 'share', 1000, 10000, 1000, 'usd')`,
    [id, PROGRAM.id],
  );
  await w.db.query(
    `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, training_completed)
     VALUES ($1, $2, $3, $4, true)`,
    [id, PROGRAM.id, fundingSource, opened],
  );
  return { id, studentId, uploadKey, proofKey };
}

/** Whether the enrollment's two evidence files are still in the store, and when their rows say they were deleted. */
async function evidenceOf(w: World, e: EnrollmentFixture) {
  const { rows } = await w.db.query<{ upload: Date | null; proof: Date | null }>(
    `SELECT (SELECT file_deleted_at FROM completion_submissions WHERE enrollment_id = $1) AS upload,
            (SELECT proof_deleted_at FROM completion_evidence WHERE enrollment_id = $1) AS proof`,
    [e.id],
  );
  return {
    files: [(await w.files.get(e.uploadKey)) !== undefined, (await w.files.get(e.proofKey)) !== undefined],
    marked: [rows[0].upload !== null, rows[0].proof !== null],
  };
}
const KEPT = { files: [true, true], marked: [false, false] };
const DELETED = { files: [false, false], marked: [true, true] };

const countOf = async (w: World, sql: string, params: unknown[] = []) => Number((await w.db.query<{ n: number }>(sql, params)).rows[0].n);

/** The rows the law keeps, all tables together. */
const lawRows = (w: World) =>
  countOf(
    w,
    `SELECT (SELECT count(*) FROM payments) + (SELECT count(*) FROM ledger_entries) + (SELECT count(*) FROM wioa_outcomes)
          + (SELECT count(*) FROM enrollments) + (SELECT count(*) FROM completion_submissions) + (SELECT count(*) FROM completion_evidence) AS n`,
  );

describe('a retention run', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => dispose(w));

  test('deletes or marks what is past its period, leaves what is within it, keeps the law’s rows; a second run does nothing', async () => {
    const settings = retentionFromEnv();
    // Evidence files: a self-paid enrollment closed 4 years ago (past 3y), one 2 years ago; a WIOA-funded one 4 years
    // ago (kept: funded evidence follows the 6-year award period) and one 7 years ago; an open one from years back;
    // a self-paid one past its period whose student is waiting for an export (FERPA 99.10(e): not destroyed).
    const selfPaidOld = await enrollment(w, { closedAt: ago(4, 'y') });
    const selfPaidRecent = await enrollment(w, { closedAt: ago(2, 'y') });
    const fundedFourYears = await enrollment(w, { fundingSource: 'wioa_ita', closedAt: ago(4, 'y') });
    const fundedSevenYears = await enrollment(w, { fundingSource: 'wioa_ita', closedAt: ago(7, 'y') });
    const stillOpen = await enrollment(w, { closedAt: null });
    const exporting = await enrollment(w, { closedAt: ago(4, 'y') });
    await w.db.query(`INSERT INTO data_exports (id, student_id, status, requested_at) VALUES ($1, $2, 'pending', $3)`, [
      randomUUID(),
      exporting.studentId,
      ago(1, 'h'),
    ]);

    // Sessions, request traces, tutor conversations, exports, audit and disclosure entries, each past and within.
    await w.db.query(`INSERT INTO console_sessions (sid, sess, expire) VALUES ('gone', '{}', $1), ('live', '{}', $2)`, [
      ago(1, 'h'),
      ago(-1, 'h'),
    ]);
    await w.db.query(
      `INSERT INTO idempotency_keys (actor_id, key, request_hash, created_at, claimed_until)
       VALUES ('a', 'old', 'h', $1, $1), ('a', 'new', 'h', $2, $2)`,
      [ago(2, 'd'), ago(1, 'h')],
    );
    await w.db.query(`INSERT INTO rate_limit_hits (key, window_start, hits) VALUES ('client:old', $1, 1), ('client:new', $2, 1)`, [
      ago(2, 'd'),
      ago(1, 'h'),
    ]);
    await w.db.query(`INSERT INTO tutor_usage (student_id, day) VALUES ('s', $1::date), ('s', $2::date)`, [ago(3, 'd'), NOW]);
    await w.db.query(`INSERT INTO tutor_rate_windows (student_id, window_start) VALUES ('s', $1), ('s', $2)`, [ago(2, 'd'), ago(1, 'h')]);
    await w.db.query(`INSERT INTO lti_used_values (kind, value, expires_at) VALUES ('nonce', 'old', $1), ('nonce', 'new', $2)`, [
      ago(2, 'd'),
      ago(-1, 'h'),
    ]);
    const conversations = { old: randomUUID(), recent: randomUUID() };
    for (const [id, at] of [
      [conversations.old, ago(400, 'd')],
      [conversations.recent, ago(300, 'd')],
    ] as const) {
      await w.db.query(
        `INSERT INTO tutor_conversations (id, student_id, program_id, created_at, updated_at) VALUES ($1, 's', $2, $3, $3)`,
        [id, PROGRAM.id, at],
      );
      await w.db.query(
        `INSERT INTO tutor_messages (conversation_id, role, content, created_at) VALUES ($1, 'user', 'q', $2), ($1, 'assistant', 'a', $2)`,
        [id, at],
      );
    }
    const exportsOf = { old: randomUUID(), recent: randomUUID() };
    for (const [id, readyAt] of [
      [exportsOf.old, ago(8, 'd')],
      [exportsOf.recent, ago(1, 'd')],
    ] as const) {
      await w.files.put(`exports/${id}.zip`, Buffer.from('PK'));
      await w.db.query(
        `INSERT INTO data_exports (id, student_id, status, file_key, requested_at, ready_at, expires_at)
         VALUES ($1, 'exporter', 'ready', $2, $3, $3, $4)`,
        [id, `exports/${id}.zip`, readyAt, new Date(readyAt.getTime() + 7 * 86_400_000)],
      );
    }
    await w.db.query(
      `INSERT INTO audit_log (at, actor_id, actor_role, action, target_type, target_id) VALUES ($1, 'x', 'admin', 'old', 't', '1'), ($2, 'x', 'admin', 'recent', 't', '2')`,
      [ago(7, 'y'), ago(5, 'y')],
    );
    // Disclosure entries 7 years old: one about a student whose records still name them (kept, FERPA 99.32(a)(2)), one
    // about a student the platform no longer holds; and a recent one about that student.
    const disclosure = (studentId: string, at: Date, via: string) =>
      w.db.query(
        `INSERT INTO disclosure_log (at, student_id, actor_id, actor_role, record_kind, record_ids, fields, via, purpose, disclosure)
         VALUES ($1, $2, 'funder-1', 'funder', 'enrollment', '{}', '{name}', $3, 'funding_oversight', true)`,
        [at, studentId, via],
      );
    await disclosure(selfPaidOld.studentId, ago(7, 'y'), 'kept-records');
    await disclosure('student-long-gone', ago(7, 'y'), 'gone-student');
    await disclosure('student-long-gone', ago(1, 'y'), 'recent');
    const lawBefore = await lawRows(w);

    const counts = await runRules(w, settings);

    expect(await evidenceOf(w, selfPaidOld)).toEqual(DELETED);
    expect(await evidenceOf(w, selfPaidRecent)).toEqual(KEPT);
    expect(await evidenceOf(w, fundedFourYears)).toEqual(KEPT);
    expect(await evidenceOf(w, fundedSevenYears)).toEqual(DELETED);
    expect(await evidenceOf(w, stillOpen)).toEqual(KEPT);
    expect(await evidenceOf(w, exporting)).toEqual(KEPT);
    expect((await w.db.query('SELECT sid FROM console_sessions')).rows).toEqual([{ sid: 'live' }]);
    expect((await w.db.query('SELECT key FROM idempotency_keys')).rows).toEqual([{ key: 'new' }]);
    expect((await w.db.query('SELECT key FROM rate_limit_hits')).rows).toEqual([{ key: 'client:new' }]);
    expect(await countOf(w, 'SELECT count(*) AS n FROM tutor_usage')).toBe(1);
    expect(await countOf(w, 'SELECT count(*) AS n FROM tutor_rate_windows')).toBe(1);
    expect((await w.db.query('SELECT value FROM lti_used_values')).rows).toEqual([{ value: 'new' }]);
    expect((await w.db.query('SELECT id FROM tutor_conversations')).rows).toEqual([{ id: conversations.recent }]);
    expect(await countOf(w, 'SELECT count(*) AS n FROM tutor_messages')).toBe(2);
    expect((await w.db.query(`SELECT id, status FROM data_exports WHERE student_id = 'exporter' ORDER BY ready_at`)).rows).toEqual([
      { id: exportsOf.old, status: 'expired' },
      { id: exportsOf.recent, status: 'ready' },
    ]);
    expect([await w.files.get(`exports/${exportsOf.old}.zip`), await w.files.get(`exports/${exportsOf.recent}.zip`)]).toEqual([
      undefined,
      Buffer.from('PK'),
    ]);
    expect((await w.db.query('SELECT action FROM audit_log WHERE actor_id = $1', ['x'])).rows).toEqual([{ action: 'recent' }]);
    expect((await w.db.query('SELECT via FROM disclosure_log ORDER BY via')).rows).toEqual([{ via: 'kept-records' }, { via: 'recent' }]);
    expect(await lawRows(w)).toBe(lawBefore);
    expect(counts).toEqual({
      sessions: 1,
      requestTraces: 5,
      tutorConversations: 1,
      evidenceFiles: 4, // two files of each of two enrollments
      exports: 1,
      auditLog: 1,
      disclosureLog: 1,
      erasureRequests: 0,
    });

    // Again, at the same moment: nothing is due any more.
    const snapshot = async () => ({
      rows: await countOf(
        w,
        `SELECT (SELECT count(*) FROM console_sessions) + (SELECT count(*) FROM idempotency_keys) + (SELECT count(*) FROM tutor_messages)
              + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM disclosure_log) + (SELECT count(*) FROM data_exports WHERE status = 'ready') AS n`,
      ),
      marked: await countOf(w, 'SELECT count(*) AS n FROM completion_submissions WHERE file_deleted_at IS NOT NULL'),
      law: await lawRows(w),
    });
    const before = await snapshot();
    expect(Object.values(await runRules(w, settings)).every((n) => n === 0)).toBe(true);
    expect(await snapshot()).toEqual(before);

    // Later, the clock moved on: the files of the enrollment closed two years before NOW go once their three years end.
    await runRules(w, settings, ago(-1, 'y', ago(1, 'd')));
    expect(await evidenceOf(w, selfPaidRecent)).toEqual(KEPT);
    await runRules(w, settings, ago(-1, 'y', ago(-1, 'd')));
    expect(await evidenceOf(w, selfPaidRecent)).toEqual(DELETED);
    expect(await lawRows(w)).toBe(lawBefore);
  });
});

describe('batches', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => dispose(w));

  test('take at most RETENTION_BATCH_SIZE each; one that fails midway is rolled back and the next resumes, each file once', async () => {
    const settings = retentionFromEnv({ RETENTION_BATCH_SIZE: '2' });
    const due = await Promise.all([1, 2, 3].map(() => enrollment(w, { closedAt: ago(4, 'y') })));
    // The file store fails on its second delete, inside the first batch.
    let deletes = 0;
    const failing: FileStore = {
      ...w.files,
      async delete(key) {
        deletes += 1;
        if (deletes === 2) throw new Error('the file store is unavailable');
        await w.files.delete(key);
      },
    };
    const context = { db: w.db, periods: settings.periods, now: NOW, limit: settings.batchSize };
    await expect(applyRetentionBatch({ ...context, files: failing }, 'evidenceFiles')).rejects.toThrow('the file store is unavailable');
    expect(await countOf(w, 'SELECT count(*) AS n FROM completion_submissions WHERE file_deleted_at IS NOT NULL')).toBe(0);

    const batches = [];
    for (let more = true; more;) {
      const batch = await applyRetentionBatch({ ...context, files: failing }, 'evidenceFiles');
      batches.push(batch);
      more = batch.more;
    }
    // Six files in batches of two (uploads first, then proofs), the last finding nothing more.
    expect(batches).toEqual([
      { done: 2, more: true },
      { done: 2, more: true },
      { done: 2, more: true },
      { done: 0, more: false },
    ]);
    for (const e of due) expect(await evidenceOf(w, e)).toEqual(DELETED);
  });
});

describe('personal data and erasure requests', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => dispose(w));

  const request = (id: string, o: { studentId: string; status: string; origin?: string; pseudonym?: string; at?: Date; reason?: string }) =>
    w.db.query(
      `INSERT INTO erasure_requests (id, student_id, status, origin, pseudonym, reason, requested_at, decided_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, CASE WHEN $3 = 'completed' THEN $7::timestamptz END)`,
      [id, o.studentId, o.status, o.origin ?? 'student', o.pseudonym ?? null, o.reason ?? null, o.at ?? ago(1, 'd')],
    );

  test('files an erasure request for each student whose enrollments all closed past the period, and only those', async () => {
    const settings = retentionFromEnv();
    const due = await enrollment(w, { closedAt: ago(7, 'y') });
    // Not due: a later enrollment closed 2 years ago; an enrollment still open; an export being built (FERPA 99.10(e));
    // an erasure request of the student's own already open; an id that is an erasure's pseudonym already.
    const later = await enrollment(w, { closedAt: ago(7, 'y') });
    await enrollment(w, { closedAt: ago(2, 'y'), studentId: later.studentId });
    const open = await enrollment(w, { closedAt: ago(7, 'y') });
    await enrollment(w, { closedAt: null, studentId: open.studentId });
    const exporting = await enrollment(w, { closedAt: ago(7, 'y') });
    await w.db.query(`INSERT INTO data_exports (id, student_id, status) VALUES ($1, $2, 'pending')`, [randomUUID(), exporting.studentId]);
    const asking = await enrollment(w, { closedAt: ago(7, 'y') });
    await request(randomUUID(), { studentId: asking.studentId, status: 'requested' });
    const erased = await enrollment(w, { closedAt: ago(7, 'y'), studentId: `erased-${randomUUID()}` });
    await request(randomUUID(), { studentId: 'someone', status: 'completed', pseudonym: erased.studentId });
    // A request the policy filed that the erasure sent back (the student enrolled again): withdrawn, saying why.
    const sentBack = randomUUID();
    await request(sentBack, { studentId: later.studentId, status: 'requested', origin: 'retention', pseudonym: `erased-${randomUUID()}` });

    const context = { db: w.db, files: w.files, periods: settings.periods, now: NOW, limit: settings.batchSize };
    const filed = await fileRetentionErasures(context);
    expect(filed).toEqual({ requestIds: [expect.any(String)], filed: 1, more: false });
    const { rows } = await w.db.query(
      `SELECT student_id, status, origin, decided_by, pseudonym LIKE 'erased-%' AS pseudonym FROM erasure_requests WHERE id = $1`,
      [filed.requestIds[0]],
    );
    expect(rows).toEqual([
      { student_id: due.studentId, status: 'approved', origin: 'retention', decided_by: 'system:retention', pseudonym: true },
    ]);
    expect((await w.db.query(`SELECT actor_id, action, details FROM audit_log WHERE target_id = $1`, [filed.requestIds[0]])).rows).toEqual([
      { actor_id: 'system:retention', action: 'erasure.approve', details: { policy: 'RETENTION_PERSONAL_DATA', period: '6y' } },
    ]);
    expect((await w.db.query('SELECT status, reason FROM erasure_requests WHERE id = $1', [sentBack])).rows).toEqual([
      { status: 'rejected', reason: expect.stringContaining('the student enrolled again') as string },
    ]);

    // Again, before the erasure has run: nothing new is filed; the one under way is handed back to be carried out.
    expect(await fileRetentionErasures(context)).toEqual({ requestIds: filed.requestIds, filed: 0, more: false });
  });

  test('after the accountability period, a rejected request goes and a completed one keeps only its pseudonym', async () => {
    const settings = retentionFromEnv();
    const [rejected, completed, recent] = [randomUUID(), randomUUID(), randomUUID()];
    await request(rejected, { studentId: 'rejected-student', status: 'rejected', reason: 'not yet', at: ago(7, 'y') });
    await request(completed, { studentId: 'completed-student', status: 'completed', pseudonym: 'erased-old', at: ago(7, 'y') });
    await request(recent, { studentId: 'recent-student', status: 'completed', pseudonym: 'erased-new', at: ago(1, 'y') });
    await w.db.query(
      `INSERT INTO tutor_consents (student_id, notice_version, given_at) VALUES ('erased-old', 'v1', $1), ('erased-new', 'v1', $1)`,
      [ago(8, 'y')],
    );
    const batch = await applyRetentionBatch(
      { db: w.db, files: w.files, periods: settings.periods, now: NOW, limit: settings.batchSize },
      'erasureRequests',
    );
    expect(batch).toEqual({ done: 2, more: false });
    const { rows } = await w.db.query<{ id: string; student_id: string; unlinked: boolean }>(
      `SELECT id, student_id, unlinked_at IS NOT NULL AS unlinked FROM erasure_requests WHERE id = ANY($1::uuid[]) ORDER BY student_id`,
      [[rejected, completed, recent]],
    );
    expect(rows).toEqual([
      { id: completed, student_id: 'erased-old', unlinked: true },
      { id: recent, student_id: 'recent-student', unlinked: false },
    ]);
    expect((await w.db.query(`SELECT student_id FROM tutor_consents WHERE student_id LIKE 'erased-%'`)).rows).toEqual([
      { student_id: 'erased-new' },
    ]);
  });
});

test('the README’s Retention table gives each rule’s variable with its default and legal basis', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Retention'), readme.indexOf('\n## ', readme.indexOf('### Retention')));
  const defaults = loadConfig({ NODE_ENV: 'test' });
  const defaultOf: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(defaults.retention.periods).map(([rule, p]) => [
        `RETENTION_${rule.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
        p.text,
      ]),
    ),
    RETENTION_WORKFLOW_HISTORIES: defaults.retention.workflowHistories.text,
    SESSION_IDLE: '8h',
  };
  const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| what') && !line.startsWith('|---'));
  for (const [rule, entry] of Object.entries(RETENTION_POLICY)) {
    // A row that states the rule's period (its variable with the default beside it) and its action.
    const row = rows.find((r) => r.includes(`\`${entry.variable}\` (\`${defaultOf[entry.variable]}\`)`) && r.includes(entry.action));
    expect({ rule, row: row !== undefined }).toEqual({ rule, row: true });
  }
  expect(rows).toHaveLength(Object.keys(RETENTION_POLICY).length);
});
