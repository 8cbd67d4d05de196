import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createRetentionActivities } from '../activities/retention';
import { createWebhookActivities } from '../activities/webhooks';
import { createPartnerActivities, listPolledPartners, type PartnerActivityOptions, type PartnerRow } from '../activities/partners';
import type { Config } from '../lib/config';
import { workflowCodeOption } from './workflow-bundle';
import { interactiveTaskQueue, partnerTaskQueue } from '../workflows/messages';
import { webhookTaskQueue } from '../workflows/webhook-messages';

export interface EnrollmentWorkerOptions {
  config: Config;
  deps: ActivityDeps;
  connection?: NativeConnection;
  /** A bundle to run (tests build one per run); without it, dist/workflow-bundle.js when current, else `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * The enrollment worker (workflows and every activity) and, on the same connection, the worker of the interactive
 * queue (the activities someone waits on; see interactiveTaskQueue) and of the webhook attempts, each with slots of
 * its own.
 */
export async function createEnrollmentWorker({ config, deps, connection, workflowBundle }: EnrollmentWorkerOptions) {
  const conn = connection ?? (await NativeConnection.connect({ address: config.temporal.address }));
  const code = workflowBundle ? { option: { workflowBundle }, reason: 'the bundle given' } : workflowCodeOption();
  const activities = { ...createActivities(deps), ...createWebhookActivities(deps), ...createRetentionActivities(deps) };
  // The tuning the configuration sets (WORKER_*); unset ones are left to the SDK's defaults.
  const tuning = Object.fromEntries(Object.entries(config.temporal.worker).filter(([, v]) => v !== undefined));
  const worker = await Worker.create({
    connection: conn,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...code.option,
    activities,
    ...tuning,
  });
  const interactiveWorker = await Worker.create({
    connection: conn,
    namespace: config.temporal.namespace,
    taskQueue: interactiveTaskQueue(config.temporal.taskQueue),
    activities,
  });
  // Webhook attempts (HTTP calls that may hang until their timeout) have slots of their own, apart from the lifecycle's.
  const webhookWorker = await Worker.create({
    connection: conn,
    namespace: config.temporal.namespace,
    taskQueue: webhookTaskQueue(config.temporal.taskQueue),
    activities,
  });
  return { worker, interactiveWorker, webhookWorker, connection: conn, ownsConnection: !connection, workflowCode: code.reason };
}

export interface PartnerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  partner: Pick<PartnerRow, 'id' | 'rateLimitPerSecond'>;
  /** Defaults to the partner's own queue (`partnerTaskQueue(partner.id)`). */
  taskQueue?: string;
  activityOptions?: PartnerActivityOptions;
}

/**
 * The worker of one partner's task queue: only the partner activities, at most the partner's rate limit.
 * `maxTaskQueueActivitiesPerSecond` is enforced by the Temporal server for the whole task queue, so any number of
 * worker replicas together stay under it (the last poller's value is the one the server applies).
 */
export function createPartnerWorker({ connection, namespace, deps, partner, taskQueue, activityOptions }: PartnerWorkerOptions) {
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue ?? partnerTaskQueue(partner.id),
    activities: createPartnerActivities(deps, activityOptions),
    maxTaskQueueActivitiesPerSecond: partner.rateLimitPerSecond,
    // The server's limit is a token bucket per task queue partition and lets short bursts through (see the report
    // in tests/partners.polling.test.ts); each replica also spaces its own calls evenly at most at the same rate.
    maxActivitiesPerSecond: partner.rateLimitPerSecond,
    // More in flight than the rate lets through would only wait; a slow partner (10 s timeout) still has room.
    maxConcurrentActivityTaskExecutions: Math.max(10, Math.ceil(partner.rateLimitPerSecond * 10)),
  });
}

export interface WorkerSet {
  workers: { name: string; taskQueue: string; worker: Worker }[];
  connection: NativeConnection;
  ownsConnection: boolean;
  /** Where the workflow code came from: the prebuilt bundle, or bundled at start (and why). */
  workflowCode: string;
}

/**
 * Every worker of the process: the enrollment worker (workflows and activities) and, for each partner with an API
 * (read from the database now; a partner added later needs a restart), a worker on that partner's task queue.
 */
export async function createWorkers(options: EnrollmentWorkerOptions): Promise<WorkerSet> {
  const { worker, interactiveWorker, webhookWorker, connection, ownsConnection, workflowCode } = await createEnrollmentWorker(options);
  const { taskQueue } = options.config.temporal;
  const workers: WorkerSet['workers'] = [
    { name: 'enrollments', taskQueue, worker },
    { name: 'interactive activities', taskQueue: interactiveTaskQueue(taskQueue), worker: interactiveWorker },
    { name: 'webhook attempts', taskQueue: webhookTaskQueue(taskQueue), worker: webhookWorker },
  ];
  for (const partner of await listPolledPartners(options.deps.db)) {
    const partnerQueue = partnerTaskQueue(partner.id);
    const partnerWorker = await createPartnerWorker({
      connection,
      namespace: options.config.temporal.namespace,
      deps: options.deps,
      partner,
      taskQueue: partnerQueue,
    });
    workers.push({ name: `partner ${partner.id} (${partner.rateLimitPerSecond}/s)`, taskQueue: partnerQueue, worker: partnerWorker });
  }
  return { workers, connection, ownsConnection, workflowCode };
}

/**
 * Runs the workers together until all have stopped. SIGINT/SIGTERM shut every one down (the SDK's runtime
 * handles those signals for all workers; each finishes its in-flight tasks). If one worker fails, the others are
 * shut down too and the failure is rethrown.
 */
export async function runWorkers(workers: Worker[]): Promise<void> {
  const shutdownOthers = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const results = await Promise.allSettled(
    workers.map((w) =>
      w.run().catch((err) => {
        shutdownOthers();
        throw err;
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
