import { randomUUID } from 'node:crypto';
import {
  type Client,
  isGrpcServiceError,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
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
  openEnrollmentUpdate,
  openEnrollmentUpdateId,
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
import { type Refusal, refuse } from './refusals';

// gRPC codes of a Temporal service that is down, overloaded or did not answer before the call's deadline.
const GRPC_OUTAGE_CODES = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

/** Temporal cannot be reached, or no worker took the call in time (a worker down, a workflow task failing). */
function temporalOutage(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && GRPC_OUTAGE_CODES.has(e.code)) return true;
  }
  return false;
}

/** What a workflow's refusal says for the API besides its message: the bad `field`, the missing `item`. */
function failureDetail(details: unknown[] | null | undefined, key: 'field' | 'item'): string | undefined {
  const value = (details?.[0] as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The Refusal the caller gets for a refusal of the workflow (its ApplicationFailure's type, message and details), or
 * for the same refusal found before any workflow starts (openingRefusal): one mapping, so both answer alike.
 */
export function refusalProblem(type: string | null | undefined, message: string, details?: unknown[] | null): Refusal | undefined {
  if (type === FailureType.conflict) return refuse.conflict(message);
  if (type === FailureType.notFound) return refuse.notFound(failureDetail(details, 'item') ?? 'the item');
  if (type === FailureType.invalid) {
    // The workflow names the bad field (e.g. completedAt), so the 400 names it as a validation failure does.
    const field = failureDetail(details, 'field');
    return refuse.invalid(message, field ? [{ field: `body.${field}`, message }] : undefined);
  }
  if (type === FailureType.voucherUnusable) return refuse.unprocessable(message);
  if (type === FailureType.partnerUnavailable || type === FailureType.paymentProviderUnavailable) return refuse.unavailable(message);
  return undefined;
}

/** Maps a workflow's refusal (an update validator, a closed workflow) to the Refusal the caller gets. */
function toProblem(err: unknown): unknown {
  if (temporalOutage(err)) {
    console.error('[api] Temporal unavailable or no worker answered in time:', (err as Error).message);
    return refuse.unavailable('the enrollment service did not answer in time; try again shortly');
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const problem = refusalProblem(err.cause.type, err.cause.message, err.cause.details);
    if (problem) return problem;
  }
  if (err instanceof WorkflowNotFoundError) return refuse.conflict('the enrollment is no longer open for changes');
  if (err instanceof WorkflowExecutionAlreadyStartedError) return refuse.conflict('this enrollment was opened and has ended since');
  return err;
}

async function mapProblems<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toProblem(err);
  }
}

/** The API's only way into enrollment workflows: start, signal, update, query. */
export function createEnrollmentClient(client: Client, taskQueue: string, callTimeoutMs?: number) {
  // Each call has a deadline, so an update that no worker takes answers 503 instead of holding the request open.
  const mapped = <T>(call: () => Promise<T>) =>
    mapProblems(() => (callTimeoutMs ? client.withDeadline(Date.now() + callTimeoutMs, call) : call()));
  const handle = (enrollmentId: string) => client.workflow.getHandle<typeof enrollmentWorkflow>(enrollmentWorkflowId(enrollmentId));
  const updateId = (idempotencyKey: string | undefined, fallback: string) => idempotencyKey ?? fallback;

  return {
    /**
     * Starts the workflow, which writes the enrollment's record, and in the same round trip gets its answer: the
     * status and the checkout URL, or the refusal (update-with-start). A retry with the same enrollment id (the API
     * derives it from the Idempotency-Key) joins the same workflow and the same update; an id whose workflow has ended
     * is never started again.
     */
    start(input: EnrollmentWorkflowInput) {
      const operation = new WithStartWorkflowOperation<typeof enrollmentWorkflow>('enrollmentWorkflow', {
        workflowId: enrollmentWorkflowId(input.enrollmentId),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: searchAttributes.programId, value: input.programId },
          { key: searchAttributes.partnerId, value: input.partnerId },
          { key: searchAttributes.fundingSource, value: input.fundingSource },
        ],
        staticSummary: `Enrollment ${input.enrollmentId}`,
        staticDetails: `program ${input.programId} · partner ${input.partnerId} · funding ${input.fundingSource} · price ${input.priceCents} ${input.currency}`,
      });
      return mapped(() =>
        client.workflow.executeUpdateWithStart(openEnrollmentUpdate, {
          startWorkflowOperation: operation,
          updateId: openEnrollmentUpdateId(input.enrollmentId),
        }),
      );
    },
    confirmPayment: (enrollmentId: string, payment: PaymentConfirmation) =>
      mapped(() => handle(enrollmentId).signal(paymentConfirmedSignal, payment)),
    launch: (enrollmentId: string) => mapped(() => handle(enrollmentId).executeUpdate(launchUpdate, { updateId: randomUUID() })),
    submitEvidence: (enrollmentId: string, submission: EvidenceSubmission, idempotencyKey?: string) =>
      mapped(() =>
        handle(enrollmentId).executeUpdate(submitEvidenceUpdate, {
          args: [submission],
          updateId: updateId(idempotencyKey, submission.submissionId),
        }),
      ),
    approve: (enrollmentId: string, submissionId: string, reviewerId: string, idempotencyKey?: string) =>
      mapped(() =>
        handle(enrollmentId).executeUpdate(approveSubmissionUpdate, {
          args: [{ submissionId, reviewerId }],
          updateId: updateId(idempotencyKey, `approve:${submissionId}`),
        }),
      ),
    reject: (enrollmentId: string, submissionId: string, reviewerId: string, reason: string, idempotencyKey?: string) =>
      mapped(() =>
        handle(enrollmentId).executeUpdate(rejectSubmissionUpdate, {
          args: [{ submissionId, reviewerId, reason }],
          updateId: updateId(idempotencyKey, `reject:${submissionId}`),
        }),
      ),
    markComplete: (enrollmentId: string, mark: MarkComplete, idempotencyKey?: string) =>
      mapped(() =>
        handle(enrollmentId).executeUpdate(markCompleteUpdate, { args: [mark], updateId: updateId(idempotencyKey, randomUUID()) }),
      ),
    /** A partner's or an import's completion report; a repeat of the same report (same id) is answered the same way. */
    reportCompletion: (enrollmentId: string, report: CompletionReport) =>
      mapped(() =>
        handle(enrollmentId).executeUpdate(reportCompletionUpdate, {
          args: [report],
          updateId: `report:${report.method}:${report.reportId}`,
        }),
      ),
    withdraw: (enrollmentId: string, request: WithdrawRequest, idempotencyKey?: string) =>
      mapped(() =>
        handle(enrollmentId).executeUpdate(withdrawUpdate, { args: [request], updateId: updateId(idempotencyKey, randomUUID()) }),
      ),
    status: (enrollmentId: string) => mapped(() => handle(enrollmentId).query(statusQuery)),
  };
}

export type EnrollmentClient = ReturnType<typeof createEnrollmentClient>;
