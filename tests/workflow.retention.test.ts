/**
 * The retention run on the Temporal CLI's dev server, over a real PostgreSQL: the workflow applies every rule in
 * batches until nothing is due, a batch that fails is retried and nothing is done twice, a continued run picks up
 * where it stopped, and the run is recorded in the audit log; a student past RETENTION_PERSONAL_DATA is pseudonymized by
 * the erasure workflow, run as the retention run's child, once. The `retention` Schedule is made once by every worker
 * (a second one brings it up to date), runs daily and starts this workflow.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createRetentionActivities, type RetentionActivities } from '../activities/retention';
import { RETENTION_RULES } from '../capabilities/privacy/retention-policy';
import { retentionFromEnv } from '../lib/retention-config';
import { SEEDED_PROGRAMS } from '../db/seed';
import { createLocalFileStore, type FileStore } from '../services/file-store';
import { createOutboxMailer } from '../services/mailer';
import { createSimulatedPaymentProvider } from '../services/payment-provider';
import { ensureRetentionSchedule, RETENTION_AT, RETENTION_SCHEDULE_ID } from '../worker/schedules';
import { retentionWorkflow } from '../workflows/retention';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { eventually } from './helpers/eventually';
import { columnsMentioning } from './helpers/pii-scan';
import { createDevServerEnv, workflowBundle } from './helpers/temporal';

const NOW = '2031-06-01T12:00:00.000Z';
const zero = Object.fromEntries(RETENTION_RULES.map((rule) => [rule, 0]));

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let root: string;
let files: FileStore;
beforeAll(async () => {
  [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-retention-wf-'));
  files = createLocalFileStore(path.join(root, 'files'));
});
afterAll(async () => {
  await Promise.allSettled([env?.teardown(), database?.drop()]);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Five audit entries seven years old and one a year old, by an actor of the test's own. */
async function auditEntries(actor: string) {
  await database.db.query(
    `INSERT INTO audit_log (at, actor_id, actor_role, action, target_type, target_id)
     SELECT $2::timestamptz - interval '7 years', $1, 'admin', 'old', 't', n::text FROM generate_series(1, 5) n
     UNION ALL SELECT $2::timestamptz - interval '1 year', $1, 'admin', 'recent', 't', '6'`,
    [actor, NOW],
  );
}

/** The real activities in batches of two, with `wrap` around the batch activity. */
function activities(wrap: (real: RetentionActivities['applyRetentionBatch']) => RetentionActivities['applyRetentionBatch']) {
  const real = createRetentionActivities({
    db: database.db,
    files,
    retention: retentionFromEnv({ RETENTION_BATCH_SIZE: '2' }),
  });
  return { ...real, applyRetentionBatch: wrap((input) => real.applyRetentionBatch(input)) };
}

test('applies every rule in batches to the end, retries a failed batch without doing anything twice, and records the run', async () => {
  const actor = `actor-${randomUUID()}`;
  await auditEntries(actor);
  const calls: string[] = [];
  let failedOnce = false;
  const taskQueue = `retention-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: activities((real) => async (input) => {
      calls.push(input.rule);
      // The audit log's second batch fails once, after the first has committed.
      if (input.rule === 'auditLog' && calls.filter((r) => r === 'auditLog').length === 2 && !failedOnce) {
        failedOnce = true;
        throw new Error('the database went away');
      }
      return real(input);
    }),
  });
  const report = await worker.runUntil(
    env.client.workflow.execute(retentionWorkflow, { taskQueue, workflowId: `retention-${randomUUID()}`, args: [{ now: NOW }] }),
  );
  expect(report).toEqual({ now: NOW, counts: { ...zero, auditLog: 5 } });
  // Batches of two: 2, (failed, retried) 2, 1.
  expect(calls.filter((r) => r === 'auditLog')).toHaveLength(4);
  expect((await database.db.query('SELECT action FROM audit_log WHERE actor_id = $1', [actor])).rows).toEqual([{ action: 'recent' }]);
  const { rows } = await database.db.query<{ details: { counts: Record<string, number>; periods: Record<string, string> } }>(
    `SELECT details FROM audit_log WHERE action = 'retention.run' AND target_id = $1`,
    [NOW],
  );
  expect(rows).toEqual([{ details: { counts: { ...zero, auditLog: 5 }, periods: expect.objectContaining({ auditLog: '6y' }) as object } }]);
});

test('a continued run picks up at its rule with its counts so far', async () => {
  const actor = `actor-${randomUUID()}`;
  await auditEntries(actor);
  const calls: string[] = [];
  const taskQueue = `retention-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: activities((real) => (input) => {
      calls.push(input.rule);
      return real(input);
    }),
  });
  const report = await worker.runUntil(
    env.client.workflow.execute(retentionWorkflow, {
      taskQueue,
      workflowId: `retention-${randomUUID()}`,
      args: [{ now: NOW, from: 'auditLog', counts: { sessions: 3, evidenceFiles: 4 } }],
    }),
  );
  expect(report.counts).toEqual({ ...zero, sessions: 3, evidenceFiles: 4, auditLog: 5 });
  // Every rule from the audit log on; the pseudonymization files its requests through an activity of its own.
  expect(new Set(calls)).toEqual(new Set(RETENTION_RULES.slice(RETENTION_RULES.indexOf('auditLog')).filter((r) => r !== 'personalData')));
});

test('pseudonymizes a student past RETENTION_PERSONAL_DATA through the erasure workflow, once', async () => {
  const name = `Quill Retention ${randomUUID().slice(0, 8)}`;
  const email = `quill.${randomUUID().slice(0, 8)}@example.com`;
  const studentId = `student-${randomUUID()}`;
  const enrollmentId = randomUUID();
  const uploadKey = `evidence/${enrollmentId}/upload.pdf`;
  // A self-paid enrollment closed seven years before the run, with its student's row and an uploaded file.
  await database.db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, price_cents, currency,
                              status, closed_at, created_at)
     VALUES ($1, $2, $3, $4, $5, 'self_pay', 1000, 'usd', 'closed', $6::timestamptz - interval '7 years', $6::timestamptz - interval '8 years')`,
    [enrollmentId, SEEDED_PROGRAMS[0].id, studentId, email, name, NOW],
  );
  await database.db.query('INSERT INTO students (id, email, name) VALUES ($1, $2, $3)', [studentId, email, name]);
  await files.put(uploadKey, Buffer.from('%PDF-upload'));
  await database.db.query(
    `INSERT INTO completion_submissions (id, enrollment_id, student_id, file_key, content_type, size_bytes, sha256, completed_at, status)
     VALUES ($1, $2, $3, $4, 'application/pdf', 11, 'sha', now(), 'approved')`,
    [randomUUID(), enrollmentId, studentId, uploadKey],
  );
  const deps = {
    db: database.db,
    files,
    payments: createSimulatedPaymentProvider('http://127.0.0.1:1'),
    mailer: createOutboxMailer(path.join(root, 'outbox'), 'test@marketplace.test'),
    publicBaseUrl: 'https://marketplace.test',
    retention: retentionFromEnv(),
  };
  const taskQueue = `retention-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { ...createActivities(deps), ...createRetentionActivities(deps) },
  });
  const run = () =>
    env.client.workflow.execute(retentionWorkflow, { taskQueue, workflowId: `retention-${randomUUID()}`, args: [{ now: NOW }] });
  // A worker runs once: both runs inside it.
  const [first, second] = await worker.runUntil(async () => {
    const one = await run();
    return [one, await run()] as const;
  });
  expect(first.counts.personalData).toBe(1);
  expect(await columnsMentioning(database.db, [name, email])).toEqual([]);
  expect(await files.get(uploadKey)).toBeUndefined();
  const { rows } = await database.db.query<{ status: string; origin: string; kept: { what: string }[] }>(
    `SELECT r.status, r.origin, r.kept FROM erasure_requests r JOIN enrollments e ON e.student_id = r.pseudonym WHERE e.id = $1`,
    [enrollmentId],
  );
  expect(rows).toEqual([
    {
      status: 'completed',
      origin: 'retention',
      kept: expect.arrayContaining([expect.objectContaining({ what: expect.stringContaining('enrollment records') as string })]) as unknown,
    },
  ]);
  expect((await database.db.query('SELECT count(*)::int AS n FROM enrollments WHERE id = $1', [enrollmentId])).rows).toEqual([{ n: 1 }]);

  expect(second.counts.personalData).toBe(0);
});

test('the retention Schedule: made once by every worker, daily, skipping a run still going, and it starts the retention run', async () => {
  const taskQueue = `retention-schedule-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: {
      applyRetentionBatch: () => Promise.resolve({ done: 0, more: false }),
      fileRetentionErasures: () => Promise.resolve({ requestIds: [], filed: 0, more: false }),
      recordRetentionRun: () => Promise.resolve(undefined),
    } satisfies RetentionActivities,
  });
  await worker.runUntil(async () => {
    await ensureRetentionSchedule(env.client, 'an-old-task-queue');
    await ensureRetentionSchedule(env.client, taskQueue); // a second worker, or a new version: the same Schedule, updated
    const listed: string[] = [];
    for await (const s of env.client.schedule.list()) listed.push(s.scheduleId);
    expect(listed.filter((id) => id === RETENTION_SCHEDULE_ID)).toHaveLength(1);

    const handle = env.client.schedule.getHandle(RETENTION_SCHEDULE_ID);
    const description = await handle.describe();
    expect(description.spec.calendars).toEqual([
      expect.objectContaining({ hour: [{ start: RETENTION_AT.hour, end: RETENTION_AT.hour, step: 1 }] }),
    ]);
    expect(description.spec.calendars?.[0].minute).toEqual([{ start: RETENTION_AT.minute, end: RETENTION_AT.minute, step: 1 }]);
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.action).toEqual(expect.objectContaining({ type: 'startWorkflow', workflowType: 'retentionWorkflow', taskQueue }));

    await handle.trigger();
    await eventually(async () => (await handle.describe()).info.recentActions.length > 0, 'the triggered run');
    const [run] = (await handle.describe()).info.recentActions;
    const report: unknown = await env.client.workflow.getHandle(run.action.workflow.workflowId).result();
    expect(report).toEqual({ now: expect.any(String) as string, counts: zero });
    await handle.delete();
  });
});
