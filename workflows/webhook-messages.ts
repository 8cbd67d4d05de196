/**
 * The webhook delivery workflow's contract (workflows/webhook-delivery.ts): its id, input and wake signal, shared by
 * the dispatcher (services/webhook-dispatch.ts), the workflow and the tests.
 */
import { defineSignal } from '@temporalio/workflow';

/** One workflow per endpoint and enrollment: that enrollment's events reach that endpoint in order. */
export const webhookDeliveryWorkflowId = (endpointId: string, enrollmentId: string): string => `webhook:${endpointId}:${enrollmentId}`;

/** The task queue of the attempts (outside HTTP calls that may hang until their timeout), apart from the lifecycle's. */
export const webhookTaskQueue = (taskQueue: string): string => `${taskQueue}-webhooks`;

/** Exponential back-off: the n-th retry waits `initialIntervalMs · 2^(n-1)`, at most `maximumIntervalMs`. */
export interface WebhookRetryPolicy {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** A delivery is given up (`failed`) once its next attempt would come later than this after it became pending. */
  giveUpAfterMs: number;
}

export interface WebhookDeliveryInput {
  endpointId: string;
  enrollmentId: string;
  retry: WebhookRetryPolicy;
  /** How long a run with nothing to send waits for a wake before it ends (default one minute). */
  idleMs?: number;
}

/** "There may be something to send": the workflow reads what from the database. */
export const webhookWakeSignal = defineSignal('wake');

/** How long to wait after the `attempts`-th failed attempt. */
export const webhookBackoffMs = (retry: WebhookRetryPolicy, attempts: number): number =>
  Math.min(retry.maximumIntervalMs, retry.initialIntervalMs * 2 ** Math.max(0, attempts - 1));
