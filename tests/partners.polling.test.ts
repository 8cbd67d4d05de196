/**
 * Partner completion APIs: the HTTP adapter against the real `demo` stand-in on loopback, the partner activities
 * against PostgreSQL, and the per-partner rate limit held by the Temporal server with many enrollments polling.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPartnerActivities, listPolledPartners } from '../activities/partners';
import type { ActivityDeps } from '../activities';
import { createApp } from '../api/app';
import type { EnrollmentClient } from '../core/enrollment-client';
import type { Db } from '../db/pool';
import { SEEDED_PROGRAMS, seed } from '../db/seed';
import { loadConfig } from '../lib/config';
import { createOutboundGuard, outboundPolicy } from '../lib/outbound-guard';
import { createLocalFileStore } from '../services/file-store';
import { demoLearnerId, startDemoPartner, type StartedDemoPartner } from '../demo/partner';
import {
  createHttpPartnerAdapter,
  createPartnerAdapter,
  type PartnerAdapter,
  type PartnerRecord,
  RegistrationUnknownError,
} from '../services/partner-adapter';
import { createPartnerWorker } from '../worker/create-worker';
import { FailureType, launchUpdate, partnerTaskQueue } from '../workflows/messages';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { httpClient, startSystem, type System, waitForStatus } from './helpers/system';
import { fakeActivities } from './helpers/fake-activities';
import { createDevServerEnv, createTestWorker, startEnrollment } from './helpers/temporal';
import { workflowInput } from './helpers/workflow-input';
import { startWorkerProcess } from './helpers/worker-process';
import { fundedEnrollmentBody } from './helpers/vouchers';
import type { OpenedEnrollment } from './helpers/contract';

const DEMO_PROGRAM = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
/** The stand-ins are on loopback: the outbound guard under the test policy (production's refuses them). */
const outbound = createOutboundGuard({ policy: outboundPolicy('test') });

/** What a call rejected with, for assertions on its type and retryability. */
async function failureOf(promise: Promise<unknown>): Promise<Error & { type?: string; nonRetryable?: boolean; nextRetryDelay?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

const expectGarbage = async (promise: Promise<unknown>, text: RegExp) => {
  const err = await failureOf(promise);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err.type).toBe(FailureType.partnerGarbage);
  expect(err.nonRetryable).toBe(true);
  expect(err.message).toMatch(text);
};

/** An ordinary error: the activity's retry policy retries it (no ApplicationFailure, or one that is retryable). */
const expectRetryable = async (promise: Promise<unknown>, text: RegExp) => {
  const err = await failureOf(promise);
  expect(err instanceof ApplicationFailure ? err.nonRetryable : false).toBe(false);
  expect(err.message).toMatch(text);
  return err;
};

// ── the HTTP adapter against the stand-in ─────────────────────────────────────────────────────────────────

describe('HTTP partner adapter against the demo stand-in on loopback', () => {
  let demo: StartedDemoPartner;
  let adapter: Required<PartnerAdapter>;
  const partner = (overrides: Partial<PartnerRecord> = {}): PartnerRecord => ({
    id: 'demo',
    launchUrlTemplate: '{publicBaseUrl}/launch?course={courseId}&registration={enrollmentId}&learner={externalId}',
    apiBaseUrl: '{publicBaseUrl}/demo-partner',
    ...overrides,
  });
  const adapterFor = (overrides: Partial<PartnerRecord> = {}, options: { env?: NodeJS.ProcessEnv; checkMs?: number } = {}) =>
    createHttpPartnerAdapter(partner(overrides), {
      publicBaseUrl: demo.origin,
      outbound,
      env: options.env ?? {},
      timeouts: { checkMs: options.checkMs ?? 2_000 },
    }) as Required<PartnerAdapter>;

  beforeAll(async () => {
    demo = await startDemoPartner({ path: '/demo-partner' });
    adapter = adapterFor();
  });
  afterAll(() => demo?.close());
  afterEach(() => {
    demo.setFault(undefined);
    demo.setTransform(undefined);
  });

  const registered = async () => {
    const enrollmentId = randomUUID();
    const { externalId } = await adapter.register({ enrollmentId, courseId: 'safety-1' });
    return { enrollmentId, externalId };
  };

  test('registration answers the learner id and is idempotent; the launch URL fills in the template', async () => {
    const enrollmentId = randomUUID();
    const first = await adapter.register({ enrollmentId, courseId: 'safety-1' });
    const again = await adapter.register({ enrollmentId, courseId: 'safety-1' });
    expect(first).toEqual({ externalId: demoLearnerId(enrollmentId) });
    expect(again).toEqual(first);
    expect(demo.registrations.get(enrollmentId)).toEqual(
      expect.objectContaining({ courseId: 'safety-1', learnerId: first.externalId, completedAt: null }),
    );
    expect(await adapter.launchUrl({ enrollmentId, courseId: 'safety 1', externalId: first.externalId })).toBe(
      `${demo.origin}/launch?course=safety%201&registration=${enrollmentId}&learner=${first.externalId}`,
    );
  });

  test('a learner who has not finished: not completed', async () => {
    const { enrollmentId, externalId } = await registered();
    await expect(adapter.checkCompletion({ enrollmentId, externalId })).resolves.toEqual({ completed: false });
  });

  test('a learner who finished: completed, with the date and the score', async () => {
    const { enrollmentId, externalId } = await registered();
    demo.complete(enrollmentId, '2025-03-04T05:06:07.000Z', 87.5);
    await expect(adapter.checkCompletion({ enrollmentId, externalId })).resolves.toEqual({
      completed: true,
      completedAt: '2025-03-04T05:06:07.000Z',
      score: 87.5,
    });
  });

  test("finishing through the stand-in's endpoint (JSON) and without a score", async () => {
    const { enrollmentId } = await registered();
    const res = await fetch(`${demo.baseUrl}/v1/registrations/${enrollmentId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ completedAt: '2025-06-01T12:00:00+02:00' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expect.objectContaining({ completed: true, completedAt: '2025-06-01T10:00:00.000Z', score: null }));
    await expect(adapter.checkCompletion({ enrollmentId })).resolves.toEqual({ completed: true, completedAt: '2025-06-01T10:00:00.000Z' });
  });

  test('field_map finds the facts in another shape of answer (dotted paths)', async () => {
    const { enrollmentId, externalId } = await registered();
    demo.complete(enrollmentId, '2025-01-02T03:04:05.000Z', 91);
    demo.setTransform((r) => ({
      ref: r.registration,
      learner: { id: r.learnerId },
      result: { done: r.completed, finishedOn: r.completedAt, grade: { value: r.score } },
    }));
    const mapped = adapterFor({
      fieldMap: {
        completed: 'result.done',
        completedAt: 'result.finishedOn',
        score: 'result.grade.value',
        learnerId: 'learner.id',
        registration: 'ref',
      },
    });
    await expect(mapped.checkCompletion({ enrollmentId, externalId })).resolves.toEqual({
      completed: true,
      completedAt: '2025-01-02T03:04:05.000Z',
      score: 91,
    });
    // The default map does not find `completed` in that shape: unreadable, not "not completed".
    await expectGarbage(adapter.checkCompletion({ enrollmentId, externalId }), /completed is missing/);
  });

  test('a field_map with an unknown key is a configuration error', () => {
    let err: (Error & { type?: string }) | undefined;
    try {
      adapterFor({ fieldMap: { complete: 'done' } });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err!.type).toBe(FailureType.partnerUnavailable);
    expect(err!.message).toMatch(/unknown key "complete"/);
  });

  test('500 and 503 are retryable; Retry-After is passed on as the next retry delay', async () => {
    const { enrollmentId } = await registered();
    demo.setFault({ status: 500, body: '{"error":"boom"}' });
    const plain = await expectRetryable(adapter.checkCompletion({ enrollmentId }), /answered 500/);
    expect(plain).not.toBeInstanceOf(ApplicationFailure);
    demo.setFault({ status: 503, body: 'maintenance', contentType: 'text/plain' });
    await expectRetryable(adapter.register({ enrollmentId, courseId: 'x' }), /answered 503/);
    demo.setFault({ status: 429, body: '' });
    await expectRetryable(adapter.checkCompletion({ enrollmentId }), /answered 429/);
    demo.setFault({ status: 503, body: '', headers: { 'retry-after': '30' } });
    const later = await expectRetryable(adapter.checkCompletion({ enrollmentId }), /answered 503/);
    expect(later).toBeInstanceOf(ApplicationFailure);
    expect(later).toEqual(expect.objectContaining({ type: FailureType.partnerUnavailable, nonRetryable: false, nextRetryDelay: 30_000 }));
  });

  test('a partner that does not answer in time: a retryable timeout error', async () => {
    const { enrollmentId } = await registered();
    demo.setFault({ delayMs: 1_500, only: ['status'] });
    const started = Date.now();
    await expectRetryable(adapterFor({}, { checkMs: 200 }).checkCompletion({ enrollmentId }), /did not answer .* within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a partner that cannot be reached at all: retryable', async () => {
    const down = createHttpPartnerAdapter(partner({ apiBaseUrl: 'http://127.0.0.1:1/partner' }), {
      publicBaseUrl: demo.origin,
      outbound,
      env: {},
    });
    await expectRetryable(down.checkCompletion!({ enrollmentId: randomUUID() }), /could not be reached/);
  });

  test.each([
    ['not JSON', { body: '<html>oops</html>', contentType: 'text/html' }, /not JSON/],
    ['a JSON array', { body: '[]' }, /not a JSON object/],
    ['completed of the wrong type', { body: '{"completed":"yes"}' }, /completed is "yes", not true or false/],
    ['completed missing', { body: '{"learnerId":"x"}' }, /completed is missing/],
    ['completed without a date', { body: '{"completed":true,"completedAt":null}' }, /completedAt is null, not an ISO 8601 date/],
    ['completedAt not a date', { body: '{"completed":true,"completedAt":"last tuesday"}' }, /completedAt is "last tuesday"/],
    ['completedAt an impossible date', { body: '{"completed":true,"completedAt":"2025-13-45T99:00:00Z"}' }, /not an ISO 8601 date/],
    ['completedAt in the future', { body: '{"completed":true,"completedAt":"2999-01-01T00:00:00Z"}' }, /in the future/],
    [
      'score not a number',
      { body: '{"completed":true,"completedAt":"2025-01-01T00:00:00Z","score":"A+"}' },
      /score is "A\+", not a number/,
    ],
  ])('garbage: %s → PartnerAnswerUnreadable', async (_name, fault, text) => {
    const { enrollmentId } = await registered();
    demo.setFault({ status: 200, ...fault, only: ['status'] });
    await expectGarbage(adapter.checkCompletion({ enrollmentId }), text);
  });

  test('garbage: an answer about another registration or another learner', async () => {
    const { enrollmentId, externalId } = await registered();
    demo.setTransform((r) => ({ ...r, registration: 'someone-else' }));
    await expectGarbage(adapter.checkCompletion({ enrollmentId, externalId }), /about registration "someone-else"/);
    demo.setTransform((r) => ({ ...r, learnerId: 'another-learner' }));
    await expectGarbage(adapter.checkCompletion({ enrollmentId, externalId }), /about learner another-learner/);
  });

  test('a registration the partner does not know: RegistrationUnknownError', async () => {
    await expect(adapter.checkCompletion({ enrollmentId: randomUUID() })).rejects.toBeInstanceOf(RegistrationUnknownError);
  });

  test('the bearer credential comes from the variable the row names; a missing or refused one is not retried', async () => {
    const locked = await startDemoPartner({ token: 'partner-secret-1' });
    try {
      const row = partner({ apiBaseUrl: locked.baseUrl, apiCredentialEnv: 'DEMO_PARTNER_TEST_TOKEN' });
      const ok = createHttpPartnerAdapter(row, {
        publicBaseUrl: demo.origin,
        outbound,
        env: { DEMO_PARTNER_TEST_TOKEN: 'partner-secret-1' },
      });
      const enrollmentId = randomUUID();
      await ok.register!({ enrollmentId, courseId: 'c' });
      await expect(ok.checkCompletion!({ enrollmentId })).resolves.toEqual({ completed: false });

      const wrong = createHttpPartnerAdapter(row, { publicBaseUrl: demo.origin, outbound, env: { DEMO_PARTNER_TEST_TOKEN: 'guess' } });
      const refused = await failureOf(wrong.checkCompletion!({ enrollmentId }));
      expect(refused).toEqual(expect.objectContaining({ type: FailureType.partnerUnavailable, nonRetryable: true }));
      expect(refused.message).toMatch(/refused our credential \(401\)/);

      const unset = createHttpPartnerAdapter(row, { publicBaseUrl: demo.origin, outbound, env: {} });
      const missing = await failureOf(unset.checkCompletion!({ enrollmentId }));
      expect(missing).toEqual(expect.objectContaining({ type: FailureType.partnerUnavailable, nonRetryable: true }));
      expect(missing.message).toMatch(/DEMO_PARTNER_TEST_TOKEN .* is not set/);
      // Nothing was sent without the credential.
      expect(locked.requests.filter((r) => r.status === 401)).toHaveLength(1);
    } finally {
      await locked.close();
    }
  });

  test('a partner without api_base_url keeps the template launch URL and has no completion check', async () => {
    const template = createPartnerAdapter(
      { id: 'certiport', launchUrlTemplate: 'https://example.test/?course={courseId}&registration={enrollmentId}' },
      { publicBaseUrl: demo.origin, outbound },
    );
    expect(typeof template.checkCompletion).toBe('undefined');
    expect(typeof template.register).toBe('undefined');
    expect(await template.launchUrl({ enrollmentId: 'e-1', courseId: 'ic3 gs6' })).toBe(
      'https://example.test/?course=ic3%20gs6&registration=e-1',
    );
  });
});

// ── the partner activities against PostgreSQL ──────────────────────────────────────────────────────────────

/** An enrollment row as the API inserts it (funded by a voucher, so no payment is pending). */
async function insertEnrollment(db: Db, program: { id: string; priceCents: number }, id: string = randomUUID()) {
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, voucher_number, price_cents, currency, status)
     VALUES ($1, $2, $3, $4, 'Ada Lovelace', 'wioa_ita', $5, $6, 'usd', 'ready_to_launch')`,
    [id, program.id, `student-${id.slice(0, 8)}`, `student-${id.slice(0, 8)}@example.com`, `ITA-${id.slice(0, 8)}`, program.priceCents],
  );
  return id;
}

const externalIdOf = async (db: Db, enrollmentId: string) =>
  (await db.query<{ partner_external_id: string | null }>('SELECT partner_external_id FROM enrollments WHERE id = $1', [enrollmentId]))
    .rows[0].partner_external_id;

describe('partner activities on PostgreSQL', () => {
  let database: TestDatabase;
  let db: Db;
  let demo: StartedDemoPartner;
  let acts: ReturnType<typeof createPartnerActivities>;

  beforeAll(async () => {
    [database, demo] = await Promise.all([createTestDatabase(), startDemoPartner({ path: '/demo-partner' })]);
    db = database.db;
    // As in `npm start`: the seeded demo row's api_base_url is {publicBaseUrl}/demo-partner.
    acts = createPartnerActivities({ db, publicBaseUrl: demo.origin, outbound } as ActivityDeps, { env: {} });
  });
  afterAll(async () => {
    await demo?.close();
    await database?.drop();
  });
  afterEach(() => {
    demo.setFault(undefined);
    demo.setTransform(undefined);
  });

  test('the seed gives the demo partner its API (poll interval, rate limit) and only the demo partner is polled', async () => {
    const polled = await listPolledPartners(db);
    expect(polled).toEqual([
      expect.objectContaining({
        id: 'demo',
        apiBaseUrl: '{publicBaseUrl}/demo-partner',
        apiCredentialEnv: null,
        fieldMap: {},
        pollIntervalSeconds: 60,
        rateLimitPerSecond: 5,
      }),
    ]);
  });

  test("seeding is idempotent, fills in the API of a demo row seeded before partner APIs, and keeps an operator's changes", async () => {
    await db.query(`UPDATE partners SET api_base_url = NULL, poll_interval_seconds = 86400, rate_limit_per_second = 5 WHERE id = 'demo'`);
    await seed(db);
    await seed(db);
    const row = async () =>
      (
        await db.query<{ api_base_url: string | null; poll_interval_seconds: number; rate_limit_per_second: number }>(
          `SELECT api_base_url, poll_interval_seconds, rate_limit_per_second FROM partners WHERE id = 'demo'`,
        )
      ).rows[0];
    expect(await row()).toEqual({ api_base_url: '{publicBaseUrl}/demo-partner', poll_interval_seconds: 60, rate_limit_per_second: 5 });
    await db.query(`UPDATE partners SET rate_limit_per_second = 2.5 WHERE id = 'demo'`);
    await seed(db);
    expect(await row()).toEqual({ api_base_url: '{publicBaseUrl}/demo-partner', poll_interval_seconds: 60, rate_limit_per_second: 2.5 });
    await db.query(`UPDATE partners SET rate_limit_per_second = 5 WHERE id = 'demo'`);
    expect(Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM partners')).rows[0].n)).toBe(4);
  });

  test('launch registers with a partner that has an API and keeps its learner id, once; the launch URL is the template', async () => {
    const enrollmentId = await insertEnrollment(db, DEMO_PROGRAM);
    const first = await acts.launchAtPartner({ enrollmentId });
    const again = await acts.launchAtPartner({ enrollmentId });
    const expected = `${demo.origin}/partners/demo/launch?enrollmentId=${enrollmentId}&courseId=${DEMO_PROGRAM.partnerCourseId}`;
    expect(first).toEqual({ launchUrl: expected });
    expect(again).toEqual(first);
    expect(await externalIdOf(db, enrollmentId)).toBe(demoLearnerId(enrollmentId));
    expect(demo.registrations.get(enrollmentId)).toEqual(
      expect.objectContaining({ courseId: DEMO_PROGRAM.partnerCourseId, learnerId: demoLearnerId(enrollmentId) }),
    );
  });

  test('launch at a partner without an API: the template URL, no registration', async () => {
    const enrollmentId = await insertEnrollment(db, IC3);
    const before = demo.requests.length;
    expect(await acts.launchAtPartner({ enrollmentId })).toEqual({
      launchUrl: `https://www.certiport.com/portal?course=${IC3.partnerCourseId}&registration=${enrollmentId}`,
    });
    expect(demo.requests.length).toBe(before);
    expect(await externalIdOf(db, enrollmentId)).toBeNull();
  });

  test("checkPartnerCompletion: not yet, then completed with the partner's date and score", async () => {
    const enrollmentId = await insertEnrollment(db, DEMO_PROGRAM);
    await acts.launchAtPartner({ enrollmentId });
    expect(await acts.checkPartnerCompletion({ enrollmentId })).toEqual({ completed: false });
    demo.complete(enrollmentId, '2025-05-06T07:08:09.000Z', 100);
    expect(await acts.checkPartnerCompletion({ enrollmentId })).toEqual({
      completed: true,
      completedAt: '2025-05-06T07:08:09.000Z',
      score: 100,
    });
  });

  test('checkPartnerCompletion of an enrollment the partner does not know registers it (not completed)', async () => {
    const enrollmentId = await insertEnrollment(db, DEMO_PROGRAM);
    expect(await acts.checkPartnerCompletion({ enrollmentId })).toEqual({ completed: false });
    expect(await externalIdOf(db, enrollmentId)).toBe(demoLearnerId(enrollmentId));
    expect(demo.registrations.has(enrollmentId)).toBe(true);
  });

  test('checkPartnerCompletion: garbage and outages surface as such', async () => {
    const enrollmentId = await insertEnrollment(db, DEMO_PROGRAM);
    await acts.launchAtPartner({ enrollmentId });
    demo.setFault({ status: 200, body: 'not json at all', only: ['status'] });
    await expectGarbage(acts.checkPartnerCompletion({ enrollmentId }), /not JSON/);
    demo.setFault({ status: 502, body: 'bad gateway', only: ['status'] });
    await expectRetryable(acts.checkPartnerCompletion({ enrollmentId }), /answered 502/);
  });

  test('checkPartnerCompletion for a partner without an API fails at once, naming why', async () => {
    const enrollmentId = await insertEnrollment(db, IC3);
    const err = await failureOf(acts.checkPartnerCompletion({ enrollmentId }));
    expect(err).toEqual(expect.objectContaining({ type: FailureType.partnerUnavailable, nonRetryable: true }));
    expect(err.message).toMatch(/certiport has no completion API/);
  });

  test("as `npm start` serves it: the stand-in in the API app, the launch page's Finish button, then the poll finds it", async () => {
    const app = createApp({
      config: loadConfig({ NODE_ENV: 'test' }),
      db,
      files: createLocalFileStore(os.tmpdir()),
      enrollments: {} as EnrollmentClient,
      authenticate: () => Promise.reject(new Error('no platform tokens here')),
      temporalHealth: () => Promise.resolve({}),
    });
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const publicBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const viaApi = createPartnerActivities({ db, publicBaseUrl, outbound } as ActivityDeps, { env: {} });
      const enrollmentId = await insertEnrollment(db, DEMO_PROGRAM);
      const { launchUrl } = await viaApi.launchAtPartner({ enrollmentId });
      expect(launchUrl).toBe(`${publicBaseUrl}/partners/demo/launch?enrollmentId=${enrollmentId}&courseId=${DEMO_PROGRAM.partnerCourseId}`);
      expect(await viaApi.checkPartnerCompletion({ enrollmentId })).toEqual({ completed: false });

      // A partner credential is not a platform token: the stand-in is mounted before the platform's bearer check.
      const direct = await fetch(`${publicBaseUrl}/demo-partner/v1/registrations/${enrollmentId}`, {
        headers: { authorization: 'Bearer partner-credential' },
      });
      expect(direct.status).toBe(200);
      expect(await direct.json()).toEqual(
        expect.objectContaining({ registration: enrollmentId, learnerId: demoLearnerId(enrollmentId), completed: false }),
      );

      const page = await (await fetch(launchUrl)).text();
      const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
      expect(action).toBe(`/demo-partner/v1/registrations/${enrollmentId}/complete`);
      const finished = await fetch(`${publicBaseUrl}${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(finished.status).toBe(200);
      expect(await finished.text()).toContain('Course finished');

      const check = await viaApi.checkPartnerCompletion({ enrollmentId });
      expect(check).toEqual<Record<string, unknown>>({ completed: true, completedAt: expect.any(String) });
      expect(Date.now() - Date.parse((check as { completedAt: string }).completedAt)).toBeLessThan(60_000);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('a learner id the partner already gave to another enrollment of the program is refused, not stored', async () => {
    const [a, b] = [await insertEnrollment(db, DEMO_PROGRAM), await insertEnrollment(db, DEMO_PROGRAM)];
    demo.setTransform((r) => ({ ...r, learnerId: 'the-same-learner' }));
    await acts.launchAtPartner({ enrollmentId: a });
    await expectGarbage(acts.launchAtPartner({ enrollmentId: b }), /gave learner id the-same-learner .* another enrollment/);
    expect([await externalIdOf(db, a), await externalIdOf(db, b)]).toEqual(['the-same-learner', null]);
  });
});

// ── the running system, as `npm start` runs it ─────────────────────────────────────────────────────────────

describe('the running system: a learner finishes at the demo partner and a poll completes the enrollment', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(() => system?.stop());

  test('launch registers at the stand-in inside the API, "Finish course", then the partner queue\'s poll closes it (partner_api)', async () => {
    // Seeded at 60 s; the API reads the interval when it starts the enrollment's workflow.
    await system.db.query(`UPDATE partners SET poll_interval_seconds = 1 WHERE id = 'demo'`);
    const request = httpClient(system.baseUrl);
    const student = await system.token('student');
    const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: student.token,
      json: await fundedEnrollmentBody(system, student.actor, DEMO_PROGRAM.id),
    });
    expect(created.status).toBe(201);
    const { enrollmentId } = created.body;
    await waitForStatus(system, student.token, enrollmentId, 'ready_to_launch');

    const launch = await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token });
    expect(launch.status).toBe(302);
    expect(await externalIdOf(system.db, enrollmentId)).toBe(demoLearnerId(enrollmentId));
    await waitForStatus(system, student.token, enrollmentId, 'in_progress');

    const page = await request<string>(
      'GET',
      new URL(launch.headers.get('location')!).pathname + new URL(launch.headers.get('location')!).search,
    );
    const action = /<form method="post" action="([^"]+)">/.exec(page.body)![1];
    const finished = await request('POST', action, { body: 'score=93', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(finished.status).toBe(200);

    const closed = await waitForStatus(system, student.token, enrollmentId, 'closed', 30_000);
    expect(closed).toEqual(
      expect.objectContaining<Record<string, unknown>>({ completionMethod: 'partner_api', completedAt: expect.any(String) }),
    );
  });
});

// ── the rate limit, on the real Temporal dev server ────────────────────────────────────────────────────────

/** The most requests in any window of `windowMs` (each window starts at a request). */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/**
 * The server's limit is a token bucket per task queue partition: each of the queue's partitions (4 by default,
 * `matching.numTaskqueueReadPartitions`, on the dev server as on a cluster) dispatches at limit/4 per second with a
 * burst of ceil(limit/4) tasks. So in any window of T seconds at most limit·T + 4·ceil(limit/4) tasks start, and
 * over time the rate is the limit.
 */
const PARTITIONS = 4;
const burstOf = (limit: number) => PARTITIONS * Math.ceil(limit / PARTITIONS);

describe('per-partner rate limit on the Temporal dev server', () => {
  const ENROLLMENTS = 60;
  const MEASURE_MS = 10_000;
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let demo: StartedDemoPartner;
  let replicaProcess: ReturnType<typeof startWorkerProcess> | undefined;

  beforeAll(async () => {
    [env, database, demo] = await Promise.all([createDevServerEnv(), createTestDatabase(), startDemoPartner({ path: '/demo-partner' })]);
  });
  afterAll(async () => {
    await replicaProcess?.stop();
    await env?.teardown();
    await demo?.close();
    await database?.drop();
  });

  test(`${ENROLLMENTS} enrollments polling every second, two worker replicas: the partner sees its 5 requests per second`, async () => {
    const db = database.db;
    const [demoPartner] = await listPolledPartners(db);
    const limit = demoPartner.rateLimitPerSecond;
    expect(limit).toBe(5);

    // Replica 1: the worker process itself (dist/worker/main.js), which starts a worker per polled partner. It
    // reaches the stand-in as 127.0.0.1, the in-process replica below as localhost: the Host header tells them apart.
    replicaProcess = startWorkerProcess({
      temporalAddress: env.address,
      databaseUrl: database.url,
      publicBaseUrl: demo.origin,
      name: 'partner-replica',
    });
    const inProcessBase = demo.origin.replace('127.0.0.1', 'localhost');
    const deps = { db, publicBaseUrl: inProcessBase, outbound } as ActivityDeps;

    // Enrollments as the API makes them, registered with the partner as a launch does.
    const partnerActs = createPartnerActivities(deps, { env: {} });
    const inputs = Array.from({ length: ENROLLMENTS }, () =>
      workflowInput({
        programId: DEMO_PROGRAM.id,
        partnerId: 'demo',
        fundingSource: 'wioa_ita',
        priceCents: DEMO_PROGRAM.priceCents,
        voucherNumber: 'ITA-RATE',
        polling: { taskQueue: partnerTaskQueue('demo'), intervalMs: 1_000, maxIntervalMs: 60_000 },
      }),
    );
    for (const input of inputs) {
      await insertEnrollment(db, DEMO_PROGRAM, input.enrollmentId);
      await partnerActs.launchAtPartner({ enrollmentId: input.enrollmentId });
    }

    // Replica 2, in this process, built as the worker process builds it; and the enrollment worker, with fakes.
    const replica = await createPartnerWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      deps,
      partner: demoPartner,
      activityOptions: { env: {} },
    });
    const { worker, taskQueue } = await createTestWorker(env, fakeActivities().activities);

    const polls = await worker.runUntil(
      replica.runUntil(async () => {
        await waitForPollers(env, partnerTaskQueue('demo'), 2, replicaProcess!);
        const handles = await Promise.all(inputs.map((input) => startEnrollment(env.client, taskQueue, input)));
        await Promise.all(handles.map((h) => h.executeUpdate(launchUpdate)));
        const since = Date.now();
        await new Promise((r) => setTimeout(r, MEASURE_MS));
        const until = Date.now();
        await Promise.all(handles.map((h) => h.terminate('rate-limit test done')));
        return demo.requestsOf('status', since).filter((r) => r.at < until);
      }),
    );

    const times = polls.map((r) => r.at);
    expect(times.length).toBeGreaterThan(0);
    const first = times[0];
    const perSecond = Array.from(
      { length: Math.ceil(MEASURE_MS / 1000) },
      (_, s) => times.filter((t) => t >= first + s * 1000 && t < first + (s + 1) * 1000).length,
    );
    // The sustained rate: whole seconds after the first (which holds the full buckets' burst), 8 seconds = 2 refill periods.
    const sustained = perSecond.slice(1, 9).reduce((a, b) => a + b, 0) / 8;
    const overall = times.length / ((times[times.length - 1] - first) / 1000);
    const byReplica = {
      process: polls.filter((r) => r.host?.startsWith('127.0.0.1')).length,
      inProcess: polls.filter((r) => r.host?.startsWith('localhost')).length,
    };
    const windows = [1, 2, 5].map((s) => ({ s, max: maxInWindow(times, s * 1000), bound: limit * s + burstOf(limit) }));
    console.log(
      [
        `[rate limit] demo partner, limit ${limit}/s, ${ENROLLMENTS} enrollments each asking every second (demand ${ENROLLMENTS}/s), 2 worker replicas:`,
        `  ${times.length} polls in ${MEASURE_MS / 1000} s; sustained ${sustained.toFixed(2)}/s (seconds 2-9); overall ${overall.toFixed(2)}/s including the initial burst`,
        `  per second: ${perSecond.join(' ')}; by replica: worker process ${byReplica.process}, in-process ${byReplica.inProcess}`,
        `  busiest windows: ${windows.map((w) => `${w.s} s: ${w.max} (token-bucket bound ${w.bound})`).join('; ')}`,
      ].join('\n'),
    );

    // Each replica alone could take 5/s (10/s together): the task queue's limit is what holds the total.
    expect(byReplica.process).toBeGreaterThan(0);
    expect(byReplica.inProcess).toBeGreaterThan(0);
    for (const w of windows) expect(w.max).toBeLessThanOrEqual(w.bound);
    expect(sustained).toBeGreaterThanOrEqual(limit * 0.8);
    expect(sustained).toBeLessThanOrEqual(limit * 1.1);

    // SIGTERM stops the worker process's workers (enrollments and partner) cleanly.
    const { code, signal } = await replicaProcess.stop();
    replicaProcess = undefined;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});

/** Until `count` workers poll the activity task queue (the worker process bundles workflows at start: a few seconds). */
async function waitForPollers(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  count: number,
  process: ReturnType<typeof startWorkerProcess>,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { pollers } = await env.client.workflowService.describeTaskQueue({
      namespace: env.namespace ?? 'default',
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((pollers?.length ?? 0) >= count) return;
    if (process.child.exitCode !== null) throw new Error(`the worker process exited (${process.child.exitCode}); see ${process.logFile}`);
    if (Date.now() > deadline) throw new Error(`${pollers?.length ?? 0} pollers on ${taskQueue}, not ${count}; see ${process.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
