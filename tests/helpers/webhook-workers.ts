/**
 * Webhook delivery on a Temporal test server: the delivery workflows (the prebuilt bundle) and the webhook activities,
 * on a task queue of the test's own and its webhook queue, with the dispatcher that wakes them.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createWebhookActivities } from '../../activities/webhooks';
import type { Db } from '../../db/pool';
import { loadConfig } from '../../lib/config';
import { outboundPolicy } from '../../lib/outbound-guard';
import { createWebhookDispatcher } from '../../services/webhook-dispatch';
import { createWebhookSender, type WebhookSender } from '../../services/webhook-sender';
import { webhookTaskQueue, type WebhookRetryPolicy } from '../../workflows/webhook-messages';
import { workflowBundle } from './temporal';

/** Quick back-off for tests on a real clock: 100 ms doubling to 1 s, given up after two minutes. */
export const QUICK_RETRY: WebhookRetryPolicy = { initialIntervalMs: 100, maximumIntervalMs: 1_000, giveUpAfterMs: 120_000 };

export function webhookDelivery(
  env: TestWorkflowEnvironment,
  o: { retry?: WebhookRetryPolicy; idleMs?: number; timeoutMs?: number; sender?: WebhookSender } = {},
) {
  const taskQueue = `webhooks-test-${randomUUID()}`;
  const dispatcher = createWebhookDispatcher(env.client, { taskQueue, retry: o.retry ?? QUICK_RETRY, idleMs: o.idleMs ?? 2_000 });
  const sender = o.sender ?? createWebhookSender({ policy: outboundPolicy('test'), timeoutMs: o.timeoutMs ?? 1_000 });
  return {
    taskQueue,
    dispatcher,
    /** Runs the workflow worker and the attempts' worker against `db` until `stop`. */
    async start(db: Db) {
      // The secrets are sealed under the test configuration's key (the development one), as the API wrote them.
      const activities = createWebhookActivities({
        db,
        webhooks: { dispatcher, sender },
        secretsAtRest: loadConfig({ NODE_ENV: 'test' }).secretsAtRest,
      });
      const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
      const attempts = await Worker.create({ connection: env.nativeConnection, taskQueue: webhookTaskQueue(taskQueue), activities });
      const running = Promise.all([main.run(), attempts.run()]);
      return {
        activities,
        async stop() {
          main.shutdown();
          attempts.shutdown();
          await running;
        },
      };
    },
  };
}
