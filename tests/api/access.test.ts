/**
 * Who may call what, and how every answer looks, at the API level (the app in-process, a real PostgreSQL, the fake
 * enrollment client): 401 with its challenge, 403 for the wrong role, 404 for what the caller may not see, problem
 * details and security headers on every answer, and the catalog.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { signDevelopmentToken } from '../../api/auth';
import { DEMO_HOLDER_ID, SEEDED_PARTNERS, SEEDED_PROGRAMS } from '../../db/seed';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type { OpenApiDocument, OpenedEnrollment, PartnerList, Problem, Program, ProgramList } from '../helpers/contract';
import { expectProblem } from '../helpers/problems';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const BEARER_REALM = 'Bearer realm="credential-marketplace"';

/** `GET /api/programs` (not in contract.ts yet). */

let app: ApiApp;
let admin: Session;
beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin');
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

const programBody = (o: Record<string, unknown> = {}) => ({
  title: 'Forklift Safety',
  partnerId: 'demo',
  priceCents: 12_345,
  currency: 'USD',
  holderId: DEMO_HOLDER_ID,
  revenueShare: { platformBps: 2000, holderBps: 5000, partnerBps: 3000 },
  credentialType: 'occupational_certificate',
  deadlineDays: 60,
  ...o,
});

/** A self-paid enrollment of `student` in the demo program, opened through the API. */
async function enrollmentOf(student: Session): Promise<string> {
  const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  expect(res.status).toBe(201);
  app.enrollments.calls.length = 0;
  return res.body.enrollmentId;
}

describe('authentication', () => {
  const PROTECTED: [string, string, unknown?][] = [
    ['GET', `/api/enrollments/${randomUUID()}`],
    ['GET', '/api/enrollments'],
    ['POST', '/api/enrollments', { programId: DEMO.id, fundingSource: 'self_pay' }],
    ['POST', '/api/programs', {}],
    ['POST', '/api/program-holder/mark-complete', {}],
    ['GET', '/api/program-holder/submissions'],
    ['POST', '/api/vouchers', {}],
    ['GET', '/api/funded-enrollments'],
    ['GET', '/api/reports/wioa?from=2025-01-01&to=2025-12-31'],
    ['GET', '/api/reports/revenue-share?from=2025-01-01&to=2025-12-31'],
  ];

  test('no token: 401 with a Bearer challenge on every protected endpoint, and the workflow is never asked', async () => {
    for (const [method, url, json] of PROTECTED) {
      const res = await app.request(method, url, { json });
      expectProblem(res, 401);
      expect({ url, challenge: res.headers.get('www-authenticate') }).toEqual({ url, challenge: BEARER_REALM });
    }
    expect(app.enrollments.calls).toEqual([]);
  });

  test('a refused token (wrong secret, expired, no role, unsigned) is 401 with error="invalid_token"; a non-Bearer header 401', async () => {
    const secret = new TextEncoder().encode(app.jwtSecret);
    const sub = randomUUID();
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const refused = [
      await signDevelopmentToken({ secret: 'not-this-apps-secret' }, { id: sub, role: 'admin' }),
      await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(secret),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(secret),
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub, role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
      'garbage',
    ];
    for (const token of refused) {
      const res = await app.request('GET', '/api/enrollments', { token });
      expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="credential-marketplace", error="invalid_token", error_description="[^"]+"$/,
      );
    }
    const basic = await app.request('GET', '/api/enrollments', {
      headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    });
    expectProblem(basic, 401);
    expect(basic.headers.get('www-authenticate')).toBe(BEARER_REALM);
  });

  test('a funder token without an organizationId claim is refused (401 naming the claim)', async () => {
    const token = await new SignJWT({ role: 'funder' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('funder-without-org')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(app.jwtSecret));
    const res = await app.request<Problem>('GET', '/api/vouchers', { token });
    expectProblem(res, 401);
    expect(res.body.detail).toContain('organizationId');
  });
});

describe('roles and ownership', () => {
  test('the wrong role is 403 on each role-bound endpoint, and nothing is started', async () => {
    const [student, holder, funder] = await Promise.all([app.token('student'), app.token('program_holder'), app.token('funder')]);
    const forbidden: [Session, string, string, unknown?][] = [
      [holder, 'POST', '/api/enrollments', { programId: DEMO.id, fundingSource: 'self_pay' }],
      [admin, 'POST', '/api/enrollments', { programId: DEMO.id, fundingSource: 'self_pay' }],
      [student, 'GET', '/api/enrollments'],
      [funder, 'GET', `/api/enrollments/${randomUUID()}`],
      [student, 'POST', '/api/programs', programBody()],
      [holder, 'POST', '/api/programs', programBody()],
      [student, 'GET', '/api/program-holder/submissions'],
      [student, 'POST', '/api/program-holder/mark-complete', { enrollmentId: randomUUID(), completedAt: '2024-05-01' }],
      [holder, 'POST', '/api/vouchers', {}],
      [student, 'GET', '/api/vouchers'],
      [holder, 'GET', '/api/funded-enrollments'],
      [holder, 'GET', `/api/enrollments/${randomUUID()}/launch`],
    ];
    for (const [who, method, url, json] of forbidden) {
      const res = await app.request(method, url, { token: who.token, json });
      expect({ role: who.actor.role, method, url, status: res.status }).toEqual({ role: who.actor.role, method, url, status: 403 });
      expectProblem(res, 403);
    }
    expect(app.enrollments.calls).toEqual([]);
    expect((await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM programs')).rows[0].n).toBe(SEEDED_PROGRAMS.length);
  });

  test("another student's enrollment is 404, the same answer as an unknown id, for view, launch and withdraw", async () => {
    const owner = await app.token('student');
    const intruder = await app.token('student');
    const id = await enrollmentOf(owner);
    const seen = await app.request<Problem>('GET', `/api/enrollments/${id}`, { token: intruder.token });
    expectProblem(seen, 404);
    const unknown = await app.request<Problem>('GET', `/api/enrollments/${randomUUID()}`, { token: intruder.token });
    expect({ ...seen.body }).toEqual({ ...unknown.body });
    expect(JSON.stringify(seen.body)).not.toContain(owner.actor.id);
    expectProblem(await app.request('GET', `/api/enrollments/${id}/launch`, { token: intruder.token }), 404);
    expectProblem(await app.request('POST', `/api/enrollments/${id}/withdraw`, { token: intruder.token, json: {} }), 404);
    expect(app.enrollments.calls).toEqual([]);
    expect((await app.request('GET', `/api/enrollments/${id}`, { token: owner.token })).status).toBe(200);
  });

  test("another program holder's enrollment is 403 to a holder (told it is not theirs), visible to its own holder and an admin", async () => {
    const id = await enrollmentOf(await app.token('student'));
    expectProblem(await app.request('GET', `/api/enrollments/${id}`, { token: (await app.token('program_holder')).token }), 403);
    expect(
      (await app.request('GET', `/api/enrollments/${id}`, { token: (await app.token('program_holder', { id: DEMO_HOLDER_ID })).token }))
        .status,
    ).toBe(200);
    expect((await app.request('GET', `/api/enrollments/${id}`, { token: admin.token })).status).toBe(200);
  });
});

describe('every answer', () => {
  test('errors are problem details: an unknown path 404, an unserved method 405, malformed JSON 400, a body too large 413, never HTML', async () => {
    expectProblem(await app.request('GET', '/api/no-such-thing', { token: admin.token }), 404);
    const unserved = await app.request('DELETE', '/api/programs');
    expectProblem(unserved, 405);
    expect(unserved.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    // Paths that differ only in their ids answer alike (the methods of a path are remembered per shape).
    for (const id of [randomUUID(), randomUUID().toUpperCase()]) {
      const res = await app.request('DELETE', `/api/enrollments/${id}`, { token: admin.token });
      expectProblem(res, 405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    }
    const malformed = await app.request<Problem>('POST', '/api/programs', {
      token: admin.token,
      body: '{"title": ',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(malformed, 400);
    expect(malformed.body.detail).toBe('the body is not valid JSON');
    expectProblem(await app.request('POST', '/api/programs', { token: admin.token, json: { title: 'x'.repeat(300 * 1024) } }), 413);
  });

  test('security headers on JSON, problem and redirect answers alike; no X-Powered-By', async () => {
    const student = await app.token('student');
    const id = await enrollmentOf(student);
    await app.advance(id, 'ready_to_launch', { paidAt: new Date().toISOString() });
    const answers = [
      await app.request('GET', '/api/programs'),
      await app.request('GET', '/api/enrollments'),
      await app.request('GET', `/api/enrollments/${id}/launch`, { token: student.token }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 302]);
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  test('/healthz, /readyz (PostgreSQL and the Temporal check answer) and /openapi.json', async () => {
    expect((await app.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await app.request('GET', '/readyz');
    expect({ status: ready.status, body: ready.body }).toEqual({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } },
    });
    const spec = await app.request<OpenApiDocument>('GET', '/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/enrollments', '/api/vouchers', '/api/programs']));
  });
});

describe('catalog', () => {
  test('anyone lists the programs and the seeded partners', async () => {
    const programs = await app.request<ProgramList>('GET', '/api/programs');
    expect(programs.status).toBe(200);
    expect(programs.body.programs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: DEMO.id,
          title: DEMO.title,
          partnerId: 'demo',
          priceCents: DEMO.priceCents,
          currency: 'usd',
          holderId: DEMO_HOLDER_ID,
          revenueShare: { platformBps: 3333, holderBps: 3334, partnerBps: 3333 },
          credentialType: 'other',
          deadlineDays: 90,
          moveOn: 'CompletedOrPassed',
        }),
      ]),
    );
    const partners = await app.request<PartnerList>('GET', '/api/partners');
    expect(partners.body.partners.map((p) => p.id).sort()).toEqual(SEEDED_PARTNERS.map((p) => p.id).sort());
  });

  test('an admin creates a program: 201 with its id and Location, currency lower-cased, moveOn and trainingServiceType defaulted, then listed', async () => {
    const res = await app.request<Program>('POST', '/api/programs', {
      token: admin.token,
      json: programBody({ title: `Welding ${randomUUID().slice(0, 6)}` }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/programs/${res.body.id}`);
    expect(res.body).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        currency: 'usd',
        moveOn: 'CompletedOrPassed',
        trainingServiceType: 'occupational_skills_training',
        priceCents: 12_345,
      }),
    );
    const listed = (await app.request<ProgramList>('GET', '/api/programs')).body.programs;
    expect(listed).toContainEqual(res.body);
  });

  test('a bad program is 400 naming each field; an unknown partner 400 naming body.partnerId; nothing created', async () => {
    const before = (await app.request<ProgramList>('GET', '/api/programs')).body.programs.length;
    expectProblem(
      await app.request('POST', '/api/programs', {
        token: admin.token,
        json: programBody({
          title: '',
          priceCents: -1,
          currency: 'dollars',
          credentialType: 'diploma',
          deadlineDays: 0,
          moveOn: 'Whenever',
          trainingServiceType: 'no_training_service',
          revenueShare: { platformBps: 5000, holderBps: 5000, partnerBps: 1 },
        }),
      }),
      400,
      [
        'body.title',
        'body.priceCents',
        'body.currency',
        'body.credentialType',
        'body.deadlineDays',
        'body.moveOn',
        'body.trainingServiceType',
        'body.revenueShare',
      ],
    );
    expectProblem(
      await app.request('POST', '/api/programs', { token: admin.token, json: programBody({ partnerId: 'no-such-partner' }) }),
      400,
      ['body.partnerId'],
    );
    expect((await app.request<ProgramList>('GET', '/api/programs')).body.programs).toHaveLength(before);
  });
});
