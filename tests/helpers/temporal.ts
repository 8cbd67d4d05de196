import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { temporalCli, temporalTestServer } from '../../lib/temporal-binaries';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { enrollmentWorkflow } from '../../workflows/enrollment';
import {
  enrollmentWorkflowId,
  type EnrollmentState,
  type EnrollmentStatus,
  type EnrollmentWorkflowInput,
  interactiveTaskQueue,
  launchUpdate,
  openEnrollmentUpdate,
  paymentConfirmedSignal,
  searchAttributes,
  statusQuery,
} from '../../workflows/messages';
import { WORKFLOW_BUNDLE_PATH } from './global-setup';
import { stripePayment } from './workflow-input';

export const workflowBundle = { codePath: WORKFLOW_BUNDLE_PATH };

export async function createTimeSkippingEnv() {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServer() } },
  });
  // The test server takes no --search-attribute flag; it registers them through the operator service.
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((k) => [k.name, keyword])),
  });
  return env;
}

/** The Temporal CLI's dev server; `extraArgs` go to `temporal server start-dev` (e.g. `--dynamic-config-value`). */
export function createDevServerEnv(extraArgs: string[] = []) {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      searchAttributes: Object.values(searchAttributes),
      extraArgs: ['--log-level', 'error', ...extraArgs],
    },
  });
}

/**
 * A worker on a fresh task queue with the prebuilt bundle, and the activity worker of its interactive queue (see
 * interactiveTaskQueue); the caller runs its test inside `worker.runUntil`, which runs both.
 */
export async function createTestWorker(env: TestWorkflowEnvironment, activities: WorkerOptions['activities']) {
  const taskQueue = `test-${randomUUID()}`;
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  const interactive = await Worker.create({ connection: env.nativeConnection, taskQueue: interactiveTaskQueue(taskQueue), activities });
  const worker = {
    async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
      const running = interactive.run();
      try {
        return await main.runUntil(fnOrPromise);
      } finally {
        interactive.shutdown();
        await running;
      }
    },
  };
  return { worker, taskQueue };
}

/**
 * Starts an enrollment's workflow as the API does, with its opening update: answers the handle once the record is
 * written (and, for a payment, the checkout is open), so the test's next message finds the enrollment open.
 */
export async function startEnrollment(client: Client, taskQueue: string, input: EnrollmentWorkflowInput) {
  const handle = await client.workflow.start(enrollmentWorkflow, {
    taskQueue,
    workflowId: enrollmentWorkflowId(input.enrollmentId),
    args: [input],
  });
  await handle.executeUpdate(openEnrollmentUpdate);
  return handle;
}

export type EnrollmentHandle = WorkflowHandle<typeof enrollmentWorkflow>;

/** Polls the status query until `ready` holds (the main loop moves on after its activities, not when a message is sent). */
export async function waitForWorkflow(
  handle: EnrollmentHandle,
  what: string,
  ready: (state: EnrollmentState) => boolean,
  timeoutMs = 15_000,
): Promise<EnrollmentState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(statusQuery);
    if (ready(state)) return state;
    if (Date.now() > deadline) throw new Error(`workflow did not reach ${what} in ${timeoutMs} ms: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const waitForWorkflowStatus = (handle: EnrollmentHandle, status: EnrollmentStatus, timeoutMs?: number) =>
  waitForWorkflow(handle, status, (s) => s.status === status, timeoutMs);

/** A self-pay enrollment started as the API does, paid its price through Stripe and launched: in_progress. */
export async function startPaidAndLaunched(client: Client, taskQueue: string, input: EnrollmentWorkflowInput): Promise<EnrollmentHandle> {
  const handle = await startEnrollment(client, taskQueue, input);
  await handle.signal(paymentConfirmedSignal, stripePayment(`cs_${input.enrollmentId}`, input.priceCents, input.currency));
  await waitForWorkflowStatus(handle, 'ready_to_launch');
  await handle.executeUpdate(launchUpdate);
  return handle;
}
