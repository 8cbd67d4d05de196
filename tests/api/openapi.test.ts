/**
 * /openapi.json against the API it describes (issue 14): the served routes and the document's operations are the
 * same set; Redocly's recommended rules find no error; answers (successes and problems) match the operation's
 * response schemas (ajv); every problem `type` leads to its page.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { UNDOCUMENTED_ROUTES } from '../../api/openapi';
import { PROBLEM_TYPES } from '../../api/problems';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import type { EvidenceSubmission } from '../../workflows/messages';
import { PROJECT_ROOT } from '../../lib/paths';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type { ApiKey, Created, EnrollmentState, OpenedEnrollment, Problem, SubmissionAccepted } from '../helpers/contract';
import { checkedClient, type OpenApi, type OpenApiChecker, openApiChecker } from '../helpers/openapi';
import { createTestProgram } from '../helpers/programs';
import { evidenceForm } from '../helpers/system';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const STRIPE_WEBHOOK_SECRET = 'whsec_openapi_test';
const PDF = Buffer.from('%PDF-1.4\n% a stand-in: the API checks the first bytes only\n');
const today = () => new Date().toISOString().slice(0, 10);

let app: ApiApp;
let doc: OpenApi;
let checker: OpenApiChecker;
/** app.request, every answer checked against the document. */
let call: ApiApp['request'];
let admin: Session;
let holder: Session;
beforeAll(async () => {
  app = await startApiApp({ STRIPE_WEBHOOK_SECRET });
  doc = (await app.request<OpenApi>('GET', '/openapi.json')).body;
  checker = openApiChecker(doc);
  call = checkedClient(app.request, checker);
  admin = await app.token('admin');
  holder = await app.token('program_holder', { id: DEMO_HOLDER_ID });
});
afterAll(() => app?.close());

// ── The routes ─────────────────────────────────────────────────────────────────────────────────────────

interface Layer {
  rawPath?: unknown;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the Express app serves, as `METHOD /path/{param}` (ALL for a route of every method). */
function servedRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).map((m) => (m === '_all' ? 'ALL' : m.toUpperCase()));
      return paths.flatMap((p) => methods.map((m) => `${m} ${`${prefix}${p}`.replace(/:(\w+)/g, '{$1}')}`));
    }
    if (!layer.handle?.stack) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return servedRoutes(layer.handle.stack, prefix + mount);
  });
}

test('every served route is an operation of /openapi.json (or named as undocumented, with why), and every operation is served', () => {
  const served = [...new Set(servedRoutes((app.app as unknown as { router: { stack: Layer[] } }).router.stack))].sort();
  const undocumented = (route: string) => UNDOCUMENTED_ROUTES.some((u) => u.pattern.test(route));
  const documented = Object.entries(doc.paths)
    .flatMap(([p, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
  // A route of every method (ALL) serves the operations the document lists for its path (the xAPI statement
  // resource dispatches GET, POST and PUT itself); what it answers to the other methods is named in UNDOCUMENTED_ROUTES.
  const operationsOf = (route: string) => documented.filter((d) => d.slice(d.indexOf(' ') + 1) === route.slice('ALL '.length));
  const servedOperations = [
    ...new Set(served.flatMap((r) => (r.startsWith('ALL ') ? operationsOf(r) : undocumented(r) ? [] : [r]))),
  ].sort();
  expect(servedOperations).toEqual(documented);
  expect(served.filter((r) => r.startsWith('ALL ') && !undocumented(r))).toEqual([]);
  // Each exception still names something served (a stale one would hide a route).
  expect(UNDOCUMENTED_ROUTES.filter((u) => !served.some((r) => u.pattern.test(r))).map((u) => u.why)).toEqual([]);
  // No operation is also an exception.
  expect(documented.filter(undocumented)).toEqual([]);
});

// ── Redocly ────────────────────────────────────────────────────────────────────────────────────────────

interface RedoclyResult {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

test('Redocly CLI’s recommended rules find no error in the served document', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    const cli = path.join(PROJECT_ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    const run = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--extends=recommended', '--format=json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const result = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as RedoclyResult;
    const errors = result.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(errors).toEqual([]);
    expect(result.totals.errors).toBe(0);
    // The warnings are reported, not failed on (see the closing note of issue 14): printed for the record.
    console.log(`Redocly recommended: ${result.totals.errors} errors, ${result.totals.warnings} warnings`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ── Answers against the document ─────────────────────────────────────────────────────────────────────────

/** A self-paid enrollment of a new student in the demo program, paid and launched (in_progress). */
async function launchedEnrollment(): Promise<{ student: Session; enrollmentId: string }> {
  const student = await app.token('student');
  const opened = await call<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  expect(opened.status).toBe(201);
  const enrollmentId = opened.body.enrollmentId;
  await app.advance(enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
  expect((await call('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
  await app.advance(enrollmentId, 'in_progress', { launchedAt: new Date().toISOString() });
  return { student, enrollmentId };
}

test('a student’s enrollment, evidence, review, certificate and withdrawal: every answer is what the document says', async () => {
  expect((await call('GET', '/api/programs')).status).toBe(200);
  expect((await call('GET', '/api/partners')).status).toBe(200);
  const programId = await createTestProgram(call, admin.token, { title: `OpenAPI ${randomUUID()}`, holderId: DEMO_HOLDER_ID });

  const { student, enrollmentId } = await launchedEnrollment();
  expect((await call('GET', `/api/enrollments/${enrollmentId}`, { token: student.token })).status).toBe(200);
  expect((await call('GET', `/api/enrollments?programId=${DEMO.id}&limit=5`, { token: holder.token })).status).toBe(200);

  // Evidence: uploaded, its file, the queue, rejected, uploaded again, approved.
  const upload = async () => {
    const res = await call<SubmissionAccepted>('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
      token: student.token,
      body: evidenceForm(PDF, 'proof.pdf', today()),
    });
    // The workflow records the submission; the fake client only answers, so the test records it as the workflow would.
    const [, evidence] = app.enrollments.callsOf('submitEvidence').at(-1) as [string, EvidenceSubmission];
    await app.activities.recordSubmission({ enrollmentId, ...evidence, submittedAt: new Date().toISOString() });
    return res;
  };
  const first = await upload();
  expect(first.status).toBe(202);
  await app.advance(enrollmentId, 'awaiting_review');
  expect((await call('GET', `/api/submissions/${first.body.submissionId}/file`, { token: student.token })).status).toBe(200);
  expect((await call('GET', '/api/program-holder/submissions?status=pending', { token: holder.token })).status).toBe(200);
  const rejected = await call('POST', `/api/program-holder/submissions/${first.body.submissionId}/reject`, {
    token: holder.token,
    json: { reason: 'The scan is unreadable' },
  });
  expect(rejected.status).toBe(200);
  await app.advance(enrollmentId, 'in_progress');
  const second = await upload();
  await app.advance(enrollmentId, 'awaiting_review');
  expect((await call('POST', `/api/program-holder/submissions/${second.body.submissionId}/approve`, { token: holder.token })).status).toBe(
    200,
  );

  // Completed, certified: the enrollment with its certificate, the PDF, the credential, verification, revocation.
  const completedAt = new Date().toISOString();
  await app.advance(enrollmentId, 'completed', { completedAt });
  const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
  const state = await call<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: student.token });
  expect(state.body.certificate?.id).toBe(certificate.id);
  expect((await call('GET', `/api/certificates/${certificate.id}.pdf`, { token: student.token })).status).toBe(200);
  expect((await call('GET', `/api/certificates/${certificate.id}/credential`, { token: student.token })).status).toBe(200);
  expect((await call('GET', '/.well-known/jwks.json')).status).toBe(200);
  const verified = await call('GET', `/verify/${certificate.verificationCode}`, { headers: { accept: 'application/json' } });
  expect(verified.status).toBe(200);
  // The student's choice of the name the verification shows.
  expect((await call('GET', `/api/certificates/${certificate.id}/public-name`, { token: student.token })).status).toBe(200);
  const initials = await call('PUT', `/api/certificates/${certificate.id}/public-name`, {
    token: student.token,
    json: { show: 'initials' },
  });
  expect(initials.status).toBe(200);
  expect((await call('GET', `/verify/${certificate.verificationCode}`, { headers: { accept: 'application/json' } })).status).toBe(200);
  expect((await call('GET', `/verify/${certificate.verificationCode.toLowerCase()}`)).status).toBe(200);
  const revoked = await call<{ credentialStatus: { statusListCredential: string } }>('POST', `/api/certificates/${certificate.id}/revoke`, {
    token: admin.token,
    json: { reason: 'Issued in error' },
  });
  expect(revoked.status).toBe(200);
  expect((await call('GET', new URL(revoked.body.credentialStatus.statusListCredential).pathname)).status).toBe(200);
  expect((await call('GET', `/verify/${certificate.verificationCode}`, { headers: { accept: 'application/json' } })).status).toBe(200);

  // Marked complete by the holder; another enrollment withdrawn.
  const other = await launchedEnrollment();
  const marked = await call('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId: other.enrollmentId, completedAt: today(), notes: 'Checked the partner’s transcript' },
  });
  expect(marked.status).toBe(200);
  const third = await launchedEnrollment();
  expect((await call('POST', `/api/enrollments/${third.enrollmentId}/withdraw`, { token: third.student.token, json: {} })).status).toBe(
    200,
  );
  expect(programId).toEqual(expect.any(String));
});

test('funding, partners, xAPI, Stripe, reports, the tutor and operations: every answer is what the document says', async () => {
  // Vouchers: issued, imported (dry run), listed; a funded enrollment; the funded enrollments as JSON and CSV.
  const funder = await app.token('funder', { organizationId: `board-${randomUUID().slice(0, 8)}` });
  const student = await app.token('student');
  const number = `ITA-${randomUUID().slice(0, 8)}`;
  const voucher = {
    number,
    fundingSource: 'wioa_ita',
    studentId: student.actor.id,
    amountCents: 1_000_000,
    currency: 'usd',
    expiresOn: '2099-12-31',
  };
  expect((await call<Created>('POST', '/api/vouchers', { token: funder.token, json: voucher })).status).toBe(201);
  const csv = 'number,fundingSource,studentEmail,amountCents,currency,expiresOn\nSP-1,sponsor,a@example.com,500,usd,2099-01-01\n';
  const imported = await call('POST', '/api/vouchers/import?dryRun=true', {
    token: funder.token,
    body: csv,
    headers: { 'content-type': 'text/csv' },
  });
  expect(imported.status).toBe(200);
  expect((await call('GET', '/api/vouchers?limit=10', { token: funder.token })).status).toBe(200);
  const funded = await call<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber: number },
  });
  expect(funded.status).toBe(201);
  expect((await call('GET', '/api/funded-enrollments', { token: funder.token })).status).toBe(200);
  expect((await call('GET', '/api/funded-enrollments?format=csv', { token: funder.token })).status).toBe(200);

  // A partner's key; its push, an import, xAPI statements; the key revoked.
  const key = await call<ApiKey>('POST', '/api/partners/demo/api-keys', { token: admin.token });
  expect(key.status).toBe(201);
  const { enrollmentId } = await launchedEnrollment();
  const pushed = await call('POST', '/api/partners/demo/completions', {
    headers: { 'x-api-key': key.body.apiKey },
    json: { enrollmentId, completedAt: today() },
  });
  expect(pushed.status).toBe(202);
  const xapiHeaders = {
    authorization: `Basic ${Buffer.from(`demo:${key.body.apiKey}`).toString('base64')}`,
    'x-experience-api-version': '1.0.3',
  };
  const statement = (id?: string) => ({
    ...(id && { id }),
    actor: { mbox: 'mailto:learner@example.com' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: 'https://courses.example/demo/module-1' },
    context: { registration: enrollmentId },
  });
  expect((await call('POST', '/xapi/statements', { headers: xapiHeaders, json: [statement(), statement()] })).status).toBe(200);
  const statementId = randomUUID();
  expect(
    (await call('PUT', `/xapi/statements?statementId=${statementId}`, { headers: xapiHeaders, json: statement(statementId) })).status,
  ).toBe(204);
  const completions = await call('POST', '/api/partners/demo/completions/import?dryRun=true', {
    token: holder.token,
    body: `enrollmentId,completedAt\n${enrollmentId},${today()}\n${randomUUID()},${today()}\n`,
    headers: { 'content-type': 'text/csv' },
  });
  expect(completions.status).toBe(200);
  expect((await call('DELETE', `/api/partners/demo/api-keys/${key.body.id}`, { token: admin.token })).status).toBe(204);

  // Stripe: a signed event the platform does not handle.
  const payload = JSON.stringify({ id: `evt_${randomUUID()}`, object: 'event', type: 'customer.created', data: { object: {} } });
  const signature = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET });
  const stripe = await call('POST', '/api/webhooks/stripe', {
    body: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
  });
  expect(stripe.status).toBe(200);
  expect((await call('GET', `/checkout/return?enrollmentId=${enrollmentId}&result=paid`)).status).toBe(200);

  // Reports, as JSON and CSV.
  expect((await call('GET', `/api/reports/wioa?from=2020-01-01&to=${today()}`, { token: admin.token })).status).toBe(200);
  expect((await call('GET', `/api/reports/etp?year=${today().slice(0, 4)}`, { token: admin.token })).status).toBe(200);
  expect((await call('GET', `/api/reports/etp?year=${today().slice(0, 4)}&format=csv`, { token: admin.token })).status).toBe(200);
  expect((await call('GET', '/api/reports/revenue-share', { token: admin.token })).status).toBe(200);
  const revenueCsv = await call('GET', '/api/reports/revenue-share', { token: holder.token, headers: { accept: 'text/csv' } });
  expect(revenueCsv.status).toBe(200);

  // The tutor (no model configured here: a 503 problem), a conversation that does not exist, the widget; the consent
  // to sending tutor messages to the model provider, read, given and withdrawn.
  const tutor = await call('POST', '/api/ai-tutor/chat', { token: student.token, json: { message: 'Hello', courseId: DEMO.id } });
  expect(tutor.status).toBe(503);
  expect((await call('GET', '/api/me/tutor-consent', { token: student.token })).status).toBe(200);
  expect((await call('PUT', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
  expect((await call('DELETE', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
  expect((await call('GET', `/api/ai-tutor/conversations/${randomUUID()}`, { token: student.token })).status).toBe(404);
  expect((await call('GET', '/widget/ai-tutor.js')).status).toBe(200);

  // Operations and documentation.
  for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/problems'])
    expect((await call('GET', p)).status).toBe(200);
  expect((await call('GET', '/problems', { headers: { accept: 'application/json' } })).status).toBe(200);
});

// ── Problems ─────────────────────────────────────────────────────────────────────────────────────────────

test('problems match the Problem schema of their operation, and each `type` resolves to its page', async () => {
  const student = await app.token('student');
  const answers = [
    await call('POST', '/api/enrollments', { token: student.token, json: { programId: 'nope' } }),
    await call('GET', '/api/enrollments'),
    await call('GET', '/api/enrollments', { token: student.token }),
    await call('GET', `/api/enrollments/${randomUUID()}`, { token: admin.token }),
    await call('POST', '/api/enrollments', {
      token: student.token,
      json: { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber: 'NO-SUCH-VOUCHER' },
    }),
    await call('POST', '/api/vouchers/import', { token: admin.token, body: '{}', headers: { 'content-type': 'application/json' } }),
    await call('POST', '/api/partners/demo/completions', { headers: { 'x-api-key': 'cmk_unknown' }, json: {} }),
    await call('GET', '/api/reports/etp?year=19', { token: admin.token }),
    await call('GET', '/verify/AAAA-BBBB-CCCC'),
    await call('GET', '/problems/no-such-problem'),
    await call('POST', '/api/webhooks/stripe', { body: '{}', headers: { 'content-type': 'application/json' } }),
    await call('GET', '/healthz', { headers: { authorization: 'Bearer not-a-token' } }),
    await call('GET', '/api/programs', { headers: { authorization: 'Basic eDp5' } }),
  ];
  expect(answers.map((a) => a.status)).toEqual([400, 401, 403, 404, 422, 415, 401, 400, 404, 404, 400, 401, 401]);
  for (const answer of answers) {
    const { type } = answer.body as Problem;
    const page = await app.request<string>('GET', new URL(type, app.baseUrl).pathname);
    expect({ type, status: page.status }).toEqual({ type, status: 200 });
  }
});

test('every problem type has a page (HTML or JSON) saying what it means and what to do, from the list in api/problems.ts', async () => {
  const list = await call<{ problemTypes: { type: string; status: number }[] }>('GET', '/problems', {
    headers: { accept: 'application/json' },
  });
  expect(list.body.problemTypes.map((p) => p.type)).toEqual(Object.keys(PROBLEM_TYPES).map((slug) => `/problems/${slug}`));
  const schemaTypes = (doc.components.schemas.Problem as { properties: { type: { enum: string[] } } }).properties.type.enum;
  expect(schemaTypes).toEqual(list.body.problemTypes.map((p) => p.type));
  for (const [slug, problemType] of Object.entries(PROBLEM_TYPES)) {
    const page = await call<string>('GET', `/problems/${slug}`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain(`<h1>${problemType.title}</h1>`);
    expect(page.body).toContain('What it means');
    expect(page.body).toContain('What to do');
    // Code spans as <code>, the text escaped.
    expect(page.body).not.toMatch(/`/);
    const asJson = await call('GET', `/problems/${slug}`, { headers: { accept: 'application/json' } });
    expect(asJson.body).toEqual({ type: `/problems/${slug}`, ...problemType });
  }
});

test('/docs: Swagger UI from this origin, under the site’s own CSP (no inline script or style needed)', async () => {
  const docs = await call<string>('GET', '/docs');
  const csp = docs.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(csp).toBe((await app.request('GET', '/problems')).headers.get('content-security-policy'));
  expect(docs.body).not.toMatch(/<script(?![^>]*\bsrc=)|<style|\sstyle=|https?:\/\//);
  for (const asset of docs.body.match(/(?:src|href)="(\/docs\/[^"]+)"/g) ?? []) {
    const res = await app.request('GET', asset.replace(/^(src|href)="|"$/g, ''));
    expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
  }
});
