import type { Client } from '@temporalio/client';

/**
 * Whether the Temporal namespace keeps closed workflow histories as long as the retention policy says
 * (RETENTION_WORKFLOW_HISTORIES): undefined when it does, else what differs. The production cluster's setup job sets
 * it (deploy/temporal/setup.sh); a namespace made otherwise (another cluster, Temporal Cloud) is told at worker start.
 */
export async function namespaceRetentionProblem(client: Client, namespace: string, days: number): Promise<string | undefined> {
  const { config } = await client.workflowService.describeNamespace({ namespace });
  const seconds = Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0);
  if (seconds === days * 86_400) return undefined;
  return (
    `namespace ${namespace} keeps closed workflows for ${seconds / 86_400} days, the retention policy says ${days} ` +
    `(RETENTION_WORKFLOW_HISTORIES): set it with temporal operator namespace update --namespace ${namespace} --retention ${days}d`
  );
}
