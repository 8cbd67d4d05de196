/**
 * Failed authentications are limited apart from traffic (RATE_LIMIT_AUTH_FAILURES, 20 per window by default): per
 * address before the credential is checked, and per claimed partner or user on the failure path only, so a guesser
 * from one address is stopped while the real partner or user, from another address, keeps working. Addresses come
 * from X-Forwarded-For, which the test app trusts from loopback (TRUST_PROXY).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { basicAuth } from '../helpers/channels';
import type { ApiKey, OpenedEnrollment } from '../helpers/contract';
import { expectProblem } from '../helpers/problems';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const LIMIT = 20;
const today = () => new Date().toISOString().slice(0, 10);
/** A fresh address (TEST-NET-3) per use, so each test starts from a clean count. */
let lastOctet = 0;
const newAddress = () => `203.0.113.${++lastOctet}`;
const from = (address: string) => ({ 'x-forwarded-for': address });

let app: ApiApp;
let apiKey: string;
beforeAll(async () => {
  app = await startApiApp({ RATE_LIMIT_AUTH_FAILURES: String(LIMIT) });
  const admin = await app.token('admin');
  const key = await app.request<ApiKey>('POST', '/api/partners/demo/api-keys', { token: admin.token });
  expect(key.status).toBe(201);
  apiKey = key.body.apiKey;
});
afterAll(() => app?.close());

/** An enrollment of the demo partner's program, launched: a partner may report its completion (202). */
async function launched(): Promise<string> {
  const student = await app.token('student');
  const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  expect(res.status).toBe(201);
  await app.advance(res.body.enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
  await app.advance(res.body.enrollmentId, 'in_progress', { launchedAt: new Date().toISOString() });
  return res.body.enrollmentId;
}

const push = (key: string, address: string, enrollmentId: string = randomUUID()) =>
  app.request('POST', '/api/partners/demo/completions', {
    headers: { 'x-api-key': key, ...from(address) },
    json: { enrollmentId, completedAt: today() },
  });

test(`${LIMIT + 1} wrong partner keys from one address → 429 with Retry-After; the right key from another address → 202`, async () => {
  const attacker = newAddress();
  for (let i = 0; i < LIMIT; i++) expectProblem(await push(`cmk_wrong_${i}`, attacker), 401);
  const limited = await push('cmk_wrong_again', attacker);
  expectProblem(limited, 429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  // Refused before the key is looked at: the right key from that address is limited too.
  expectProblem(await push(apiKey, attacker, await launched()), 429);

  // The real partner, elsewhere, is not locked out by failures claiming to be it.
  expect((await push(apiKey, newAddress(), await launched())).status).toBe(202);
  // A guess claiming the same partner from a third address fails as a 429 (the partner's count is over), not a 401.
  expectProblem(await push('cmk_wrong_elsewhere', newAddress()), 429);
  // xAPI's Basic credential claims the same partner: a wrong key there is limited, the right one answers.
  const xapi = (key: string) =>
    app.request('GET', '/xapi/about', { headers: { authorization: basicAuth('demo', key), ...from(newAddress()) } });
  expect((await xapi(apiKey)).status).toBe(200);
  const statements = (key: string) =>
    app.request('GET', '/xapi/statements', {
      headers: { authorization: basicAuth('demo', key), 'x-experience-api-version': '1.0.3', ...from(newAddress()) },
    });
  expect((await statements(apiKey)).status).toBe(200);
  expectProblem(await statements('cmk_wrong_xapi'), 429);
});

test('good keys in a burst are never counted: only failures are', async () => {
  const busy = newAddress();
  const ids = await Promise.all(Array.from({ length: LIMIT + 5 }, () => launched()));
  const statuses = await Promise.all(ids.map((id) => push(apiKey, busy, id).then((r) => r.status)));
  expect(statuses.every((s) => s === 202)).toBe(true);
});

test(`${LIMIT + 1} bad bearer tokens from one address → 429 with Retry-After; the user's real token from another address → 200`, async () => {
  const victim = await app.token('admin');
  const attacker = newAddress();
  const forged = (i: number) =>
    new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(victim.actor.id)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(`a-guessed-secret-${i}`));
  const list = (token: string, address: string) => app.request('GET', '/api/enrollments', { token, headers: from(address) });
  for (let i = 0; i < LIMIT; i++) expectProblem(await list(await forged(i), attacker), 401);
  const limited = await list(await forged(LIMIT), attacker);
  expectProblem(limited, 429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

  expect((await list(victim.token, newAddress())).status).toBe(200);
  expectProblem(await list(await forged(LIMIT + 1), newAddress()), 429);
  // Another user's failures are theirs: a bad token for someone else from a fresh address is a plain 401.
  const other = await new SignJWT({ role: 'program_holder' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(DEMO_HOLDER_ID)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('another-guess'));
  expectProblem(await list(other, newAddress()), 401);
});

test('requests without credentials are not failed authentications', async () => {
  const anonymous = newAddress();
  for (let i = 0; i < LIMIT + 2; i++) expectProblem(await app.request('GET', '/api/enrollments', { headers: from(anonymous) }), 401);
  expect((await app.request('GET', '/api/enrollments', { token: (await app.token('admin')).token, headers: from(anonymous) })).status).toBe(
    200,
  );
});

test(`an LTI tool's refused client assertions count too: the ${LIMIT + 1}st from one address → 429`, async () => {
  const address = newAddress();
  const token = () =>
    app.request('POST', '/lti/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'not-a-jwt',
        scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...from(address) },
    });
  for (let i = 0; i < LIMIT; i++) expect((await token()).status).toBe(401);
  const limited = await token();
  expectProblem(limited, 429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
});
