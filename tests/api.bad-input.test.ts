/**
 * Bad input against the real system (Temporal dev server, worker and API as processes, a fresh database, the
 * Stripe stand-in): every request here is wrong in one way. Each test checks the exact 4xx, that the answer is
 * an RFC 9457 problem (with an `errors` array naming the field for validation failures) and that nothing
 * changed where it would show: the read model's rows, the enrollment's status and history, the files on disk.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SignJWT } from 'jose';
import Stripe from 'stripe';
import { signDevelopmentToken } from '../api/auth';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import type {
  EnrollmentList,
  EnrollmentState,
  OpenedEnrollment,
  Problem,
  ReviewQueue,
  SubmissionAccepted,
  WebhookReceipt,
} from './helpers/contract';
import { eventually, sleep } from './helpers/eventually';
import { expectProblem } from './helpers/problems';
import { programBody } from './helpers/programs';
import { signedCheckoutCompleted } from './helpers/stripe-stand-in';
import { fundedEnrollmentBody } from './helpers/vouchers';
import {
  evidenceForm,
  httpClient,
  JWT_SECRET,
  samplePdf,
  startSystem,
  STRIPE_WEBHOOK_SECRET,
  type System,
  waitForStatus,
  type Session,
} from './helpers/system';

const DEMO_PROGRAM_ID = '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b04';
const DEMO = SEEDED_PROGRAMS.find((p) => p.id === DEMO_PROGRAM_ID)!;
const OTHER_PROGRAM_ID = SEEDED_PROGRAMS.find((p) => p.id !== DEMO_PROGRAM_ID)!.id;

let system: System;
let request: ReturnType<typeof httpClient>;
let admin: Session;
let holder: Session;
let otherHolder: Session;
let pdf: Buffer;

/** The answer of `POST /api/webhooks/stripe` to an event it accepts (not in contract.ts yet; only the fields read here). */

// The rows of the read model as `snapshot` and the tests read them.
interface EnrollmentRow {
  status: string;
  status_seq: number;
  paid_at: Date | null;
  launched_at: Date | null;
  completed_at: Date | null;
  completion_method: string | null;
  closed_at: Date | null;
}
interface PaymentRow {
  provider: string;
  provider_ref: string;
  status: string;
  amount_cents: number;
  currency: string;
  reason: string | null;
}

beforeAll(async () => {
  system = await startSystem();
  request = httpClient(system.baseUrl);
  admin = await system.token('admin');
  holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
  otherHolder = await system.token('program_holder');
  pdf = await samplePdf();
}, 120_000);
afterAll(() => system?.stop(), 60_000);

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await system.db.query<{ n: number | string }>(sql, params);
  return Number(rows[0].n);
}
const enrollmentsOf = (studentId: string) => count('SELECT count(*) AS n FROM enrollments WHERE student_id = $1', [studentId]);
const programCount = () => count('SELECT count(*) AS n FROM programs', []);

/** Everything a bad request could have changed about one enrollment. */
async function snapshot(enrollmentId: string) {
  const db = system.db;
  const [e, history, submissions, payments, certificates, ledger, emails] = await Promise.all([
    db.query<EnrollmentRow>(
      `SELECT status, status_seq, paid_at, launched_at, completed_at, completion_method, closed_at FROM enrollments WHERE id = $1`,
      [enrollmentId],
    ),
    db.query<{ seq: number; status: string }>('SELECT seq, status FROM enrollment_status_history WHERE enrollment_id = $1 ORDER BY seq', [
      enrollmentId,
    ]),
    db.query<{ id: string; status: string; reason: string | null; reviewed_by: string | null }>(
      'SELECT id, status, reason, reviewed_by FROM completion_submissions WHERE enrollment_id = $1 ORDER BY id',
      [enrollmentId],
    ),
    db.query<Pick<PaymentRow, 'provider' | 'provider_ref' | 'status' | 'amount_cents'>>(
      'SELECT provider, provider_ref, status, amount_cents FROM payments WHERE enrollment_id = $1 ORDER BY provider_ref',
      [enrollmentId],
    ),
    db.query<{ id: string }>('SELECT id FROM certificates WHERE enrollment_id = $1', [enrollmentId]),
    db.query<{ id: string }>('SELECT id FROM ledger_entries WHERE enrollment_id = $1', [enrollmentId]),
    db.query<{ kind: string }>('SELECT kind FROM emails_sent WHERE enrollment_id = $1', [enrollmentId]),
  ]);
  return {
    enrollment: e.rows[0],
    history: history.rows,
    submissions: submissions.rows,
    payments: payments.rows,
    certificates: certificates.rows.length,
    ledger: ledger.rows.length,
    emails: emails.rows,
  };
}

/** After `ms`, for anything a refused request set off to land: the enrollment's snapshot is still `before`; answers it. */
async function expectUnchanged(enrollmentId: string, before: Awaited<ReturnType<typeof snapshot>>, ms: number) {
  await sleep(ms);
  const after = await snapshot(enrollmentId);
  expect(after).toEqual(before);
  return after;
}

/** Evidence files on disk for one enrollment (the API must not keep any for a refused upload). */
function evidenceFiles(enrollmentId: string): string[] {
  const dir = path.join(system.dataDir, 'files', 'submissions', enrollmentId);
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** Uploads a real PDF as evidence completed on 2024-01-02 to the enrollment (the id as it stands in the path). */
const uploadEvidence = (enrollmentId: string, token: string) =>
  request('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
    token,
    body: evidenceForm(pdf, 'evidence.pdf', '2024-01-02'),
  });

/** The payments row recorded for the enrollment under `providerRef`, once there is one. */
const paymentRow = (enrollmentId: string, providerRef: string) =>
  eventually(
    async () => {
      const { rows } = await system.db.query<PaymentRow>('SELECT * FROM payments WHERE enrollment_id = $1 AND provider_ref = $2', [
        enrollmentId,
        providerRef,
      ]);
      return rows[0];
    },
    'the rejected payment row',
    15_000,
  );

async function student(): Promise<Session> {
  return system.token('student');
}

async function enroll(s: Session, fundingSource: 'self_pay' | 'wioa_ita' | 'sponsor', programId = DEMO_PROGRAM_ID): Promise<string> {
  const res = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: s.token,
    json:
      fundingSource === 'self_pay'
        ? { programId, fundingSource }
        : await fundedEnrollmentBody(system, s.actor, programId, { fundingSource }),
  });
  expect(res.status).toBe(201);
  return res.body.enrollmentId;
}

/** The enrollment email, which goes out beside the lifecycle, is claimed: nothing about the enrollment changes after this by itself. */
const enrolledEmailClaimed = (snap: Awaited<ReturnType<typeof snapshot>>) => snap.emails.some((m) => m.kind === 'enrolled');

/** A self-paid enrollment whose first status change (pending_payment) is in the read model, and its enrollment email. */
async function pendingPayment(s: Session): Promise<string> {
  const id = await enroll(s, 'self_pay');
  await eventually(async () => {
    const snap = await snapshot(id);
    return snap.history.length === 1 && enrolledEmailClaimed(snap);
  }, 'the pending_payment history entry and the enrollment email');
  return id;
}

/** A voucher-funded enrollment, paid (the voucher's payment recorded) and ready to launch, and its enrollment email. */
async function fundedReady(s: Session): Promise<string> {
  const id = await enroll(s, 'wioa_ita');
  let last: unknown;
  await eventually(async () => {
    const snap = await snapshot(id);
    last = snap;
    return (
      snap.enrollment.status === 'ready_to_launch' &&
      snap.enrollment.paid_at !== null &&
      snap.payments.length === 1 &&
      snap.history.at(-1)?.status === 'ready_to_launch' &&
      enrolledEmailClaimed(snap)
    );
  }, 'the voucher payment to be recorded').catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(last)}`);
  });
  return id;
}

/** A paid enrollment the student has launched: in_progress. */
async function launched(s: Session): Promise<string> {
  const id = await fundedReady(s);
  const res = await request('GET', `/api/enrollments/${id}/launch`, { token: s.token });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toContain(`enrollmentId=${id}`);
  await waitForStatus(system, s.token, id, 'in_progress');
  return id;
}

// ── unknown ids ────────────────────────────────────────────────────────────────────────────────────────

describe('unknown ids', () => {
  test('GET an enrollment that does not exist → 404, for a student, a holder and an admin', async () => {
    const unknown = randomUUID();
    for (const who of [await student(), holder, admin]) {
      expectProblem(await request('GET', `/api/enrollments/${unknown}`, { token: who.token }), 404);
    }
    expect(await count('SELECT count(*) AS n FROM enrollments WHERE id = $1', [unknown])).toBe(0);
  });

  test('a malformed enrollment id → 400 naming path.enrollmentId (GET, launch, upload)', async () => {
    const s = await student();
    expectProblem(await request('GET', '/api/enrollments/not-a-uuid', { token: s.token }), 400, ['path.enrollmentId']);
    expectProblem(await request('GET', `/api/enrollments/${randomUUID()}x/launch`, { token: s.token }), 400, ['path.enrollmentId']);
    expectProblem(await uploadEvidence("1'%20OR%20'1'='1", s.token), 400, ['path.enrollmentId']);
  });

  test('approve or reject a submission that does not exist → 404; a malformed submission id → 400', async () => {
    const unknown = randomUUID();
    const auditBefore = await count('SELECT count(*) AS n FROM audit_log', []);
    expectProblem(await request('POST', `/api/program-holder/submissions/${unknown}/approve`, { token: holder.token }), 404);
    expectProblem(
      await request('POST', `/api/program-holder/submissions/${unknown}/reject`, { token: holder.token, json: { reason: 'blurry' } }),
      404,
    );
    expectProblem(await request('POST', `/api/program-holder/submissions/${unknown}/approve`, { token: admin.token }), 404);
    expectProblem(await request('POST', '/api/program-holder/submissions/12345/approve', { token: holder.token }), 400, [
      'path.submissionId',
    ]);
    expect(await count('SELECT count(*) AS n FROM completion_submissions WHERE id = $1', [unknown])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM audit_log', [])).toBe(auditBefore);
  });

  test('mark-complete for an enrollment that does not exist → 404', async () => {
    const unknown = randomUUID();
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', {
        token: holder.token,
        json: { enrollmentId: unknown, completedAt: '2024-05-01' },
      }),
      404,
    );
    expect(await count('SELECT count(*) AS n FROM enrollments WHERE id = $1', [unknown])).toBe(0);
  });

  test('GET /verify/<unknown code> → 404, as JSON and by default, for a malformed and a well-formed code', async () => {
    for (const code of ['UNKNOWN-CODE', 'ABCD-EFGH-JKMN']) {
      expectProblem(await request('GET', `/verify/${code}`), 404);
      expectProblem(await request('GET', `/verify/${code}`, { headers: { accept: 'application/json' } }), 404);
    }
  });

  test('GET an unknown path → 404 problem, not an HTML page', async () => {
    expectProblem(await request('GET', '/api/no-such-thing', { token: admin.token }), 404);
  });
});

// ── auth ───────────────────────────────────────────────────────────────────────────────────────────────

describe('authentication and roles', () => {
  test('no token → 401 on every protected endpoint, and nothing is created', async () => {
    const enrollmentsBefore = await count('SELECT count(*) AS n FROM enrollments', []);
    const programsBefore = await programCount();
    expectProblem(await request('GET', `/api/enrollments/${randomUUID()}`), 401);
    expectProblem(await request('GET', '/api/enrollments'), 401);
    expectProblem(await request('POST', '/api/enrollments', { json: { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' } }), 401);
    expectProblem(await request('POST', '/api/programs', { json: { title: 'x' } }), 401);
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', { json: { enrollmentId: randomUUID(), completedAt: '2024-01-01' } }),
      401,
    );
    expectProblem(await request('POST', `/api/program-holder/submissions/${randomUUID()}/approve`), 401);
    expectProblem(await request('GET', '/api/program-holder/submissions'), 401);
    expect(await count('SELECT count(*) AS n FROM enrollments', [])).toBe(enrollmentsBefore);
    expect(await programCount()).toBe(programsBefore);
  });

  test('a garbage, wrongly signed, expired, unsigned or role-less token, or a non-Bearer header → 401', async () => {
    const actor = { id: randomUUID(), role: 'student' as const, email: 'mallory@example.com', name: 'Mallory' };
    const wrongSecret = await signDevelopmentToken({ secret: 'not-the-secret-of-this-system' }, actor);
    const expired = await new SignJWT({ role: 'student', email: actor.email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(actor.id)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const unknownRole = await new SignJWT({ role: 'superuser', email: actor.email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(actor.id)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const noSubject = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: actor.id, role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;

    const enrollmentsBefore = await count('SELECT count(*) AS n FROM enrollments', []);
    for (const token of ['garbage', 'not.a.jwt', wrongSecret, expired, unknownRole, noSubject, algNone]) {
      expectProblem(await request('GET', '/api/enrollments', { token }), 401);
      expectProblem(
        await request('POST', '/api/enrollments', { token, json: { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' } }),
        401,
      );
    }
    const programsBefore = await programCount();
    expectProblem(
      await request('POST', '/api/programs', {
        token: algNone,
        json: {
          title: 'Forged',
          partnerId: 'demo',
          priceCents: 1,
          currency: 'usd',
          holderId: 'x',
          revenueShare: { platformBps: 10000, holderBps: 0, partnerBps: 0 },
          credentialType: 'other',
          deadlineDays: 1,
        },
      }),
      401,
    );
    expectProblem(
      await request('GET', '/api/enrollments', { headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } }),
      401,
    );
    expectProblem(await request('GET', '/api/enrollments', { headers: { authorization: 'Bearer' } }), 401);
    expect(await count('SELECT count(*) AS n FROM enrollments', [])).toBe(enrollmentsBefore);
    expect(await programCount()).toBe(programsBefore);
  });

  test('a student calling mark-complete, approve or reject → 403, and the enrollment is unchanged', async () => {
    const s = await student();
    const id = await fundedReady(s);
    const before = await snapshot(id);
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', { token: s.token, json: { enrollmentId: id, completedAt: '2024-05-01' } }),
      403,
    );
    expectProblem(await request('POST', `/api/program-holder/submissions/${randomUUID()}/approve`, { token: s.token }), 403);
    expectProblem(
      await request('POST', `/api/program-holder/submissions/${randomUUID()}/reject`, { token: s.token, json: { reason: 'no' } }),
      403,
    );
    expectProblem(await request('GET', '/api/program-holder/submissions', { token: s.token }), 403);
    expectProblem(await request('GET', '/api/enrollments', { token: s.token }), 403);
    await expectUnchanged(id, before, 500);
  });

  test('a program holder or an admin calling POST /api/enrollments → 403, and no enrollment is created', async () => {
    for (const who of [holder, admin]) {
      expectProblem(
        await request('POST', '/api/enrollments', { token: who.token, json: { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' } }),
        403,
      );
      expect(await enrollmentsOf(who.actor.id)).toBe(0);
    }
  });

  test('a student or a program holder calling POST /api/programs → 403, and no program is created', async () => {
    const before = await programCount();
    const body = {
      title: 'Sneaky program',
      partnerId: 'demo',
      priceCents: 100,
      currency: 'usd',
      holderId: DEMO_HOLDER_ID,
      revenueShare: { platformBps: 5000, holderBps: 2500, partnerBps: 2500 },
      credentialType: 'other',
      deadlineDays: 30,
    };
    for (const who of [await student(), holder]) {
      expectProblem(await request('POST', '/api/programs', { token: who.token, json: body }), 403);
    }
    expect(await programCount()).toBe(before);
    expect(await count("SELECT count(*) AS n FROM programs WHERE title = 'Sneaky program'", [])).toBe(0);
  });
});

// ── ownership ──────────────────────────────────────────────────────────────────────────────────────────

describe('ownership', () => {
  test("another student's enrollment → 404 (the same answer as an unknown id), for GET, launch and upload", async () => {
    const owner = await student();
    const intruder = await student();
    const id = await fundedReady(owner);
    const before = await snapshot(id);

    const seen = await request<Problem>('GET', `/api/enrollments/${id}`, { token: intruder.token });
    expectProblem(seen, 404);
    const unknown = await request<Problem>('GET', `/api/enrollments/${randomUUID()}`, { token: intruder.token });
    expect({ type: seen.body.type, title: seen.body.title, detail: seen.body.detail }).toEqual({
      type: unknown.body.type,
      title: unknown.body.title,
      detail: unknown.body.detail,
    });
    expect(JSON.stringify(seen.body)).not.toContain(owner.actor.id);

    expectProblem(await request('GET', `/api/enrollments/${id}/launch`, { token: intruder.token }), 404);
    expectProblem(await uploadEvidence(id, intruder.token), 404);
    await expectUnchanged(id, before, 500);
    expect(before.enrollment.launched_at).toBeNull();
    expect(evidenceFiles(id)).toEqual([]);
  });

  test("another program holder marking the demo holder's enrollment complete → 403, and it stays ready_to_launch", async () => {
    const s = await student();
    const id = await fundedReady(s);
    const before = await snapshot(id);
    expectProblem(await request('GET', `/api/enrollments/${id}`, { token: otherHolder.token }), 403);
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', {
        token: otherHolder.token,
        json: { enrollmentId: id, completedAt: '2024-05-01', notes: 'not mine to mark' },
      }),
      403,
    );
    const list = await request<EnrollmentList>('GET', '/api/enrollments', { token: otherHolder.token });
    expect(list.status).toBe(200);
    expect(list.body.enrollments.map((e) => e.enrollmentId)).not.toContain(id);
    const after = await expectUnchanged(id, before, 1000);
    expect(after.enrollment).toEqual(expect.objectContaining({ status: 'ready_to_launch', completed_at: null, completion_method: null }));
    const view = await request('GET', `/api/enrollments/${id}`, { token: s.token });
    expect(view.body).toEqual(expect.objectContaining({ status: 'ready_to_launch', completedAt: null, certificate: null }));
  });

  describe('a submission awaiting review', () => {
    let s: Session;
    let enrollmentId: string;
    let submissionId: string;

    beforeAll(async () => {
      s = await student();
      enrollmentId = await launched(s);
      const res = await request<SubmissionAccepted>('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
        // Today: a completion date is not before the launch (the workflow's completion-date rule).
        token: s.token,
        body: evidenceForm(pdf, 'evidence.pdf', new Date().toISOString().slice(0, 10)),
      });
      expect(res.status).toBe(202);
      submissionId = res.body.submissionId;
      await waitForStatus(system, s.token, enrollmentId, 'awaiting_review');
      await eventually(async () => (await snapshot(enrollmentId)).submissions.length === 1, 'the submission row');
    }, 90_000);

    test('another program holder approving or rejecting it → 403; it stays pending and the enrollment awaiting_review', async () => {
      const before = await snapshot(enrollmentId);
      expect(before.submissions).toEqual([expect.objectContaining({ id: submissionId, status: 'pending', reviewed_by: null })]);
      expectProblem(await request('POST', `/api/program-holder/submissions/${submissionId}/approve`, { token: otherHolder.token }), 403);
      expectProblem(
        await request('POST', `/api/program-holder/submissions/${submissionId}/reject`, {
          token: otherHolder.token,
          json: { reason: 'mine now' },
        }),
        403,
      );
      const queue = await request<ReviewQueue>('GET', '/api/program-holder/submissions', { token: otherHolder.token });
      expect(queue.status).toBe(200);
      expect(queue.body.items.map((i) => i.id)).not.toContain(submissionId);
      const file = await request('GET', `/api/submissions/${submissionId}/file`, { token: otherHolder.token });
      expectProblem(file, 403);
      await expectUnchanged(enrollmentId, before, 1000);
      const view = await request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: s.token });
      expect(view.body.status).toBe('awaiting_review');
      expect(view.body.submissions).toEqual([expect.objectContaining({ id: submissionId, status: 'pending' })]);
    });

    test('its own holder rejecting without a reason (missing, empty, blank, not a string) → 400 naming body.reason; nothing changes', async () => {
      const before = await snapshot(enrollmentId);
      for (const json of [{}, { reason: '' }, { reason: '   ' }, { reason: 42 }]) {
        expectProblem(await request('POST', `/api/program-holder/submissions/${submissionId}/reject`, { token: holder.token, json }), 400, [
          'body.reason',
        ]);
      }
      // With no body at all, too.
      expectProblem(await request('POST', `/api/program-holder/submissions/${submissionId}/reject`, { token: holder.token }), 400, [
        'body.reason',
      ]);
      await expectUnchanged(enrollmentId, before, 1000);
      // The student's only email is the one of the enrollment: no rejection went out.
      expect(system.smtp.to(s.actor.email!).map((m) => m.subject)).toEqual([`You are enrolled in ${DEMO.title}`]);
    });

    test('a second upload while the first waits for review → 409, no second row, no orphan file', async () => {
      const before = await snapshot(enrollmentId);
      const filesBefore = evidenceFiles(enrollmentId);
      expect(filesBefore).toHaveLength(1);
      expectProblem(
        await request('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
          token: s.token,
          body: evidenceForm(pdf, 'again.pdf', '2024-03-05'),
        }),
        409,
      );
      await expectUnchanged(enrollmentId, before, 500);
      expect(evidenceFiles(enrollmentId)).toEqual(filesBefore);
    });
  });
});

// ── state ──────────────────────────────────────────────────────────────────────────────────────────────

describe('state', () => {
  test('mark-complete before payment → 409; still pending_payment with one history entry', async () => {
    const s = await student();
    const id = await pendingPayment(s);
    const before = await snapshot(id);
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', {
        token: holder.token,
        json: { enrollmentId: id, completedAt: '2024-05-01' },
      }),
      409,
    );
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', {
        token: admin.token,
        json: { enrollmentId: id, completedAt: '2024-05-01' },
      }),
      409,
    );
    await expectUnchanged(id, before, 1000);
    const view = await request<EnrollmentState>('GET', `/api/enrollments/${id}`, { token: s.token });
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('pending_payment');
    expect(view.body.history).toEqual<Record<string, unknown>[]>([{ status: 'pending_payment', at: expect.any(String) }]);
    expect(view.body).toEqual(expect.objectContaining({ paidAt: null, completedAt: null, completionMethod: null, certificate: null }));
  });

  test('launch before payment → 409; still pending_payment, not launched', async () => {
    const s = await student();
    const id = await pendingPayment(s);
    const before = await snapshot(id);
    const res = await request('GET', `/api/enrollments/${id}/launch`, { token: s.token });
    expectProblem(res, 409);
    expect(res.headers.get('location')).toBeNull();
    await expectUnchanged(id, before, 500);
    expect(before.enrollment).toEqual(expect.objectContaining({ status: 'pending_payment', launched_at: null }));
  });

  test('uploading evidence before launch → 409; no submission row and no file kept', async () => {
    const s = await student();
    const id = await fundedReady(s);
    const before = await snapshot(id);
    expectProblem(await uploadEvidence(id, s.token), 409);
    await expectUnchanged(id, before, 500);
    expect(before.submissions).toEqual([]);
    expect(before.enrollment.status).toBe('ready_to_launch');
    expect(evidenceFiles(id)).toEqual([]);
  });

  test('uploading evidence before payment → 409', async () => {
    const s = await student();
    const id = await pendingPayment(s);
    const before = await snapshot(id);
    expectProblem(await uploadEvidence(id, s.token), 409);
    await expectUnchanged(id, before, 500);
    expect(evidenceFiles(id)).toEqual([]);
  });

  test('a second enrollment in the same program while one is open → 409; still one row', async () => {
    const s = await student();
    const first = await enroll(s, 'self_pay');
    const sessionsBefore = system.stripe.sessions.length;
    for (const json of [
      { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' },
      await fundedEnrollmentBody(system, s.actor, DEMO_PROGRAM_ID, { fundingSource: 'sponsor' }),
    ]) {
      const res = await request('POST', '/api/enrollments', { token: s.token, json });
      expectProblem(res, 409);
    }
    const { rows } = await system.db.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id = $1 AND program_id = $2', [
      s.actor.id,
      DEMO_PROGRAM_ID,
    ]);
    expect(rows.map((r) => r.id)).toEqual([first]);
    expect(system.stripe.sessions).toHaveLength(sessionsBefore);
  });
});

// ── validation ─────────────────────────────────────────────────────────────────────────────────────────

describe('validation', () => {
  test('POST /api/enrollments with a missing or bad field → 400 naming it; no row', async () => {
    const s = await student();
    const cases: [unknown, string[]][] = [
      [{ fundingSource: 'self_pay' }, ['body.programId']],
      [{ programId: 'demo', fundingSource: 'self_pay' }, ['body.programId']],
      [{ programId: DEMO_PROGRAM_ID, fundingSource: 'credit_card' }, ['body.fundingSource']],
      [{ programId: DEMO_PROGRAM_ID }, ['body.fundingSource']],
      [{ programId: DEMO_PROGRAM_ID, fundingSource: 'wioa_ita' }, ['body.voucherNumber']],
      [{ programId: DEMO_PROGRAM_ID, fundingSource: 'wioa_ita', voucherNumber: '   ' }, ['body.voucherNumber']],
      [{ programId: DEMO_PROGRAM_ID, fundingSource: 'sponsor' }, ['body.voucherNumber']],
      [{}, ['body.programId', 'body.fundingSource']],
    ];
    for (const [json, fields] of cases) {
      expectProblem(await request('POST', '/api/enrollments', { token: s.token, json }), 400, fields);
    }
    expectProblem(await request('POST', '/api/enrollments', { token: s.token, json: [] }), 400);
    expectProblem(await request('POST', '/api/enrollments', { token: s.token, json: 'programId' }), 400);
    expect(await enrollmentsOf(s.actor.id)).toBe(0);
  });

  test('POST /api/enrollments for a program that does not exist → 404; no row', async () => {
    const s = await student();
    expectProblem(
      await request('POST', '/api/enrollments', { token: s.token, json: { programId: randomUUID(), fundingSource: 'self_pay' } }),
      404,
    );
    expect(await enrollmentsOf(s.actor.id)).toBe(0);
  });

  test('POST /api/programs with basis points not summing to 10000, or other bad fields → 400 naming them; no program', async () => {
    const before = await programCount();
    const good = programBody({
      title: 'Forklift Operator',
      partnerId: 'demo',
      priceCents: 12_500,
      holderId: DEMO_HOLDER_ID,
      deadlineDays: 60,
    });
    const cases: [unknown, string[]][] = [
      [{ ...good, revenueShare: { platformBps: 2000, holderBps: 6000, partnerBps: 1999 } }, ['body.revenueShare']],
      [{ ...good, revenueShare: { platformBps: 5000, holderBps: 5000, partnerBps: 5000 } }, ['body.revenueShare']],
      [{ ...good, revenueShare: { platformBps: -1000, holderBps: 10000, partnerBps: 1000 } }, ['body.revenueShare.platformBps']],
      [{ ...good, priceCents: 12.5 }, ['body.priceCents']],
      [{ ...good, priceCents: -1 }, ['body.priceCents']],
      [{ ...good, currency: 'dollars' }, ['body.currency']],
      [{ ...good, credentialType: 'diploma' }, ['body.credentialType']],
      [{ ...good, moveOn: 'Whenever' }, ['body.moveOn']],
      [{ ...good, deadlineDays: 0 }, ['body.deadlineDays']],
      [{ ...good, title: '' }, ['body.title']],
      [{ ...good, partnerId: 'no-such-partner' }, ['body.partnerId']],
    ];
    for (const [json, fields] of cases) {
      expectProblem(await request('POST', '/api/programs', { token: admin.token, json }), 400, fields);
    }
    expect(await programCount()).toBe(before);
    expect(await count("SELECT count(*) AS n FROM programs WHERE title = 'Forklift Operator'", [])).toBe(0);
  });

  test('mark-complete with a future completedAt, a malformed date, a bad enrollmentId or URL → 400 naming the field; unchanged', async () => {
    const s = await student();
    const id = await fundedReady(s);
    const before = await snapshot(id);
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const cases: [unknown, string[]][] = [
      [{ enrollmentId: id, completedAt: future }, ['body.completedAt']],
      [{ enrollmentId: id, completedAt: '2999-01-01' }, ['body.completedAt']],
      [{ enrollmentId: id, completedAt: '2024-13-45' }, ['body.completedAt']],
      [{ enrollmentId: id, completedAt: 'yesterday' }, ['body.completedAt']],
      [{ enrollmentId: id, completedAt: '05/01/2024' }, ['body.completedAt']],
      [{ enrollmentId: id, completedAt: 1714521600000 }, ['body.completedAt']],
      [{ enrollmentId: id }, ['body.completedAt']],
      [{ enrollmentId: 'nope', completedAt: '2024-05-01' }, ['body.enrollmentId']],
      [{ completedAt: '2024-05-01' }, ['body.enrollmentId']],
      [{ enrollmentId: id, completedAt: '2024-05-01', certificateUrl: 'javascript:alert(1)' }, ['body.certificateUrl']],
    ];
    for (const [json, fields] of cases) {
      expectProblem(await request('POST', '/api/program-holder/mark-complete', { token: holder.token, json }), 400, fields);
    }
    const after = await expectUnchanged(id, before, 1000);
    expect(after.enrollment).toEqual(expect.objectContaining({ status: 'ready_to_launch', completed_at: null, completion_method: null }));
  });

  test('a malformed JSON body → 400 problem (not 500), and nothing is created', async () => {
    const s = await student();
    const json = { 'content-type': 'application/json' };
    for (const body of ['{"programId": ', '{programId: 1}', "{'a':1}", '{"a":1}}']) {
      expectProblem(await request('POST', '/api/enrollments', { token: s.token, body, headers: json }), 400);
      expectProblem(await request('POST', '/api/program-holder/mark-complete', { token: holder.token, body, headers: json }), 400);
      expectProblem(await request('POST', '/api/programs', { token: admin.token, body, headers: json }), 400);
    }
    expect(await enrollmentsOf(s.actor.id)).toBe(0);
  });

  test('a JSON body over the size limit → 413 problem', async () => {
    const s = await student();
    const body = JSON.stringify({ programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay', padding: 'x'.repeat(300 * 1024) });
    expectProblem(
      await request('POST', '/api/enrollments', { token: s.token, body, headers: { 'content-type': 'application/json' } }),
      413,
    );
    expect(await enrollmentsOf(s.actor.id)).toBe(0);
  });

  test('bad query parameters on the lists → 400 naming them', async () => {
    expectProblem(await request('GET', '/api/enrollments?status=finished', { token: admin.token }), 400, ['query.status']);
    expectProblem(await request('GET', '/api/enrollments?programId=abc', { token: admin.token }), 400, ['query.programId']);
    expectProblem(await request('GET', '/api/enrollments?limit=0', { token: admin.token }), 400, ['query.limit']);
    expectProblem(await request('GET', '/api/program-holder/submissions?status=maybe', { token: holder.token }), 400, ['query.status']);
  });
});

// ── files ──────────────────────────────────────────────────────────────────────────────────────────────

describe('evidence uploads on a launched, paid enrollment', () => {
  let s: Session;
  let enrollmentId: string;
  const upload = (body: FormData | string, headers?: Record<string, string>) =>
    request('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, { token: s.token, body, headers });

  beforeAll(async () => {
    s = await student();
    enrollmentId = await launched(s);
  }, 90_000);

  test('a text file named .pdf and declared application/pdf → 415', async () => {
    const text = Buffer.from('This is not a PDF, only words in a file named like one.\n'.repeat(20));
    expectProblem(await upload(evidenceForm(text, 'certificate.pdf', '2024-02-03', 'application/pdf')), 415);
    // An HTML page disguised as a PNG, and an empty file, are not evidence either.
    expectProblem(await upload(evidenceForm(Buffer.from('<html><body>hi</body></html>'), 'proof.png', '2024-02-03', 'image/png')), 415);
    expectProblem(await upload(evidenceForm(Buffer.alloc(0), 'empty.pdf', '2024-02-03')), 415);
  });

  test('a file larger than UPLOAD_MAX_BYTES (1 MiB) → 413', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1.5 * 1024 * 1024, 0x20)]);
    expectProblem(await upload(evidenceForm(big, 'huge.pdf', '2024-02-03')), 413);
  });

  test('no file → 400 naming body.file (a form without it, a JSON body, an empty body)', async () => {
    const form = new FormData();
    form.set('completedAt', '2024-02-03');
    expectProblem(await upload(form), 400, ['body.file']);
    expectProblem(await upload(JSON.stringify({ completedAt: '2024-02-03' }), { 'content-type': 'application/json' }), 400, ['body.file']);
    expectProblem(await upload(''), 400, ['body.file']);
  });

  test('a file under another field name, or two files → 400', async () => {
    const wrongField = new FormData();
    wrongField.set('completedAt', '2024-02-03');
    wrongField.set('evidence', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'e.pdf');
    expectProblem(await upload(wrongField), 400);
    const two = evidenceForm(pdf, 'a.pdf', '2024-02-03');
    two.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'b.pdf');
    expectProblem(await upload(two), 400);
  });

  test('a real PDF with a future, malformed or missing completedAt → 400 naming body.completedAt', async () => {
    expectProblem(await upload(evidenceForm(pdf, 'e.pdf', new Date(Date.now() + 10 * 86_400_000).toISOString())), 400, [
      'body.completedAt',
    ]);
    expectProblem(await upload(evidenceForm(pdf, 'e.pdf', 'last tuesday')), 400, ['body.completedAt']);
    const noDate = new FormData();
    noDate.set('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'e.pdf');
    expectProblem(await upload(noDate), 400, ['body.completedAt']);
  });

  test('a truncated multipart body → 400, not 500', async () => {
    const truncated =
      '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7';
    expectProblem(await upload(truncated, { 'content-type': 'multipart/form-data; boundary=zzz' }), 400);
  });

  test('a multipart body without a boundary → 400, not 500', async () => {
    expectProblem(await upload('file=x', { 'content-type': 'multipart/form-data' }), 400);
  });

  test('after all of these: no completion_submissions rows, no files, still in_progress', async () => {
    await sleep(500);
    const snap = await snapshot(enrollmentId);
    expect(snap.submissions).toEqual([]);
    expect(snap.enrollment.status).toBe('in_progress');
    expect(evidenceFiles(enrollmentId)).toEqual([]);
    const view = await request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: s.token });
    expect(view.body).toEqual(expect.objectContaining({ status: 'in_progress', submissions: [], completedAt: null }));
    expect([...new Set(view.body.history.map((h) => h.status))]).toEqual(['ready_to_launch', 'in_progress']);
  });
});

// ── the Stripe webhook ─────────────────────────────────────────────────────────────────────────────────

describe('the Stripe webhook', () => {
  let s: Session;
  let enrollmentId: string;
  const webhook = <Body = unknown>(payload: string, signature?: string) =>
    request<Body>('POST', '/api/webhooks/stripe', {
      body: payload,
      headers: { 'content-type': 'application/json', ...(signature !== undefined && { 'stripe-signature': signature }) },
    });

  beforeAll(async () => {
    s = await student();
    enrollmentId = await pendingPayment(s);
  }, 60_000);

  test("the enrollment's checkout was created on the stand-in, once, with the enrollment id and its idempotency key", async () => {
    const mine = system.stripe.sessions.filter((x) => x.params.get('client_reference_id') === enrollmentId);
    expect(mine).toHaveLength(1);
    expect(mine[0].idempotencyKey).toBe(`checkout-session:${enrollmentId}`);
    expect(mine[0].params.get('metadata[enrollmentId]')).toBe(enrollmentId);
    expect(mine[0].params.get('line_items[0][price_data][unit_amount]')).toBe(String(DEMO.priceCents));
    expect(mine[0].params.get('line_items[0][price_data][currency]')).toBe('usd');
    const view = await request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: s.token });
    expect(view.body.checkoutUrl).toBe(`https://checkout.stripe.test/c/pay/${mine[0].id}`);
  });

  test('a forged signature (another secret), a tampered body, a garbage or missing Stripe-Signature → 400; still unpaid', async () => {
    const before = await snapshot(enrollmentId);
    const forged = signedCheckoutCompleted('whsec_someone_else', {
      id: 'cs_forged',
      enrollmentId,
      amountTotal: DEMO.priceCents,
      currency: 'usd',
    });
    expectProblem(await webhook(forged.payload, forged.signature), 400);
    const genuine = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, { id: 'cs_tampered', enrollmentId, amountTotal: 1, currency: 'usd' });
    expectProblem(await webhook(genuine.payload.replace('"amount_total":1', `"amount_total":${DEMO.priceCents}`), genuine.signature), 400);
    expectProblem(await webhook(forged.payload, 't=1,v1=deadbeef'), 400);
    expectProblem(await webhook(forged.payload, ''), 400);
    expectProblem(await webhook(forged.payload), 400);
    const after = await expectUnchanged(enrollmentId, before, 2000);
    expect(after.enrollment).toEqual(expect.objectContaining({ status: 'pending_payment', paid_at: null }));
    expect(after.payments).toEqual([]);
  });

  test('a valid event whose amount_total differs from the price → 200, still pending_payment, a rejected payments row', async () => {
    const event = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
      id: 'cs_short_amount',
      enrollmentId,
      amountTotal: DEMO.priceCents - 1,
      currency: 'usd',
    });
    const res = await webhook<WebhookReceipt>(event.payload, event.signature);
    expect(res.status).toBe(200);
    expect(res.body.received).toBe(true);
    const rejected = await paymentRow(enrollmentId, 'cs_short_amount');
    expect(rejected).toEqual(
      expect.objectContaining({ provider: 'stripe', status: 'rejected', amount_cents: DEMO.priceCents - 1, currency: 'usd' }),
    );
    expect(rejected.reason).toContain(String(DEMO.priceCents));
    await sleep(2000);
    const snap = await snapshot(enrollmentId);
    expect(snap.enrollment).toEqual(expect.objectContaining({ status: 'pending_payment', paid_at: null, launched_at: null }));
    expect(snap.history.map((h) => h.status)).toEqual(['pending_payment']);
    expect(snap.payments.filter((p) => p.status === 'accepted')).toEqual([]);
    expectProblem(await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: s.token }), 409);
  });

  test('a valid event in the wrong currency → 200, still pending_payment, a rejected payments row', async () => {
    const event = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
      id: 'cs_wrong_currency',
      enrollmentId,
      amountTotal: DEMO.priceCents,
      currency: 'eur',
    });
    const res = await webhook(event.payload, event.signature);
    expect(res.status).toBe(200);
    const rejected = await paymentRow(enrollmentId, 'cs_wrong_currency');
    expect(rejected).toEqual(expect.objectContaining({ status: 'rejected', amount_cents: DEMO.priceCents, currency: 'eur' }));
    await sleep(2000);
    const snap = await snapshot(enrollmentId);
    expect(snap.enrollment).toEqual(expect.objectContaining({ status: 'pending_payment', paid_at: null }));
    expect(snap.payments.map((p) => p.status)).toEqual(['rejected', 'rejected']);
  });

  test('a correctly signed checkout.session.completed without data.object → 400, not 500', async () => {
    const payload = JSON.stringify({
      id: 'evt_no_object',
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: {},
    });
    const signature = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET });
    expectProblem(await webhook(payload, signature), 400);
  });

  test('a valid event naming no known enrollment → 200 and no payments row', async () => {
    const stranger = randomUUID();
    const event = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
      id: 'cs_stranger',
      enrollmentId: stranger,
      amountTotal: DEMO.priceCents,
      currency: 'usd',
    });
    const res = await webhook<WebhookReceipt>(event.payload, event.signature);
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(false);
    await sleep(1000);
    expect(await count("SELECT count(*) AS n FROM payments WHERE provider_ref = 'cs_stranger'", [])).toBe(0);
  });
});

// ── Idempotency-Key ────────────────────────────────────────────────────────────────────────────────────

describe('a Stripe outage while enrolling', () => {
  async function stoppedWorkflows(): Promise<string[]> {
    const connection = await Connection.connect({ address: system.temporalAddress });
    try {
      const ids: string[] = [];
      const client = new Client({ connection });
      for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Failed' OR ExecutionStatus = 'Terminated'` }))
        ids.push(wf.workflowId);
      return ids;
    } finally {
      await connection.close();
    }
  }

  test('POST /api/enrollments → 503 problem after a few tries; no enrollment row and no workflow left running', async () => {
    const s = await student();
    // Refused enrollments of other tests (a second one in a program, an unusable voucher) end as failed workflows too.
    const stoppedBefore = await stoppedWorkflows();
    system.stripe.setDown(true);
    try {
      const before = system.stripe.requestCount();
      const res = await request<Problem>('POST', '/api/enrollments', {
        token: s.token,
        json: { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' },
      });
      expectProblem(res, 503);
      expect(res.body.detail).toMatch(/^the payment provider did not answer/);
      expect(system.stripe.requestCount() - before).toBeGreaterThanOrEqual(3); // retried, then gave up
    } finally {
      system.stripe.setDown(false);
    }
    expect(await enrollmentsOf(s.actor.id)).toBe(0);
    // Its workflow stopped (failed with the provider's error, or terminated by the API), not left waiting for a payment.
    let stopped: string[] = [];
    for (let i = 0; i < 50 && stopped.length === 0; i++) {
      stopped = (await stoppedWorkflows()).filter((id) => !stoppedBefore.includes(id));
      if (!stopped.length) await sleep(100);
    }
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatch(/^enrollment:/);
    // With Stripe back, the student simply enrolls again.
    const again = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: s.token,
      json: { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' },
    });
    expect(again.status).toBe(201);
    expect(again.body.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\//);
  }, 90_000);
});

describe('Idempotency-Key', () => {
  test('the same key and body twice → the same enrollmentId, one row, one checkout', async () => {
    const s = await student();
    const key = `enroll-${randomUUID()}`;
    const json = { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' };
    const first = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: s.token,
      json,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    // A retry at once: the first answer is stored before it is sent.
    const second = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: s.token,
      json,
      headers: { 'idempotency-key': key },
    });
    expect({ status: second.status, body: second.body }).toEqual({ status: 201, body: first.body });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(`/api/enrollments/${first.body.enrollmentId}`);
    const { rows } = await system.db.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id = $1', [s.actor.id]);
    expect(rows.map((r) => r.id)).toEqual([first.body.enrollmentId]);
    expect(system.stripe.sessions.filter((x) => x.params.get('client_reference_id') === first.body.enrollmentId)).toHaveLength(1);
  });

  test('the same key with a different body → 422 problem; nothing new', async () => {
    const s = await student();
    const key = `enroll-${randomUUID()}`;
    const first = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: s.token,
      json: { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' },
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expectProblem(
      await request('POST', '/api/enrollments', {
        token: s.token,
        json: { programId: OTHER_PROGRAM_ID, fundingSource: 'self_pay' },
        headers: { 'idempotency-key': key },
      }),
      422,
    );
    expectProblem(
      await request('POST', '/api/enrollments', {
        token: s.token,
        json: { programId: DEMO_PROGRAM_ID, fundingSource: 'wioa_ita', voucherNumber: 'ITA-9' },
        headers: { 'idempotency-key': key },
      }),
      422,
    );
    const { rows } = await system.db.query<{ id: string; program_id: string; funding_source: string }>(
      'SELECT id, program_id, funding_source FROM enrollments WHERE student_id = $1',
      [s.actor.id],
    );
    expect(rows).toEqual([{ id: first.body.enrollmentId, program_id: DEMO_PROGRAM_ID, funding_source: 'self_pay' }]);
  });

  test('a malformed Idempotency-Key (too long, or with spaces) → 400; nothing created', async () => {
    const s = await student();
    const json = { programId: DEMO_PROGRAM_ID, fundingSource: 'self_pay' };
    expectProblem(
      await request('POST', '/api/enrollments', { token: s.token, json, headers: { 'idempotency-key': 'k'.repeat(256) } }),
      400,
    );
    expectProblem(await request('POST', '/api/enrollments', { token: s.token, json, headers: { 'idempotency-key': 'two words' } }), 400);
    expect(await enrollmentsOf(s.actor.id)).toBe(0);
  });
});
