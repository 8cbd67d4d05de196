/**
 * The privacy workflows (workflows/privacy.ts) on the time-skipping test server with their real activities against
 * PostgreSQL (the API test app's database, files and outbox): the export is built, emailed, and removed when its
 * 7 days have passed (skipped); the erasure runs every step once and completes. Both start through the API's own
 * starter (services/privacy-jobs.ts), and neither history holds the student's name or email.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { requestErasure, approveErasure } from '../capabilities/privacy/erasure';
import { requestDataExport } from '../capabilities/privacy/exports';
import { createErasureActivities } from '../activities/erasure';
import type { ActivityDeps } from '../activities/deps';
import { createPrivacyJobs } from '../services/privacy-jobs';
import { createWorkflowHistories } from '../services/workflow-histories';
import { enrollmentWorkflowId } from '../workflows/messages';
import type { erasureWorkflow } from '../workflows/privacy';
import { dataExportWorkflowId, ERASURE_STEPS, erasureWorkflowId } from '../workflows/privacy-messages';
import { type ApiApp, type Session, startApiApp } from './helpers/api-app';
import { eventually } from './helpers/eventually';
import { columnsMentioning, filesMentioning, historyText as historyTextOf } from './helpers/pii-scan';
import { completeAndClose, studentWithRecords } from './helpers/privacy-fixtures';
import { fakeActivities } from './helpers/fake-activities';
import { createDevServerEnv, createTestWorker, createTimeSkippingEnv } from './helpers/temporal';

let env: TestWorkflowEnvironment;
let app: ApiApp;
let admin: Session;
beforeAll(async () => {
  [env, app] = await Promise.all([createTimeSkippingEnv(), startApiApp()]);
  admin = await app.token('admin');
});
afterAll(async () => {
  await app?.close();
  await env?.teardown();
});

const historyText = (workflowId: string) => historyTextOf(env.client, workflowId);

test('the export: built and emailed, downloadable until its 7 days pass, then removed by the workflow', async () => {
  const { worker, taskQueue } = await createTestWorker(env, app.activities);
  const privacyJobs = createPrivacyJobs(env.client, { taskQueue });
  const s = await studentWithRecords(app, 'Exported');
  let exportId = '';
  await worker.runUntil(async () => {
    const { id } = await requestDataExport({ db: app.db, files: app.files, privacyJobs }, s.student.actor);
    exportId = id;
    const ready = await eventually(async () => {
      const { rows } = await app.db.query<{ status: string; file_key: string | null }>(
        'SELECT status, file_key FROM data_exports WHERE id = $1',
        [id],
      );
      return rows[0]?.status === 'ready' && rows[0];
    }, 'the export to be ready');
    expect(await app.files.get(ready.file_key!)).toBeDefined();
    await eventually(async () => {
      const { rows } = await app.db.query(`SELECT 1 FROM emails_sent WHERE dedupe_key = $1 AND status = 'sent'`, [
        `data-export-ready:${id}`,
      ]);
      return rows.length > 0;
    }, 'the ready email');

    // Six days on (skipped on the test server): still there.
    await env.sleep('6d');
    const { rows: sixDays } = await app.db.query<{ status: string }>('SELECT status FROM data_exports WHERE id = $1', [id]);
    expect(sixDays[0].status).toBe('ready');
    expect(await app.files.get(ready.file_key!)).toBeDefined();

    // The workflow's 7-day timer fires: the file goes and the export says expired.
    const handle = env.client.workflow.getHandle(dataExportWorkflowId(id));
    expect(await handle.result()).toEqual({ status: 'expired' });
    const { rows: after } = await app.db.query<{ status: string; file_key: string | null }>(
      'SELECT status, file_key FROM data_exports WHERE id = $1',
      [id],
    );
    expect(after[0]).toEqual({ status: 'expired', file_key: null });
    expect(await app.files.get(ready.file_key!)).toBeUndefined();
    // Asking twice started one workflow: the second start is the same id, left alone.
    await privacyJobs.startExport(id);
  });
  const history = await historyText(dataExportWorkflowId(exportId));
  expect(history).not.toContain(s.name);
  expect(history).not.toContain(s.email);
});

test('the erasure: every step once, completed with what was erased and kept; nothing of the name or email left, in the tables, files or history', async () => {
  const { worker, taskQueue } = await createTestWorker(env, app.activities);
  const privacyJobs = createPrivacyJobs(env.client, { taskQueue });
  const s = await studentWithRecords(app, 'Forgotten');
  await completeAndClose(app, s.enrollmentId);
  const deps = { db: app.db, privacyJobs };
  const { id } = await requestErasure(deps, s.student.actor);
  await worker.runUntil(async () => {
    await approveErasure(deps, admin.actor, id);
    const result = await env.client.workflow.getHandle<typeof erasureWorkflow>(erasureWorkflowId(id)).result();
    expect(result).toEqual<Record<string, unknown>>({ requestId: id, erased: expect.any(Number), kept: expect.any(Number) });
    // Approving again (a lost start, a double click) starts nothing new: the workflow id is the request's.
    await expect(approveErasure(deps, admin.actor, id)).rejects.toThrow(/completed already/);
  });
  const { rows } = await app.db.query<{ status: string; steps: Record<string, unknown> }>(
    'SELECT status, steps FROM erasure_requests WHERE id = $1',
    [id],
  );
  expect(rows[0].status).toBe('completed');
  expect(Object.keys(rows[0].steps).sort()).toEqual([...ERASURE_STEPS].sort());
  expect(await columnsMentioning(app.db, [s.name, s.email])).toEqual([]);
  expect(filesMentioning(app.config.filesDir, [s.name, s.email])).toEqual([]);
  expect(filesMentioning(app.config.mail.outboxDir, [s.name, s.email])).toEqual([]);
  const history = await historyText(erasureWorkflowId(id));
  expect(history).toContain(id);
  expect(history).not.toContain(s.name);
  expect(history).not.toContain(s.email);
});

test('the erasure deletes the student’s closed enrollment workflows, every run, from Temporal (a dev server: it lists runs)', async () => {
  const dev = await createDevServerEnv();
  try {
    const s = await studentWithRecords(app, 'Historic');
    await completeAndClose(app, s.enrollmentId);
    // A closed workflow under the enrollment's id, two runs of it (a continue-as-new chain leaves several).
    const { worker, taskQueue } = await createTestWorker(dev, fakeActivities().activities);
    const workflowId = enrollmentWorkflowId(s.enrollmentId);
    const runs: string[] = [];
    await worker.runUntil(async () => {
      for (let run = 0; run < 2; run++) {
        const handle = await dev.client.workflow.start('reviewDigestsWorkflow', { workflowId, taskQueue });
        await handle.result();
        runs.push(handle.firstExecutionRunId);
      }
    });
    const erasure = createErasureActivities({
      db: app.db,
      files: app.files,
      mailer: { send: () => Promise.resolve() },
      workflowHistories: createWorkflowHistories(dev.client, dev.namespace ?? 'default'),
    } as unknown as ActivityDeps);
    const requestId = randomUUID();
    await app.db.query(
      `INSERT INTO erasure_requests (id, student_id, status, pseudonym, decided_by, decided_at) VALUES ($1, $2, 'approved', $3, 'admin', now())`,
      [requestId, s.student.actor.id, `erased-${randomUUID()}`],
    );
    await erasure.beginErasure({ requestId });
    await erasure.eraseEnrollments({ requestId });
    expect(await erasure.eraseWorkflowHistories({ requestId })).toEqual({ step: 'eraseWorkflowHistories', records: 1 });
    // Temporal deletes asynchronously (the dev server takes about half a minute).
    for (const run of runs) {
      await eventually(
        () =>
          dev.client.workflow
            .getHandle(workflowId, run)
            .fetchHistory()
            .then(
              () => false,
              (err: Error) => /not found/i.test(err.message),
            ),
        `run ${run} to be deleted`,
        120_000,
      );
    }
  } finally {
    await dev.teardown();
  }
}, 240_000);
