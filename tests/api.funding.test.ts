/**
 * Funding that must be authorized, and an enrollment's record that cannot be faked or lost: vouchers issued by a
 * funder (one by one or by CSV), funded and co-paid enrollments, the database's uniqueness rules under concurrent
 * creates, and the API killed in the middle of opening an enrollment. The whole system runs as processes.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DEMO_FUNDER_ORGANIZATION_ID, DEMO_STUDENT_ID, DEMO_VOUCHERS, SEEDED_PROGRAMS } from '../db/seed';
import { enrollmentWorkflowId, OPEN_STATUSES } from '../workflows/messages';
import { sleep } from './helpers/eventually';
import type { FundedEnrollmentList, ImportReport, IssuedVoucher, OpenedEnrollment, Problem, VoucherList } from './helpers/contract';
import { expectProblem } from './helpers/problems';
import { signedCheckoutCompleted, webhookDelivery } from './helpers/stripe-stand-in';
import { httpClient, startSystem, STRIPE_WEBHOOK_SECRET, type System, waitForStatus, type Session } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;

let system: System;
let request: ReturnType<typeof httpClient>;
let temporal: Client;
beforeAll(async () => {
  // A short idempotency lease, so the crash test's retries take over a dead request's claim within seconds.
  system = await startSystem({ env: { IDEMPOTENCY_LEASE: '6s', TEMPORAL_CALL_TIMEOUT: '5s' } });
  request = httpClient(system.baseUrl);
  temporal = new Client({ connection: await Connection.connect({ address: system.temporalAddress }) });
}, 180_000);
afterAll(async () => {
  await temporal?.connection.close();
  await system?.stop();
}, 60_000);

const funder = (organizationId = `board-${randomUUID().slice(0, 6)}`) =>
  system.token('funder', { id: `funder-${organizationId}`, organizationId });
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const voucherBody = (student: Session, o: Record<string, unknown> = {}) => ({
  number: `ITA-${randomUUID().slice(0, 8)}`,
  fundingSource: 'wioa_ita',
  studentEmail: student.actor.email,
  amountCents: 1_000_000,
  currency: 'usd',
  expiresOn: inDays(30),
  ...o,
});
const enroll = <Body = OpenedEnrollment>(student: Session, json: unknown, headers: Record<string, string> = {}) =>
  request<Body>('POST', '/api/enrollments', { token: student.token, json, headers });

/** A `count(*)` row (bigint, parsed to a number by db/pool). */
type Count = { n: number };

describe('issuing vouchers', () => {
  test('a funder issues for its own organization only; a number once per organization; bad fields named', async () => {
    const f = await funder();
    const student = await system.token('student');
    const body = voucherBody(student);
    const issued = await request<IssuedVoucher>('POST', '/api/vouchers', { token: f.token, json: body });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual<Record<string, unknown>>({ id: expect.any(String), organizationId: f.actor.organizationId });
    expectProblem(await request('POST', '/api/vouchers', { token: f.token, json: { ...body, number: body.number.toLowerCase() } }), 409);
    // Another organization may use the same number.
    expect((await request('POST', '/api/vouchers', { token: (await funder()).token, json: body })).status).toBe(201);
    expectProblem(
      await request('POST', '/api/vouchers', { token: f.token, json: voucherBody(student, { organizationId: 'someone-else' }) }),
      403,
    );

    const admin = await system.token('admin');
    expectProblem(await request('POST', '/api/vouchers', { token: admin.token, json: voucherBody(student) }), 400, ['body.organizationId']);
    expect(
      (await request('POST', '/api/vouchers', { token: admin.token, json: voucherBody(student, { organizationId: 'board-x' }) })).status,
    ).toBe(201);
    expectProblem(await request('POST', '/api/vouchers', { token: student.token, json: voucherBody(student) }), 403);
    expectProblem(
      await request('POST', '/api/vouchers', { token: f.token, json: voucherBody(student, { programId: randomUUID() }) }),
      400,
      ['body.programId'],
    );
    expectProblem(
      await request('POST', '/api/vouchers', {
        token: f.token,
        json: { number: '', fundingSource: 'self_pay', amountCents: -5, currency: 'dollars', expiresOn: '2020-01-01' },
      }),
      400,
      ['body.number', 'body.fundingSource', 'body.amountCents', 'body.currency', 'body.expiresOn', 'body.studentEmail'],
    );
  });

  test('a CSV of vouchers: the dry run changes nothing, the import issues the valid rows once, a second import changes nothing', async () => {
    const f = await funder();
    const student = await system.token('student');
    const csv = [
      'number,fundingSource,studentEmail,studentId,amountCents,currency,expiresOn,programId',
      `CSV-1,wioa_ita,${student.actor.email},,250000,USD,${inDays(90)},`,
      `CSV-2,sponsor,,${student.actor.id},1000,usd,${inDays(90)},${DEMO.id}`,
      `csv-1,wioa_ita,${student.actor.email},,250000,usd,${inDays(90)},`,
      `CSV-3,wioa_ita,not-an-email,,10,usd,${inDays(90)},`,
      `CSV-4,wioa_ita,${student.actor.email},,10,usd,2020-01-01,`,
      `CSV-5,wioa_ita,${student.actor.email},,10,usd,${inDays(9)},${randomUUID()}`,
    ].join('\r\n');
    const send = (dryRun: boolean) =>
      request<ImportReport>('POST', `/api/vouchers/import?dryRun=${dryRun}`, {
        token: f.token,
        body: csv,
        headers: { 'content-type': 'text/csv' },
      });
    const count = async () =>
      Number(
        (await system.db.query<Count>('SELECT count(*) AS n FROM vouchers WHERE organization_id = $1', [f.actor.organizationId])).rows[0].n,
      );

    const dry = await send(true);
    expect(dry.status).toBe(200);
    expect(dry.body.rows.map((r: { outcome: string }) => r.outcome)).toEqual([
      'issued',
      'issued',
      'already_issued',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(dry.body.rows[2].message).toBe('line 2 issues this number already');
    expect(await count()).toBe(0);

    const applied = await send(false);
    expect(applied.body.summary).toEqual({ issued: 2, already_issued: 1, invalid: 3 });
    expect(await count()).toBe(2);
    const again = await send(false);
    expect(again.body.summary).toEqual({ issued: 0, already_issued: 3, invalid: 3 });
    expect(await count()).toBe(2);

    expectProblem(
      await request('POST', '/api/vouchers/import', { token: f.token, body: 'number\r\nX-1', headers: { 'content-type': 'text/csv' } }),
      400,
    );
    expectProblem(await request('POST', '/api/vouchers/import', { token: f.token, json: { number: 'X' } }), 415);
  });
});

describe('funded enrollments', () => {
  test("a registered voucher funds the enrollment; unknown, someone else's and expired vouchers get one and the same 422", async () => {
    const f = await funder();
    const student = await system.token('student');
    const issued = voucherBody(student, { programId: IC3.id });
    expect((await request('POST', '/api/vouchers', { token: f.token, json: issued })).status).toBe(201);

    const other = await system.token('student');
    const theirs = voucherBody(other);
    expect((await request('POST', '/api/vouchers', { token: f.token, json: theirs })).status).toBe(201);
    const expired = `ITA-OLD-${randomUUID().slice(0, 6)}`;
    await system.db.query(
      `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, issued_by)
       VALUES ($1, $2, $3, 'wioa_ita', $4, 100000, 'usd', current_date - 1, 'test')`,
      [randomUUID(), f.actor.organizationId, expired, student.actor.id],
    );

    const refusals = [];
    for (const voucherNumber of [`ITA-NEVER-${randomUUID().slice(0, 6)}`, theirs.number, expired]) {
      const res = await enroll<Problem>(student, { programId: IC3.id, fundingSource: 'wioa_ita', voucherNumber });
      expectProblem(res, 422);
      refusals.push(res.body.detail);
    }
    expect(new Set(refusals).size).toBe(1);
    // The voucher names a program: it funds that one only (the student may know why).
    expectProblem(await enroll(student, { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber: issued.number }), 422);
    expect(
      Number((await system.db.query<Count>('SELECT count(*) AS n FROM enrollments WHERE student_id = $1', [student.actor.id])).rows[0].n),
    ).toBe(0);

    const created = await enroll(student, { programId: IC3.id, fundingSource: 'wioa_ita', voucherNumber: issued.number.toLowerCase() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual<Record<string, unknown>>({
      enrollmentId: expect.any(String),
      status: 'ready_to_launch',
      amountDueCents: 0,
    });

    // The funder sees the voucher used by that enrollment, and the enrollment with its outcome so far; another does not.
    const vouchers = await request<VoucherList>('GET', '/api/vouchers', { token: f.token });
    expect(vouchers.body.vouchers.find((v: { number: string }) => v.number === issued.number)).toMatchObject({
      status: 'used',
      enrollmentId: created.body.enrollmentId,
      amountCents: 1_000_000,
    });
    expect(vouchers.body.vouchers.find((v: { number: string }) => v.number === expired)).toMatchObject({
      status: 'expired',
      enrollmentId: null,
    });
    const funded = await request<FundedEnrollmentList>('GET', '/api/funded-enrollments', { token: f.token });
    expect(funded.body.enrollments).toEqual([
      expect.objectContaining<Record<string, unknown>>({
        enrollmentId: created.body.enrollmentId,
        status: 'ready_to_launch',
        programId: IC3.id,
        credential: null,
        voucher: expect.objectContaining({ number: issued.number, coveredCents: IC3.priceCents, released: false }),
      }),
    ]);
    expect(
      (await request<FundedEnrollmentList>('GET', '/api/funded-enrollments', { token: (await funder()).token })).body.enrollments,
    ).toEqual([]);
    expectProblem(await request('GET', '/api/funded-enrollments', { token: student.token }), 403);
  });

  test('a voucher that covers part of the price: the checkout asks for the co-pay; paid, the enrollment is ready', async () => {
    const f = await funder();
    const student = await system.token('student');
    const body = voucherBody(student, { fundingSource: 'sponsor', amountCents: 2_000 });
    expect((await request('POST', '/api/vouchers', { token: f.token, json: body })).status).toBe(201);
    const created = await enroll(student, { programId: DEMO.id, fundingSource: 'sponsor', voucherNumber: body.number });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending_payment', amountDueCents: DEMO.priceCents - 2_000 });
    const { enrollmentId, checkoutUrl } = created.body;
    const sessionId = new URL(checkoutUrl!).pathname.split('/').at(-1)!;
    const session = system.stripe.sessions.find((s) => s.id === sessionId)!;
    expect(session.params.get('line_items[0][price_data][unit_amount]')).toBe(String(DEMO.priceCents - 2_000));

    const paid = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
      id: sessionId,
      enrollmentId,
      amountTotal: DEMO.priceCents - 2_000,
      currency: 'usd',
    });
    expect((await request('POST', '/api/webhooks/stripe', webhookDelivery(paid))).status).toBe(200);
    await waitForStatus(system, student.token, enrollmentId, 'ready_to_launch');
    const { rows } = await system.db.query(
      `SELECT provider, amount_cents, status FROM payments WHERE enrollment_id = $1 ORDER BY provider`,
      [enrollmentId],
    );
    expect(rows).toEqual([
      { provider: 'sponsor', amount_cents: 2_000, status: 'accepted' },
      { provider: 'stripe', amount_cents: DEMO.priceCents - 2_000, status: 'accepted' },
    ]);
  });

  test('a withdrawal before launch gives the voucher back: released, and it funds the next enrollment', async () => {
    const student = await system.token('student');
    const body = await fundedEnrollmentBody(system, student.actor, DEMO.id);
    const first = await enroll(student, body);
    expect(first.status).toBe(201);
    await waitForStatus(system, student.token, first.body.enrollmentId, 'ready_to_launch');
    const withdrawn = await request('POST', `/api/enrollments/${first.body.enrollmentId}/withdraw`, { token: student.token, json: {} });
    expect(withdrawn.status).toBe(200);
    await waitForStatus(system, student.token, first.body.enrollmentId, 'withdrawn');
    const admin = await system.token('admin');
    const listed = (
      await request<VoucherList>('GET', '/api/vouchers?organizationId=test-workforce-board&limit=500', { token: admin.token })
    ).body.vouchers;
    expect(listed.find((v: { number: string }) => v.number === body.voucherNumber)).toMatchObject({
      status: 'released',
      enrollmentId: null,
    });
    const second = await enroll(student, body);
    expect(second.status).toBe(201);
    expect(second.body.enrollmentId).not.toBe(first.body.enrollmentId);
    // The funder's WIOA export holds its participant (the withdrawal is their exit); another funder's does not.
    const today = new Date().toISOString().slice(0, 10);
    const exportOf = async (f: Session) =>
      (await request('GET', `/api/reports/wioa?from=${today}&to=${today}`, { token: f.token })).body as string;
    expect(await exportOf(await system.token('funder', { organizationId: 'test-workforce-board' }))).toContain(first.body.enrollmentId);
    expect(await exportOf(await funder())).not.toContain(first.body.enrollmentId);
  });

  test('the demo student enrolls with the seeded demo vouchers (the README\'s "Try it")', async () => {
    const student = await system.token('student', { id: DEMO_STUDENT_ID, email: 'student@example.com' });
    const [full, partial] = DEMO_VOUCHERS;
    const a = await enroll(student, { programId: IC3.id, fundingSource: full.fundingSource, voucherNumber: full.number });
    expect(a.body).toMatchObject({ status: 'ready_to_launch', amountDueCents: 0 });
    const b = await enroll(student, { programId: partial.programId, fundingSource: partial.fundingSource, voucherNumber: partial.number });
    expect(b.body).toMatchObject({ status: 'pending_payment', amountDueCents: DEMO.priceCents - partial.amountCents });
    const f = await system.token('funder', { organizationId: DEMO_FUNDER_ORGANIZATION_ID });
    const funded = await request<FundedEnrollmentList>('GET', '/api/funded-enrollments', { token: f.token });
    expect(funded.body.enrollments.map((e: { enrollmentId: string }) => e.enrollmentId).sort()).toEqual(
      [a.body.enrollmentId, b.body.enrollmentId].sort(),
    );
  });
});

describe('the database holds the rules, whoever races', () => {
  test('the unique index of open enrollments lists exactly the open statuses of the workflow', async () => {
    const {
      rows: [index],
    } = await system.db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'enrollments_one_open_per_program_idx'`,
    );
    const listed = [...index.indexdef.matchAll(/'([a-z_]+)'::text/g)].map((m: RegExpMatchArray) => m[1]);
    expect(listed.sort()).toEqual([...OPEN_STATUSES].sort());
  });

  test('20 concurrent creates in one program: exactly one 201, nineteen 409, one row', async () => {
    const student = await system.token('student');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => enroll<OpenedEnrollment | Problem>(student, { programId: DEMO.id, fundingSource: 'self_pay' })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    const created = (answers.find((a) => a.status === 201)!.body as OpenedEnrollment).enrollmentId;
    // The refusals name the student's own open enrollment.
    for (const a of answers.filter((x) => x.status === 409)) expect((a.body as Problem).detail).toContain(created);
    const { rows } = await system.db.query('SELECT id FROM enrollments WHERE student_id = $1', [student.actor.id]);
    expect(rows).toEqual([{ id: created }]);
  });

  test('20 concurrent creates with one voucher across programs: exactly one 201, the others 409', async () => {
    const student = await system.token('student');
    const body = await fundedEnrollmentBody(system, student.actor, DEMO.id);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => enroll(student, { ...body, programId: SEEDED_PROGRAMS[i % SEEDED_PROGRAMS.length].id })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
    expect(
      Number((await system.db.query<Count>('SELECT count(*) AS n FROM enrollments WHERE student_id = $1', [student.actor.id])).rows[0].n),
    ).toBe(1);
  });
});

describe('the API killed while it opens an enrollment', () => {
  /** Every enrollment row of the student has its workflow, and every enrollment workflow of the student's creates has its row. */
  async function consistent(studentId: string, workflowIds: string[]) {
    const { rows } = await system.db.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id = $1', [studentId]);
    for (const r of rows) await temporal.workflow.getHandle(enrollmentWorkflowId(r.id)).describe(); // throws when there is none
    const withRows = new Set(rows.map((r) => enrollmentWorkflowId(r.id)));
    for (const id of workflowIds) {
      const d = await temporal.workflow
        .getHandle(id)
        .describe()
        .catch(() => undefined);
      if (d && d.status.name === 'RUNNING') expect(withRows.has(id)).toBe(true);
    }
    return rows.map((r) => r.id);
  }

  test('at any moment of a create: no row without its workflow, no running workflow without its row; the retry answers 201 and the student can withdraw', async () => {
    for (const [i, delayMs] of [0, 5, 15, 30, 60, 120].entries()) {
      const student = await system.token('student', { name: `Crash Student ${i}` });
      const key = `create-${randomUUID()}`;
      const json = i % 2 ? await fundedEnrollmentBody(system, student.actor, DEMO.id) : { programId: DEMO.id, fundingSource: 'self_pay' };
      const inFlight = enroll(student, json, { 'idempotency-key': key }).catch((err: unknown) => err);
      await sleep(delayMs);
      await system.kill('api');
      await inFlight;
      await system.startApi();

      // The retry with the same key either replays the stored answer or opens (or joins) the same enrollment.
      let retried = await enroll(student, json, { 'idempotency-key': key });
      for (let tries = 0; retried.status === 409 && retried.headers.get('retry-after') && tries < 40; tries++) {
        await sleep(Number(retried.headers.get('retry-after')) * 1000);
        retried = await enroll(student, json, { 'idempotency-key': key });
      }
      expect({ delayMs, status: retried.status, body: retried.body }).toEqual<Record<string, unknown>>({
        delayMs,
        status: 201,
        body: expect.objectContaining<Record<string, unknown>>({ enrollmentId: expect.any(String) }),
      });
      const ids = await consistent(student.actor.id, [enrollmentWorkflowId(retried.body.enrollmentId)]);
      expect(ids).toEqual([retried.body.enrollmentId]);
      await waitForStatus(system, student.token, retried.body.enrollmentId, i % 2 ? 'ready_to_launch' : 'pending_payment');
      const withdrawn = await request('POST', `/api/enrollments/${retried.body.enrollmentId}/withdraw`, { token: student.token, json: {} });
      expect(withdrawn.status).toBe(200);
    }
  }, 300_000);

  test('a withdrawal whose answer died with the API: the retry after the lease takes the claim over and answers what happened', async () => {
    const student = await system.token('student');
    const created = await enroll(student, await fundedEnrollmentBody(system, student.actor, DEMO.id));
    await waitForStatus(system, student.token, created.body.enrollmentId, 'ready_to_launch');
    const key = `withdraw-${randomUUID()}`;
    const withdraw = () =>
      request('POST', `/api/enrollments/${created.body.enrollmentId}/withdraw`, {
        token: student.token,
        json: { reason: 'moved away' },
        headers: { 'idempotency-key': key },
      });
    const first = await withdraw();
    expect(first.status).toBe(200);
    // As if the process had died after the workflow withdrew the enrollment and before the answer was stored.
    await system.db.query(
      `UPDATE idempotency_keys SET status_code = NULL, response_body = NULL, claimed_until = now() - interval '1 second'
        WHERE actor_id = $1 AND key = $2`,
      [student.actor.id, key],
    );
    const rerun = await withdraw();
    expect({ status: rerun.status, body: rerun.body }).toEqual({ status: 200, body: first.body });
    expect(rerun.headers.get('idempotent-replayed')).toBeNull();
    // A new request (another key) is told the truth: it is withdrawn already.
    expectProblem(await request('POST', `/api/enrollments/${created.body.enrollmentId}/withdraw`, { token: student.token, json: {} }), 409);
  });
});
