/**
 * Wakes webhook delivery workflows through Temporal: signal-with-start of `webhook:<endpoint>:<enrollment>` (started
 * when it is not running), which then reads what is pending from the database (db/webhook-outbox.ts explains the
 * path from a fact to a delivery).
 */
import type { Client } from '@temporalio/client';
import type { WebhookDispatcher } from '../db/webhook-outbox';
import type { webhookDeliveryWorkflow } from '../workflows/webhook-delivery';
import { webhookDeliveryWorkflowId, type WebhookRetryPolicy, webhookWakeSignal } from '../workflows/webhook-messages';

/** Wakes at most this many workflows at once. */
const PARALLEL_WAKES = 16;
/** A Temporal that does not answer within this leaves the wake to the sweep (the caller logs it). */
const WAKE_DEADLINE_MS = 5_000;

export function createWebhookDispatcher(
  client: Client,
  options: { taskQueue: string; retry: WebhookRetryPolicy; idleMs?: number },
): WebhookDispatcher {
  return {
    async wake(targets) {
      for (let i = 0; i < targets.length; i += PARALLEL_WAKES) {
        const deadline = Date.now() + WAKE_DEADLINE_MS;
        await Promise.all(
          targets.slice(i, i + PARALLEL_WAKES).map(({ endpointId, enrollmentId }) =>
            client.withDeadline(deadline, () =>
              client.workflow.signalWithStart<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
                workflowId: webhookDeliveryWorkflowId(endpointId, enrollmentId),
                taskQueue: options.taskQueue,
                args: [{ endpointId, enrollmentId, retry: options.retry, idleMs: options.idleMs }],
                signal: webhookWakeSignal,
                signalArgs: [],
              }),
            ),
          ),
        );
      }
    },
  };
}
