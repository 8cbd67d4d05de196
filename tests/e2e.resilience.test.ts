/**
 * The real system (Temporal dev server, worker and API as processes) on a PostgreSQL server of the test's own, so
 * the test can crash and stop what the API depends on:
 * - an API killed in the middle of a request with an Idempotency-Key: the retry first hears "in progress", and
 *   once the claim's lease has run out takes it over and gets the real answer; the update is applied once;
 * - a workflow update that no worker takes (the worker killed): 503 with Retry-After, and the retry applies it once;
 * - PostgreSQL stopped: business endpoints answer 503 with Retry-After, and recover when it is back, without a restart;
 * - a partner API streaming 300 MB to the worker's poll: the poll fails as an unreadable answer, the worker's
 *   memory stays flat and the enrollment keeps waiting;
 * - the Temporal service gone: 503 with Retry-After.
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { ensureDatabase, migrate } from '../db/migrate';
import { createPool, type Db } from '../db/pool';
import { rssMbOf } from '../bench/harness';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS, seed } from '../db/seed';
import { enrollmentWorkflowId, FailureType } from '../workflows/messages';
import type { EnrollmentState, OpenedEnrollment, Problem, Readiness } from './helpers/contract';
import { eventually, sleep } from './helpers/eventually';
import { MB, startFloodServer } from './helpers/flood-server';
import { startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres';
import { expectProblem, type Res } from './helpers/problems';
import { httpClient, startSystem, type System, type Session } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

const PROGRAM = SEEDED_PROGRAMS.find((p) => p.partnerId === 'milady')!;
const DEMO_PROGRAM = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const LEASE_MS = 20_000;
const CALL_TIMEOUT_MS = 6_000;

let pg: PrivatePostgres;
let db: Db;
let system: System;
let request: ReturnType<typeof httpClient>;
let temporal: Client;
let holder: Session;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  await ensureDatabase(pg.url);
  await migrate(pg.url);
  db = createPool(pg.url, 2);
  await seed(db);
  system = await startSystem({
    env: {
      DATABASE_URL: pg.url,
      IDEMPOTENCY_LEASE: `${LEASE_MS}ms`,
      TEMPORAL_CALL_TIMEOUT: `${CALL_TIMEOUT_MS}ms`,
      DATABASE_CONNECT_TIMEOUT: '2s',
    },
  });
  request = httpClient(system.baseUrl);
  temporal = new Client({ connection: await Connection.connect({ address: system.temporalAddress }) });
  holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
}, 180_000);

afterAll(async () => {
  await temporal?.connection.close().catch(() => undefined);
  await system?.stop();
  await db?.end();
  pg?.destroy();
}, 60_000);

/** A new student's enrollment, launched: in progress, waiting for a completion. */
async function enrollmentInProgress() {
  const student = await system.token('student');
  const json = await fundedEnrollmentBody(system, student.actor, PROGRAM.id, { fundingSource: 'sponsor' });
  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', { token: student.token, json });
  expect(created.status).toBe(201);
  const { enrollmentId } = created.body;
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
  return { student, enrollmentId };
}

/** A completion dated today: after the launch, not in the future. */
const TODAY = new Date().toISOString().slice(0, 10);
const markComplete = (enrollmentId: string, key?: string) =>
  request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId, completedAt: TODAY },
    headers: key ? { 'idempotency-key': key } : {},
  });

/** How often the workflow accepted an update with this id (its history is the record of what was applied). */
async function updatesAccepted(enrollmentId: string, updateId: string) {
  const history = await temporal.workflow.getHandle(enrollmentWorkflowId(enrollmentId)).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId,
  ).length;
}

const timesCompleted = async (enrollmentId: string) =>
  Number(
    (
      await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM enrollment_status_history WHERE enrollment_id = $1 AND status = 'completed'`,
        [enrollmentId],
      )
    ).rows[0].n,
  );

function expectUnavailable(res: Res) {
  expectProblem(res, 503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

test('an API killed mid-request: the retry hears "in progress", then takes the claim over after its lease and gets the real answer, applied once', async () => {
  const { enrollmentId } = await enrollmentInProgress();
  const key = `mark-complete-${enrollmentId}`;
  // Without a worker the update waits, so the request is surely still running when its process dies.
  await system.killWorker();
  const dying = markComplete(enrollmentId, key).then(
    (res) => `an answer, ${res.status}`,
    (err: Error) => String(err),
  );
  await eventually(async () => (await db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount, 'the key claimed');
  await sleep(500);
  await system.kill('api');
  // The client saw the connection drop: no answer at all.
  expect(await dying).toMatch(/fetch failed/);
  system.startWorker();
  await system.startApi();

  // The claim's lease is still running: the first request might still be at work.
  const early = await markComplete(enrollmentId, key);
  expectProblem(early, 409);
  expect((early.body as Problem).detail).toMatch(/still in progress/);
  const retryAfter = Number(early.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(LEASE_MS / 1000);

  // After the lease: two retries at once; exactly one takes the claim over and runs the request again.
  const {
    rows: [claim],
  } = await db.query<{ claimed_until: Date }>('SELECT claimed_until FROM idempotency_keys WHERE key = $1', [key]);
  await sleep(Math.max(0, claim.claimed_until.getTime() - Date.now()) + 500);
  const [a, b] = await Promise.all([markComplete(enrollmentId, key), markComplete(enrollmentId, key)]);
  const answered = [a, b].filter((r) => r.status === 200);
  expect(answered.length).toBeGreaterThanOrEqual(1);
  for (const other of [a, b].filter((r) => r.status !== 200)) {
    expectProblem(other, 409);
    expect((other.body as Problem).detail).toMatch(/still in progress/);
  }
  expect(answered[0].body).toEqual<Record<string, unknown>>({
    enrollmentId,
    status: 'completed',
    completedAt: expect.stringMatching(new RegExp(`^${TODAY}`)),
    completionMethod: 'manual',
  });
  // Both API processes wrote to the same log: one takeover in all.
  expect(fs.readFileSync(`${system.logPrefix}-api.log`, 'utf8').match(/Idempotency-Key taken over/g)).toHaveLength(1);

  // The stored answer from now on.
  const replay = await markComplete(enrollmentId, key);
  expect(replay.status).toBe(200);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(answered[0].body);

  expect(await updatesAccepted(enrollmentId, key)).toBe(1);
  expect(await timesCompleted(enrollmentId)).toBe(1);
}, 120_000);

test('an update no worker takes times out as 503 with Retry-After; the retry with the same key is applied once', async () => {
  const { enrollmentId } = await enrollmentInProgress();
  const key = `timeout-${enrollmentId}`;
  await system.killWorker();
  const started = Date.now();
  const timedOut = await markComplete(enrollmentId, key);
  expectUnavailable(timedOut);
  expect(Date.now() - started).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 500);
  expect(Date.now() - started).toBeLessThan(CALL_TIMEOUT_MS + 5_000);

  system.startWorker();
  const done = await eventually(
    async () => {
      const res = await markComplete(enrollmentId, key);
      if (res.status !== 200) expectUnavailable(res);
      return res.status === 200 && res;
    },
    'the retried update answered',
    60_000,
  );
  expect(done.body).toEqual(expect.objectContaining({ enrollmentId, status: 'completed', completionMethod: 'manual' }));
  expect(await updatesAccepted(enrollmentId, key)).toBe(1);
  expect(await timesCompleted(enrollmentId)).toBe(1);
}, 120_000);

test('PostgreSQL stopped: 503 with Retry-After from business endpoints and /readyz; back without an API restart once it returns', async () => {
  const { student, enrollmentId } = await enrollmentInProgress();
  const other = await system.token('student');
  const json = await fundedEnrollmentBody(system, other.actor, PROGRAM.id, { fundingSource: 'sponsor' });
  const enroll = (who: Session, key?: string) =>
    request('POST', '/api/enrollments', {
      token: who.token,
      json,
      headers: key ? { 'idempotency-key': key } : {},
    });
  expect((await request('GET', '/api/programs')).status).toBe(200);

  pg.stop();
  const started = Date.now();
  expectUnavailable(await request('GET', '/api/programs'));
  expectUnavailable(await request('GET', `/api/enrollments/${enrollmentId}`, { token: student.token }));
  expectUnavailable(await request('GET', '/api/enrollments', { token: holder.token }));
  expectUnavailable(await enroll(other));
  expectUnavailable(await enroll(other, `enroll-${other.actor.id}`));
  expectUnavailable(await markComplete(enrollmentId));
  const ready = await request<Readiness>('GET', '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body.checks.postgres).toMatch(/^down/);
  expect(Number(ready.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  // Refused connections answer at once: no request waits for a connection that will not come.
  expect(Date.now() - started).toBeLessThan(15_000);

  pg.start();
  await eventually(async () => (await request('GET', '/api/programs')).status === 200, 'the catalog back', 30_000);
  expect((await request('GET', `/api/enrollments/${enrollmentId}`, { token: student.token })).body).toEqual(
    expect.objectContaining({ enrollmentId, status: 'in_progress' }),
  );
  const created = await enroll(other, `enroll-${other.actor.id}`);
  expect(created.status).toBe(201);
  expect((await request('GET', '/readyz')).status).toBe(200);
}, 120_000);

test("a partner API streaming 300 MB to the worker's poll: an unreadable answer, the worker's memory flat, the enrollment still waiting", async () => {
  const flood = await startFloodServer(300 * MB);
  try {
    // Polled every second, registered at the demo stand-in by the launch, then polled at the flooding address.
    await db.query(`UPDATE partners SET poll_interval_seconds = 1 WHERE id = 'demo'`);
    const student = await system.token('student');
    const json = await fundedEnrollmentBody(system, student.actor, DEMO_PROGRAM.id, { fundingSource: 'sponsor' });
    const created = await request<OpenedEnrollment>('POST', '/api/enrollments', { token: student.token, json });
    expect(created.status).toBe(201);
    const { enrollmentId } = created.body;
    expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
    await db.query(`UPDATE partners SET api_base_url = $1 WHERE id = 'demo'`, [flood.url]);

    const worker = system.pid('worker');
    const before = rssMbOf(worker);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMbOf(worker))), 50);
    try {
      // Polls back off after each failure (1 s, 2 s, 4 s): three polls, three floods refused.
      await eventually(() => Promise.resolve(flood.stats.closedEarly >= 3), 'three polls of the flooding partner', 60_000);
    } finally {
      clearInterval(sampler);
    }
    const history = await temporal.workflow.getHandle(enrollmentWorkflowId(enrollmentId)).fetchHistory();
    const failures = (history.events ?? []).flatMap(
      (e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type ?? [],
    );
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(new Set(failures)).toEqual(new Set([FailureType.partnerGarbage]));
    expect((await request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token: student.token })).body.status).toBe(
      'in_progress',
    );

    const offered = flood.stats.requests * 300;
    console.log(
      `worker under a partner flood: ${flood.stats.requests} polls, ${(flood.stats.bytesWritten / MB).toFixed(1)} MB sent of ${offered} MB offered; worker RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most`,
    );
    expect(flood.stats.bytesWritten).toBeLessThan(flood.stats.requests * 20 * MB);
    expect(peak - before).toBeLessThan(100);
  } finally {
    await flood.close();
  }
}, 120_000);

test('the Temporal service gone: 503 with Retry-After for calls that need it, and from /readyz', async () => {
  const { enrollmentId } = await enrollmentInProgress();
  const student = await system.token('student');
  const json = await fundedEnrollmentBody(system, student.actor, PROGRAM.id, { fundingSource: 'sponsor' });
  await temporal.connection.close();
  await system.kill('temporal');

  // Each call to Temporal gives up at its deadline (plus at most one of the SDK's gRPC retry pauses, up to 5 s);
  // opening an enrollment is one (update-with-start).
  const callAtMost = CALL_TIMEOUT_MS + 5_000 + 2_000;
  let started = Date.now();
  expectUnavailable(await markComplete(enrollmentId, `after-temporal-${enrollmentId}`));
  expect(Date.now() - started).toBeLessThan(callAtMost);
  started = Date.now();
  const enroll = await request('POST', '/api/enrollments', { token: student.token, json });
  expectUnavailable(enroll);
  expect(Date.now() - started).toBeLessThan(callAtMost);
  // An enrollment that could not be opened leaves no record behind.
  expect(
    Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM enrollments WHERE student_id = $1', [student.actor.id])).rows[0].n),
  ).toBe(0);
  const ready = await request<Readiness>('GET', '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body.checks.temporal).toMatch(/^down/);
  expect(Number(ready.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  // What needs only the database still answers.
  expect((await request('GET', `/api/enrollments/${enrollmentId}`, { token: holder.token })).status).toBe(200);
}, 120_000);
