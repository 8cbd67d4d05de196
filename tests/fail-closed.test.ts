/**
 * The real system in production mode (NODE_ENV=production, the Stripe stand-in, SMTP, a signing key, a metrics
 * token, and a token issuer and audience): no demo route, no public metrics, strict tokens with RFC 6750
 * challenges, security headers on pages, JSON and files, no 500 for text PostgreSQL cannot store, and rate limits
 * that hold across two API processes sharing the database.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import Stripe from 'stripe';
import type { Role } from '../core/actor';
import { XAPI_VERBS } from '../lib/program-rules';
import { DEMO_HOLDER_ID } from '../db/seed';
import type { ApiKey, EnrollmentState, OpenedEnrollment } from './helpers/contract';
import { freePorts } from './helpers/ports';
import { expectProblem } from './helpers/problems';
import { productionDataKey, productionSecret } from './helpers/production-env';
import { httpClient, startSystem, STRIPE_WEBHOOK_SECRET, type System, waitForStatus } from './helpers/system';

const ISSUER = 'https://id.example/';
const AUDIENCE = 'credential-marketplace-api';
// Production refuses secrets written in the repository: these are generated for the run.
const JWT_SECRET = productionSecret();
const METRICS_TOKEN = productionSecret();
const DEMO_PROGRAM_ID = '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b04';
const NUL = '\u0000';

let system: System;
let request: ReturnType<typeof httpClient>;

beforeAll(async () => {
  system = await startSystem({
    env: {
      NODE_ENV: 'production',
      CREDENTIAL_SIGNING_JWK: JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })),
      JWT_SECRET,
      METRICS_TOKEN,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      // The console's sign-in (never contacted here: no test signs in to the console).
      OIDC_ISSUER: 'https://id.example/',
      OIDC_CLIENT_ID: 'credential-marketplace',
      OIDC_CLIENT_SECRET: 'a-client-secret',
      SESSION_SECRET: productionSecret(),
      DATA_ENCRYPTION_KEY: productionDataKey(),
    },
  });
  request = httpClient(system.baseUrl);
}, 120_000);
afterAll(() => system?.stop(), 60_000);

const now = () => Math.floor(Date.now() / 1000);

/** A token as the identity provider would issue it; `claims` overrides or (with undefined) drops a standard claim. */
async function token(role: Role, claims: { sub?: string; exp?: number; nbf?: number; iat?: number; iss?: string; aud?: string } = {}) {
  const all = { sub: randomUUID(), iat: now(), exp: now() + 3600, iss: ISSUER, aud: AUDIENCE, ...claims };
  const payload = Object.fromEntries(
    Object.entries({ role, email: `${role}@example.com`, name: `Test ${role}`, ...all }).filter(([, v]) => v !== undefined),
  );
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
}

describe('production serves no demo route and no public metrics', () => {
  test('the simulated checkout, the demo partner, its launch page and the student demo page are 404', async () => {
    const id = randomUUID();
    for (const [method, path] of [
      ['GET', `/checkout/simulated/${id}`],
      ['POST', `/checkout/simulated/${id}/pay`],
      ['GET', `/partners/demo/launch?courseId=c&enrollmentId=${id}`],
      ['GET', `/demo-partner/v1/registrations/${id}`],
      ['POST', `/demo-partner/v1/registrations/${id}/complete`],
      ['GET', `/demo/student?token=x&enrollmentId=${id}`],
      ['GET', '/demo/student.js'],
    ]) {
      expectProblem(await request(method, path), 404);
    }
    // Nor the console's development sign-in: production signs people in at its OpenID provider only.
    const devSignIn = await request('POST', '/login', {
      body: 'role=admin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(devSignIn.status).toBe(404);
    // The production pages beside them are served.
    expect((await request('GET', '/checkout/return?result=paid')).status).toBe(200);
    expect((await request('GET', '/')).status).toBe(200);
  });

  test('/metrics needs the metrics token (401 with a Bearer challenge), and answers with it', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-of-some-length' },
      { authorization: `Bearer ${await token('admin')}` },
    ]) {
      const res = await request('GET', '/metrics', { headers });
      expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="credential-marketplace metrics"');
    }
    const res = await request('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.body).toContain('http_request_duration_seconds');
  });
});

describe('bearer tokens', () => {
  const challenge = /^Bearer realm="credential-marketplace", error="invalid_token", error_description="[^"\\]+"$/;

  test('a token from the configured issuer for this audience, with exp, is accepted (nbf and iat within 30 s tolerated)', async () => {
    expect((await request('GET', '/api/enrollments', { token: await token('admin') })).status).toBe(200);
    expect((await request('GET', '/api/enrollments', { token: await token('admin', { nbf: now() + 10, iat: now() + 10 }) })).status).toBe(
      200,
    );
  });

  test.each([
    ['without exp', { exp: undefined }, 'the exp claim'],
    ['expired', { exp: now() - 3600, iat: now() - 7200 }, 'expired'],
    ['from another issuer', { iss: 'https://evil.example/' }, 'the iss claim'],
    ['for another audience', { aud: 'another-api' }, 'the aud claim'],
    ['without issuer or audience', { iss: undefined, aud: undefined }, 'claim'],
    ['not valid before 5 minutes from now', { nbf: now() + 300 }, 'the nbf claim'],
    ['issued 5 minutes in the future', { iat: now() + 300 }, 'the iat claim'],
  ])('a token %s → 401 with an invalid_token challenge', async (_what, claims, description) => {
    const res = await request('GET', '/api/enrollments', { token: await token('admin', claims) });
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toMatch(challenge);
    expect(res.headers.get('www-authenticate')).toContain(description);
  });

  test('no credentials → a plain challenge per scheme: Bearer, the partner key header, xAPI Basic', async () => {
    const bearer = await request('GET', '/api/enrollments');
    expectProblem(bearer, 401);
    expect(bearer.headers.get('www-authenticate')).toBe('Bearer realm="credential-marketplace"');
    const notBearer = await request('GET', '/api/enrollments', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expectProblem(notBearer, 401);
    expect(notBearer.headers.get('www-authenticate')).toBe('Bearer realm="credential-marketplace"');
    const partner = await request('POST', '/api/partners/demo/completions', {
      json: { enrollmentId: randomUUID(), completedAt: '2024-05-01' },
    });
    expectProblem(partner, 401);
    expect(partner.headers.get('www-authenticate')).toMatch(/^ApiKey .*header="X-Api-Key"/);
    const xapi = await request('POST', '/xapi/statements', { headers: { 'x-experience-api-version': '1.0.3' }, json: {} });
    expectProblem(xapi, 401);
    expect(xapi.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });
});

describe('security headers', () => {
  const expectHardened = (res: { headers: Headers }) => {
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  };

  test('an HTML page (its styles a file of this origin), the JSON API and the certificate PDF', async () => {
    const html = await request('GET', '/checkout/return?result=paid');
    expectHardened(html);
    expect(html.body).toContain('<link rel="stylesheet" href="/assets/console.css">');
    expect(html.body).not.toMatch(/<style|style=|<script/);
    const css = await request('GET', '/assets/console.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    const admin = await token('admin');
    const json = await request('GET', '/api/enrollments', { token: admin });
    expect(json.status).toBe(200);
    expectHardened(json);

    // A voucher-funded enrollment, marked complete by its holder: the workflow issues the certificate PDF.
    const studentId = randomUUID();
    const student = await token('student', { sub: studentId });
    const holder = await token('program_holder', { sub: DEMO_HOLDER_ID });
    const voucherNumber = `ITA-${randomUUID().slice(0, 8)}`;
    expect(
      (
        await request('POST', '/api/vouchers', {
          token: admin,
          json: {
            number: voucherNumber,
            fundingSource: 'wioa_ita',
            studentId,
            amountCents: 1_000_000,
            currency: 'usd',
            expiresOn: '2099-12-31',
            organizationId: 'board',
          },
        })
      ).status,
    ).toBe(201);
    const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: student,
      json: { programId: DEMO_PROGRAM_ID, fundingSource: 'wioa_ita', voucherNumber },
    });
    expect(created.status).toBe(201);
    const enrollmentId = created.body.enrollmentId;
    await waitForStatus(system, admin, enrollmentId, 'ready_to_launch');
    const marked = await request('POST', '/api/program-holder/mark-complete', {
      token: holder,
      json: { enrollmentId, completedAt: new Date().toISOString().slice(0, 10) },
    });
    expect(marked.status).toBe(200);
    let certificateId = '';
    for (const deadline = Date.now() + 60_000; !certificateId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      certificateId =
        (await request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: admin })).body.certificate?.id ?? '';
    }
    const pdf = await request<Buffer>('GET', `/api/certificates/${certificateId}.pdf`, { token: student });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    expectHardened(pdf);
  }, 90_000);
});

describe('text PostgreSQL cannot store is a 400 problem naming the field, never a 500', () => {
  let apiKey = '';
  beforeAll(async () => {
    const created = await request<ApiKey>('POST', '/api/partners/demo/api-keys', { token: await token('admin') });
    expect(created.status).toBe(201);
    apiKey = created.body.apiKey;
  });

  test('JSON bodies: enrollment create, mark-complete notes, partner completion, tutor chat, an object key', async () => {
    const student = await token('student');
    const holder = await token('program_holder', { sub: DEMO_HOLDER_ID });
    const cases: [string, string, Parameters<typeof request>[2], string][] = [
      [
        'POST',
        '/api/enrollments',
        { token: student, json: { programId: DEMO_PROGRAM_ID, fundingSource: 'wioa_ita', voucherNumber: `ITA-${NUL}` } },
        'body.voucherNumber',
      ],
      [
        'POST',
        '/api/program-holder/mark-complete',
        { token: holder, json: { enrollmentId: randomUUID(), completedAt: '2024-05-01', notes: `done${NUL}` } },
        'body.notes',
      ],
      [
        'POST',
        '/api/partners/demo/completions',
        { headers: { 'x-api-key': apiKey }, json: { externalId: `learner${NUL}`, completedAt: '2024-05-01' } },
        'body.externalId',
      ],
      ['POST', '/api/ai-tutor/chat', { token: student, json: { message: `hello${NUL}`, courseId: DEMO_PROGRAM_ID } }, 'body.message'],
      [
        'POST',
        '/api/program-holder/mark-complete',
        { token: holder, json: { enrollmentId: randomUUID(), completedAt: '2024-05-01', extra: { [`k${NUL}`]: 1 } } },
        'body.extra.k\ufffd',
      ],
      [
        'POST',
        '/api/program-holder/mark-complete',
        { token: holder, json: { enrollmentId: randomUUID(), completedAt: '2024-05-01', notes: 'lone \ud800 surrogate' } },
        'body.notes',
      ],
    ];
    for (const [method, path, options, field] of cases) {
      const res = await request(method, path, options);
      expectProblem(res, 400, [field]);
    }
    // The six characters \u0000 (an escaped backslash) are ordinary text: refused by no NUL rule (404: no such enrollment).
    const literal = await request('POST', '/api/program-holder/mark-complete', {
      token: holder,
      json: { enrollmentId: randomUUID(), completedAt: '2024-05-01', notes: '\\u0000' },
    });
    expectProblem(literal, 404);
  });

  test('an xAPI statement (its own JSON parser), in a nested language map', async () => {
    const statement = {
      actor: { objectType: 'Agent', mbox: 'mailto:learner@example.com' },
      verb: { id: XAPI_VERBS.completed },
      object: { id: 'https://course.example/activity', definition: { name: { 'en-US': `Course${NUL}` } } },
      context: { registration: randomUUID() },
    };
    const res = await request('POST', '/xapi/statements', {
      headers: { authorization: `Basic ${Buffer.from(`demo:${apiKey}`).toString('base64')}`, 'x-experience-api-version': '1.0.3' },
      json: statement,
    });
    expectProblem(res, 400, ['body.object.definition.name.en-US']);
    expect(res.headers.get('x-experience-api-version')).toBe('1.0.3');
  });

  test('query strings, path parameters and form fields', async () => {
    const admin = await token('admin');
    const holder = await token('program_holder', { sub: DEMO_HOLDER_ID });
    expectProblem(await request('GET', '/api/enrollments?status=%00', { token: admin }), 400, ['query.status']);
    expectProblem(await request('GET', '/api/reports/revenue-share?from=2024%0001-01', { token: admin }), 400, ['query.from']);
    expectProblem(await request('GET', '/verify/ABCD%00EFGH'), 400, ['path']);
    expectProblem(await request('GET', `/api/enrollments/${randomUUID()}%00`, { token: admin }), 400, ['path']);
    expectProblem(
      await request('POST', '/api/program-holder/mark-complete', {
        token: holder,
        body: `enrollmentId=${randomUUID()}&completedAt=2024-05-01&notes=a%00b`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      400,
      ['body.notes'],
    );
    // Malformed percent-encoding stays a 400 of the router's own.
    expect((await request('GET', '/verify/%E0%A4%A', { token: admin })).status).toBe(400);
  });
});

describe('rate limits hold across two API processes sharing the database', () => {
  const LIMIT = 5;
  let a: ReturnType<typeof httpClient>;
  let b: ReturnType<typeof httpClient>;
  let metricsPort = 0;

  beforeAll(async () => {
    [metricsPort] = await freePorts(1);
    // A day's window, so the requests below cannot straddle two windows.
    const limits = { RATE_LIMIT_CLIENT: String(LIMIT), RATE_LIMIT_PARTNER: String(LIMIT), RATE_LIMIT_WINDOW: '1d' };
    const [first, second] = await Promise.all([
      system.startApiReplica(limits),
      system.startApiReplica({ ...limits, METRICS_TOKEN: '', METRICS_PORT: String(metricsPort) }),
    ]);
    a = httpClient(first.baseUrl);
    b = httpClient(second.baseUrl);
  }, 90_000);

  const expectLimited = (res: Awaited<ReturnType<typeof a>>) => {
    expectProblem(res, 429);
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
    expect(res.headers.get('ratelimit-policy')).toBe(`${LIMIT};w=86400`);
  };

  test('per user: the limit counts requests to both processes, then both answer 429 with Retry-After', async () => {
    const user = await token('student');
    for (let i = 0; i < LIMIT; i++) expect((await (i % 2 ? b : a)('GET', '/api/programs', { token: user })).status).toBe(200);
    expectLimited(await a('GET', '/api/programs', { token: user }));
    expectLimited(await b('GET', '/api/programs', { token: user }));
    // Another user is not affected.
    expect((await b('GET', '/api/programs', { token: await token('student') })).status).toBe(200);
  });

  test('per partner API key, over the REST push and xAPI alike', async () => {
    const {
      body: { apiKey },
    } = await request<ApiKey>('POST', '/api/partners/demo/api-keys', { token: await token('admin') });
    const push = (client: typeof a) =>
      client('POST', '/api/partners/demo/completions', {
        headers: { 'x-api-key': apiKey },
        json: { enrollmentId: randomUUID(), completedAt: '2024-05-01' },
      });
    for (let i = 0; i < LIMIT; i++) expect((await push(i % 2 ? b : a)).status).not.toBe(429);
    expectLimited(await push(a));
    const xapi = await b('POST', '/xapi/statements', {
      headers: { authorization: `Basic ${Buffer.from(`demo:${apiKey}`).toString('base64')}`, 'x-experience-api-version': '1.0.3' },
      json: {},
    });
    expectLimited(xapi);
    expect(xapi.headers.get('x-experience-api-version')).toBe('1.0.3');
  });

  test("the Stripe webhook counts only refused events per address: Stripe's signed ones always get through", async () => {
    const signed = () => {
      const payload = JSON.stringify({
        id: `evt_${randomUUID()}`,
        object: 'event',
        type: 'customer.created',
        created: now(),
        data: { object: {} },
      });
      return {
        payload,
        signature: new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET }),
      };
    };
    const send = (client: typeof a, { payload, signature }: { payload: string; signature: string }) =>
      client('POST', '/api/webhooks/stripe', {
        body: payload,
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      });
    for (let i = 0; i < 2 * LIMIT; i++) expect((await send(i % 2 ? b : a, signed())).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expectProblem(await send(i % 2 ? b : a, { ...signed(), signature: 't=1,v1=forged' }), 400);
    expectLimited(await send(a, { ...signed(), signature: 't=1,v1=forged' }));
  });

  test('METRICS_PORT serves /metrics there only, not on the public port', async () => {
    // As a user of its own: anonymous requests share this address's bucket, spent by the tests above.
    expectProblem(await b('GET', '/metrics', { token: await token('admin') }), 404);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http_request_duration_seconds');
  });
});
