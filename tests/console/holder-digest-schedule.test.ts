/**
 * The review digests' Schedule on the Temporal CLI's dev server: the worker's `ensureSchedules` makes it once (a
 * second worker finds it and brings it up to date), and each of its runs starts `reviewDigestsWorkflow`, which runs
 * the digest activity (faked here; its own test is holder-digest.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  ensureRetentionSchedule,
  ensureSchedules,
  ensureWebhookSweepSchedule,
  RETENTION_SCHEDULE_ID,
  REVIEW_DIGEST_SCHEDULE_ID,
  WEBHOOK_SWEEP_SCHEDULE_ID,
} from '../../worker/schedules';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import { eventually } from '../helpers/eventually';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(() => env?.teardown());

test('one Schedule, made by every worker at start, runs the digest activity every 5 minutes, skipping a run still going', async () => {
  const taskQueue = `digests-${randomUUID()}`;
  let runs = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: {
      sendReviewDigests: () => {
        runs += 1;
        return Promise.resolve({ sent: 0, failed: 0 });
      },
    },
  });
  await worker.runUntil(async () => {
    await ensureSchedules(env.client, 'an-old-task-queue');
    await ensureSchedules(env.client, taskQueue); // a second worker (or a new version): no second schedule, the action updated
    const schedules = [];
    for await (const s of env.client.schedule.list()) schedules.push(s.scheduleId);
    expect(schedules).toEqual([REVIEW_DIGEST_SCHEDULE_ID]);

    const handle = env.client.schedule.getHandle(REVIEW_DIGEST_SCHEDULE_ID);
    const description = await handle.describe();
    expect(description.spec.intervals).toEqual([expect.objectContaining({ every: 5 * 60_000 })]);
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.action).toEqual(
      expect.objectContaining({ type: 'startWorkflow', workflowType: 'reviewDigestsWorkflow', taskQueue }),
    );

    await handle.trigger();
    await eventually(() => Promise.resolve(runs > 0), 'the triggered run to call the digest activity', 20_000);
    expect(runs).toBe(1);
    const [run] = (await handle.describe()).info.recentActions;
    const result: unknown = await env.client.workflow.getHandle(run.action.workflow.workflowId).result();
    expect(result).toEqual({ sent: 0, failed: 0 });
  });
});

test('worker replicas starting at once (WORKERS=2, or several containers): none fails, and there is one Schedule of each', async () => {
  const ids = [REVIEW_DIGEST_SCHEDULE_ID, WEBHOOK_SWEEP_SCHEDULE_ID, RETENTION_SCHEDULE_ID].sort();
  // Counts the creates that found the Schedule made by another replica (and went on to update it).
  let foundMade = 0;
  const create = env.client.schedule.create.bind(env.client.schedule);
  const spy = jest.spyOn(env.client.schedule, 'create').mockImplementation(async (options) => {
    try {
      return await create(options);
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) foundMade += 1;
      throw err;
    }
  });
  const replicas = 4;
  const startAll = (taskQueue: string) =>
    Promise.all(
      Array.from({ length: replicas }, async () => {
        await ensureSchedules(env.client, taskQueue);
        await ensureWebhookSweepSchedule(env.client, taskQueue);
        await ensureRetentionSchedule(env.client, taskQueue);
      }),
    );
  try {
    for (let round = 1; round <= 3; round++) {
      // From nothing (a new deployment's first start): every replica tries to create; all but one find it made.
      for (const id of ids)
        await env.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
      foundMade = 0;
      await startAll(`replica-queue-${round}`);
      expect(foundMade).toBe(ids.length * (replicas - 1));
      // All of them at once again (a restart of every replica, a newer version): each brings the Schedules up to date.
      await startAll(`replica-queue-${round}-again`);
      for (const id of ids) {
        const { action } = await env.client.schedule.getHandle(id).describe();
        expect(action).toEqual(expect.objectContaining({ type: 'startWorkflow', taskQueue: `replica-queue-${round}-again` }));
      }
    }
    await eventually(async () => {
      const listed: string[] = [];
      for await (const s of env.client.schedule.list()) listed.push(s.scheduleId);
      return listed.sort().join() === ids.join();
    }, 'exactly one Schedule of each in the list');
  } finally {
    spy.mockRestore();
  }
});
