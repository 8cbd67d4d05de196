/**
 * Starts the privacy workflows through Temporal (workflows/privacy-messages.ts, PrivacyJobs). Each workflow's id
 * is its row's, and one already running or finished is left as it is, so asking twice starts one workflow.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { dataExportWorkflow, erasureWorkflow } from '../workflows/privacy';
import { dataExportWorkflowId, erasureWorkflowId, type PrivacyJobs } from '../workflows/privacy-messages';

export function createPrivacyJobs(client: Client, options: { taskQueue: string; callTimeoutMs?: number }): PrivacyJobs {
  const deadline = <T>(call: () => Promise<T>) =>
    options.callTimeoutMs ? client.withDeadline(Date.now() + options.callTimeoutMs, call) : call();
  async function start(run: () => Promise<unknown>) {
    try {
      await deadline(run);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  const common = {
    taskQueue: options.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  } as const;
  return {
    startExport: (exportId) =>
      start(() =>
        client.workflow.start<typeof dataExportWorkflow>('dataExportWorkflow', {
          ...common,
          workflowId: dataExportWorkflowId(exportId),
          args: [{ exportId }],
          staticSummary: `Data export ${exportId}`,
        }),
      ),
    startErasure: (requestId) =>
      start(() =>
        client.workflow.start<typeof erasureWorkflow>('erasureWorkflow', {
          ...common,
          workflowId: erasureWorkflowId(requestId),
          args: [{ requestId }],
          staticSummary: `Erasure request ${requestId}`,
        }),
      ),
  };
}
