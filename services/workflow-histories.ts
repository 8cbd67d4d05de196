/**
 * Removing workflow histories from Temporal, for an erasure (activities/erasure.ts): every run of a workflow id (a
 * workflow that continued as new has several), once none is running. Temporal keeps a closed workflow's history for
 * the namespace's retention period; an erased student's enrollments go at once instead, with whatever free text
 * their messages carried (a withdrawal's or a rejection's reason).
 */
import { type Client, isGrpcServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

export interface WorkflowHistories {
  /** Deletes every closed run of `workflowId`: 'running' (nothing deleted) while one runs, 'absent' when there is none. */
  deleteClosed(workflowId: string): Promise<'deleted' | 'running' | 'absent'>;
}

const NOT_FOUND = 5;

export function createWorkflowHistories(client: Client, namespace: string): WorkflowHistories {
  /** The latest run, read from the workflow itself (visibility, which lists the older ones, may lag behind it). */
  async function latest(workflowId: string): Promise<{ runId: string; running: boolean } | undefined> {
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      return { runId: d.runId, running: d.status.name === 'RUNNING' };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async function remove(workflowId: string, runId: string) {
    try {
      await client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId, runId } });
    } catch (err) {
      // Deleted already (a retried activity; visibility lists a deleted run for a moment longer).
      if (!(isGrpcServiceError(err) && Number(err.code) === NOT_FOUND)) throw err;
    }
  }

  return {
    async deleteClosed(workflowId) {
      const runs = new Map<string, boolean>();
      for await (const w of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) {
        runs.set(w.runId, w.status.name === 'RUNNING');
      }
      const current = await latest(workflowId);
      if (current) runs.set(current.runId, current.running);
      if (!runs.size) return 'absent';
      if ([...runs.values()].some(Boolean)) return 'running';
      for (const runId of runs.keys()) await remove(workflowId, runId);
      return 'deleted';
    },
  };
}
