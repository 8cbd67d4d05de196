import { Client, Connection } from '@temporalio/client';
import { createPool } from '../db/pool';
import { type Config, ConfigError, loadConfig } from '../lib/config';
import { createOutboundGuard } from '../lib/outbound-guard';
import { createMailer, createPaymentProvider } from '../lib/providers';
import { type CredentialSigner, loadCredentialSigner } from '../services/credentials';
import { createLocalFileStore } from '../services/file-store';
import { tutorModelFromConfig } from '../services/tutor-model';
import { createWebhookDispatcher } from '../services/webhook-dispatch';
import { createWebhookSender } from '../services/webhook-sender';
import { createWorkflowHistories } from '../services/workflow-histories';
import { createWorkers, runWorkers } from './create-worker';
import { namespaceRetentionProblem } from './namespace-retention';
import { ensureRetentionSchedule, ensureSchedules, ensureWebhookSweepSchedule } from './schedules';

/** The credential signing key, read (or in development generated) on first use; a failure is tried again next time. */
function lazySigner(config: Config): () => Promise<CredentialSigner> {
  let signer: Promise<CredentialSigner> | undefined;
  return () =>
    (signer ??= loadCredentialSigner(config).catch((err: unknown) => {
      signer = undefined;
      throw err;
    }));
}

async function main() {
  const config = loadConfig();
  // Named with the process id, so an operator (and tests/e2e.database-connection-loss.test.ts) can tell this process's
  // backends apart in pg_stat_activity.
  const db = createPool(
    config.databaseUrl,
    config.databasePoolSize,
    config.databaseConnectTimeoutMs,
    `credential-marketplace worker ${process.pid}`,
  );
  // A client for the Schedules and for waking webhook deliveries from the activities that record their events.
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const { workers, connection, workflowCode } = await createWorkers({
    config,
    deps: {
      db,
      files: createLocalFileStore(config.filesDir),
      payments: createPaymentProvider(config),
      mailer: createMailer(config),
      publicBaseUrl: config.publicBaseUrl,
      // With OPENAI_API_KEY the tutor writes the nudges; without it they use the fixed template.
      tutor: tutorModelFromConfig(config.openai, config.tutor, config.responseMaxBytes.openai),
      tutorTimeoutMs: config.tutor.nudgeTimeoutMs,
      partnerAnswerMaxBytes: config.responseMaxBytes.partner,
      outbound: createOutboundGuard({ policy: config.outbound.policy }),
      secretsAtRest: config.secretsAtRest,
      retention: config.retention,
      webhooks: {
        dispatcher: createWebhookDispatcher(client, { taskQueue: config.temporal.taskQueue, retry: config.webhooks.retry }),
        sender: createWebhookSender({ policy: config.outbound.policy, timeoutMs: config.webhooks.timeoutMs }),
        staleAfterMs: config.webhooks.retry.maximumIntervalMs + 10 * 60_000,
      },
      credentials: { signer: lazySigner(config), issuerName: config.credentials.issuerName },
      workflowHistories: createWorkflowHistories(client, config.temporal.namespace),
    },
  });
  // The Schedules (the review digests, the webhook sweep, retention) live in Temporal; each worker makes sure they exist and are current.
  await ensureSchedules(client, config.temporal.taskQueue);
  await ensureWebhookSweepSchedule(client, config.temporal.taskQueue);
  await ensureRetentionSchedule(client, config.temporal.taskQueue);
  // The dev server `npm start` runs keeps its own default; a real cluster's namespace should match the policy.
  if (!config.temporal.embedded) {
    const problem = await namespaceRetentionProblem(client, config.temporal.namespace, config.retention.workflowHistories.days).catch(
      (err: Error) => `could not read the retention of namespace ${config.temporal.namespace}: ${err.message}`,
    );
    if (problem) console.warn(`[worker] ${problem}`);
  }
  for (const { name, taskQueue } of workers) {
    console.log(`[worker] ${name}: polling task queue "${taskQueue}" on ${config.temporal.address}`);
  }
  console.log(`[worker] ready ${Math.round(performance.now())} ms after the process started; ${workflowCode}`);
  // SIGINT/SIGTERM stop every worker after its in-flight tasks finish (the SDK installs those handlers).
  await runWorkers(workers.map((w) => w.worker));
  await connection.close();
  await clientConnection.close();
  await db.end();
}

main().catch((err) => {
  console.error('[worker] stopped:', err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
