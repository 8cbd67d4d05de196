/**
 * Delivers one endpoint's webhooks about one enrollment, in the order the events were recorded: each delivery is
 * attempted (signed, on the webhook task queue) until the receiver answers 2xx, waiting with exponential back-off
 * between attempts, and given up (`failed`, replayable) once the next attempt would fall past the retry window
 * (3 days by default) counted from when the delivery became pending. The next delivery waits for the one before it,
 * so a receiver that was down gets everything once it is back, in order. Every attempt is recorded by its activity;
 * the `webhook-id` is the event's, the same on every attempt.
 *
 * The database holds what is pending; this workflow holds no list of its own. A wake (signal-with-start) only says
 * "look again", so waking twice, or after a crash, changes nothing. A run with nothing left waits a minute for
 * another wake and ends; a long one continues as new.
 */
import { condition, continueAsNew, proxyActivities, proxyLocalActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks';
import { webhookBackoffMs, type WebhookDeliveryInput, webhookTaskQueue, webhookWakeSignal } from './webhook-messages';

const local = proxyLocalActivities<WebhookActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const DEFAULT_IDLE_MS = 60_000;
/** Continue as new well before Temporal's history limits. */
const MAX_HISTORY_EVENTS = 5_000;

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<{ delivered: number; failed: number }> {
  const { endpointId, enrollmentId, retry } = input;
  // One try per activity: the workflow's own back-off decides when the next comes. The HTTP call has its own deadline
  // (WEBHOOK_TIMEOUT, at most 30 s); a worker that dies mid-attempt counts as a failed attempt.
  const send = proxyActivities<WebhookActivities>({
    taskQueue: webhookTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 1 },
  });
  let woken = true;
  setHandler(webhookWakeSignal, () => void (woken = true));
  const done = { delivered: 0, failed: 0 };

  for (;;) {
    woken = false;
    const next = await local.nextWebhookDelivery({ endpointId, enrollmentId });
    if (!next) {
      if (await condition(() => woken, input.idleMs ?? DEFAULT_IDLE_MS)) continue;
      return done;
    }
    const giveUpAt = Date.parse(next.pendingSince) + retry.giveUpAfterMs;
    let attempts = next.attempts;
    // A run that takes over a delivery (after a continue-as-new, a crash or a sweep) keeps its back-off.
    if (attempts > 0 && next.lastAttemptAt) {
      const due = Date.parse(next.lastAttemptAt) + webhookBackoffMs(retry, attempts);
      if (due > giveUpAt) {
        await local.giveUpWebhookDelivery({ deliveryId: next.deliveryId });
        done.failed++;
        continue;
      }
      if (due > Date.now()) await sleep(due - Date.now());
    }
    for (;;) {
      const result = await send.attemptWebhookDelivery({ deliveryId: next.deliveryId }).catch(() => ({ outcome: 'failed' as const }));
      // Disabled meanwhile: its deliveries wait, pending, until it is enabled again (which wakes this workflow).
      if (result.outcome === 'disabled') return done;
      if (result.outcome !== 'failed') {
        if (result.outcome === 'delivered') done.delivered++;
        break;
      }
      attempts++;
      const wait = webhookBackoffMs(retry, attempts);
      if (Date.now() + wait > giveUpAt) {
        await local.giveUpWebhookDelivery({ deliveryId: next.deliveryId });
        done.failed++;
        break;
      }
      await sleep(wait);
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
      return continueAsNew<typeof webhookDeliveryWorkflow>(input);
    }
  }
}

/**
 * The `webhook-sweep` Schedule's run (worker/schedules.ts): wakes the delivery workflows of pending deliveries that no
 * workflow was woken for (their writer died or Temporal did not answer after the commit), or that no attempt has
 * touched for longer than the back-off allows (a workflow that ended or was terminated).
 */
export async function webhookSweepWorkflow(): Promise<{ woken: number }> {
  const job = proxyActivities<WebhookActivities>({ startToCloseTimeout: '5m', retry: { maximumAttempts: 3 } });
  return job.sweepWebhookDeliveries();
}
