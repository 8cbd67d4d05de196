/**
 * The review digest's activity against PostgreSQL, with a mailer that keeps what it is given: what the email says,
 * at most one an hour per holder, each upload announced once, a crash between claim and send resent as the same
 * message, two runs at once sending one digest.
 */
import { randomUUID } from 'node:crypto';
import { createActivities, type EnrollmentActivities } from '../../activities';
import { rememberProgramHolder } from '../../capabilities/programs/program-holder-contact';
import type { Db } from '../../db/pool';
import { createLocalFileStore } from '../../services/file-store';
import type { Email, Mailer } from '../../services/mailer';
import { createSimulatedPaymentProvider } from '../../services/payment-provider';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const PUBLIC_BASE_URL = 'https://marketplace.test';

let database: TestDatabase;
let db: Db;
let acts: EnrollmentActivities;
let outbox: Email[];
/** The next `send` throws this many times (a mail server refusing), then sends. */
let failNextSends = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const mailer: Mailer = {
    send(email) {
      if (failNextSends > 0) {
        failNextSends -= 1;
        return Promise.reject(new Error('421 try again later'));
      }
      outbox.push(email);
      return Promise.resolve();
    },
  };
  acts = createActivities({
    db,
    files: createLocalFileStore(`/tmp/cm-digest-${randomUUID()}`),
    payments: createSimulatedPaymentProvider(PUBLIC_BASE_URL),
    mailer,
    publicBaseUrl: PUBLIC_BASE_URL,
  });
});
afterAll(() => database?.drop());
beforeEach(async () => {
  outbox = [];
  failNextSends = 0;
  // Each test starts with nothing waiting: earlier tests' uploads are reviewed.
  await db.query(`UPDATE completion_submissions SET status = 'approved' WHERE status = 'pending'`);
});

/** A program holder; with an email they gave at sign-in unless `email` is null. */
async function holder(name: string, email: string | null = `${name.toLowerCase().replace(/\W+/g, '.')}@holder.example`) {
  const id = `holder-${randomUUID()}`;
  if (email) await rememberProgramHolder(db, { id, role: 'program_holder', name, email });
  const programId = randomUUID();
  await db.query(
    `INSERT INTO programs (id, title, partner_id, price_cents, currency, holder_id, platform_bps, holder_bps, partner_bps, credential_type, deadline_days)
     VALUES ($1, $2, 'nrf', 10000, 'usd', $3, 2000, 6000, 2000, 'other', 30)`,
    [programId, `${name}'s Program`, id],
  );
  return { id, programId, email };
}

/** A student's upload awaiting review, as the workflow records it (the enrollment awaiting review). */
async function upload(programId: string, studentName: string, completedAt = '2024-05-01T00:00:00.000Z') {
  const enrollmentId = randomUUID();
  const submissionId = randomUUID();
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, price_cents, currency, status)
     VALUES ($1, $2, $3, $4, $5, 'self_pay', 10000, 'usd', 'awaiting_review')`,
    [enrollmentId, programId, `student-${randomUUID()}`, `${studentName.split(' ')[0].toLowerCase()}@student.example`, studentName],
  );
  await acts.recordSubmission({
    enrollmentId,
    submissionId,
    fileKey: `submissions/${enrollmentId}/${submissionId}.pdf`,
    contentType: 'application/pdf',
    sizeBytes: 100,
    sha256: 'ab'.repeat(32),
    completedAt,
    studentId: 'student',
    submittedAt: new Date().toISOString(),
  });
  return { enrollmentId, submissionId };
}

/** As if the holder's last digest had gone out `minutes` ago. */
const sentMinutesAgo = (holderId: string, minutes: number) =>
  db.query(`UPDATE review_digests SET created_at = now() - make_interval(mins => $2) WHERE holder_id = $1`, [holderId, minutes]);

const to = (address: string | null) => outbox.filter((m) => m.to === address);

test('a digest lists the uploads awaiting the holder’s review, with the program, the dates and the review queue’s link', async () => {
  const hana = await holder('Hana Holder');
  await upload(hana.programId, 'Ada Lovelace', '2024-04-30T00:00:00.000Z');
  await upload(hana.programId, 'Alan Turing', '2024-05-02T00:00:00.000Z');
  const jo = await holder('Jo Single');
  await upload(jo.programId, 'Grace Hopper');

  expect(await acts.sendReviewDigests()).toEqual({ sent: 2, failed: 0 });
  const [mail] = to(hana.email);
  expect(mail.subject).toBe('2 uploads of completion evidence await your review');
  expect(mail.messageId).toMatch(/^<review-digest\.[0-9a-f-]{36}@credential-marketplace>$/);
  expect(mail.text).toContain('Hello Hana Holder,');
  expect(mail.text).toMatch(
    /- Ada Lovelace <ada@student\.example>, Hana Holder's Program: completed on 2024-04-30, uploaded \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
  );
  expect(mail.text).toContain("- Alan Turing <alan@student.example>, Hana Holder's Program: completed on 2024-05-02");
  expect(mail.text).toContain(`Review them at ${PUBLIC_BASE_URL}/holder/review`);
  expect(mail.text).toContain('at most one of these emails an hour');
  expect(mail.text.indexOf('Ada Lovelace')).toBeLessThan(mail.text.indexOf('Alan Turing'));
  expect(to(jo.email).map((m) => m.subject)).toEqual(['Evidence from Grace Hopper awaits your review']);
  expect(outbox).toHaveLength(2);
  const { rows } = await db.query<{ status: string; sent_at: Date | null }>(
    'SELECT status, sent_at FROM review_digests WHERE holder_id = $1',
    [hana.id],
  );
  expect(rows.map((r) => ({ status: r.status, sent: r.sent_at instanceof Date }))).toEqual([{ status: 'sent', sent: true }]);
});

test('at most one digest an hour per holder: uploads that arrive meanwhile are in the next one, each upload announced once', async () => {
  const hana = await holder('Hana Hourly');
  await upload(hana.programId, 'First Student');
  expect(await acts.sendReviewDigests()).toEqual({ sent: 1, failed: 0 });
  expect(await acts.sendReviewDigests()).toEqual({ sent: 0, failed: 0 }); // nothing new

  await upload(hana.programId, 'Second Student');
  await sentMinutesAgo(hana.id, 59);
  expect(await acts.sendReviewDigests()).toEqual({ sent: 0, failed: 0 }); // within the hour: waits
  expect(to(hana.email)).toHaveLength(1);

  await upload(hana.programId, 'Third Student');
  const reviewedMeanwhile = await upload(hana.programId, 'Fourth Student');
  await db.query(`UPDATE completion_submissions SET status = 'approved' WHERE id = $1`, [reviewedMeanwhile.submissionId]);
  await sentMinutesAgo(hana.id, 61);
  expect(await acts.sendReviewDigests()).toEqual({ sent: 1, failed: 0 });
  const [first, second] = to(hana.email);
  expect(first.text).toContain('First Student');
  expect(second.subject).toBe('2 uploads of completion evidence await your review');
  expect(second.text).toContain('Second Student');
  expect(second.text).toContain('Third Student');
  expect(second.text).not.toContain('First Student'); // announced before
  expect(second.text).not.toContain('Fourth Student'); // no longer waiting
  expect(second.messageId).not.toBe(first.messageId);
});

test('a holder without a known address gets none (until they sign in); another holder’s uploads never appear', async () => {
  const silent = await holder('Sid Silent', null);
  await upload(silent.programId, 'Unheard Student');
  const other = await holder('Olga Other');
  await upload(other.programId, 'Other Student');
  expect(await acts.sendReviewDigests()).toEqual({ sent: 1, failed: 0 });
  expect(outbox.map((m) => m.to)).toEqual([other.email]);
  expect(outbox[0].text).not.toContain('Unheard Student');

  // Once the holder signs in to the console, the next run tells them, even though the upload is older.
  await rememberProgramHolder(db, { id: silent.id, role: 'program_holder', name: 'Sid Silent', email: 'sid@holder.example' });
  expect(await acts.sendReviewDigests()).toEqual({ sent: 1, failed: 0 });
  expect(to('sid@holder.example')[0].text).toContain('Unheard Student');
});

test('a mail server refusing: the claimed digest is sent on the next run, the same message; other holders are not held up', async () => {
  const hana = await holder('Hana Retry');
  await upload(hana.programId, 'Retry Student');
  failNextSends = 1;
  expect(await acts.sendReviewDigests()).toEqual({ sent: 0, failed: 1 });
  const { rows: claimed } = await db.query<{ status: string; message_id: string }>(
    'SELECT status, message_id FROM review_digests WHERE holder_id = $1',
    [hana.id],
  );
  expect(claimed.map((r) => r.status)).toEqual(['sending']);

  const kai = await holder('Kai Next');
  await upload(kai.programId, 'Kai Student');
  await upload(hana.programId, 'Later Student'); // not in the claimed digest: it waits for the next hour
  expect(await acts.sendReviewDigests()).toEqual({ sent: 2, failed: 0 });
  const [resent] = to(hana.email);
  expect(resent.messageId).toBe(claimed[0].message_id);
  expect(resent.text).toContain('Retry Student');
  expect(resent.text).not.toContain('Later Student');
  expect(to(kai.email)).toHaveLength(1);
  const { rows } = await db.query<{ status: string }>('SELECT status FROM review_digests WHERE holder_id = $1', [hana.id]);
  expect(rows).toEqual([{ status: 'sent' }]);
});

test('two runs at once (a retry beside a slow attempt) send one digest', async () => {
  const hana = await holder('Hana Race');
  await upload(hana.programId, 'Race Student');
  const results = await Promise.all([acts.sendReviewDigests(), acts.sendReviewDigests(), acts.sendReviewDigests()]);
  expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
  expect(to(hana.email)).toHaveLength(1);
});
