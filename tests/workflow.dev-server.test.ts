import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createEnrollmentClient } from '../core/enrollment-client';
import { enrollmentWorkflow } from '../workflows/enrollment';
import {
  approveSubmissionUpdate,
  enrollmentWorkflowId,
  type EnrollmentState,
  type EnrollmentWorkflowInput,
  type EvidenceSubmission,
  FailureType,
  markCompleteUpdate,
  rejectSubmissionUpdate,
  searchAttributes,
  statusQuery,
  submitEvidenceUpdate,
} from '../workflows/messages';
import { gate } from './helpers/eventually';
import { fakeActivities } from './helpers/fake-activities';
import {
  createDevServerEnv,
  createTestWorker,
  type EnrollmentHandle,
  startEnrollment,
  startPaidAndLaunched,
  waitForWorkflow,
  waitForWorkflowStatus,
} from './helpers/temporal';
import { evidenceSubmission, workflowInput } from './helpers/workflow-input';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(() => env?.teardown());

type Handle = EnrollmentHandle;
type Fake = ReturnType<typeof fakeActivities>;

const ONCE = ['issueCertificate', 'sendCompletionEmail', 'recordWioaOutcome', 'recordRevenueShare'] as const;

const start = (taskQueue: string, input: EnrollmentWorkflowInput): Promise<Handle> => startEnrollment(env.client, taskQueue, input);

/** A self-pay enrollment, paid and launched: in_progress. */
async function startInProgress(taskQueue: string, overrides: Partial<EnrollmentWorkflowInput> = {}) {
  const input = workflowInput(overrides);
  const handle = await startPaidAndLaunched(env.client, taskQueue, input);
  expect((await handle.query(statusQuery)).status).toBe('in_progress');
  return { input, handle };
}

/** Today as the API keeps a date (00:00 UTC): a completion date that is possible whenever the enrollment launched today. */
const today = () => `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`;

const evidence = (overrides: Partial<EvidenceSubmission> = {}) => evidenceSubmission({ completedAt: today(), ...overrides });

/** The update's refusal: a WorkflowUpdateFailedError caused by an ApplicationFailure (what the API maps to a problem). */
async function refusal(update: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await update.then(
    (value) => {
      throw new Error(`the update was accepted: ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Runs `fn`, then opens the gate whatever happened, so a failing test never leaves an activity waiting. */
async function releasing<T>(release: { open(): void }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    release.open();
  }
}

const statusesProjected = (fake: Fake) => fake.callsOf('recordEnrollmentStatus').map((c) => c.status);

/** Fake activities whose certificate waits for the test: the workflow stays open, completed, until `release.open()`. */
function fakeWithHeldCertificate() {
  const release = gate();
  const fake = fakeActivities({
    issueCertificate: async ({ enrollmentId }) => {
      await release.opened;
      return { id: `cert-${enrollmentId}`, verificationCode: 'TEST-CODE-0001' };
    },
  });
  return { fake, release };
}

/**
 * An in-progress enrollment with one submission awaiting review and its certificate held (see fakeWithHeldCertificate):
 * `body` runs while the worker runs, and the certificate is released afterwards whatever happened.
 */
async function withSubmissionAwaitingReview<T>(
  body: (handle: Handle, submission: EvidenceSubmission, release: { open(): void }) => Promise<T>,
): Promise<{ fake: Fake; submission: EvidenceSubmission; result: T }> {
  const { fake, release } = fakeWithHeldCertificate();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const submission = evidence();
  const result = await worker.runUntil(() =>
    releasing(release, async () => {
      const { handle } = await startInProgress(taskQueue);
      await handle.executeUpdate(submitEvidenceUpdate, { args: [submission] });
      return body(handle, submission, release);
    }),
  );
  return { fake, submission, result };
}

test('upload, rejection with a reason, a second upload and its approval close the enrollment as a student upload', async () => {
  const { fake, release } = fakeWithHeldCertificate();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const first = evidence({ completedAt: today() });
  // An instant a moment before the launch below: inside the completion-date rule's clock tolerance.
  const second = evidence({ completedAt: new Date().toISOString() });
  const reason = 'The uploaded certificate belongs to someone else.';
  const { input, handle } = await worker.runUntil(() =>
    releasing(release, async () => {
      const started = await startInProgress(taskQueue);
      const { handle } = started;

      const view = await handle.executeUpdate(submitEvidenceUpdate, { args: [first] });
      expect(view).toEqual<Record<string, unknown>>({
        id: first.submissionId,
        status: 'pending',
        completedAt: first.completedAt,
        submittedAt: expect.any(String),
      });
      expect((await handle.query(statusQuery)).status).toBe('awaiting_review');

      const busy = await refusal(handle.executeUpdate(submitEvidenceUpdate, { args: [second] }));
      expect(busy.type).toBe(FailureType.conflict);
      expect(busy.message).toBe('earlier evidence is still waiting for review');

      const afterReject = await handle.executeUpdate(rejectSubmissionUpdate, {
        args: [{ submissionId: first.submissionId, reviewerId: 'holder-1', reason }],
      });
      expect(afterReject.status).toBe('in_progress');
      expect(afterReject.submissions).toEqual([expect.objectContaining({ id: first.submissionId, status: 'rejected', reason })]);

      await handle.executeUpdate(submitEvidenceUpdate, { args: [second] });
      expect((await handle.query(statusQuery)).status).toBe('awaiting_review');
      const afterApprove = await handle.executeUpdate(approveSubmissionUpdate, {
        args: [{ submissionId: second.submissionId, reviewerId: 'holder-1' }],
      });
      expect(afterApprove).toMatchObject({ status: 'completed', completionMethod: 'student_upload', completedAt: second.completedAt });
      // Before close (the certificate is held): the status query shows the completion and its method.
      expect(await handle.query(statusQuery)).toMatchObject({
        status: 'completed',
        completionMethod: 'student_upload',
        completedAt: second.completedAt,
      });
      expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.status)).toBe('completed');
      release.open();

      expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${started.input.enrollmentId}` });
      const final = await handle.query(statusQuery);
      expect(final).toMatchObject({
        status: 'closed',
        completionMethod: 'student_upload',
        completedAt: second.completedAt,
        certificate: { id: `cert-${started.input.enrollmentId}`, verificationCode: 'TEST-CODE-0001' },
      });
      expect(final.submissions.map((s) => [s.id, s.status])).toEqual([
        [first.submissionId, 'rejected'],
        [second.submissionId, 'approved'],
      ]);
      return started;
    }),
  );

  expect(fake.callsOf('sendSubmissionRejectedEmail')).toEqual([
    { enrollmentId: input.enrollmentId, submissionId: first.submissionId, reason },
  ]);
  expect(fake.callsOf('recordSubmission').map((s) => s.submissionId)).toEqual([first.submissionId, second.submissionId]);
  expect(fake.callsOf('recordSubmissionReview')).toEqual([
    expect.objectContaining({ submissionId: first.submissionId, status: 'rejected', reason, reviewerId: 'holder-1' }),
    expect.objectContaining({ submissionId: second.submissionId, status: 'approved', reviewerId: 'holder-1' }),
  ]);
  for (const once of ONCE) expect(fake.callsOf(once)).toHaveLength(1);
  expect(fake.callsOf('issueCertificate')[0]).toEqual({ enrollmentId: input.enrollmentId, completedAt: second.completedAt });
  expect(fake.callsOf('sendCompletionEmail')[0]).toEqual({
    enrollmentId: input.enrollmentId,
    certificateId: `cert-${input.enrollmentId}`,
    verificationCode: 'TEST-CODE-0001',
  });
  expect(fake.callsOf('recordRevenueShare')[0]).toEqual({ enrollmentId: input.enrollmentId, basisCents: 14_900, currency: 'usd' });

  const projections = fake.callsOf('recordEnrollmentStatus');
  expect(projections.map((p) => p.status)).toEqual([
    'pending_payment',
    'ready_to_launch',
    'in_progress',
    'awaiting_review',
    'in_progress',
    'awaiting_review',
    'completed',
    'closed',
  ]);
  expect(projections.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(projections.slice(-2).map((p) => [p.completionMethod, p.completedAt])).toEqual([
    ['student_upload', second.completedAt],
    ['student_upload', second.completedAt],
  ]);

  // (e) The search attributes of the closed workflow.
  const desc = await handle.describe();
  expect(desc.status.name).toBe('COMPLETED');
  expect(desc.typedSearchAttributes.get(searchAttributes.status)).toBe('closed');
  expect(desc.typedSearchAttributes.get(searchAttributes.completionMethod)).toBe('student_upload');
});

describe('update validators', () => {
  test('approving an unknown submission is notFound; approving an approved one is a conflict', async () => {
    // The certificate waits for the test, so the workflow stays open (completed) while the second approval arrives.
    const { fake, submission } = await withSubmissionAwaitingReview(async (handle, submission, release) => {
      const unknownId = randomUUID();
      const unknown = await refusal(
        handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: unknownId, reviewerId: 'holder-1' }] }),
      );
      expect(unknown.type).toBe(FailureType.notFound);
      expect(unknown.message).toBe(`submission ${unknownId} is not part of this enrollment`);
      const unknownReject = await refusal(
        handle.executeUpdate(rejectSubmissionUpdate, { args: [{ submissionId: unknownId, reviewerId: 'holder-1', reason: 'x' }] }),
      );
      expect(unknownReject.type).toBe(FailureType.notFound);
      expect((await handle.query(statusQuery)).status).toBe('awaiting_review');

      await handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: submission.submissionId, reviewerId: 'holder-1' }] });
      const again = await refusal(
        handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: submission.submissionId, reviewerId: 'holder-2' }] }),
      );
      expect(again.type).toBe(FailureType.conflict);
      expect(again.message).toBe(`submission ${submission.submissionId} was already approved`);
      const state = await handle.query(statusQuery);
      expect(state.status).toBe('completed');
      expect(state.completionMethod).toBe('student_upload');

      release.open();
      expect(await handle.result()).toMatchObject({ status: 'closed' });
    });
    expect(fake.callsOf('recordSubmissionReview')).toEqual([
      expect.objectContaining({ submissionId: submission.submissionId, status: 'approved', reviewerId: 'holder-1' }),
    ]);
    for (const once of ONCE) expect(fake.callsOf(once)).toHaveLength(1);
  });

  test('marking an unpaid self-pay enrollment complete is a conflict and changes nothing', async () => {
    const fake = fakeActivities();
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput();
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      // The checkout is open and projected: the workflow now waits for the payment.
      const before = await waitForWorkflow(handle, 'an open checkout', (st) => st.checkoutUrl !== undefined && st.history.length === 1);
      const unpaid = await refusal(
        handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: '2026-09-01', markedBy: 'holder-1' }] }),
      );
      expect(unpaid.type).toBe(FailureType.conflict);
      expect(unpaid.message).toBe('the enrollment is not paid yet');
      const after = await handle.query(statusQuery);
      expect(after).toEqual(before);
      expect(after).toMatchObject({ status: 'pending_payment', history: [{ status: 'pending_payment' }] });
      expect(after.completedAt).toBeUndefined();
      expect(after.completionMethod).toBeUndefined();
      expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.completionMethod)).toBeUndefined();
      await handle.terminate('test done');
    });
    expect(statusesProjected(fake)).toEqual(['pending_payment']);
    expect(fake.callsOf('issueCertificate')).toHaveLength(0);
  });
});

test('the same updateId sent twice runs the handler once and answers both with the same result', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const submission = evidence();
  await worker.runUntil(async () => {
    const { handle } = await startInProgress(taskQueue);
    const updateId = `submit:${submission.submissionId}`;
    const first = await handle.executeUpdate(submitEvidenceUpdate, { args: [submission], updateId });
    const second = await handle.executeUpdate(submitEvidenceUpdate, { args: [submission], updateId });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ id: submission.submissionId, status: 'pending' });
    // Under another updateId the same submission is a new request, and the validator refuses it.
    const duplicate = await refusal(handle.executeUpdate(submitEvidenceUpdate, { args: [submission], updateId: randomUUID() }));
    expect(duplicate.type).toBe(FailureType.conflict);
    const state = await handle.query(statusQuery);
    expect(state.submissions).toHaveLength(1);
    expect(state.history.map((h) => h.status)).toEqual(['pending_payment', 'ready_to_launch', 'in_progress', 'awaiting_review']);
    await handle.terminate('test done');
  });
  expect(fake.callsOf('recordSubmission')).toEqual([expect.objectContaining({ submissionId: submission.submissionId })]);
});

describe('two completions of one enrollment', () => {
  // The first completion wins; the other update is refused as a conflict, whichever is handled first.
  test('racing markComplete and approveSubmission: the enrollment completes and closes once, with one certificate', async () => {
    const {
      fake,
      result: { handle, results, completed, final },
    } = await withSubmissionAwaitingReview(async (handle, submission, release) => {
      const results = await Promise.allSettled([
        handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: today(), markedBy: 'holder-1' }] }),
        handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: submission.submissionId, reviewerId: 'holder-2' }] }),
      ]);
      const completed = await handle.query(statusQuery);
      release.open();
      expect(await handle.result()).toEqual<Record<string, unknown>>({ status: 'closed', certificateId: expect.any(String) });
      return { handle, results, completed, final: await handle.query(statusQuery) };
    });
    const won = results.filter((r): r is PromiseFulfilledResult<EnrollmentState> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    for (const refused of lost) {
      expect(refused.reason).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused.reason as WorkflowUpdateFailedError).cause).toMatchObject({ type: FailureType.conflict });
    }
    for (const w of won) expect(w.value.status).toBe('completed');
    expect(completed.status).toBe('completed');
    expect(['manual', 'student_upload']).toContain(completed.completionMethod);
    expect(final).toMatchObject({ status: 'closed', completionMethod: completed.completionMethod, completedAt: completed.completedAt });
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.completionMethod)).toBe(final.completionMethod);
    expect(fake.callsOf('issueCertificate')).toHaveLength(1);
    for (const once of ONCE) expect(fake.callsOf(once)).toHaveLength(1);
    expect(statusesProjected(fake).filter((s) => s === 'closed')).toHaveLength(1);
  });

  test('an approval or rejection arriving after the enrollment was marked complete is refused as a conflict', async () => {
    const { fake } = await withSubmissionAwaitingReview(async (handle, submission, release) => {
      const marked = await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: today(), markedBy: 'holder-1' }] });
      expect(marked).toMatchObject({ status: 'completed', completionMethod: 'manual' });

      const lateReject = await refusal(
        handle.executeUpdate(rejectSubmissionUpdate, {
          args: [{ submissionId: submission.submissionId, reviewerId: 'holder-2', reason: 'no' }],
        }),
      );
      expect(lateReject.type).toBe(FailureType.conflict);
      const lateApprove = await refusal(
        handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: submission.submissionId, reviewerId: 'holder-2' }] }),
      );
      expect(lateApprove.type).toBe(FailureType.conflict);
      expect(await handle.query(statusQuery)).toMatchObject({ status: 'completed', completionMethod: 'manual', completedAt: today() });
      release.open();
      expect(await handle.result()).toMatchObject({ status: 'closed' });
    });
    expect(fake.callsOf('recordSubmissionReview')).toHaveLength(0);
    expect(fake.callsOf('sendSubmissionRejectedEmail')).toHaveLength(0);
    expect(statusesProjected(fake).filter((s) => s === 'completed')).toHaveLength(1);
    expect(fake.callsOf('issueCertificate')).toEqual([expect.objectContaining({ completedAt: today() })]);
  });
});

test('search attributes: a voucher enrollment started by the API client carries program, partner, funding, status and completion method', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-2026-0077', programId: randomUUID(), partnerId: 'milady' });
  const enrollments = createEnrollmentClient(env.client, taskQueue);
  await worker.runUntil(async () => {
    expect(await enrollments.start(input)).toEqual({ status: 'ready_to_launch', amountDueCents: 0 });
    const handle = env.client.workflow.getHandle<typeof enrollmentWorkflow>(enrollmentWorkflowId(input.enrollmentId));
    await waitForWorkflowStatus(handle, 'ready_to_launch');
    const open = (await handle.describe()).typedSearchAttributes;
    expect(open.get(searchAttributes.programId)).toBe(input.programId);
    expect(open.get(searchAttributes.partnerId)).toBe('milady');
    expect(open.get(searchAttributes.fundingSource)).toBe('wioa_ita');
    expect(open.get(searchAttributes.status)).toBe('ready_to_launch');
    expect(open.get(searchAttributes.completionMethod)).toBeUndefined();

    await enrollments.launch(input.enrollmentId);
    await enrollments.markComplete(input.enrollmentId, { completedAt: today(), markedBy: 'holder-1' });
    expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });

    const closed = (await handle.describe()).typedSearchAttributes;
    expect(closed.get(searchAttributes.status)).toBe('closed');
    expect(closed.get(searchAttributes.completionMethod)).toBe('manual');
    expect(closed.get(searchAttributes.programId)).toBe(input.programId);
    expect(closed.get(searchAttributes.partnerId)).toBe('milady');
    expect(closed.get(searchAttributes.fundingSource)).toBe('wioa_ita');

    // The attributes are indexed: visibility finds the workflow by them (eventually consistent, so poll briefly).
    const query = `ProgramId = '${input.programId}' AND FundingSource = 'wioa_ita' AND EnrollmentStatus = 'closed' AND CompletionMethod = 'manual'`;
    const deadline = Date.now() + 10_000;
    let found: string[] = [];
    while (found.length === 0 && Date.now() < deadline) {
      found = [];
      for await (const wf of env.client.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toEqual([enrollmentWorkflowId(input.enrollmentId)]);
  });
  expect(fake.callsOf('openCheckout')).toHaveLength(0);
  expect(fake.callsOf('recordPayment')).toEqual([
    expect.objectContaining({
      provider: 'wioa_ita',
      providerRef: input.enrollmentId,
      voucherNumber: 'ITA-2026-0077',
      amountCents: 14_900,
      status: 'accepted',
    }),
  ]);
  for (const once of ONCE) expect(fake.callsOf(once)).toHaveLength(1);
});
