/**
 * The enrollment endpoints at the API level: the app in-process, a real PostgreSQL, the fake enrollment client instead
 * of Temporal. What is checked is HTTP: statuses, bodies, headers, what the client was asked, what the read model shows.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { problemOf } from '../../api/problems';
import type { Refusal } from '../../core/refusals';
import { VOUCHER_UNUSABLE } from '../../db/opening-rules';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import { type EnrollmentWorkflowInput, FailureType } from '../../workflows/messages';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type { EnrollmentList, EnrollmentState, OpenedEnrollment, Problem, ReviewQueue, SubmissionAccepted } from '../helpers/contract';
import { mappedByRealClient, refusedUpdate } from '../helpers/fake-enrollment-client';
import { createTestProgram } from '../helpers/programs';
import { expectProblem } from '../helpers/problems';
import { evidenceForm } from '../helpers/system';
import { fundedEnrollmentBody } from '../helpers/vouchers';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const NRF = SEEDED_PROGRAMS.find((p) => p.partnerId === 'nrf')!;
const PDF = Buffer.from('%PDF-1.4\n% a stand-in: the API checks the first bytes only\n');

let app: ApiApp;
let admin: Session;
let demoHolder: Session;
beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin');
  demoHolder = await app.token('program_holder', { id: DEMO_HOLDER_ID });
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

const enroll = <Body = unknown>(
  s: Session,
  json: unknown = { programId: DEMO.id, fundingSource: 'self_pay' },
  headers: Record<string, string> = {},
) => app.request<Body>('POST', '/api/enrollments', { token: s.token, json, headers });

/**
 * A self-paid enrollment opened through the API (the fake writes its record as the workflow would). Fixtures leave
 * no recorded calls behind, so a test sees only the calls its own requests made.
 */
async function opened(s: Session, programId: string = DEMO.id): Promise<string> {
  const res = await enroll<OpenedEnrollment>(s, { programId, fundingSource: 'self_pay' });
  expect(res.status).toBe(201);
  app.enrollments.calls.length = 0;
  return res.body.enrollmentId;
}

/** Paid and launched: in_progress in the read model. */
async function inProgress(s: Session, programId: string = DEMO.id): Promise<string> {
  const id = await opened(s, programId);
  await app.advance(id, 'ready_to_launch', { paidAt: new Date().toISOString() });
  await app.advance(id, 'in_progress', { launchedAt: new Date().toISOString() });
  return id;
}

/** A program of a holder of its own, created by an admin over HTTP. */
function programOf(holder: Session): Promise<string> {
  return createTestProgram(app.request, admin.token, {
    title: `Program of ${holder.actor.id}`,
    holderId: holder.actor.id,
    credentialType: 'other',
    deadlineDays: 30,
  });
}

/** A pending submission of an enrollment awaiting review, as the workflow records it. */
async function awaitingReview(s: Session, programId: string) {
  const enrollmentId = await inProgress(s, programId);
  const submissionId = randomUUID();
  await app.activities.recordSubmission({
    enrollmentId,
    submissionId,
    fileKey: `submissions/${enrollmentId}/${submissionId}.pdf`,
    contentType: 'application/pdf',
    sizeBytes: PDF.length,
    sha256: 'ab'.repeat(32),
    completedAt: '2024-05-01T00:00:00.000Z',
    studentId: s.actor.id,
    submittedAt: new Date().toISOString(),
  });
  await app.advance(enrollmentId, 'awaiting_review');
  return { enrollmentId, submissionId };
}

describe('POST /api/enrollments', () => {
  test('self-paid: 201 with the checkout, a Location, and a workflow input of ids and terms only (no name or email)', async () => {
    const student = await app.token('student', { name: 'Ada Lovelace', email: 'ada@example.com' });
    const res = await enroll<OpenedEnrollment>(student);
    expect(res.status).toBe(201);
    expect(res.body).toEqual<Record<string, unknown>>({
      enrollmentId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'pending_payment',
      checkoutUrl: `${app.baseUrl}/checkout/simulated/${res.body.enrollmentId}`,
      amountDueCents: DEMO.priceCents,
    });
    expect(res.headers.get('location')).toBe(`/api/enrollments/${res.body.enrollmentId}`);

    const [[input]] = app.enrollments.callsOf('start') as [[EnrollmentWorkflowInput]];
    expect(input).toEqual(
      expect.objectContaining({
        enrollmentId: res.body.enrollmentId,
        studentId: student.actor.id,
        programId: DEMO.id,
        partnerId: 'demo',
        fundingSource: 'self_pay',
        priceCents: DEMO.priceCents,
        currency: 'usd',
        voucherNumber: undefined,
      }),
    );
    expect(JSON.stringify(input)).not.toMatch(/Ada|Lovelace|ada@example\.com/);
    expect(Object.keys(input).filter((k) => /name|email/i.test(k))).toEqual([]);
    // The name and email reach the record through the database, as the workflow's activity copies them.
    const { rows } = await app.db.query<{ student_name: string; student_email: string; status: string }>(
      'SELECT student_name, student_email, status FROM enrollments WHERE id = $1',
      [res.body.enrollmentId],
    );
    expect(rows).toEqual([{ student_name: 'Ada Lovelace', student_email: 'ada@example.com', status: 'pending_payment' }]);
  });

  test('a voucher that covers the price: 201 ready_to_launch with nothing due and no checkout', async () => {
    const student = await app.token('student');
    const { voucherNumber: number } = await fundedEnrollmentBody(app, student.actor, IC3.id);
    const res = await enroll(student, { programId: IC3.id, fundingSource: 'wioa_ita', voucherNumber: number.toLowerCase() });
    expect({ status: res.status, body: res.body }).toEqual<{ status: number; body: Record<string, unknown> }>({
      status: 201,
      body: { enrollmentId: expect.any(String), status: 'ready_to_launch', amountDueCents: 0 },
    });
    expect(app.enrollments.callsOf('start')[0][0]).toEqual(
      expect.objectContaining({ fundingSource: 'wioa_ita', voucherNumber: number.toLowerCase() }),
    );
    // The same voucher for another program: it funds an enrollment already.
    expectProblem(await enroll(student, { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber: number }), 409);
  });

  test('an Idempotency-Key replays the first answer without a second start; the key on another body is 422', async () => {
    const student = await app.token('student');
    const key = `create-${randomUUID()}`;
    const first = await enroll(student, undefined, { 'idempotency-key': key });
    const again = await enroll(student, undefined, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect({ status: again.status, body: again.body }).toEqual({ status: 201, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(app.enrollments.callsOf('start')).toHaveLength(1);
    expectProblem(await enroll(student, { programId: IC3.id, fundingSource: 'self_pay' }, { 'idempotency-key': key }), 422);
    expectProblem(await enroll(student, undefined, { 'idempotency-key': 'spaces are not allowed' }), 400);
  });

  test('bad bodies are 400 naming each field, and nothing is started', async () => {
    const student = await app.token('student');
    expectProblem(await enroll(student, { programId: 'nope', fundingSource: 'cash' }), 400, ['body.programId', 'body.fundingSource']);
    expectProblem(await enroll(student, { programId: DEMO.id, fundingSource: 'wioa_ita' }), 400, ['body.voucherNumber']);
    expectProblem(await app.request('POST', '/api/enrollments', { token: student.token }), 400, ['body.programId', 'body.fundingSource']);
    expectProblem(
      await app.request('POST', '/api/enrollments', {
        token: student.token,
        body: '{"programId":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
    );
    expectProblem(await enroll(student, { programId: randomUUID(), fundingSource: 'self_pay' }), 404);
    expect(app.enrollments.calls).toEqual([]);
  });

  test("the workflow's refusals: a second open enrollment 409 naming the first; an unusable voucher 422 with one message", async () => {
    const student = await app.token('student');
    const first = await opened(student);
    const second = await enroll<Problem>(student);
    expectProblem(second, 409);
    expect(second.body.detail).toContain(first);
    const unknown = await enroll<Problem>(student, { programId: IC3.id, fundingSource: 'sponsor', voucherNumber: 'NEVER-ISSUED' });
    expectProblem(unknown, 422);
    expect(unknown.body.detail).toBe(VOUCHER_UNUSABLE);
    const { rows } = await app.db.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id = $1', [student.actor.id]);
    expect(rows).toEqual([{ id: first }]);
  });

  test('a refusal is answered before any workflow starts, with the very problem the workflow’s refusal gives', async () => {
    const student = await app.token('student');
    const other = await app.token('student');
    const voucher = async (o: Record<string, unknown>) => {
      const number = `ITA-${randomUUID().slice(0, 8)}`;
      const res = await app.request('POST', '/api/vouchers', {
        token: admin.token,
        json: { number, fundingSource: 'wioa_ita', amountCents: 1_000_000, currency: 'usd', expiresOn: '2099-12-31', ...o },
      });
      expect(res.status).toBe(201);
      return number;
    };
    const mine = { studentId: student.actor.id, organizationId: 'board-a' };
    const theirs = await voucher({ studentId: other.actor.id, organizationId: 'board-a' });
    const forIc3 = await voucher({ ...mine, programId: IC3.id });
    const used = await voucher(mine);
    const expired = `ITA-OLD-${randomUUID().slice(0, 6)}`;
    await app.db.query(
      `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, issued_by)
       VALUES ($1, 'board-a', $2, 'wioa_ita', $3, 100000, 'usd', current_date - 1, 'test')`,
      [randomUUID(), expired, student.actor.id],
    );
    const first = await opened(student);
    const funded = await enroll<OpenedEnrollment>(student, { programId: IC3.id, fundingSource: 'wioa_ita', voucherNumber: used });
    expect(funded.status).toBe(201);

    const cases: [string, { programId: string; fundingSource: 'self_pay' | 'wioa_ita'; voucherNumber?: string }, number][] = [
      ['unknown voucher', { programId: NRF.id, fundingSource: 'wioa_ita', voucherNumber: 'NEVER-ISSUED' }, 422],
      ['another student’s voucher', { programId: NRF.id, fundingSource: 'wioa_ita', voucherNumber: theirs }, 422],
      ['expired voucher', { programId: NRF.id, fundingSource: 'wioa_ita', voucherNumber: expired }, 422],
      ['a voucher for another program', { programId: NRF.id, fundingSource: 'wioa_ita', voucherNumber: forIc3 }, 422],
      ['a used voucher', { programId: NRF.id, fundingSource: 'wioa_ita', voucherNumber: used }, 409],
      ['a second open enrollment', { programId: DEMO.id, fundingSource: 'self_pay' }, 409],
      // Both wrong: the voucher is named first, as the workflow's activity names it.
      [
        'an unusable voucher in a program with an open enrollment',
        { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber: theirs },
        422,
      ],
    ];
    for (const [what, body, status] of cases) {
      app.enrollments.reset();
      const res = await enroll<Problem>(student, body);
      expectProblem(res, status);
      expect({ what, calls: app.enrollments.calls }).toEqual({ what, calls: [] });
      // The workflow's answer to the same request: its activity's refusal through the real client's mapping.
      const program = SEEDED_PROGRAMS.find((p) => p.id === body.programId)!;
      const failure = await app.activities
        .openEnrollmentRecord({
          enrollmentId: randomUUID(),
          studentId: student.actor.id,
          ...body,
          priceCents: program.priceCents,
          currency: 'usd',
          openedAt: new Date().toISOString(),
        })
        .then(
          () => new Error(`the workflow's activity opened ${what}`),
          (err: unknown) => err as Error,
        );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      const problem = problemOf((await mappedByRealClient(new WorkflowUpdateFailedError('Workflow Update failed', failure))) as Refusal);
      expect({ what, body: res.body }).toEqual({
        what,
        body: { type: `/problems/${problem.slug}`, title: problem.title, status: problem.status, detail: problem.detail },
      });
    }
    const { rows } = await app.db.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id = $1 ORDER BY id', [student.actor.id]);
    expect(rows.map((r) => r.id)).toEqual([first, funded.body.enrollmentId].sort());
  });

  test('a retried create whose first answer was lost is not refused by its own record: it reaches its workflow again', async () => {
    const student = await app.token('student');
    const { voucherNumber: number } = await fundedEnrollmentBody(app, student.actor, DEMO.id);
    const key = `create-${randomUUID()}`;
    const json = { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber: number };
    const first = await enroll<OpenedEnrollment>(student, json, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    // As if the API had died after the workflow opened the record and before the answer was stored.
    await app.db.query(
      `UPDATE idempotency_keys SET status_code = NULL, response_body = NULL, claimed_until = now() - interval '1 second'
        WHERE actor_id = $1 AND key = $2`,
      [student.actor.id, key],
    );
    const retried = await enroll<OpenedEnrollment>(student, json, { 'idempotency-key': key });
    expect({ status: retried.status, body: retried.body }).toEqual({ status: 201, body: first.body });
    expect(app.enrollments.callsOf('start')).toHaveLength(2);
  });

  test('a provider or Temporal outage is 503 with Retry-After, and a retry with the same key runs again', async () => {
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const student = await app.token('student');
      const key = `outage-${randomUUID()}`;
      app.enrollments.refuse(
        'start',
        refusedUpdate('the payment provider did not answer: timeout', FailureType.paymentProviderUnavailable),
      );
      const down = await enroll(student, undefined, { 'idempotency-key': key });
      expectProblem(down, 503);
      expect(down.headers.get('retry-after')).toBe('5');
      app.enrollments.refuse('start', new WorkflowUpdateRPCTimeoutOrCancelledError('no worker answered'));
      const noWorker = await enroll(student);
      expectProblem(noWorker, 503);
      expect(noWorker.headers.get('retry-after')).toBe('5');

      app.enrollments.reset();
      const retried = await enroll(student, undefined, { 'idempotency-key': key });
      expect(retried.status).toBe(201);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
    } finally {
      quiet.mockRestore();
    }
  });
});

describe('GET /api/enrollments/:id (the read model)', () => {
  test("status, dates, history and submissions as the workflow's activities wrote them; the workflow is not queried", async () => {
    const student = await app.token('student');
    const { enrollmentId, submissionId } = await awaitingReview(student, DEMO.id);
    for (const who of [student, demoHolder, admin]) {
      const res = await app.request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: who.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining<Record<string, unknown>>({
          enrollmentId,
          programId: DEMO.id,
          status: 'awaiting_review',
          fundingSource: 'self_pay',
          paidAt: expect.any(String),
          launchedAt: expect.any(String),
          completedAt: null,
          completionMethod: null,
          certificate: null,
          price: { amountCents: DEMO.priceCents, currency: 'usd' },
          checkoutUrl: null,
          history: ['pending_payment', 'ready_to_launch', 'in_progress', 'awaiting_review'].map<Record<string, unknown>>((status) => ({
            status,
            at: expect.any(String),
          })),
          submissions: [
            expect.objectContaining({
              id: submissionId,
              status: 'pending',
              completedAt: '2024-05-01T00:00:00.000Z',
              fileUrl: `${app.baseUrl}/api/submissions/${submissionId}/file`,
            }),
          ],
        }),
      );
    }
    expect(app.enrollments.callsOf('status')).toEqual([]);
  });

  test('a completed enrollment shows its completion and its certificate', async () => {
    const student = await app.token('student');
    const id = await inProgress(student);
    await app.advance(id, 'completed', { completedAt: '2024-06-01T00:00:00.000Z', completionMethod: 'manual' });
    const {
      rows: [cert],
    } = await app.db.query<{ id: string }>(
      `INSERT INTO certificates (id, enrollment_id, verification_code, file_key, completed_at)
       VALUES (gen_random_uuid(), $1, 'ABCD-EFGH-JKMN', 'certificates/x.pdf', '2024-06-01') RETURNING id`,
      [id],
    );
    const res = await app.request<EnrollmentState>('GET', `/api/enrollments/${id}`, { token: student.token });
    expect(res.body).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        status: 'completed',
        completedAt: '2024-06-01T00:00:00.000Z',
        completionMethod: 'manual',
        certificate: {
          id: cert.id,
          verificationCode: 'ABCD-EFGH-JKMN',
          revoked: false,
          pdfUrl: `${app.baseUrl}/api/certificates/${cert.id}.pdf`,
          verifyUrl: `${app.baseUrl}/verify/ABCD-EFGH-JKMN`,
        },
      }),
    );
  });

  test('unknown → 404, malformed id → 400 naming path.enrollmentId', async () => {
    expectProblem(await app.request('GET', `/api/enrollments/${randomUUID()}`, { token: admin.token }), 404);
    expectProblem(await app.request('GET', '/api/enrollments/not-a-uuid', { token: admin.token }), 400, ['path.enrollmentId']);
  });
});

describe('GET /api/enrollments (program holder, admin)', () => {
  test("a holder lists its own programs' enrollments, filtered by status and program; an admin sees all", async () => {
    const holder = await app.token('program_holder');
    const other = await app.token('program_holder');
    const [mine, mineToo, theirs] = await Promise.all([programOf(holder), programOf(holder), programOf(other)]);
    const student = await app.token('student');
    const pending = await opened(student, mine);
    const started = await inProgress(student, mineToo);
    const foreign = await opened(student, theirs);
    const ids = async (who: Session, query = '') => {
      const res = await app.request<EnrollmentList>('GET', `/api/enrollments${query}`, { token: who.token });
      expect(res.status).toBe(200);
      return res.body.enrollments.map((e) => e.enrollmentId).sort();
    };
    expect(await ids(holder)).toEqual([pending, started].sort());
    expect(await ids(holder, '?status=in_progress')).toEqual([started]);
    expect(await ids(holder, `?programId=${mine}`)).toEqual([pending]);
    expect(await ids(holder, `?programId=${theirs}`)).toEqual([]);
    expect(await ids(other)).toEqual([foreign]);
    expect(await ids(admin, `?programId=${theirs}`)).toEqual([foreign]);
    const listed = await app.request<EnrollmentList>('GET', `/api/enrollments?programId=${mineToo}`, { token: holder.token });
    expect(listed.body.enrollments[0]).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        enrollmentId: started,
        programId: mineToo,
        status: 'in_progress',
        fundingSource: 'self_pay',
        launchedAt: expect.any(String),
      }),
    );
  });

  test('bad filters are 400 naming the query field', async () => {
    expectProblem(await app.request('GET', '/api/enrollments?status=done&programId=x&limit=0', { token: admin.token }), 400, [
      'query.status',
      'query.programId',
      'query.limit',
    ]);
  });
});

describe('review queue, approve, reject', () => {
  test("the queue holds the holder's pending submissions of enrollments awaiting review, each with its file link", async () => {
    const holder = await app.token('program_holder');
    const programId = await programOf(holder);
    const { enrollmentId, submissionId } = await awaitingReview(await app.token('student'), programId);
    await inProgress(await app.token('student'), programId);
    const queue = await app.request<ReviewQueue>('GET', '/api/program-holder/submissions?status=pending', { token: holder.token });
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({
        id: submissionId,
        enrollmentId,
        programId,
        status: 'pending',
        completedAt: '2024-05-01T00:00:00.000Z',
        fileUrl: `${app.baseUrl}/api/submissions/${submissionId}/file`,
      }),
    ]);
    expect(
      (await app.request<ReviewQueue>('GET', '/api/program-holder/submissions', { token: (await app.token('program_holder')).token })).body
        .items,
    ).toEqual([]);
    expect(
      (await app.request<ReviewQueue>('GET', '/api/program-holder/submissions?status=approved', { token: holder.token })).body.items,
    ).toEqual([]);
    expectProblem(await app.request('GET', '/api/program-holder/submissions?status=later', { token: holder.token }), 400, ['query.status']);
  });

  test('approve asks the workflow for this submission and reviewer; another holder is 403 and asks nothing', async () => {
    const holder = await app.token('program_holder');
    const { enrollmentId, submissionId } = await awaitingReview(await app.token('student'), await programOf(holder));
    expectProblem(
      await app.request('POST', `/api/program-holder/submissions/${submissionId}/approve`, {
        token: (await app.token('program_holder')).token,
      }),
      403,
    );
    expect(app.enrollments.calls).toEqual([]);
    const res = await app.request('POST', `/api/program-holder/submissions/${submissionId}/approve`, { token: holder.token });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { submissionId, enrollmentId, status: 'completed' } });
    expect(app.enrollments.callsOf('approve')).toEqual([[enrollmentId, submissionId, holder.actor.id, undefined]]);
    expectProblem(await app.request('POST', `/api/program-holder/submissions/${randomUUID()}/approve`, { token: holder.token }), 404);
  });

  test('reject needs a reason (400 naming body.reason, nothing asked); with one, the workflow gets it', async () => {
    const holder = await app.token('program_holder');
    const { enrollmentId, submissionId } = await awaitingReview(await app.token('student'), await programOf(holder));
    const url = `/api/program-holder/submissions/${submissionId}/reject`;
    for (const json of [{}, { reason: '   ' }, { reason: 7 }])
      expectProblem(await app.request('POST', url, { token: holder.token, json }), 400, ['body.reason']);
    expect(app.enrollments.calls).toEqual([]);
    const res = await app.request('POST', url, { token: holder.token, json: { reason: 'the scan is unreadable' } });
    expect(res.body).toEqual({ submissionId, enrollmentId, status: 'in_progress' });
    expect(app.enrollments.callsOf('reject')).toEqual([[enrollmentId, submissionId, holder.actor.id, 'the scan is unreadable', undefined]]);
  });
});

describe('POST /api/program-holder/mark-complete', () => {
  const mark = <Body = unknown>(who: Session, json: unknown, headers: Record<string, string> = {}) =>
    app.request<Body>('POST', '/api/program-holder/mark-complete', { token: who.token, json, headers });

  test('the holder marks its enrollment: the workflow gets the date, the marker, the URL and the notes', async () => {
    const id = await inProgress(await app.token('student'));
    const res = await mark(
      demoHolder,
      { enrollmentId: id, completedAt: '2024-05-01', certificateUrl: 'https://partner.example/c/1', notes: 'passed' },
      { 'idempotency-key': `mark-${id}` },
    );
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { enrollmentId: id, status: 'completed', completedAt: '2024-05-01T00:00:00.000Z', completionMethod: 'manual' },
    });
    expect(app.enrollments.callsOf('markComplete')).toEqual([
      [
        id,
        {
          completedAt: '2024-05-01T00:00:00.000Z',
          markedBy: DEMO_HOLDER_ID,
          certificateUrl: 'https://partner.example/c/1',
          notes: 'passed',
        },
        `mark-${id}`,
      ],
    ]);
  });

  test('bad fields are 400 naming each one, before anything is asked', async () => {
    const id = await inProgress(await app.token('student'));
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    expectProblem(await mark(demoHolder, {}), 400, ['body.enrollmentId', 'body.completedAt']);
    expectProblem(await mark(demoHolder, { enrollmentId: id, completedAt: tomorrow }), 400, ['body.completedAt']);
    expectProblem(await mark(demoHolder, { enrollmentId: id, completedAt: '01/05/2024' }), 400, ['body.completedAt']);
    expectProblem(
      await mark(demoHolder, { enrollmentId: id, completedAt: '2024-05-01', certificateUrl: 'ftp://x.example/c', notes: 'x'.repeat(2001) }),
      400,
      ['body.certificateUrl', 'body.notes'],
    );
    expect(app.enrollments.calls).toEqual([]);
  });

  test('who may: a student 403, another holder 403, an unknown enrollment 404; none reaches the workflow', async () => {
    const student = await app.token('student');
    const id = await inProgress(student);
    expectProblem(await mark(student, { enrollmentId: id, completedAt: '2024-05-01' }), 403);
    expectProblem(await mark(await app.token('program_holder'), { enrollmentId: id, completedAt: '2024-05-01' }), 403);
    expectProblem(await mark(demoHolder, { enrollmentId: randomUUID(), completedAt: '2024-05-01' }), 404);
    expect(app.enrollments.calls).toEqual([]);
  });

  test("the workflow's refusals: not markable now 409, an impossible date 400 naming body.completedAt, a closed workflow 409", async () => {
    const id = await opened(await app.token('student'));
    app.enrollments.refuse(
      'markComplete',
      refusedUpdate('the enrollment is pending_payment; it cannot be marked complete', FailureType.conflict),
    );
    const conflict = await mark<Problem>(demoHolder, { enrollmentId: id, completedAt: '2024-05-01' });
    expectProblem(conflict, 409);
    expect(conflict.body.detail).toBe('the enrollment is pending_payment; it cannot be marked complete');
    app.enrollments.refuse(
      'markComplete',
      refusedUpdate('completedAt is before the launch', FailureType.invalid, { field: 'completedAt' }),
    );
    expectProblem(await mark(demoHolder, { enrollmentId: id, completedAt: '2024-05-01' }), 400, ['body.completedAt']);
    app.enrollments.refuse('markComplete', new WorkflowNotFoundError('gone', `enrollment:${id}`, undefined));
    expectProblem(await mark(admin, { enrollmentId: id, completedAt: '2024-05-01' }), 409);
    expect(app.enrollments.callsOf('markComplete')).toHaveLength(3);
  });
});

describe('launch, evidence upload, withdrawal', () => {
  test("launch answers 302 to the workflow's launch URL; refused before payment it is 409 without a Location", async () => {
    const student = await app.token('student');
    const id = await inProgress(student);
    const res = await app.request('GET', `/api/enrollments/${id}/launch`, { token: student.token });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`https://partner.example/launch?registration=${id}`);
    app.enrollments.refuse('launch', refusedUpdate('the enrollment is not paid yet', FailureType.conflict));
    const refused = await app.request('GET', `/api/enrollments/${id}/launch`, { token: student.token });
    expectProblem(refused, 409);
    expect(refused.headers.get('location')).toBeNull();
  });

  test('evidence: 202, the file kept under its key, and the workflow gets its facts', async () => {
    const student = await app.token('student');
    const id = await inProgress(student);
    const res = await app.request<SubmissionAccepted>('POST', `/api/enrollments/${id}/completion-submissions`, {
      token: student.token,
      body: evidenceForm(PDF, 'proof.pdf', '2024-05-02'),
    });
    expect({ status: res.status, body: res.body }).toEqual<{ status: number; body: Record<string, unknown> }>({
      status: 202,
      body: { submissionId: expect.any(String), status: 'awaiting_review' },
    });
    const [[enrollmentId, submission]] = app.enrollments.callsOf('submitEvidence') as [[string, Record<string, unknown>]];
    expect(enrollmentId).toBe(id);
    expect(submission).toEqual<Record<string, unknown>>({
      submissionId: res.body.submissionId,
      fileKey: `submissions/${id}/${res.body.submissionId}.pdf`,
      contentType: 'application/pdf',
      sizeBytes: PDF.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      completedAt: '2024-05-02T00:00:00.000Z',
      studentId: student.actor.id,
    });
    expect(await app.files.get(submission.fileKey as string)).toEqual(PDF);
  });

  test("evidence refused: not a PDF/PNG/JPEG 415, no file 400 naming body.file, the workflow's 409 leaves no file behind", async () => {
    const student = await app.token('student');
    const id = await inProgress(student);
    const url = `/api/enrollments/${id}/completion-submissions`;
    expectProblem(
      await app.request('POST', url, { token: student.token, body: evidenceForm(Buffer.from('MZ not a pdf'), 'proof.pdf', '2024-05-02') }),
      415,
    );
    const noFile = new FormData();
    noFile.set('completedAt', '2024-05-02');
    expectProblem(await app.request('POST', url, { token: student.token, body: noFile }), 400, ['body.file']);
    expect(app.enrollments.calls).toEqual([]);
    app.enrollments.refuse('submitEvidence', refusedUpdate('a submission is already awaiting review', FailureType.conflict));
    expectProblem(await app.request('POST', url, { token: student.token, body: evidenceForm(PDF, 'proof.pdf', '2024-05-02') }), 409);
    const dir = path.join(app.config.filesDir, 'submissions', id);
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  });

  test("withdraw: the workflow's refund is the answer; an enrollment already withdrawn is 409 without asking", async () => {
    const student = await app.token('student');
    const id = await inProgress(student);
    app.enrollments.on('withdraw', () => Promise.resolve({ status: 'withdrawn', refundCents: 1_500, currency: 'usd' }));
    const res = await app.request('POST', `/api/enrollments/${id}/withdraw`, { token: student.token, json: { reason: 'moving away' } });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { enrollmentId: id, status: 'withdrawn', refundCents: 1_500, currency: 'usd' },
    });
    expect(app.enrollments.callsOf('withdraw')).toEqual([[id, { requestedBy: student.actor.id, reason: 'moving away' }, undefined]]);
    await app.advance(id, 'withdrawn');
    expectProblem(await app.request('POST', `/api/enrollments/${id}/withdraw`, { token: student.token, json: {} }), 409);
    expect(app.enrollments.callsOf('withdraw')).toHaveLength(1);
  });
});
