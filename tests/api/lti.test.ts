/**
 * The LTI 1.3 platform at the API level: the app in-process on a real PostgreSQL, the fake enrollment client instead
 * of Temporal, and a hand-built LTI tool (tests/helpers/lti-tool.ts, on `jose`) playing the partner over loopback.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { insertCompletionEvidence } from '../../db/records';
import type { CompletionReport } from '../../workflows/messages';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { type Canary, startCanary } from '../helpers/canary';
import type { EnrollmentState, OpenedEnrollment } from '../helpers/contract';
import { type LtiTool, startLtiTool } from '../helpers/lti-tool';
import { expectProblem } from '../helpers/problems';
import { PRODUCTION_STAND_INS } from '../helpers/production-env';
import { createTestProgram } from '../helpers/programs';

const C = 'https://purl.imsglobal.org/spec/lti/claim/';
const AGS = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
const SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/';

let app: ApiApp;
let admin: Session;
let tool: LtiTool;
let other: LtiTool;
let programId: string;
let plainProgramId: string;

beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin');
  tool = await startLtiTool(app.baseUrl);
  other = await startLtiTool(app.baseUrl);
  const holder = await app.token('program_holder');
  programId = await createTestProgram(app.request, admin.token, { title: 'LTI course', holderId: holder.actor.id, partnerId: 'milady' });
  plainProgramId = await createTestProgram(app.request, admin.token, {
    title: 'Plain course',
    holderId: holder.actor.id,
    partnerId: 'nrf',
  });
  expect((await app.request('POST', '/api/partners/milady/lti-tools', { token: admin.token, json: tool.registration })).status).toBe(201);
  expect((await app.request('POST', '/api/partners/certiport/lti-tools', { token: admin.token, json: other.registration })).status).toBe(
    201,
  );
});
afterAll(async () => {
  await tool?.close();
  await other?.close();
  await app?.close();
});

/** The fake workflow's first-completion-wins: the first report applies, later ones are kept; all as evidence. */
beforeEach(() => {
  app.enrollments.reset();
  const applied = new Set<string>();
  app.enrollments.on('reportCompletion', async (enrollmentId: string, r: CompletionReport) => {
    const outcome = applied.has(enrollmentId) ? 'already_complete' : 'applied';
    applied.add(enrollmentId);
    await insertCompletionEvidence(app.db, { enrollmentId, ...r, outcome });
    return { outcome, status: 'completed' };
  });
});

/** A student's paid enrollment in a program, ready to launch. */
async function readyEnrollment(pid = programId): Promise<{ student: Session; id: string }> {
  const student = await app.token('student', { name: 'Ada Lovelace', email: `ada-${randomUUID()}@example.com` });
  const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: pid, fundingSource: 'self_pay' },
  });
  expect(res.status).toBe(201);
  await app.advance(res.body.enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
  return { student, id: res.body.enrollmentId };
}

const follow = async (url: string) => fetch(url, { redirect: 'manual' });

/** The launch up to the platform's authorization endpoint: the tool's redirect there (with its state and nonce). */
async function loginAtTool(student: Session, id: string): Promise<URL> {
  const launch = await app.request('GET', `/api/enrollments/${id}/launch`, { token: student.token });
  expect(launch.status).toBe(302);
  const login = await follow(launch.headers.get('location')!);
  expect(login.status).toBe(302);
  return new URL(login.headers.get('location')!);
}

/** The authorization endpoint's auto-posting form: its action and fields. */
function formOf(html: string) {
  const action = /<form id="lti-launch" method="post" action="([^"]+)"/.exec(html)?.[1];
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  return { action, idToken: field('id_token'), state: field('state') };
}

const postToTool = (action: string, idToken: string, state: string) =>
  fetch(action, { method: 'POST', body: new URLSearchParams({ id_token: idToken, state }) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { claims?: Record<string, unknown>; error?: string },
  }));

/** A whole launch, up to the claims the tool verified. */
async function launched(student: Session, id: string) {
  const authorize = await loginAtTool(student, id);
  const res = await fetch(authorize);
  expect(res.status).toBe(200);
  const form = formOf(await res.text());
  const atTool = await postToTool(form.action!, form.idToken!, form.state!);
  expect(atTool).toEqual({ status: 200, body: expect.objectContaining({ status: 200 }) as unknown });
  return atTool.body.claims!;
}

const score = (userId: string, over: Record<string, unknown> = {}) => ({
  userId,
  scoreGiven: 88,
  scoreMaximum: 100,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: new Date().toISOString(),
  ...over,
});

describe('tool registration and the platform keys', () => {
  it('registers a partner’s tool once (201), refuses a second (409), an unknown partner (404), a non-admin (403) and bad URLs (400)', async () => {
    const t = await startLtiTool(app.baseUrl);
    try {
      const created = await app.request<Record<string, unknown>>('POST', '/api/partners/demo/lti-tools', {
        token: admin.token,
        json: t.registration,
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual(expect.objectContaining({ partnerId: 'demo', ...t.registration, id: expect.any(String) as unknown }));
      expectProblem(
        await app.request('POST', '/api/partners/demo/lti-tools', { token: admin.token, json: { ...t.registration, clientId: 'x' } }),
        409,
      );
      expectProblem(await app.request('POST', '/api/partners/nope/lti-tools', { token: admin.token, json: t.registration }), 404);
      const holder = await app.token('program_holder');
      expectProblem(await app.request('POST', '/api/partners/demo/lti-tools', { token: holder.token, json: t.registration }), 403);
      expectProblem(
        await app.request('POST', '/api/partners/demo/lti-tools', {
          token: admin.token,
          json: { ...t.registration, jwksUrl: 'ftp://x', clientId: '' },
        }),
        400,
        ['body.jwksUrl', 'body.clientId'],
      );
    } finally {
      await t.close();
    }
  });

  it('publishes its signing key with a key id; after a rotation the new key signs and the previous one is still published', async () => {
    const { rotateLtiSigningKey } = await import('../../capabilities/completion/lti/keys');
    const before = await app.request<{ keys: { kid: string; kty: string; d?: string }[] }>('GET', '/lti/jwks');
    expect(before.status).toBe(200);
    expect(before.body.keys.length).toBeGreaterThanOrEqual(1);
    expect(before.body.keys.every((k) => k.kty === 'RSA' && k.d === undefined)).toBe(true);
    const oldKid = before.body.keys[0].kid;
    const newKid = await rotateLtiSigningKey(app);
    const after = await app.request<{ keys: { kid: string }[] }>('GET', '/lti/jwks');
    expect(after.body.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    // The next launch's hint and id_token are signed by the new key, and the tool (reading the JWKS) accepts them.
    const { student, id } = await readyEnrollment();
    const authorize = await loginAtTool(student, id);
    const hint = authorize.searchParams.get('lti_message_hint')!;
    expect(JSON.parse(Buffer.from(hint.split('.')[0], 'base64url').toString())).toEqual(expect.objectContaining({ kid: newKid }));
  });
});

it('documents the LTI endpoints in the OpenAPI document', async () => {
  const spec = await app.request<{ paths: Record<string, Record<string, { security?: unknown }>> }>('GET', '/openapi.json');
  expect(spec.status).toBe(200);
  expect(Object.keys(spec.body.paths['/lti/authorize'])).toEqual(['get', 'post']);
  // No credentials (an empty security list: the document states security per operation).
  expect(spec.body.paths['/lti/authorize'].get.security).toEqual([]);
  expect(spec.body.paths['/lti/lineitems/{enrollmentId}/scores'].post.security).toEqual([
    { ltiAccessToken: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'] },
  ]);
  for (const p of ['/api/partners/{partnerId}/lti-tools', '/lti/jwks', '/lti/token', '/lti/lineitems/{enrollmentId}/results'])
    expect(spec.body.paths).toHaveProperty([p]);
});

describe('launch', () => {
  it('sends a program without an LTI tool to its partner as before', async () => {
    const { student, id } = await readyEnrollment(plainProgramId);
    const res = await app.request('GET', `/api/enrollments/${id}/launch`, { token: student.token });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`https://partner.example/launch?registration=${id}`);
  });

  it('goes through third-party initiated login to a form-posted id_token the tool verifies; no name or email', async () => {
    const { student, id } = await readyEnrollment();
    const launch = await app.request('GET', `/api/enrollments/${id}/launch`, { token: student.token });
    expect(launch.status).toBe(302);
    const login = new URL(launch.headers.get('location')!);
    expect(`${login.origin}${login.pathname}`).toBe(tool.registration.oidcLoginUrl);
    expect(Object.fromEntries(login.searchParams)).toEqual({
      iss: app.baseUrl,
      login_hint: expect.stringMatching(/\S/) as unknown,
      target_link_uri: tool.registration.targetLinkUri,
      lti_message_hint: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) as unknown,
      client_id: tool.clientId,
      lti_deployment_id: tool.deploymentId,
    });
    expect(app.enrollments.callsOf('launch')).toEqual([[id]]);

    const authorize = new URL((await follow(login.toString())).headers.get('location')!);
    const page = await fetch(authorize);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`form-action ${tool.base}`);
    const html = await page.text();
    expect(html).toContain('<script src="/lti/autopost.js"></script>');
    expect(html).not.toMatch(/<script>/);
    expect(html).toMatch(/<button type="submit">/);
    const script = await fetch(`${app.baseUrl}/lti/autopost.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain("getElementById('lti-launch').submit()");

    const form = formOf(html);
    expect(form.action).toBe(tool.registration.targetLinkUri);
    const atTool = await postToTool(form.action!, form.idToken!, form.state!);
    expect(atTool.status).toBe(200);
    const claims = atTool.body.claims!;
    expect(claims).toEqual(
      expect.objectContaining({
        iss: app.baseUrl,
        aud: tool.clientId,
        sub: login.searchParams.get('login_hint'),
        [`${C}message_type`]: 'LtiResourceLinkRequest',
        [`${C}version`]: '1.3.0',
        [`${C}deployment_id`]: tool.deploymentId,
        [`${C}target_link_uri`]: tool.registration.targetLinkUri,
        [`${C}roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
        [`${C}resource_link`]: expect.objectContaining({ id: programId }) as unknown,
        [`${C}context`]: expect.objectContaining({ id: programId, title: 'LTI course' }) as unknown,
        [AGS]: { scope: [`${SCOPE}lineitem`, `${SCOPE}score`, `${SCOPE}result.readonly`], lineitem: `${app.baseUrl}/lti/lineitems/${id}` },
      }),
    );
    const text = JSON.stringify(claims);
    for (const secret of [student.actor.email, student.actor.name, student.actor.id]) expect(text).not.toContain(secret);
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('name');

    // The same id_token posted again: the tool refuses it (its state and nonce were used).
    expect((await postToTool(form.action!, form.idToken!, form.state!)).status).toBe(401);
  });

  it('refuses a replayed hint, a reused nonce, a wrong redirect_uri or client_id, a forged hint, and a missing nonce', async () => {
    const { student, id } = await readyEnrollment();
    const authorize = await loginAtTool(student, id);
    const withParams = (over: Record<string, string | undefined>) => {
      const u = new URL(authorize);
      for (const [k, v] of Object.entries(over)) {
        if (v === undefined) u.searchParams.delete(k);
        else u.searchParams.set(k, v);
      }
      return app.request('GET', `${u.pathname}${u.search}`);
    };
    expectProblem(await withParams({ redirect_uri: 'https://evil.example/launch' }), 400, ['redirect_uri']);
    expectProblem(await withParams({ client_id: 'unknown-tool' }), 400);
    expectProblem(await withParams({ nonce: undefined }), 400, ['query.nonce']);
    expectProblem(await withParams({ response_mode: 'fragment' }), 400, ['query.response_mode']);
    expectProblem(await withParams({ login_hint: 'someone-else' }), 401);
    // A hint signed by a key the platform never published.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ enrollmentId: id, clientId: tool.clientId })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged', typ: 'lti-message-hint+jwt' })
      .setIssuer(app.baseUrl)
      .setAudience(`${app.baseUrl}/lti/launch`)
      .setSubject(authorize.searchParams.get('login_hint')!)
      .setExpirationTime('5m')
      .sign(privateKey);
    expectProblem(await withParams({ lti_message_hint: forged }), 401);
    // A hint issued for another tool is not this one's.
    expectProblem(await withParams({ client_id: other.clientId, redirect_uri: other.registration.targetLinkUri }), 401);

    // The real request works once; its hint (with a fresh nonce) and its nonce (with a fresh hint) do not again.
    expect((await withParams({})).status).toBe(200);
    expectProblem(await withParams({ nonce: randomUUID() }), 401);
    const second = await loginAtTool(student, id);
    second.searchParams.set('nonce', authorize.searchParams.get('nonce')!);
    expectProblem(await app.request('GET', `${second.pathname}${second.search}`), 400, ['nonce']);
  });

  it('carries the tool’s nonce: an id_token for another nonce is refused by the tool', async () => {
    const { student, id } = await readyEnrollment();
    const authorize = await loginAtTool(student, id);
    authorize.searchParams.set('nonce', randomUUID());
    const form = formOf(await (await fetch(authorize)).text());
    expect(await postToTool(form.action!, form.idToken!, form.state!)).toEqual({
      status: 401,
      body: expect.objectContaining({ error: 'wrong nonce' }) as unknown,
    });
  });
});

describe('AGS: token, line item, scores, results', () => {
  it('a Completed + FullyGraded score completes the enrollment as lti_ags; every score is kept and visible; results answer the latest', async () => {
    const { student, id } = await readyEnrollment();
    const claims = await launched(student, id);
    const lineItem = (claims[AGS] as { lineitem: string }).lineitem;
    const userId = claims.sub as string;
    const token = await tool.accessToken();

    const li = await fetch(lineItem, { headers: { authorization: `Bearer ${token}` } });
    expect(li.status).toBe(200);
    expect(li.headers.get('content-type')).toMatch(/^application\/vnd\.ims\.lis\.v2\.lineitem\+json/);
    expect(await li.json()).toEqual(expect.objectContaining({ id: lineItem, scoreMaximum: 100, label: 'LTI course' }));

    expect(
      await tool.postScore(lineItem, token, score(userId, { activityProgress: 'InProgress', gradingProgress: 'Pending', scoreGiven: 10 })),
    ).toEqual({
      status: 200,
      body: { outcome: 'recorded' },
    });
    // Completed but not graded yet: kept, not a completion.
    expect((await tool.postScore(lineItem, token, score(userId, { gradingProgress: 'PendingManual', scoreGiven: 20 }))).body).toEqual({
      outcome: 'recorded',
    });
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([]);

    const done = await tool.postScore(lineItem, token, score(userId));
    expect(done).toEqual({ status: 200, body: { outcome: 'applied', status: 'completed' } });
    const [[reportedId, report]] = app.enrollments.callsOf('reportCompletion') as [string, CompletionReport][];
    expect(reportedId).toBe(id);
    expect(report).toEqual(expect.objectContaining({ method: 'lti_ags', score: 88, reportedBy: `lti:${tool.clientId}` }));
    // A later completing score is kept, and changes nothing (first completion wins).
    const later = await tool.postScore(
      lineItem,
      token,
      score(userId, { scoreGiven: 95, timestamp: new Date(Date.now() + 1000).toISOString() }),
    );
    expect(later.body).toEqual({ outcome: 'already_complete', status: 'completed' });

    const results = await fetch(`${lineItem}/results`, { headers: { authorization: `Bearer ${token}` } });
    expect(results.status).toBe(200);
    expect(await results.json()).toEqual([expect.objectContaining({ userId, resultScore: 95, resultMaximum: 100, scoreOf: lineItem })]);

    const view = await app.request<EnrollmentState & { ltiScores: { outcome: string; scoreGiven: number }[] }>(
      'GET',
      `/api/enrollments/${id}`,
      {
        token: student.token,
      },
    );
    expect(view.body.ltiScores.map((s) => [s.outcome, s.scoreGiven])).toEqual([
      ['recorded', 10],
      ['recorded', 20],
      ['applied', 88],
      ['already_complete', 95],
    ]);
    expect(view.body.completionEvidence.map((e) => [e.method, e.outcome, e.score])).toEqual([
      ['lti_ags', 'applied', 88],
      ['lti_ags', 'already_complete', 95],
    ]);
    const { rows } = await app.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'lti.score' AND target_id = $1",
      [id],
    );
    expect(rows[0].n).toBe(4);
  });

  it('below the program’s passing score a FullyGraded score is kept but completes nothing', async () => {
    const holder = await app.token('program_holder');
    const strict = await createTestProgram(app.request, admin.token, {
      title: 'Strict',
      holderId: holder.actor.id,
      partnerId: 'milady',
      passingScorePercent: 70,
    });
    const { student, id } = await readyEnrollment(strict);
    const claims = await launched(student, id);
    const lineItem = (claims[AGS] as { lineitem: string }).lineitem;
    const token = await tool.accessToken();
    expect((await tool.postScore(lineItem, token, score(claims.sub as string, { scoreGiven: 6, scoreMaximum: 10 }))).body).toEqual({
      outcome: 'below_passing',
    });
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([]);
    expect((await tool.postScore(lineItem, token, score(claims.sub as string, { scoreGiven: 7, scoreMaximum: 10 }))).body).toEqual(
      expect.objectContaining({ outcome: 'applied' }),
    );
  });

  it('refuses an expired, forged, replayed or wrongly addressed client assertion (401) and scopes it does not grant (400)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const scope = `${SCOPE}score`;
    const refused = async (assertion: string) => {
      const r = await tool.requestToken(assertion, scope);
      expect(r).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_client', status: 401 }) as unknown });
    };
    await refused(await tool.clientAssertion({ exp: now - 120, iat: now - 300 }));
    await refused(await tool.clientAssertion({ aud: `${app.baseUrl}/elsewhere` }));
    const { privateKey } = await generateKeyPair('RS256');
    await refused(await tool.clientAssertion({}, privateKey));
    await refused(await tool.clientAssertion({ exp: now + 3600 }));
    await refused('not-a-jwt');
    const once = await tool.clientAssertion();
    expect((await tool.requestToken(once, scope)).status).toBe(200);
    await refused(once);
    const bad = await tool.requestToken(await tool.clientAssertion(), 'https://example.com/scope/everything');
    expect(bad).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_scope' }) as unknown });
    const form = await fetch(`${app.baseUrl}/lti/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(form.status).toBe(400);
  });

  it('refuses a score for another deployment’s line item (404), without a token (401), without the score scope (403), of another type (415), of another learner (422), malformed (400)', async () => {
    const { student, id } = await readyEnrollment();
    const claims = await launched(student, id);
    const lineItem = (claims[AGS] as { lineitem: string }).lineitem;
    const userId = claims.sub as string;
    const otherToken = await other.accessToken();
    const r404 = await other.postScore(lineItem, otherToken, score(userId));
    expect(r404.status).toBe(404);
    expect((await fetch(lineItem, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(404);
    expect((await fetch(`${lineItem}/results`, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(404);
    expect((await tool.postScore(lineItem, 'forged.token.value', score(userId))).status).toBe(401);
    const readOnly = await tool.accessToken(`${SCOPE}result.readonly`);
    expect((await tool.postScore(lineItem, readOnly, score(userId))).status).toBe(403);
    const token = await tool.accessToken();
    expect((await tool.postScore(lineItem, token, score(userId), 'application/json')).status).toBe(415);
    expect((await tool.postScore(lineItem, token, score('someone-else'))).status).toBe(422);
    const malformed = await tool.postScore(lineItem, token, {
      userId,
      activityProgress: 'Done',
      gradingProgress: 'FullyGraded',
      timestamp: 'yesterday',
    });
    expect(malformed.status).toBe(400);
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([]);
    // An access token is not a user's token, and a user's token is not an access token.
    expectProblem(await app.request('GET', `/api/enrollments/${id}`, { token }), 401);
    expect((await tool.postScore(lineItem, student.token, score(userId))).status).toBe(401);
  });
});

test('the tool endpoints are rate limited per address (429 with Retry-After)', async () => {
  const limited = await startApiApp({ RATE_LIMIT_CLIENT: '3' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.request('GET', '/lti/jwks')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await limited.request('POST', '/lti/token', {
      body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(res, 429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  } finally {
    await limited.close();
  }
});

describe('in production: the outbound guard (no SSRF through a tool’s URLs)', () => {
  let prod: ApiApp;
  let prodAdmin: Session;
  let canary: Canary;
  // The resolver the guard asks: a public name, one that resolves to loopback (or rebinds there later), a private one.
  const names: Record<string, string> = {
    'tool.partner.example': '93.184.215.14',
    'rebound.partner.example': '127.0.0.1',
    'internal.partner.example': '10.20.30.40',
  };
  beforeAll(async () => {
    const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    [prod, canary] = await Promise.all([
      startApiApp(
        { ...PRODUCTION_STAND_INS, CREDENTIAL_SIGNING_JWK: JSON.stringify(signingKey) },
        {
          outbound: {
            resolve: (host) =>
              names[host] ? Promise.resolve([{ address: names[host], family: 4 }]) : Promise.reject(new Error(`ENOTFOUND ${host}`)),
          },
        },
      ),
      startCanary(),
    ]);
    prodAdmin = await prod.token('admin');
  });
  afterAll(async () => {
    await canary?.close();
    await prod?.close();
  });

  const registration = (over: Record<string, unknown> = {}) => ({
    clientId: `tool-${randomUUID()}`,
    deploymentId: 'deployment-1',
    oidcLoginUrl: 'https://tool.partner.example/login',
    targetLinkUri: 'https://tool.partner.example/launch',
    jwksUrl: 'https://tool.partner.example/jwks',
    ...over,
  });

  it('refuses internal and non-https URLs at registration (400 naming the field), and registers public https ones', async () => {
    const register = (body: Record<string, unknown>) =>
      prod.request('POST', '/api/partners/nrf/lti-tools', { token: prodAdmin.token, json: body });
    for (const jwksUrl of [
      `${canary.url}/jwks`,
      'http://tool.partner.example/jwks',
      'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'https://10.1.2.3/jwks',
      'https://127.0.0.1/jwks',
      'https://[::1]/jwks',
      'https://rebound.partner.example/jwks',
      'https://internal.partner.example/jwks',
      'https://unknown.partner.example/jwks',
    ]) {
      const res = await register(registration({ jwksUrl }));
      expectProblem(res, 400, ['body.jwksUrl']);
    }
    const all = await register(
      registration({
        oidcLoginUrl: 'http://tool.partner.example/login',
        targetLinkUri: 'https://[::1]/launch',
        jwksUrl: 'https://169.254.169.254/jwks',
        redirectUris: ['https://tool.partner.example/ok', 'https://10.0.0.1/cb'],
      }),
    );
    expectProblem(all, 400, ['body.oidcLoginUrl', 'body.targetLinkUri', 'body.jwksUrl', 'body.redirectUris.1']);
    expect((all.body as { errors: unknown[] }).errors).toHaveLength(4);
    expect(await prod.db.query('SELECT 1 FROM lti_tools')).toHaveProperty('rowCount', 0);
    expect((await register(registration())).status).toBe(201);
    expect(canary.connections()).toBe(0);
  });

  it('a forged /lti/token naming a tool whose stored JWKS URL is internal never connects there (401)', async () => {
    // Rows as a registration made before the guard would have stored them: straight to the canary, or through a name
    // that resolves to loopback now (DNS rebinding).
    const tools = [
      { partner: 'certiport', jwksUrl: `${canary.url}/jwks` },
      { partner: 'milady', jwksUrl: `https://rebound.partner.example:${canary.port}/jwks` },
      { partner: 'demo', jwksUrl: `http://[::ffff:127.0.0.1]:${canary.port}/jwks` },
    ];
    const { privateKey } = await generateKeyPair('RS256');
    for (const t of tools) {
      const clientId = `forged-${randomUUID()}`;
      await prod.db.query(
        `INSERT INTO lti_tools (id, partner_id, client_id, deployment_id, oidc_login_url, target_link_uri, redirect_uris, jwks_url, created_by)
         VALUES ($1, $2, $3, 'd', 'https://tool.partner.example/login', 'https://tool.partner.example/launch', '{}', $4, 'before-the-guard')`,
        [randomUUID(), t.partner, clientId, t.jwksUrl],
      );
      const now = Math.floor(Date.now() / 1000);
      // Anyone can sign an assertion naming a client id: the platform must not fetch the JWKS to find out it is forged.
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'any' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience('https://marketplace.example/lti/token')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti(randomUUID())
        .sign(privateKey);
      const res = await prod.request('POST', '/lti/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: `${SCOPE}score`,
        }).toString(),
      });
      // First what matters: nothing reached the canary (before the fix it is hit, whatever the answer).
      expect({ jwksUrl: t.jwksUrl, canaryConnections: canary.connections() }).toEqual({ jwksUrl: t.jwksUrl, canaryConnections: 0 });
      expectProblem(res, 401);
      expect(res.body).toEqual(expect.objectContaining({ error: 'invalid_client' }));
    }
  });
});
