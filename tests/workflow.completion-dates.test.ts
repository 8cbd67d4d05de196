/**
 * The completion-date rule: the pure function every channel uses, then each workflow handler that takes a date
 * (mark complete, evidence submission, a partner's or an import's report, the partner poll) on the time-skipping
 * server with fake activities. A refused date is FailureType.invalid naming the field; nothing is recorded.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { COMPLETION_CLOCK_TOLERANCE_MS, completionDateProblem } from '../workflows/completion-date';
import {
  approveSubmissionUpdate,
  type EnrollmentWorkflowInput,
  FailureType,
  launchUpdate,
  markCompleteUpdate,
  type PartnerCompletionCheck,
  reportCompletionUpdate,
  statusQuery,
  submitEvidenceUpdate,
} from '../workflows/messages';
import { gate } from './helpers/eventually';
import { fakeActivities } from './helpers/fake-activities';
import { createTestWorker, createTimeSkippingEnv, startEnrollment, workflowBundle } from './helpers/temporal';
import { evidenceSubmission, workflowInput } from './helpers/workflow-input';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);

describe('completionDateProblem (the rule)', () => {
  const now = Date.parse('2026-11-30T06:00:00Z');

  test('an instant: from the launch to now, each with five minutes of clock tolerance', () => {
    const launchedAt = '2026-11-25T10:00:00.000Z';
    const at = (ms: number) => completionDateProblem(iso(ms), { launchedAt, now });
    expect(COMPLETION_CLOCK_TOLERANCE_MS).toBe(5 * MINUTE);
    expect(at(Date.parse(launchedAt) + HOUR)).toBeUndefined();
    expect(at(Date.parse(launchedAt) - 4 * MINUTE)).toBeUndefined();
    expect(at(Date.parse(launchedAt) - 6 * MINUTE)).toBe(
      'completedAt 2026-11-25T09:54:00.000Z is before the course was launched on 2026-11-25 10:00 UTC',
    );
    expect(at(now + 4 * MINUTE)).toBeUndefined();
    expect(at(now + 6 * MINUTE)).toBe('completedAt 2026-11-30T06:06:00.000Z is in the future (it is now 2026-11-30 06:00 UTC)');
    // An offset is an instant like any other.
    expect(completionDateProblem('2026-11-25T05:30:00-05:00', { launchedAt, now })).toBeUndefined();
    expect(completionDateProblem('2026-11-25T04:30:00-05:00', { launchedAt, now })).toMatch(/before the course was launched/);
  });

  test('a calendar date counts when it is that day anywhere on Earth: the launch day, and the day before in the Americas', () => {
    // Launched at 18:00 in California, 02:00 UTC the next day: the student writes the Californian date.
    const evening = { launchedAt: '2026-11-25T02:00:00.000Z', now };
    expect(completionDateProblem('2026-11-25', evening)).toBeUndefined();
    expect(completionDateProblem('2026-11-24', evening)).toBeUndefined();
    expect(completionDateProblem('2026-11-23', evening)).toBe(
      'completedAt 2026-11-23 is before the course was launched on 2026-11-25 02:00 UTC',
    );
    // Launched at 13:00 UTC: nowhere on Earth is it still the 24th.
    expect(completionDateProblem('2026-11-24', { launchedAt: '2026-11-25T13:00:00.000Z', now })).toMatch(
      /^completedAt 2026-11-24 is before/,
    );
    // Today is always possible; tomorrow once it has begun somewhere (UTC+14, 10:00 UTC).
    expect(completionDateProblem('2026-11-30', { launchedAt: '2026-11-29T23:59:00.000Z', now })).toBeUndefined();
    expect(completionDateProblem('2026-12-01', { now })).toBe('completedAt 2026-12-01 is in the future (it is now 2026-11-30 06:00 UTC)');
    expect(completionDateProblem('2026-12-01', { now: Date.parse('2026-11-30T11:00:00Z') })).toBeUndefined();
    // The API keeps a date as its 00:00 UTC: that value is read as the same day.
    expect(completionDateProblem('2026-11-24T00:00:00.000Z', evening)).toBeUndefined();
    expect(completionDateProblem('2026-11-23T00:00:00.000Z', evening)).toBe(
      'completedAt 2026-11-23 is before the course was launched on 2026-11-25 02:00 UTC',
    );
  });

  test('without a launch the bound is the start; without either only the future is checked', () => {
    expect(completionDateProblem('2026-11-01', { startedAt: '2026-11-20T08:00:00.000Z', now })).toBe(
      'completedAt 2026-11-01 is before the enrollment started on 2026-11-20 08:00 UTC',
    );
    expect(completionDateProblem('2026-11-20', { startedAt: '2026-11-20T08:00:00.000Z', now })).toBeUndefined();
    // The launch, when there is one, is the bound even when the start was earlier.
    expect(
      completionDateProblem('2026-11-21T00:30:00Z', { startedAt: '2026-11-20T08:00:00.000Z', launchedAt: '2026-11-25T13:00:00.000Z', now }),
    ).toMatch(/before the course was launched/);
    expect(completionDateProblem('1999-01-01', { now })).toBeUndefined();
  });

  test('anything but an ISO 8601 date or a date-time with a zone is a problem', () => {
    for (const bad of ['last tuesday', '2026-02-30', '2025-13-45T99:00:00Z', '2026-11-24T10:00:00', '24/11/2026', '']) {
      expect(completionDateProblem(bad, { now })).toMatch(/is not an ISO 8601 date or date-time with a time zone$/);
    }
  });
});

// ── the workflow's handlers ────────────────────────────────────────────────────────────────────────────

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

const start = (taskQueue: string, input: EnrollmentWorkflowInput) => startEnrollment(env.client, taskQueue, input);

/** The validator's refusal: its type, message and the field it names. */
async function refusalOf(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  return { type: cause.type, message: cause.message, details: cause.details };
}

const funded = (overrides: Partial<EnrollmentWorkflowInput> = {}) =>
  workflowInput({ fundingSource: 'wioa_ita', voucherNumber: `ITA-${randomUUID().slice(0, 6)}`, deadlineDays: 365, ...overrides });

test('mark complete before launch: a date before the start or in the future → invalid; the start day (a date) closes it', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = funded();
  let startedAt = 0;
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    // The first status is the start the rule counts from (the query may come before the first workflow task).
    let first: string | undefined;
    while (!(first = (await handle.query(statusQuery).catch(() => undefined))?.history[0]?.at)) await new Promise((r) => setTimeout(r, 50));
    startedAt = Date.parse(first);
    const mark = (completedAt: string) => handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt, markedBy: 'holder-1' }] });

    const early = await refusalOf(mark(iso(startedAt - DAY)));
    expect(early).toEqual<Record<string, unknown>>({
      type: FailureType.invalid,
      message: expect.stringMatching(/^completedAt \S+ is before the enrollment started on /),
      details: [{ field: 'completedAt' }],
    });
    expect((await refusalOf(mark(dayOf(startedAt - 2 * DAY)))).message).toMatch(
      /^completedAt \d{4}-\d\d-\d\d is before the enrollment started/,
    );
    expect(await refusalOf(mark(iso((await env.currentTimeMs()) + HOUR)))).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        type: FailureType.invalid,
        message: expect.stringMatching(/is in the future/),
      }),
    );
    expect((await handle.query(statusQuery)).status).toBe('ready_to_launch');

    const marked = await mark(dayOf(startedAt));
    expect(marked).toEqual(expect.objectContaining({ status: 'completed', completedAt: dayOf(startedAt) }));
    expect(await handle.result()).toEqual(expect.objectContaining({ status: 'closed' }));
  });
  expect(fake.callsOf('recordCompletionEvidence')).toEqual([
    expect.objectContaining({ method: 'manual', completedAt: dayOf(startedAt), outcome: 'applied' }),
  ]);
  expect(fake.callsOf('issueCertificate')).toHaveLength(1);
});

test('evidence after launch: a date before the launch (even after the start) → invalid and not recorded; the launch day is taken and approved as given', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = funded();
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    await env.sleep('3d'); // the student launches three days after the funding
    const { launchedAt } = await handle.executeUpdate(launchUpdate);
    const launched = Date.parse(launchedAt);
    const submit = (completedAt: string) => handle.executeUpdate(submitEvidenceUpdate, { args: [evidenceSubmission({ completedAt })] });

    const beforeLaunch = await refusalOf(submit(iso(launched - HOUR)));
    expect(beforeLaunch).toEqual({
      type: FailureType.invalid,
      message: `completedAt ${iso(launched - HOUR)} is before the course was launched on ${iso(launched).slice(0, 16).replace('T', ' ')} UTC`,
      details: [{ field: 'completedAt' }],
    });
    expect((await refusalOf(submit(dayOf(launched - 2 * DAY)))).type).toBe(FailureType.invalid);
    expect((await refusalOf(submit(iso((await env.currentTimeMs()) + DAY)))).message).toMatch(/is in the future/);
    expect((await handle.query(statusQuery)).submissions).toEqual([]);

    const view = await submit(dayOf(launched));
    expect(view).toEqual(expect.objectContaining({ status: 'pending', completedAt: dayOf(launched) }));
    const approved = await handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: view.id, reviewerId: 'holder-1' }] });
    expect(approved).toEqual(
      expect.objectContaining({ status: 'completed', completedAt: dayOf(launched), completionMethod: 'student_upload' }),
    );
    await handle.result();
  });
  expect(fake.callsOf('recordSubmission')).toHaveLength(1);
  expect(fake.callsOf('issueCertificate')).toEqual([
    expect.objectContaining({ completedAt: fake.callsOf('recordSubmission')[0].completedAt }),
  ]);
});

test('reports (push, xAPI, CSV): an impossible date → invalid, also once the enrollment is complete; nothing kept as evidence', async () => {
  const held = gate();
  const fake = fakeActivities({
    issueCertificate: async ({ enrollmentId }) => (await held.opened, { id: `cert-${enrollmentId}`, verificationCode: 'C' }),
  });
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = funded();
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    await env.sleep('1d');
    const launched = Date.parse((await handle.executeUpdate(launchUpdate)).launchedAt);
    const report = (method: 'partner_push' | 'xapi' | 'csv_import', completedAt: string) =>
      handle.executeUpdate(reportCompletionUpdate, {
        args: [{ method, reportId: `${method}-${completedAt}`, completedAt, reportedBy: 'partner:demo' }],
      });

    expect(await refusalOf(report('partner_push', iso(launched - DAY)))).toEqual(
      expect.objectContaining<Record<string, unknown>>({
        type: FailureType.invalid,
        message: expect.stringMatching(/before the course was launched/),
        details: [{ field: 'completedAt' }],
      }),
    );
    expect((await refusalOf(report('xapi', iso((await env.currentTimeMs()) + 10 * MINUTE)))).message).toMatch(/is in the future/);
    expect((await refusalOf(report('csv_import', dayOf(launched - 2 * DAY)))).type).toBe(FailureType.invalid);
    expect((await handle.query(statusQuery)).status).toBe('in_progress');

    const now = await env.currentTimeMs();
    expect(await report('partner_push', iso(now))).toEqual({ outcome: 'applied', status: 'completed' });
    // Complete now (the certificate is held): a later report with a good date is evidence, one with a bad date is refused.
    expect((await refusalOf(report('csv_import', iso(launched - DAY)))).type).toBe(FailureType.invalid);
    expect(await report('csv_import', dayOf(now))).toEqual({ outcome: 'already_complete', status: 'completed' });
    held.open();
    await handle.result();
  });
  expect(fake.callsOf('recordCompletionEvidence').map((e) => [e.method, e.outcome])).toEqual([
    ['partner_push', 'applied'],
    ['csv_import', 'already_complete'],
  ]);
});

test('the partner poll: an answer dated before the launch is never applied and backs off like an unreadable one; a good answer then closes it', async () => {
  const fake = fakeActivities();
  const polls: number[] = [];
  let launched = 0;
  const answers: PartnerCompletionCheck[] = [];
  const partnerQueue = `partner-test-${randomUUID()}`;
  const partnerActivities = {
    async checkPartnerCompletion(): Promise<PartnerCompletionCheck> {
      polls.push(await env.currentTimeMs());
      // First a date before the launch, then one in the future, then a good one.
      const answer: PartnerCompletionCheck =
        polls.length === 1
          ? { completed: true, completedAt: iso(launched - 3 * DAY) }
          : polls.length === 2
            ? { completed: true, completedAt: iso(polls[1] + 2 * DAY) }
            : { completed: true, completedAt: iso(launched + HOUR), score: 77 };
      answers.push(answer);
      return answer;
    },
  };
  const input = funded({ nudgeDays: [], polling: { taskQueue: partnerQueue, intervalMs: DAY, maxIntervalMs: 4 * DAY } });
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const partnerWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: partnerQueue,
    workflowBundle,
    activities: partnerActivities,
  });
  const result = await worker.runUntil(
    partnerWorker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      launched = Date.parse((await handle.executeUpdate(launchUpdate)).launchedAt);
      return handle.result();
    }),
  );
  expect(result.status).toBe('closed');
  expect(polls).toHaveLength(3);
  // The two bad answers doubled the interval (1 → 2 → 4 days), as for an unreadable answer.
  expect(polls.slice(1).map((t, i) => Math.round((t - polls[i]) / DAY))).toEqual([2, 4]);
  const good = answers[2] as { completedAt: string };
  expect(fake.callsOf('recordCompletionEvidence')).toEqual([
    expect.objectContaining({ method: 'partner_api', completedAt: good.completedAt, score: 77, outcome: 'applied' }),
  ]);
  expect(fake.callsOf('issueCertificate')).toEqual([expect.objectContaining({ completedAt: good.completedAt })]);
});
