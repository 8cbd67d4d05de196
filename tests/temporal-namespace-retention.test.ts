/**
 * The production namespace keeps closed workflow histories for the retention policy's period: deploy/temporal/setup.sh
 * (the temporal-setup job) runs here with the `temporal` CLI against the CLI's dev server, given what
 * docker-compose.yml gives it (tests/docker-compose.test.ts shows TEMPORAL_NAMESPACE_RETENTION is the app's
 * RETENTION_WORKFLOW_HISTORIES), and the namespace it creates, then the existing one it updates, keeps closed workflows
 * for exactly the configured period; the worker's check at start agrees, and names a namespace that differs.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import { temporalCli } from '../lib/temporal-binaries';
import { namespaceRetentionProblem } from '../worker/namespace-retention';
import { searchAttributes } from '../workflows/messages';
import { createDevServerEnv } from './helpers/temporal';

const run = promisify(execFile);
const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(() => env?.teardown());

/** Runs the setup job as compose does, with the namespace retention given. */
async function setupJob(namespace: string, retention: string) {
  const { stdout } = await run('sh', [path.join(PROJECT_ROOT, 'deploy', 'temporal', 'setup.sh')], {
    env: {
      PATH: `${path.dirname(temporalCli())}:${process.env.PATH ?? ''}`,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_NAMESPACE_RETENTION: retention,
      SEARCH_ATTRIBUTES: Object.values(searchAttributes)
        .map((k) => `${k.name}=${CLI_TYPE[k.type]}`)
        .join(' '),
    },
    timeout: 120_000,
  });
  return stdout;
}

async function retentionDays(namespace: string): Promise<number> {
  const { config } = await env.connection.workflowService.describeNamespace({ namespace });
  return Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
}

test('the namespace the setup job creates, or updates, keeps closed workflows for RETENTION_WORKFLOW_HISTORIES', async () => {
  const configured = loadConfig({ NODE_ENV: 'test' }).retention.workflowHistories;
  const namespace = `retention-${randomUUID().slice(0, 8)}`;
  expect(await setupJob(namespace, configured.text)).toContain(`created namespace ${namespace}; retention ${configured.text}`);
  expect(await retentionDays(namespace)).toBe(configured.days);
  expect(await namespaceRetentionProblem(env.client, namespace, configured.days)).toBeUndefined();

  // An operator raises the period (a state asks longer): the next `up` sets the existing namespace to it.
  const raised = loadConfig({ NODE_ENV: 'test', RETENTION_WORKFLOW_HISTORIES: '90d' }).retention.workflowHistories;
  expect(await setupJob(namespace, raised.text)).toContain(`namespace ${namespace} exists; retention ${raised.text}`);
  expect(await retentionDays(namespace)).toBe(90);
  // A worker configured with the old period says so at start.
  expect(await namespaceRetentionProblem(env.client, namespace, configured.days)).toBe(
    `namespace ${namespace} keeps closed workflows for 90 days, the retention policy says ${configured.days} (RETENTION_WORKFLOW_HISTORIES): ` +
      `set it with temporal operator namespace update --namespace ${namespace} --retention ${configured.days}d`,
  );
});
