/**
 * Funding and reports at the API level (the app in-process, a real PostgreSQL, the fake enrollment client): vouchers
 * issued one by one and by CSV, what each funder may see, and who may read the WIOA and revenue-share reports.
 */
import { randomUUID } from 'node:crypto';
import { parseCsv } from '../../core/csv';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type {
  Created,
  FundedEnrollmentList,
  ImportReport,
  OpenedEnrollment,
  Problem,
  RevenueShareReport,
  VoucherList,
} from '../helpers/contract';
import { expectProblem } from '../helpers/problems';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const today = () => new Date().toISOString().slice(0, 10);

/** `GET /api/vouchers` (not in contract.ts yet). */

let app: ApiApp;
let admin: Session;
beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin');
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

/** A funder of an organization of its own. */
const funder = (organizationId = `board-${randomUUID().slice(0, 8)}`) => app.token('funder', { organizationId });
const voucherBody = (o: Record<string, unknown> = {}) => ({
  number: `ITA-${randomUUID().slice(0, 8)}`,
  fundingSource: 'wioa_ita',
  studentEmail: 'someone@example.com',
  amountCents: 1_000_000,
  currency: 'usd',
  expiresOn: '2099-12-31',
  ...o,
});
const issue = <Body = unknown>(who: Session, json: unknown) => app.request<Body>('POST', '/api/vouchers', { token: who.token, json });

/** A student's enrollment funded in full by a voucher `f` issued them (a WIOA ITA unless said): ready_to_launch. */
async function fundedBy(f: Session, student: Session, programId: string = IC3.id, fundingSource = 'wioa_ita'): Promise<string> {
  const number = `ITA-${randomUUID().slice(0, 8)}`;
  expect((await issue(f, voucherBody({ number, fundingSource, studentId: student.actor.id, studentEmail: undefined }))).status).toBe(201);
  const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId, fundingSource, voucherNumber: number },
  });
  expect(res.body).toEqual(expect.objectContaining({ status: 'ready_to_launch' }));
  return res.body.enrollmentId;
}

describe('POST /api/vouchers', () => {
  test('a funder issues for its own organization: 201 { id, organizationId }; the number again (any case) 409; another organization may', async () => {
    const f = await funder();
    const body = voucherBody();
    const issued = await issue<Created>(f, body);
    expect({ status: issued.status, body: issued.body }).toEqual<{ status: number; body: Record<string, unknown> }>({
      status: 201,
      body: { id: expect.any(String), organizationId: f.actor.organizationId },
    });
    expect(issued.headers.get('location')).toBe(`/api/vouchers/${issued.body.id}`);
    const again = await issue<Problem>(f, { ...body, number: body.number.toLowerCase() });
    expectProblem(again, 409);
    expect(again.body.detail).toContain(body.number.toLowerCase());
    expect((await issue(await funder(), body)).status).toBe(201);
  });

  test('a funder naming another organization 403; an admin must name one (400 body.organizationId) and may name any', async () => {
    const f = await funder();
    expectProblem(await issue(f, voucherBody({ organizationId: 'someone-else' })), 403);
    expectProblem(await issue(admin, voucherBody()), 400, ['body.organizationId']);
    const byAdmin = await issue(admin, voucherBody({ organizationId: 'board-named-by-admin' }));
    expect(byAdmin.body).toEqual<Record<string, unknown>>({ id: expect.any(String), organizationId: 'board-named-by-admin' });
  });

  test('bad fields are 400 naming every one, an unknown program too; nothing is issued', async () => {
    const f = await funder();
    expectProblem(
      await issue(f, { number: '', fundingSource: 'self_pay', amountCents: -5, currency: 'dollars', expiresOn: '2020-01-01' }),
      400,
      ['body.number', 'body.fundingSource', 'body.amountCents', 'body.currency', 'body.expiresOn', 'body.studentEmail'],
    );
    expectProblem(await issue(f, voucherBody({ expiresOn: '2099-02-30' })), 400, ['body.expiresOn']);
    expectProblem(await issue(f, voucherBody({ programId: randomUUID() })), 400, ['body.programId']);
    expect((await app.request<VoucherList>('GET', '/api/vouchers', { token: f.token })).body.vouchers).toEqual([]);
  });
});

describe('POST /api/vouchers/import', () => {
  const send = <Body = unknown>(f: Session, csv: string, dryRun: boolean) =>
    app.request<Body>('POST', `/api/vouchers/import?dryRun=${dryRun}`, {
      token: f.token,
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });

  test('a dry run reports each line and issues nothing; the import then issues the valid lines', async () => {
    const f = await funder();
    const csv = [
      'number,fundingSource,studentEmail,studentId,amountCents,currency,expiresOn,programId',
      'CSV-1,wioa_ita,a@example.com,,250000,USD,2099-01-01,',
      `CSV-2,sponsor,,student-2,1000,usd,2099-01-01,${IC3.id}`,
      'csv-1,wioa_ita,a@example.com,,250000,usd,2099-01-01,',
      'CSV-3,wioa_ita,not-an-email,,10,usd,2099-01-01,',
    ].join('\r\n');
    const dry = await send<ImportReport>(f, csv, true);
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual(expect.objectContaining({ dryRun: true, summary: { issued: 2, already_issued: 1, invalid: 1 } }));
    expect(dry.body.rows).toEqual<Record<string, unknown>[]>([
      { line: 2, outcome: 'issued', message: 'would be issued' },
      { line: 3, outcome: 'issued', message: 'would be issued' },
      { line: 4, outcome: 'already_issued', message: 'line 2 issues this number already' },
      { line: 5, outcome: 'invalid', message: expect.stringContaining('studentEmail') },
    ]);
    expect((await app.request<VoucherList>('GET', '/api/vouchers', { token: f.token })).body.vouchers).toEqual([]);

    const applied = await send<ImportReport>(f, csv, false);
    expect(applied.body.summary).toEqual({ issued: 2, already_issued: 1, invalid: 1 });
    const listed = (await app.request<VoucherList>('GET', '/api/vouchers', { token: f.token })).body.vouchers;
    expect(listed.map((v) => v.number).sort()).toEqual(['CSV-1', 'CSV-2']);
    expect(listed.every((v) => v.status === 'issued' && v.organizationId === f.actor.organizationId)).toBe(true);
  });

  test('not text/csv 415; a header without the voucher columns 400; a student 403', async () => {
    const f = await funder();
    expectProblem(await app.request('POST', '/api/vouchers/import', { token: f.token, json: { number: 'X' } }), 415);
    expectProblem(await send(f, 'number\r\nX-1', true), 400, ['body.header.fundingSource']);
    expectProblem(
      await app.request('POST', '/api/vouchers/import', {
        token: (await app.token('student')).token,
        body: 'number',
        headers: { 'content-type': 'text/csv' },
      }),
      403,
    );
  });
});

describe('what a funder sees', () => {
  test("GET /api/vouchers: a funder its own organization's, whatever it asks for; an admin may narrow to one", async () => {
    const [a, b] = await Promise.all([funder(), funder()]);
    const mine = await issue<Created>(a, voucherBody());
    await issue(b, voucherBody());
    const seen = async (who: Session, query = '') =>
      (await app.request<VoucherList>('GET', `/api/vouchers${query}`, { token: who.token })).body.vouchers.map((v) => v.id);
    expect(await seen(a)).toEqual([mine.body.id]);
    expect(await seen(a, `?organizationId=${b.actor.organizationId}`)).toEqual([mine.body.id]);
    expect(await seen(admin, `?organizationId=${a.actor.organizationId}`)).toEqual([mine.body.id]);
  });

  test("GET /api/funded-enrollments: the enrollments its own vouchers fund, with status and voucher; not another's", async () => {
    const [a, b] = await Promise.all([funder(), funder()]);
    const student = await app.token('student', { name: 'Grace Hopper' });
    const id = await fundedBy(a, student);
    const funded = await app.request<FundedEnrollmentList>('GET', '/api/funded-enrollments', { token: a.token });
    expect(funded.status).toBe(200);
    expect(funded.body.enrollments).toEqual([
      expect.objectContaining<Record<string, unknown>>({
        enrollmentId: id,
        status: 'ready_to_launch',
        fundingSource: 'wioa_ita',
        programId: IC3.id,
        credential: null,
        student: expect.objectContaining({ id: student.actor.id, name: 'Grace Hopper' }),
        voucher: expect.objectContaining({ organizationId: a.actor.organizationId, coveredCents: IC3.priceCents, released: false }),
      }),
    ]);
    expect((await app.request<FundedEnrollmentList>('GET', '/api/funded-enrollments', { token: b.token })).body.enrollments).toEqual([]);
    expect(
      (
        await app.request<FundedEnrollmentList>('GET', `/api/funded-enrollments?organizationId=${a.actor.organizationId}`, {
          token: b.token,
        })
      ).body.enrollments,
    ).toEqual([]);
    const byAdmin = await app.request<FundedEnrollmentList>('GET', `/api/funded-enrollments?organizationId=${a.actor.organizationId}`, {
      token: admin.token,
    });
    expect(byAdmin.body.enrollments.map((e) => e.enrollmentId)).toEqual([id]);
  });
});

describe('GET /api/reports/wioa', () => {
  const wioa = <Body = unknown>(who: Session | undefined, query = `?from=${today()}&to=${today()}`) =>
    app.request<Body>('GET', `/api/reports/wioa${query}`, { token: who?.token });

  test('an admin gets the PIRL CSV as an attachment; a funder only its own participants', async () => {
    const [a, b] = await Promise.all([funder(), funder()]);
    const id = await fundedBy(a, await app.token('student'));
    await app.activities.recordWioaExit({ enrollmentId: id, exitDate: today() });
    const all = await wioa<string>(admin);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(all.headers.get('content-disposition')).toBe(`attachment; filename="wioa-pirl-${today()}-${today()}.csv"`);
    const [header, ...rows] = parseCsv(all.body).map((r) => r.fields);
    expect(header[0]).toBe('OBS Number');
    expect(header).toEqual(
      expect.arrayContaining(['PIRL 100 Unique Individual Identifier (WIOA)', 'PIRL 901 Date of Program Exit (WIOA)', 'enrollment_id']),
    );
    const enrollmentColumn = header.indexOf('enrollment_id');
    expect(rows.map((r) => r[enrollmentColumn])).toContain(id);
    expect((await wioa(a)).body).toContain(id);
    expect((await wioa(b)).body).not.toContain(id);
  });

  /** The CSV's rows as { header: cell }. */
  const rowsOf = (csv: string) => {
    const [header, ...rows] = parseCsv(csv).map((r) => r.fields);
    return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  };

  test("a funder's sponsored students are no WIOA participants: in neither its PIRL nor the admin's", async () => {
    const f = await funder();
    const itaStudent = await app.token('student');
    const ita = await fundedBy(f, itaStudent);
    const sponsored = await fundedBy(f, await app.token('student'), IC3.id, 'sponsor');
    for (const id of [ita, sponsored]) await app.activities.recordWioaExit({ enrollmentId: id, exitDate: today() });
    for (const who of [f, admin]) {
      const ids = rowsOf((await wioa<string>(who)).body).map((r) => r.enrollment_id);
      expect(ids).toContain(ita);
      expect(ids).not.toContain(sponsored);
    }
  });

  test('1303 is the type of training service a program was created with (POST /api/programs trainingServiceType)', async () => {
    const f = await funder();
    const created = await app.request<Created & { trainingServiceType: string }>('POST', '/api/programs', {
      token: admin.token,
      json: {
        title: 'Customized welding',
        partnerId: 'nrf',
        priceCents: 10_000,
        currency: 'usd',
        holderId: 'holder-customized',
        revenueShare: { platformBps: 2000, holderBps: 5000, partnerBps: 3000 },
        credentialType: 'occupational_certification',
        deadlineDays: 30,
        trainingServiceType: 'customized_training',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.trainingServiceType).toBe('customized_training');
    const id = await fundedBy(f, await app.token('student'), created.body.id);
    await app.advance(id, 'in_progress', { launchedAt: new Date().toISOString() });
    await app.activities.recordWioaExit({ enrollmentId: id, exitDate: today() });
    const row = rowsOf((await wioa<string>(f)).body).find((r) => r.enrollment_id === id);
    expect(row).toEqual(
      expect.objectContaining({
        'PIRL 1300 Received Training (WIOA)': '1',
        'PIRL 1303 Type of Training Service #1 (WIOA)': '05', // Customized Training
        'PIRL 1307 Training Completed #1': '0',
        edit_check_status: 'pass',
      }),
    );
    expect(row?.['OBS Number']).toMatch(/^\d{9}$/);
  });

  test('a student or a program holder 403, no token 401, bad dates 400 naming the query field', async () => {
    for (const who of [await app.token('student'), await app.token('program_holder')]) expectProblem(await wioa(who), 403);
    expectProblem(await wioa(undefined), 401);
    expectProblem(await wioa(admin, '?from=2025-02-30&to=2025-01-01'), 400, ['query.from']);
    expectProblem(await wioa(admin, '?from=2025-03-01&to=2025-01-01'), 400, ['query.to']);
  });
});

describe('GET /api/reports/revenue-share', () => {
  const report = <Body = unknown>(who: Session | undefined, query = `?from=${today()}&to=${today()}`, accept = 'application/json') =>
    app.request<Body>('GET', `/api/reports/revenue-share${query}`, { token: who?.token, headers: { accept } });

  /** A completed enrollment in a program of `holder`, with the shares the workflow's activity records. */
  async function sharedEnrollment(holder: Session): Promise<string> {
    const program = await app.request<Created>('POST', '/api/programs', {
      token: admin.token,
      json: {
        title: 'Shared program',
        partnerId: 'nrf',
        priceCents: 10_000,
        currency: 'usd',
        holderId: holder.actor.id,
        revenueShare: { platformBps: 2000, holderBps: 5000, partnerBps: 3000 },
        credentialType: 'other',
        deadlineDays: 30,
      },
    });
    const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: (await app.token('student')).token,
      json: { programId: program.body.id, fundingSource: 'self_pay' },
    });
    const id = opened.body.enrollmentId;
    await app.advance(id, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
    await app.activities.recordRevenueShare({ enrollmentId: id, basisCents: 10_000, currency: 'usd' });
    return id;
  }
  const enrollmentsIn = (body: { entries: { enrollmentId: string }[] }) => [...new Set(body.entries.map((e) => e.enrollmentId))].sort();

  test("a holder sees its own programs' entries, an admin all; CSV with Accept: text/csv", async () => {
    const [h1, h2] = await Promise.all([app.token('program_holder'), app.token('program_holder')]);
    const [mine, theirs] = await Promise.all([sharedEnrollment(h1), sharedEnrollment(h2)]);
    const own = await report<RevenueShareReport>(h1);
    expect(own.status).toBe(200);
    expect(enrollmentsIn(own.body)).toEqual([mine]);
    expect(own.body.entries.filter((e) => e.enrollmentId === mine).map((e) => [e.party, e.amountCents])).toEqual([
      ['platform', 2_000],
      ['holder', 5_000],
      ['partner', 3_000],
    ]);
    expect(own.body.totals.usd).toEqual(expect.objectContaining({ sharesCents: 10_000 }));
    expect(enrollmentsIn((await report<RevenueShareReport>(admin)).body)).toEqual(expect.arrayContaining([mine, theirs]));
    const csv = await report<string>(h2, undefined, 'text/csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(csv.body).map((r) => r.fields);
    expect(header.slice(0, 8)).toEqual([
      'enrollmentId',
      'programId',
      'party',
      'partyId',
      'entryType',
      'amountCents',
      'currency',
      'createdAt',
    ]);
    expect([...new Set(rows.map((r) => r[0]))]).toEqual([theirs]);
  });

  test('a student or a funder 403, no token 401, bad dates 400 naming the query field', async () => {
    for (const who of [await app.token('student'), await funder()]) expectProblem(await report(who), 403);
    expectProblem(await report(undefined), 401);
    expectProblem(await report(admin, '?from=2030-13-01&to=2030-12-31'), 400, ['query.from']);
    expectProblem(await report(admin, '?from=2030-02-01&to=2030-01-01'), 400, ['query.to']);
  });
});
