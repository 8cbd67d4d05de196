/**
 * The enrollment's activities, named for how they run. The workflow knows them by type only; each proxy is made here.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { EnrollmentActivities } from '../activities';
import { interactiveTaskQueue, type PartnerCompletionCheck, type PartnerPolling } from './messages';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

/** Outside calls no one waits on (certificate, emails, payouts, reminders), on the workflow's own task queue. */
export const viaTaskQueue = proxyActivities<EnrollmentActivities>({ startToCloseTimeout: '30s', retry: RETRY });

/**
 * Writes to the platform's own database (the read model, payments, evidence, reviews, WIOA rows, ledger): short and
 * idempotent, so the workflow's own worker runs them as local activities: no task-queue round trip, one marker event
 * each instead of three events and often a workflow task of their own.
 */
export const local = proxyLocalActivities<EnrollmentActivities>({ startToCloseTimeout: '10s', retry: RETRY });

/**
 * Outside calls a caller waits on, on the interactive queue of the workflow's task queue (see interactiveTaskQueue):
 * `waitedOn` for a withdrawal's refund and transfer reversals; `waitedOnBriefly` for the checkout and the launch,
 * where a student waits, so a partner or payment provider that does not answer fails the request after a few tries
 * instead of hanging it.
 */
export function interactive(workflowTaskQueue: string) {
  const taskQueue = interactiveTaskQueue(workflowTaskQueue);
  return {
    waitedOn: proxyActivities<EnrollmentActivities>({ taskQueue, startToCloseTimeout: '30s', retry: RETRY }),
    waitedOnBriefly: proxyActivities<EnrollmentActivities>({
      taskQueue,
      startToCloseTimeout: '10s',
      retry: { ...RETRY, maximumAttempts: 3 },
    }),
  };
}

/** A platform-wide job a Schedule starts (the review digests): one activity over many program holders. */
export const scheduledJob = proxyActivities<EnrollmentActivities>({ startToCloseTimeout: '5m', retry: RETRY });

/** The partner's completion API, on the partner's own task queue, whose workers hold its rate limit. */
export const partnerApi = (polling: PartnerPolling) =>
  proxyActivities<{ checkPartnerCompletion(r: { enrollmentId: string }): Promise<PartnerCompletionCheck> }>({
    taskQueue: polling.taskQueue,
    startToCloseTimeout: '30s',
    retry: { ...RETRY, maximumAttempts: 2 },
  });
