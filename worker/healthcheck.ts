/**
 * The worker container's health check (docker-compose.yml runs `node dist/worker/healthcheck.js`): exits 0 when the
 * Temporal server has seen a workflow-task poller of this container on the enrollments task queue, 1 otherwise.
 *
 * The worker serves no port, so there is nothing to ask it directly; a process check would pass for a worker that
 * lost its connection or stopped polling. The server knows better: it remembers each poller's identity for five
 * minutes after its last poll, and the SDK's default identity is `<pid>@<hostname>`, the hostname being the
 * container's own. So "the server lists a poller ending in @<this hostname>" means this replica is doing its work.
 * One short gRPC call per check; the process exits as soon as it has the answer.
 */
import os from 'node:os';
import { Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { loadConfig } from '../lib/config';

/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW (a type-only import: the proto package is the client's). */
const TASK_QUEUE_TYPE_WORKFLOW = 1 as temporal.api.enums.v1.TaskQueueType;
const TIMEOUT_MS = 5_000;

export function pollsFromThisHost(pollers: { identity?: string | null }[], hostname: string): boolean {
  return pollers.some((p) => typeof p.identity === 'string' && p.identity.endsWith(`@${hostname}`));
}

async function main(): Promise<number> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: TIMEOUT_MS });
  try {
    const { pollers } = await connection.withDeadline(Date.now() + TIMEOUT_MS, () =>
      connection.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name: config.temporal.taskQueue },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    if (pollsFromThisHost(pollers ?? [], os.hostname())) return 0;
    console.error(`[worker health] no poller from ${os.hostname()} on task queue "${config.temporal.taskQueue}"`);
    return 1;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('[worker health]', err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
