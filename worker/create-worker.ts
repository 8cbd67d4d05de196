import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../lib/config';

export interface EnrollmentWorkerOptions {
  config: Config;
  deps: ActivityDeps;
  connection?: NativeConnection;
  /** A prebuilt bundle (tests build one per run); without it the worker bundles `workflows/` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createEnrollmentWorker({ config, deps, connection, workflowBundle }: EnrollmentWorkerOptions) {
  const conn = connection ?? (await NativeConnection.connect({ address: config.temporal.address }));
  const worker = await Worker.create({
    connection: conn,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(deps),
  });
  return { worker, connection: conn, ownsConnection: !connection };
}
