import { randomUUID } from 'node:crypto';
import { type Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { enrollmentWorkflow } from '../workflows/enrollment';
import {
  approveSubmissionUpdate,
  type CompletionReport,
  enrollmentWorkflowId,
  type EnrollmentWorkflowInput,
  type EvidenceSubmission,
  FailureType,
  launchUpdate,
  markCompleteUpdate,
  type MarkComplete,
  openCheckoutUpdate,
  type PaymentConfirmation,
  paymentConfirmedSignal,
  rejectSubmissionUpdate,
  reportCompletionUpdate,
  searchAttributes,
  statusQuery,
  submitEvidenceUpdate,
  withdrawUpdate,
  type WithdrawRequest,
} from '../workflows/messages';
import { problems } from './problems';

/** Maps a workflow's refusal (an update validator, a closed workflow) to the problem the caller gets. */
function toProblem(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    if (type === FailureType.conflict) return problems.conflict(message);
    if (type === FailureType.notFound) return problems.notFound(message.replace(/ is not part of this enrollment$/, ''));
    if (type === FailureType.invalid) {
      // The workflow names the bad field (e.g. completedAt), so the 400 names it as a validation failure does.
      const field = (err.cause.details?.[0] as { field?: unknown } | undefined)?.field;
      return problems.badRequest(message, typeof field === 'string' ? { errors: [{ field: `body.${field}`, message }] } : undefined);
    }
    if (type === FailureType.partnerUnavailable || type === FailureType.paymentProviderUnavailable) return problems.unavailable(message);
  }
  if (err instanceof WorkflowNotFoundError) return problems.conflict('the enrollment is no longer open for changes');
  return err;
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toProblem(err);
  }
}

/** The API's only way into enrollment workflows: start, signal, update, query. */
export function createEnrollmentClient(client: Client, taskQueue: string) {
  const handle = (enrollmentId: string) => client.workflow.getHandle<typeof enrollmentWorkflow>(enrollmentWorkflowId(enrollmentId));
  const updateId = (idempotencyKey: string | undefined, fallback: string) => idempotencyKey ?? fallback;

  return {
    /** Starts the workflow and, in the same round trip, gets the checkout URL (update-with-start). */
    start(input: EnrollmentWorkflowInput) {
      const operation = new WithStartWorkflowOperation<typeof enrollmentWorkflow>('enrollmentWorkflow', {
        workflowId: enrollmentWorkflowId(input.enrollmentId),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: [
          { key: searchAttributes.programId, value: input.programId },
          { key: searchAttributes.partnerId, value: input.partnerId },
          { key: searchAttributes.fundingSource, value: input.fundingSource },
        ],
        staticSummary: `Enrollment ${input.enrollmentId}`,
        staticDetails: `program ${input.programId} · partner ${input.partnerId} · funding ${input.fundingSource} · price ${input.priceCents} ${input.currency}`,
      });
      return mapped(async () => {
        try {
          return await client.workflow.executeUpdateWithStart(openCheckoutUpdate, { startWorkflowOperation: operation });
        } catch (err) {
          // An enrollment that could not be opened is not left running: the caller removes its record too.
          await operation.workflowHandle().then((h) => h.terminate(`enrollment could not be opened: ${(err as Error).message}`), () => undefined)
            .catch(() => undefined);
          throw err;
        }
      });
    },
    confirmPayment: (enrollmentId: string, payment: PaymentConfirmation) =>
      mapped(() => handle(enrollmentId).signal(paymentConfirmedSignal, payment)),
    launch: (enrollmentId: string) => mapped(() => handle(enrollmentId).executeUpdate(launchUpdate, { updateId: randomUUID() })),
    submitEvidence: (enrollmentId: string, submission: EvidenceSubmission, idempotencyKey?: string) =>
      mapped(() => handle(enrollmentId).executeUpdate(submitEvidenceUpdate, { args: [submission], updateId: updateId(idempotencyKey, submission.submissionId) })),
    approve: (enrollmentId: string, submissionId: string, reviewerId: string, idempotencyKey?: string) =>
      mapped(() => handle(enrollmentId).executeUpdate(approveSubmissionUpdate, {
        args: [{ submissionId, reviewerId }], updateId: updateId(idempotencyKey, `approve:${submissionId}`),
      })),
    reject: (enrollmentId: string, submissionId: string, reviewerId: string, reason: string, idempotencyKey?: string) =>
      mapped(() => handle(enrollmentId).executeUpdate(rejectSubmissionUpdate, {
        args: [{ submissionId, reviewerId, reason }], updateId: updateId(idempotencyKey, `reject:${submissionId}`),
      })),
    markComplete: (enrollmentId: string, mark: MarkComplete, idempotencyKey?: string) =>
      mapped(() => handle(enrollmentId).executeUpdate(markCompleteUpdate, { args: [mark], updateId: updateId(idempotencyKey, randomUUID()) })),
    /** A partner's or an import's completion report; a repeat of the same report (same id) is answered the same way. */
    reportCompletion: (enrollmentId: string, report: CompletionReport) =>
      mapped(() => handle(enrollmentId).executeUpdate(reportCompletionUpdate, { args: [report], updateId: `report:${report.method}:${report.reportId}` })),
    withdraw: (enrollmentId: string, request: WithdrawRequest, idempotencyKey?: string) =>
      mapped(() => handle(enrollmentId).executeUpdate(withdrawUpdate, { args: [request], updateId: updateId(idempotencyKey, randomUUID()) })),
    status: (enrollmentId: string) => mapped(() => handle(enrollmentId).query(statusQuery)),
  };
}

export type EnrollmentClient = ReturnType<typeof createEnrollmentClient>;
