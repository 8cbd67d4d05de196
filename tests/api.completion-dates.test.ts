/**
 * The completion-date rule through every HTTP channel of the running system: a date before the launch (or before the
 * start, for a holder's mark on an enrollment not launched yet) or in the future is a 400 naming the field, or a CSV
 * row `invalid` saying why (dry run and apply), and changes nothing; today's date, or now, still completes.
 *
 * The programs are for nrf (no completion API), so no partner poll completes an enrollment behind the test's back.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { csvHeaders, eventually, expectProblem, statement, VERBS, xapiHeaders } from './helpers/channels';
import { createTestProgram } from './helpers/programs';
import { launchEnrollment, openFundedEnrollment } from './helpers/vouchers';
import {
  evidenceForm,
  httpClient,
  type HttpResponse,
  samplePdf,
  startSystem,
  type System,
  waitForStatus,
  type Session,
} from './helpers/system';
import type { ApiKey, CompletionReceipt, ImportReport, Problem, SubmissionAccepted } from './helpers/contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let system: System;
let request: ReturnType<typeof httpClient>;
let admin: Session;
let holder: Session;
let programId = '';
let apiKey = '';
let pdf: Buffer;

beforeAll(async () => {
  system = await startSystem();
  request = httpClient(system.baseUrl);
  admin = await system.token('admin');
  holder = await system.token('program_holder');
  programId = await createTestProgram(request, admin.token, {
    title: `Completion dates ${randomUUID().slice(0, 6)}`,
    holderId: holder.actor.id,
  });
  const key = await request<ApiKey>('POST', '/api/partners/nrf/api-keys', { token: admin.token });
  expect(key.status).toBe(201);
  apiKey = key.body.apiKey;
  pdf = await samplePdf();
}, 180_000);
afterAll(() => system?.stop(), 60_000);

const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);

/** A voucher-funded enrollment of a new student, launched unless asked not to; `launchedAt` from the read model. */
async function enrollment(launch = true) {
  const { id, student } = await openFundedEnrollment(system, programId);
  if (!launch) return { id, student, launchedAt: 0 };
  const view = await launchEnrollment(system, student, id);
  return { id, student, launchedAt: Date.parse(view.launchedAt ?? '') };
}

/** Everything a refused completion must leave as it was. */
async function snapshot(id: string) {
  const [e, evidence, submissions, xapi, audit] = await Promise.all([
    system.db.query<{ status: string; status_seq: number; completed_at: Date | null; completion_method: string | null }>(
      'SELECT status, status_seq, completed_at, completion_method FROM enrollments WHERE id = $1',
      [id],
    ),
    system.db.query<{ method: string; report_id: string }>(
      'SELECT method, report_id FROM completion_evidence WHERE enrollment_id = $1 ORDER BY report_id',
      [id],
    ),
    system.db.query<{ id: string }>('SELECT id FROM completion_submissions WHERE enrollment_id = $1', [id]),
    system.db.query<{ id: string }>('SELECT id FROM xapi_statements WHERE enrollment_id = $1', [id]),
    system.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE target_id = $1 AND action <> 'enrollment.create' ORDER BY id`, [
      id,
    ]),
  ]);
  return { enrollment: e.rows[0], evidence: evidence.rows, submissions: submissions.rows, xapi: xapi.rows, audit: audit.rows };
}

/** A 400 that names `field` and says what is wrong with the date, both in `detail` or the field's message. */
function expectDateProblem(res: HttpResponse, field: string, says: RegExp) {
  expectProblem(res, 400, [field]);
  const message = (res.body as Problem).errors!.find((e) => e.field === field)!.message;
  expect(message).toMatch(says);
}

const BEFORE_LAUNCH = /is before the course was launched on \d{4}-\d\d-\d\d \d\d:\d\d UTC$/;
const IN_FUTURE = /is in the future \(it is now /;

test('mark-complete: before the launch, before the start (not launched), or in the future → 400 naming body.completedAt; today completes', async () => {
  const { id, launchedAt } = await enrollment();
  const before = await snapshot(id);
  const mark = <Body = unknown>(completedAt: string) =>
    request<Body>('POST', '/api/program-holder/mark-complete', { token: holder.token, json: { enrollmentId: id, completedAt } });

  const early = await mark<Problem>(dayOf(launchedAt - 2 * DAY));
  expectDateProblem(early, 'body.completedAt', BEFORE_LAUNCH);
  expect(early.body.detail).toBe(
    `completedAt ${dayOf(launchedAt - 2 * DAY)} is before the course was launched on ${iso(launchedAt).slice(0, 16).replace('T', ' ')} UTC`,
  );
  expectDateProblem(await mark(iso(launchedAt - HOUR)), 'body.completedAt', BEFORE_LAUNCH);
  // The future is refused by the API when it reads the body, with the rule's own message.
  expectDateProblem(await mark(dayOf(Date.now() + 2 * DAY)), 'body.completedAt', IN_FUTURE);
  expectDateProblem(await mark(iso(Date.now() + HOUR)), 'body.completedAt', IN_FUTURE);
  expect(await snapshot(id)).toEqual(before);

  const today = dayOf(Date.now());
  const marked = await mark(today);
  expect(marked.status).toBe(200);
  expect(marked.body).toEqual(
    expect.objectContaining({ status: 'completed', completedAt: `${today}T00:00:00.000Z`, completionMethod: 'manual' }),
  );

  // Not launched yet: the bound is the enrollment's start.
  const notLaunched = await enrollment(false);
  const created: number = (
    await system.db.query<{ created_at: Date }>('SELECT created_at FROM enrollments WHERE id = $1', [notLaunched.id])
  ).rows[0].created_at.getTime();
  const beforeStart = await request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId: notLaunched.id, completedAt: iso(created - HOUR) },
  });
  expectDateProblem(beforeStart, 'body.completedAt', /is before the enrollment started on /);
  const ok = await request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId: notLaunched.id, completedAt: today },
  });
  expect(ok.status).toBe(200);
  await waitForStatus(system, notLaunched.student.token, notLaunched.id, 'closed');
});

test('student upload: a date before the launch or in the future → 400 at submission, no submission and no file kept; today is taken', async () => {
  const { id, student, launchedAt } = await enrollment();
  const before = await snapshot(id);
  const upload = <Body = unknown>(completedAt: string) =>
    request<Body>('POST', `/api/enrollments/${id}/completion-submissions`, {
      token: student.token,
      body: evidenceForm(pdf, 'evidence.pdf', completedAt),
    });

  expectDateProblem(await upload(dayOf(launchedAt - 2 * DAY)), 'body.completedAt', BEFORE_LAUNCH);
  expectDateProblem(await upload(iso(Date.now() + 2 * DAY)), 'body.completedAt', IN_FUTURE);
  expect(await snapshot(id)).toEqual(before);
  const dir = path.join(system.dataDir, 'files', 'submissions', id);
  expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);

  const accepted = await upload<SubmissionAccepted>(dayOf(Date.now()));
  expect(accepted.status).toBe(202);
  const approved = await request('POST', `/api/program-holder/submissions/${accepted.body.submissionId}/approve`, { token: holder.token });
  expect(approved.status).toBe(200);
  expect((await waitForStatus(system, student.token, id, 'closed')).completedAt).toBe(`${dayOf(Date.now())}T00:00:00.000Z`);
});

test('partner push: before the launch or in the future → 400 naming body.completedAt, nothing kept or audited; now applies; a bad date for the closed enrollment → 400', async () => {
  const { id, student, launchedAt } = await enrollment();
  const before = await snapshot(id);
  const push = <Body = unknown>(completedAt: string, reportId = randomUUID()) =>
    request<Body>('POST', '/api/partners/nrf/completions', {
      json: { enrollmentId: id, completedAt, reportId },
      headers: { 'x-api-key': apiKey },
    });

  const early = await push(iso(launchedAt - DAY));
  expectDateProblem(early, 'body.completedAt', BEFORE_LAUNCH);
  expectDateProblem(await push(iso(Date.now() + DAY)), 'body.completedAt', IN_FUTURE);
  expect(await snapshot(id)).toEqual(before);

  const applied = await push<CompletionReceipt>(iso(Date.now()));
  expect(applied.status).toBe(202);
  expect(applied.body.outcome).toBe('applied');
  await waitForStatus(system, student.token, id, 'closed');
  await eventually(async () => (await snapshot(id)).evidence.length === 1, 'the applied evidence');
  const closed = await snapshot(id);
  // The workflow has ended; the API answers for it with the same rule.
  expectDateProblem(await push(dayOf(launchedAt - 2 * DAY)), 'body.completedAt', BEFORE_LAUNCH);
  expect(await snapshot(id)).toEqual(closed);
});

test('xAPI: a completed or passed statement dated before the launch or in the future → 400 naming its timestamp, nothing stored; a good one completes', async () => {
  const { id, student, launchedAt } = await enrollment();
  const before = await snapshot(id);
  const headers = xapiHeaders('nrf', apiKey);
  const post = (body: unknown) => request('POST', '/xapi/statements', { json: body, headers });

  const early = await post(statement(id, VERBS.completed, { timestamp: iso(launchedAt - DAY) }));
  expectDateProblem(early, 'body.timestamp', /^timestamp \S+ is before the course was launched on /);
  // In a batch the bad statement is named, and none of the batch is stored.
  const batch = await post([statement(id, VERBS.experienced), statement(id, VERBS.passed, { timestamp: iso(launchedAt - HOUR) })]);
  expectDateProblem(batch, 'body.1.timestamp', /is before the course was launched/);
  expectDateProblem(await post(statement(id, VERBS.completed, { timestamp: iso(Date.now() + DAY) })), 'body.timestamp', IN_FUTURE);
  const put = await request('PUT', `/xapi/statements?statementId=${randomUUID()}`, {
    json: statement(id, VERBS.completed, { timestamp: iso(launchedAt - DAY) }),
    headers,
  });
  expectDateProblem(put, 'body.timestamp', /is before the course was launched/);
  expect(await snapshot(id)).toEqual(before);

  // A statement that completes nothing may tell of earlier learning.
  expect((await post(statement(id, VERBS.experienced, { timestamp: iso(launchedAt - DAY) }))).status).toBe(200);
  const now = iso(Date.now());
  expect((await post(statement(id, VERBS.completed, { timestamp: now }))).status).toBe(200);
  expect((await waitForStatus(system, student.token, id, 'closed')).completedAt).toBe(now);
});

test('CSV import: rows dated before the launch or in the future are invalid with a message saying so, in the dry run and when applied; good rows apply', async () => {
  const bad = await enrollment();
  const future = await enrollment();
  const good = await enrollment();
  const before = [await snapshot(bad.id), await snapshot(future.id)];
  const early = dayOf(bad.launchedAt - 2 * DAY);
  const csv = `enrollmentId,completedAt\n${bad.id},${early}\n${future.id},${iso(Date.now() + DAY)}\n${good.id},${dayOf(Date.now())}\n`;
  const importCsv = (dryRun: boolean) =>
    request<ImportReport>('POST', `/api/partners/nrf/completions/import${dryRun ? '?dryRun=true' : ''}`, {
      body: csv,
      headers: csvHeaders(holder.token),
    });

  const expected: Record<string, unknown>[] = [
    {
      line: 2,
      outcome: 'invalid',
      enrollmentId: bad.id,
      message: `completedAt ${early} is before the course was launched on ${iso(bad.launchedAt).slice(0, 16).replace('T', ' ')} UTC`,
    },
    { line: 3, outcome: 'invalid', message: expect.stringMatching(/^completedAt \S+ is in the future \(it is now /) },
    { line: 4, outcome: 'matched', enrollmentId: good.id, message: expect.stringContaining('completes the enrollment') },
  ];
  const dry = await importCsv(true);
  expect(dry.status).toBe(200);
  expect(dry.body.rows).toEqual(expected);
  expect(dry.body.summary).toEqual({ matched: 1, already_complete: 0, unknown: 0, invalid: 2 });
  expect((await snapshot(good.id)).enrollment.status).toBe('in_progress');

  const applied = await importCsv(false);
  expect(applied.status).toBe(200);
  expect(applied.body.rows).toEqual([expected[0], expected[1], { ...expected[2], message: 'completion applied' }]);
  await waitForStatus(system, good.student.token, good.id, 'closed');
  expect([await snapshot(bad.id), await snapshot(future.id)]).toEqual(before);
});
