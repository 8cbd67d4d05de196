/**
 * Removing workflow histories from Temporal, for an erasure (activities/erasure.ts): every run of a workflow id (a
 * workflow that continued as new has several), once none is running. Temporal keeps a closed workflow's history for
 * the namespace's retention period; an erased student's enrollments go at once instead, with whatever free text
 * their messages carried (a withdrawal's or a rejection's reason).
 */
import type { Client } from '@temporalio/client';

export interface WorkflowHistories {
  /** Deletes every closed run of `workflowId`: 'running' (nothing deleted) while one runs, 'absent' when there is none. */
  deleteClosed(workflowId: string): Promise<'deleted' | 'running' | 'absent'>;
}

export function createWorkflowHistories(client: Client, namespace: string): WorkflowHistories {
  return {
    async deleteClosed(workflowId) {
      const runs: { runId: string; running: boolean }[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) {
        runs.push({ runId: w.runId, running: w.status.name === 'RUNNING' });
      }
      if (!runs.length) return 'absent';
      if (runs.some((r) => r.running)) return 'running';
      for (const { runId } of runs) {
        await client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId, runId } });
      }
      return 'deleted';
    },
  };
}
