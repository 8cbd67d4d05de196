/**
 * Waiting well, on the time-skipping server: a year of daily partner polls stays small (continue-as-new),
 * reminders on the program's schedule, the deadline, a partner outage that recovers, withdrawal and refunds,
 * and completion reports from several channels where the first one wins.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import {
  type EnrollmentWorkflowInput,
  FailureType,
  launchUpdate,
  markCompleteUpdate,
  type PartnerCompletionCheck,
  paymentConfirmedSignal,
  reportCompletionUpdate,
  statusQuery,
  withdrawUpdate,
} from '../workflows/messages';
import { gate } from './helpers/eventually';
import { fakeActivities } from './helpers/fake-activities';
import { createTestWorker, createTimeSkippingEnv, startEnrollment, workflowBundle } from './helpers/temporal';
import { evidenceSubmission, stripePayment, workflowInput } from './helpers/workflow-input';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

/** A partner whose API answers with `answer(callNumber)`, on its own task queue; records when it was asked. */
function fakePartner(answer: (call: number) => PartnerCompletionCheck | Error) {
  // The test server's clock, which skips ahead, not the machine's.
  const calls: number[] = [];
  const taskQueue = `partner-test-${randomUUID()}`;
  return {
    taskQueue,
    calls,
    activities: {
      async checkPartnerCompletion(): Promise<PartnerCompletionCheck> {
        calls.push(await env.currentTimeMs());
        const a = answer(calls.length);
        if (a instanceof Error) throw a;
        return a;
      },
    },
  };
}

async function run<T>(
  fake: ReturnType<typeof fakeActivities>,
  partner: ReturnType<typeof fakePartner> | undefined,
  body: (taskQueue: string) => Promise<T>,
) {
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  if (!partner) return worker.runUntil(body(taskQueue));
  const partnerWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: partner.taskQueue,
    workflowBundle,
    activities: partner.activities,
  });
  return worker.runUntil(partnerWorker.runUntil(body(taskQueue)));
}

const start = (taskQueue: string, input: EnrollmentWorkflowInput) => startEnrollment(env.client, taskQueue, input);

/** Every run of a workflow that continued as new, newest first, with its history's event count. */
async function runs(workflowId: string) {
  const out: { runId: string; events: number }[] = [];
  let runId: string | undefined = (await env.client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    out.push({ runId, events: history.events!.length });
    runId = history.events![0].workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return out;
}

async function conflictOf(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause as unknown as { type: string; message: string };
}

test('a year of daily partner polls: every day asked, reminders once each, and no run over 2,000 history events', async () => {
  const fake = fakeActivities();
  const partner = fakePartner(() => ({ completed: false }));
  const input = workflowInput({
    fundingSource: 'wioa_ita',
    voucherNumber: 'ITA-1Y',
    deadlineDays: 400,
    nudgeDays: [7, 21, 45],
    polling: { taskQueue: partner.taskQueue, intervalMs: DAY, maxIntervalMs: 7 * DAY },
  });
  const summary = await run(fake, partner, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    await handle.executeUpdate(launchUpdate);
    await env.sleep('365d');
    const state = await handle.query(statusQuery);
    const result = { state, runs: await runs(handle.workflowId) };
    // A workflow left polling would hold the test server's clock for the tests after this one.
    await handle.terminate('test done');
    return result;
  });
  expect(summary.state.status).toBe('in_progress');
  expect(partner.calls.length).toBeGreaterThanOrEqual(364);
  expect(partner.calls.length).toBeLessThanOrEqual(366);
  expect(summary.runs.length).toBeGreaterThan(1);
  for (const r of summary.runs) expect(r.events).toBeLessThan(2_000);
  console.log(
    `one-year wait: ${partner.calls.length} polls, ${summary.runs.length} runs, events per run ${summary.runs
      .map((r) => r.events)
      .reverse()
      .join(', ')}, total ${summary.runs.reduce((n, r) => n + r.events, 0)}`,
  );
  expect(fake.callsOf('sendNudgeEmail').map((c) => c.day)).toEqual([7, 21, 45]);
  // Continuing as new lost nothing: the status history still starts at the beginning.
  expect(summary.state.history.map((h) => h.status)).toEqual(['ready_to_launch', 'in_progress']);
}, 300_000);

test('reminders count from the launch: days 7 and 21 sent, day 3 skipped while evidence awaits review, day 45 not after the completion', async () => {
  const nudgedAt: number[] = [];
  const fake = fakeActivities({ sendNudgeEmail: async () => (nudgedAt.push(await env.currentTimeMs()), 'sent') });
  const input = workflowInput({ fundingSource: 'sponsor', voucherNumber: 'S-1', deadlineDays: 120, nudgeDays: [45, 7, 21, 3] });
  let launchedAt = 0;
  await run(fake, undefined, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    await env.sleep('1d'); // the student launches a day after the sponsor funded the enrollment
    await handle.executeUpdate(launchUpdate);
    launchedAt = Date.parse((await handle.query(statusQuery)).launchedAt!);
    await env.sleep('2d');
    await handle.executeUpdate((await import('../workflows/messages')).submitEvidenceUpdate, {
      args: [evidenceSubmission({ completedAt: new Date(await env.currentTimeMs()).toISOString() })],
    });
    await env.sleep('2d'); // day 4 after launch: the student is waiting for review, so no reminder now
    const { submissions } = await handle.query(statusQuery);
    await handle.executeUpdate((await import('../workflows/messages')).rejectSubmissionUpdate, {
      args: [{ submissionId: submissions[0].id, reviewerId: 'h', reason: 'blurry' }],
    });
    await env.sleep('26d'); // day 30
    await handle.executeUpdate(reportCompletionUpdate, {
      args: [
        {
          method: 'partner_push',
          reportId: 'push-1',
          completedAt: new Date(await env.currentTimeMs()).toISOString(),
          reportedBy: 'partner:demo',
        },
      ],
    });
    expect((await handle.result()).status).toBe('closed');
  });
  expect(fake.callsOf('sendNudgeEmail').map((c) => c.day)).toEqual([7, 21]);
  expect(nudgedAt.map((t) => Math.round((t - launchedAt) / DAY))).toEqual([7, 21]);
});

test('the deadline passes with no completion: expired, with a WIOA exit and no outcomes', async () => {
  const fake = fakeActivities();
  const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-D', deadlineDays: 90, nudgeDays: [] });
  const result = await run(fake, undefined, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    await handle.executeUpdate(launchUpdate);
    await env.sleep('89d');
    expect((await handle.query(statusQuery)).status).toBe('in_progress');
    // What the Web UI shows as the workflow's current details: what it waits for, and until when.
    const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('**in_progress**');
    expect(metadata.currentDetails).toContain('Waiting for completion');
    expect(metadata.currentDetails).toMatch(/Deadline \d{4}-\d\d-\d\dT/);
    return handle.result();
  });
  expect(result).toEqual({ status: 'expired' });
  expect(fake.callsOf('recordWioaExit')).toEqual([expect.objectContaining({ enrollmentId: input.enrollmentId })]);
  expect(fake.callsOf('issueCertificate')).toHaveLength(0);
  expect(fake.callsOf('recordRevenueShare')).toHaveLength(0);
});

test('a partner that is down for days, then answers garbage, then recovers: polls back off, then the completion closes the enrollment', async () => {
  const fake = fakeActivities();
  // Set at the launch: a completion the partner reports must not be dated before it (the test server's clock).
  let completedAt = '';
  const partner = fakePartner((call) =>
    call <= 4 ? new Error('503 from partner') : call <= 6 ? new Error('unreadable answer') : { completed: true, completedAt, score: 91 },
  );
  const input = workflowInput({
    fundingSource: 'wioa_ita',
    voucherNumber: 'ITA-O',
    deadlineDays: 365,
    nudgeDays: [],
    polling: { taskQueue: partner.taskQueue, intervalMs: DAY, maxIntervalMs: 4 * DAY },
  });
  const result = await run(fake, partner, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    completedAt = new Date(Date.parse((await handle.executeUpdate(launchUpdate)).launchedAt) + 3_600_000).toISOString();
    return handle.result();
  });
  expect(result.status).toBe('closed');
  // Each poll of a down partner is tried twice (the activity's retry); the gaps between polls double to the cap.
  const gapsInDays = partner.calls.slice(1).map((t, i) => Math.round((t - partner.calls[i]) / DAY));
  expect(gapsInDays.filter((g) => g > 0)).toEqual([2, 4, 4]);
  expect(fake.callsOf('recordCompletionEvidence')).toEqual([
    expect.objectContaining({ method: 'partner_api', completedAt, score: 91, outcome: 'applied', reportId: `poll:${completedAt}` }),
  ]);
  expect(fake.callsOf('recordEnrollmentStatus').find((c) => c.status === 'completed')).toEqual(
    expect.objectContaining({ completionMethod: 'partner_api', completedAt }),
  );
});

test('first completion wins: a second channel is kept as evidence, a repeated report is answered the same, the holder gets 409', async () => {
  const held = gate();
  const fake = fakeActivities({
    issueCertificate: async ({ enrollmentId }) => (await held.opened, { id: `cert-${enrollmentId}`, verificationCode: 'C' }),
  });
  const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-R', deadlineDays: 90 });
  await run(fake, undefined, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    await handle.executeUpdate(launchUpdate);
    const now = await env.currentTimeMs();
    const report = { method: 'xapi' as const, reportId: 'stmt-1', completedAt: new Date(now).toISOString(), reportedBy: 'partner:demo' };
    expect(await handle.executeUpdate(reportCompletionUpdate, { args: [report], updateId: 'report:xapi:stmt-1' })).toEqual({
      outcome: 'applied',
      status: 'completed',
    });
    expect(await handle.executeUpdate(reportCompletionUpdate, { args: [report], updateId: 'report:xapi:stmt-1' })).toEqual({
      outcome: 'applied',
      status: 'completed',
    });
    expect(
      await handle.executeUpdate(reportCompletionUpdate, {
        args: [{ method: 'csv_import', reportId: 'row-9', completedAt: new Date(now + 60_000).toISOString(), reportedBy: 'holder-1' }],
      }),
    ).toEqual<Record<string, unknown>>({ outcome: 'already_complete', status: expect.stringMatching(/^(completed|closed)$/) });
    const refused = await conflictOf(
      handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: '2026-11-03', markedBy: 'holder-1' }] }),
    );
    expect(refused.type).toBe(FailureType.conflict);
    held.open();
    await handle.result();
  });
  expect(fake.callsOf('recordCompletionEvidence').map((e) => [e.method, e.outcome])).toEqual([
    ['xapi', 'applied'],
    ['csv_import', 'already_complete'],
  ]);
  expect(fake.callsOf('issueCertificate')).toHaveLength(1);
});

describe('withdrawal', () => {
  test('before launch: a full refund, a WIOA exit, and the workflow ends withdrawn', async () => {
    const fake = fakeActivities();
    const input = workflowInput({ priceCents: 14_900, refundAfterLaunchBps: 2_500 });
    const answer = await run(fake, undefined, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await handle.signal(paymentConfirmedSignal, stripePayment('cs_w', 14_900));
      await env.sleep('1h');
      const answer = await handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'student-1', reason: 'changed jobs' }] });
      expect(await handle.result()).toEqual({ status: 'withdrawn' });
      return answer;
    });
    expect(answer).toEqual({ status: 'withdrawn', refundCents: 14_900, currency: 'usd' });
    expect(fake.callsOf('refundPayment')).toEqual([
      { enrollmentId: input.enrollmentId, amountCents: 14_900, voucherCents: 0, reason: 'changed jobs' },
    ]);
    expect(fake.callsOf('recordWioaExit')).toHaveLength(1);
  });

  test("after launch: the program's share is refunded; a second withdrawal and later completions are refused", async () => {
    const held = gate();
    const refunding = gate();
    const fake = fakeActivities({
      refundPayment: async ({ amountCents }) => (refunding.open(), await held.opened, { refundRef: 'r', amountCents }),
    });
    const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-W', priceCents: 9_999, refundAfterLaunchBps: 2_500 });
    await run(fake, undefined, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await handle.executeUpdate(launchUpdate);
      const first = handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'admin-1' }] });
      await refunding.opened; // the first withdrawal is under way
      expect((await conflictOf(handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'admin-1' }] }))).message).toBe(
        'the enrollment is already withdrawn',
      );
      expect(
        (
          await conflictOf(
            handle.executeUpdate(reportCompletionUpdate, {
              args: [{ method: 'partner_push', reportId: 'late', completedAt: new Date().toISOString(), reportedBy: 'partner:demo' }],
            }),
          )
        ).message,
      ).toBe('the enrollment is withdrawn');
      held.open();
      expect(await first).toEqual({ status: 'withdrawn', refundCents: 2_499, currency: 'usd' });
      expect(await handle.result()).toEqual({ status: 'withdrawn' });
    });
    expect(fake.callsOf('refundPayment')).toEqual([expect.objectContaining({ amountCents: 2_499 })]);
    expect(fake.callsOf('issueCertificate')).toHaveLength(0);
  });

  test('while payment is pending: withdrawn with nothing to refund', async () => {
    const fake = fakeActivities();
    const input = workflowInput();
    await run(fake, undefined, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      expect(await handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'student-1' }] })).toEqual({
        status: 'withdrawn',
        refundCents: 0,
        currency: 'usd',
      });
      expect(await handle.result()).toEqual({ status: 'withdrawn' });
    });
    expect(fake.callsOf('refundPayment')).toHaveLength(0);
    expect(fake.callsOf('recordWioaExit')).toHaveLength(0);
  });
});
