/**
 * A student's data export and erasure at the API level (api.md, Privacy): the app in process with a real PostgreSQL
 * and the fake enrollment client; the export's and the erasure's workflow activities run in process in the background
 * (tests/helpers/privacy-jobs.ts), the same activities the workflows run. What is checked: the answers and refusals,
 * the ZIP's content (unzipped here), the link for the student alone, the expiry, and after an erasure, that no text
 * or JSON column of any table, no stored file and no outbox message holds the student's name or email, while what
 * the law keeps is there under a pseudonym.
 */
import { randomUUID } from 'node:crypto';
import { EXPORT_KEYS } from '../../capabilities/privacy/export-data';
import { ERASURE_STEPS } from '../../workflows/privacy-messages';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type { DataExport, ErasureRequest, ErasureRequestList, Verification } from '../helpers/contract';
import { completeAndClose, DEMO, studentWithRecords } from '../helpers/privacy-fixtures';
import { columnsMentioning, filesMentioning } from '../helpers/pii-scan';
import { expectProblem } from '../helpers/problems';
import { unzip } from '../helpers/zip';

let app: ApiApp;
let admin: Session;
beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin');
});
afterAll(() => app?.close());

const download = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function readyExport(student: Session): Promise<DataExport> {
  const asked = await app.request<DataExport>('POST', '/api/me/exports', { token: student.token });
  expect(asked.status).toBe(202);
  expect(asked.body).toEqual<Record<string, unknown>>({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'pending' });
  expect(asked.headers.get('location')).toBe(`/api/me/exports/${asked.body.id}`);
  await app.privacyJobs.idle();
  const got = await app.request<DataExport>('GET', `/api/me/exports/${asked.body.id}`, { token: student.token });
  expect(got.status).toBe(200);
  return got.body;
}

describe('data export', () => {
  test('a ZIP with data.json (every key of api.md) and the files; the student is emailed the link; the link is theirs alone', async () => {
    const s = await studentWithRecords(app);
    const cert = await completeAndClose(app, s.enrollmentId);
    const x = await readyExport(s.student);
    expect(x).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        status: 'ready',
        downloadUrl: `${app.baseUrl}/api/me/exports/${x.id}/download`,
        expiresAt: expect.any(String),
      }),
    );
    const days = (Date.parse(x.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const res = await download(x.downloadUrl!, s.student.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.zip"$/);
    const entries = await unzip(Buffer.from(await res.arrayBuffer()));
    const data = JSON.parse(entries.get('data.json')!.toString('utf8')) as Record<string, unknown> & {
      student: { id: string; name: string; email: string };
      enrollments: { id: string; history: { status: string }[]; completionEvidence: unknown[] }[];
      submissions: { id: string; file: string; reason: string }[];
      certificates: { id: string; pdf: string; credential: string; verificationCode: string }[];
      payments: { type: string; amountCents: number }[];
      vouchers: { number: string }[];
      tutor: { consents: { noticeVersion: string }[]; conversations: { messages: { content: string }[] }[] };
      emails: { kind: string; to: string }[];
      disclosures: unknown[];
    };
    expect(Object.keys(data)).toEqual(['exportedAt', ...EXPORT_KEYS]);
    expect(data.student).toEqual(expect.objectContaining({ id: s.student.actor.id, name: s.name, email: s.email }));
    expect(data.enrollments).toHaveLength(1);
    expect(data.enrollments[0].history.map((h) => h.status)).toEqual([
      'ready_to_launch',
      'in_progress',
      'awaiting_review',
      'in_progress',
      'completed',
      'closed',
    ]);
    expect(data.submissions).toEqual([expect.objectContaining({ id: s.submissionId, file: `files/submissions/${s.submissionId}.pdf` })]);
    expect(entries.get(data.submissions[0].file)!.toString()).toContain(s.name);
    expect(data.certificates).toEqual([expect.objectContaining({ id: cert.id, verificationCode: cert.verificationCode })]);
    expect(entries.get(data.certificates[0].pdf)!.subarray(0, 5).toString()).toBe('%PDF-');
    const jwt = entries.get(data.certificates[0].credential)!.toString();
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { type: string[]; jti: string };
    expect(payload).toEqual(expect.objectContaining({ type: ['VerifiableCredential', 'OpenBadgeCredential'], jti: `urn:uuid:${cert.id}` }));
    expect(data.payments).toEqual([expect.objectContaining({ type: 'payment', amountCents: DEMO.priceCents })]);
    expect(data.vouchers).toEqual([expect.objectContaining({ number: s.voucherNumber })]);
    expect(data.tutor.consents).toEqual([
      expect.objectContaining<Record<string, unknown>>({ noticeVersion: expect.any(String), withdrawnAt: null }),
    ]);
    expect(data.tutor.conversations[0].messages.map((m) => m.content)).toEqual([expect.stringContaining(s.name), expect.any(String)]);
    expect(data.emails.map((e) => e.kind)).toEqual(expect.arrayContaining(['completion', 'submission_rejected']));
    expect(data.emails.every((e) => e.to === s.email)).toBe(true);
    // The access and disclosure log, as GET /api/me/disclosures lists it: the holder who opened the enrollment.
    const listed = await app.request<{ items: unknown[] }>('GET', '/api/me/disclosures?limit=100', { token: s.student.token });
    expect(data.disclosures).toEqual(listed.body.items);
    expect(data.disclosures).toEqual(
      expect.arrayContaining([
        expect.objectContaining<Record<string, unknown>>({ actor: expect.objectContaining({ role: 'program_holder' }) }),
      ]),
    );
    expect(entries.has('README.txt')).toBe(true);

    // The ready email names the link.
    const { rows: mail } = await app.db.query<{ to_address: string; status: string }>(
      `SELECT to_address, status FROM emails_sent WHERE dedupe_key = $1`,
      [`data-export-ready:${x.id}`],
    );
    expect(mail).toEqual([{ to_address: s.email, status: 'sent' }]);
    expect(filesMentioning(app.config.mail.outboxDir, [`/student/my-data/exports/${x.id}`])).toHaveLength(1);

    // Anyone else: another student gets 404 (it is not there for them), an admin 403, no credentials 401.
    const other = await app.token('student');
    expectProblem(await app.request('GET', `/api/me/exports/${x.id}`, { token: other.token }), 404);
    expect((await download(x.downloadUrl!, other.token)).status).toBe(404);
    expect((await download(x.downloadUrl!, admin.token)).status).toBe(403);
    expect((await download(x.downloadUrl!)).status).toBe(401);
  });

  test('one at a time: asking while one is built answers that one', async () => {
    const student = await app.token('student');
    const [a, b] = await Promise.all([
      app.request<DataExport>('POST', '/api/me/exports', { token: student.token }),
      app.request<DataExport>('POST', '/api/me/exports', { token: student.token }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body.id).toBe(a.body.id);
    await app.privacyJobs.idle();
  });

  test('after 7 days it is expired: no link, the download refused (409), and the job removes the file', async () => {
    const student = await app.token('student');
    const x = await readyExport(student);
    const { rows } = await app.db.query<{ file_key: string }>('SELECT file_key FROM data_exports WHERE id = $1', [x.id]);
    expect(await app.files.get(rows[0].file_key)).toBeDefined();
    // The clock moved past the expiry: the answer says so before the job has run.
    await app.db.query(`UPDATE data_exports SET expires_at = now() - interval '1 second' WHERE id = $1`, [x.id]);
    const lapsed = await app.request<DataExport>('GET', `/api/me/exports/${x.id}`, { token: student.token });
    expect(lapsed.body).toEqual<Record<string, unknown>>({ id: x.id, status: 'expired', requestedAt: expect.any(String) });
    expect((await download(x.downloadUrl!, student.token)).status).toBe(409);
    await app.activities.expireDataExport({ exportId: x.id });
    expect(await app.files.get(rows[0].file_key)).toBeUndefined();
    const expired = await app.request<DataExport>('GET', `/api/me/exports/${x.id}`, { token: student.token });
    expect(expired.body.status).toBe('expired');
  });

  test('only a student asks for an export (403), and an unknown id is 404', async () => {
    expectProblem(await app.request('POST', '/api/me/exports', { token: admin.token }), 403);
    const student = await app.token('student');
    expectProblem(await app.request('GET', `/api/me/exports/${randomUUID()}`, { token: student.token }), 404);
  });
});

describe('erasure requests', () => {
  test('refused while an enrollment is open (409 naming it) and for a second open request; the student and an admin read it', async () => {
    const s = await studentWithRecords(app, 'Refused');
    const refused = await app.request<{ detail: string }>('POST', '/api/me/erasure-requests', { token: s.student.token });
    expectProblem(refused, 409);
    expect(refused.body.detail).toContain(s.enrollmentId);
    expect(refused.body.detail).toContain(DEMO.title);

    await completeAndClose(app, s.enrollmentId);
    const asked = await app.request<ErasureRequest>('POST', '/api/me/erasure-requests', { token: s.student.token });
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual<Record<string, unknown>>({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'requested' });
    expect(asked.headers.get('location')).toBe(`/api/erasure-requests/${asked.body.id}`);
    expectProblem(await app.request('POST', '/api/me/erasure-requests', { token: s.student.token }), 409);

    const own = await app.request<ErasureRequestList>('GET', '/api/erasure-requests', { token: s.student.token });
    expect(own.body.requests.map((r) => r.id)).toEqual([asked.body.id]);
    const one = await app.request<ErasureRequest>('GET', `/api/erasure-requests/${asked.body.id}`, { token: s.student.token });
    expect(one.body).toEqual(expect.objectContaining({ id: asked.body.id, studentId: s.student.actor.id, status: 'requested' }));
    const other = await app.token('student');
    expectProblem(await app.request('GET', `/api/erasure-requests/${asked.body.id}`, { token: other.token }), 404);
    const all = await app.request<ErasureRequestList>('GET', '/api/erasure-requests?status=requested', { token: admin.token });
    expect(all.body.requests.map((r) => r.id)).toContain(asked.body.id);

    // Only an admin decides; a rejection needs a reason, and a rejected request cannot be approved.
    expectProblem(await app.request('POST', `/api/erasure-requests/${asked.body.id}/approve`, { token: s.student.token }), 403);
    expectProblem(await app.request('POST', `/api/erasure-requests/${asked.body.id}/reject`, { token: admin.token, json: {} }), 400, [
      'body.reason',
    ]);
    const rejected = await app.request<ErasureRequest>('POST', `/api/erasure-requests/${asked.body.id}/reject`, {
      token: admin.token,
      json: { reason: 'An open complaint about this enrollment must be settled first' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual(
      expect.objectContaining({ status: 'rejected', reason: 'An open complaint about this enrollment must be settled first' }),
    );
    expectProblem(await app.request('POST', `/api/erasure-requests/${asked.body.id}/approve`, { token: admin.token }), 409);
    expectProblem(await app.request('POST', `/api/erasure-requests/${randomUUID()}/approve`, { token: admin.token }), 404);
    // After a rejection the student may ask again.
    expect((await app.request('POST', '/api/me/erasure-requests', { token: s.student.token })).status).toBe(202);
  });

  test('approval is refused (409, naming it) when the student opened an enrollment since asking', async () => {
    const s = await studentWithRecords(app, 'Reopened');
    await completeAndClose(app, s.enrollmentId);
    const asked = await app.request<ErasureRequest>('POST', '/api/me/erasure-requests', { token: s.student.token });
    const again = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
      token: s.student.token,
      json: { programId: DEMO.id, fundingSource: 'self_pay' },
    });
    expect(again.status).toBe(201);
    const refused = await app.request<{ detail: string }>('POST', `/api/erasure-requests/${asked.body.id}/approve`, { token: admin.token });
    expectProblem(refused, 409);
    expect(refused.body.detail).toContain(again.body.enrollmentId);
  });

  test('approved: the name and email are nowhere (every text and JSON column, the file store, the outbox); what the law keeps stays, pseudonymized', async () => {
    const s = await studentWithRecords(app, 'Erasable');
    const bystander = await studentWithRecords(app, 'Bystander');
    const cert = await completeAndClose(app, s.enrollmentId);
    await completeAndClose(app, bystander.enrollmentId);
    await readyExport(s.student);
    const needles = [s.name, s.email];
    // Before: the fixture put the name and email in many places.
    const before = await columnsMentioning(app.db, needles);
    expect(before.length).toBeGreaterThan(10);
    expect(filesMentioning(app.config.filesDir, needles).length).toBeGreaterThan(0);
    expect(filesMentioning(app.config.mail.outboxDir, needles).length).toBeGreaterThan(2);
    const ledgerBefore = await ledgerOf(s.enrollmentId);
    const wioaBefore = await countOf('wioa_outcomes');

    const asked = await app.request<ErasureRequest>('POST', '/api/me/erasure-requests', { token: s.student.token });
    const approved = await app.request<ErasureRequest>('POST', `/api/erasure-requests/${asked.body.id}/approve`, { token: admin.token });
    expect(approved.status).toBe(202);
    expect(approved.body).toEqual({ id: asked.body.id, status: 'approved' });
    await app.privacyJobs.idle();

    const done = await app.request<ErasureRequest>('GET', `/api/erasure-requests/${asked.body.id}`, { token: admin.token });
    expect(done.body.status).toBe('completed');
    console.log(`erased:\n${done.body.erased!.map((e) => `  ${e.count} × ${e.what}`).join('\n')}`);
    console.log(`kept:\n${done.body.kept!.map((k) => `  ${k.count} × ${k.what} — ${k.basis}, until ${k.until ?? 'no end'}`).join('\n')}`);
    const erased = Object.fromEntries(done.body.erased!.map((e) => [e.what, e.count]));
    expect(erased).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        'enrollment records (name, email, student id)': 1,
        'evidence and proof files': 1,
        'certificate PDFs': 1,
        'tutor conversations': 1,
        'tutor messages': 2,
        'vouchers (student id and email)': 1,
        'student record (name, email)': 1,
        'data export files': 1,
        'console sessions of the student': 1,
      }),
    );
    expect(erased['disclosure log entries (student id)']).toBeGreaterThan(0);
    expect(erased['outbox copies (.eml)']).toBeGreaterThanOrEqual(4);
    const kept = done.body.kept!;
    expect(kept.map((k) => k.what)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^enrollment records/),
        expect.stringMatching(/^payments, refunds, transfers and revenue-share ledger/),
        expect.stringMatching(/^WIOA participant records/),
        expect.stringMatching(/^certificate registry entries/),
        expect.stringMatching(/^access and disclosure log entries/),
      ]),
    );
    for (const k of kept) {
      expect(k.basis).toMatch(/\S/);
      if (k.until !== null) expect(Date.parse(k.until)).toBeGreaterThan(Date.now() + 2 * 365 * 86_400_000);
    }
    expect(kept.find((k) => k.what.startsWith('WIOA'))!.basis).toContain('2 CFR 200.334');

    // Nowhere: no column of any table, no stored file, no outbox message.
    expect(await columnsMentioning(app.db, needles)).toEqual([]);
    expect(filesMentioning(app.config.filesDir, needles)).toEqual([]);
    expect(filesMentioning(app.config.mail.outboxDir, needles)).toEqual([]);

    // Kept: the ledger, the WIOA records, the certificate (verified, without a name); the bystander untouched.
    expect(await ledgerOf(s.enrollmentId)).toEqual(ledgerBefore);
    expect(await countOf('wioa_outcomes')).toBe(wioaBefore);
    const verified = await app.request<Verification>('GET', `/verify/${cert.verificationCode}`, {
      headers: { accept: 'application/json' },
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual(expect.objectContaining({ status: 'valid', holder: 'Student' }));
    expect((await columnsMentioning(app.db, [bystander.name, bystander.email])).length).toBeGreaterThan(5);
    expect(filesMentioning(app.config.filesDir, [bystander.name]).length).toBeGreaterThan(0);

    // The student's id is gone from the records (they see none), though their request is still theirs to read.
    expectProblem(await app.request('GET', `/api/enrollments/${s.enrollmentId}`, { token: s.student.token }), 404);
    const theirs = await app.request<ErasureRequest>('GET', `/api/erasure-requests/${asked.body.id}`, { token: s.student.token });
    expect(theirs.body.status).toBe('completed');
    const { rows } = await app.db.query<{ pseudonym: string; subject: unknown }>(
      'SELECT pseudonym, subject FROM erasure_requests WHERE id = $1',
      [asked.body.id],
    );
    expect(rows[0].subject).toBeNull();
    const { rows: enrollment } = await app.db.query('SELECT student_id FROM enrollments WHERE id = $1', [s.enrollmentId]);
    expect(enrollment).toEqual([{ student_id: rows[0].pseudonym }]);
  });

  test('each step is done once: run again (a retry, a replay), every activity answers what it did first and changes nothing', async () => {
    const s = await studentWithRecords(app, 'Retried');
    await completeAndClose(app, s.enrollmentId);
    const requestId = randomUUID();
    // Approved by hand (no job started), to run the workflow's activities twice over.
    await app.db.query(
      `INSERT INTO erasure_requests (id, student_id, status, pseudonym, decided_by, decided_at) VALUES ($1, $2, 'approved', $3, 'admin', now())`,
      [requestId, s.student.actor.id, `erased-${randomUUID()}`],
    );
    await app.activities.beginErasure({ requestId });
    const first = [];
    for (const step of ERASURE_STEPS) first.push(await app.activities[step]({ requestId }));
    const snapshot = await dump();
    await app.activities.beginErasure({ requestId });
    const second = [];
    for (const step of ERASURE_STEPS) second.push(await app.activities[step]({ requestId }));
    expect(second).toEqual(first);
    expect(await dump()).toEqual(snapshot);
    const a = await app.activities.completeErasure({ requestId });
    expect(await app.activities.completeErasure({ requestId })).toEqual(a);
    expect(await columnsMentioning(app.db, [s.name, s.email])).toEqual([]);
  });
});

async function ledgerOf(enrollmentId: string) {
  const { rows } = await app.db.query<{ party: string; amount_cents: number }>(
    'SELECT party, amount_cents FROM ledger_entries WHERE enrollment_id = $1 ORDER BY party',
    [enrollmentId],
  );
  return rows;
}

async function countOf(table: string) {
  const { rows } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

/** The tables an erasure writes, as text (to compare before and after a second run). */
async function dump() {
  const tables = [
    'enrollments',
    'completion_submissions',
    'emails_sent',
    'vouchers',
    'xapi_statements',
    'lti_scores',
    'audit_log',
    'students',
  ];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = (await app.db.query(`SELECT * FROM ${t} ORDER BY 1`)).rows;
  return JSON.stringify(out);
}
