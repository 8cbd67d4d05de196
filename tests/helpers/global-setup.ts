import fs from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '..', '..', '.data', 'test', 'workflow-bundle.js');

/** Bundles the workflows once for the whole run; every test worker loads the same code. */
export default async function globalSetup(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await fs.mkdir(path.dirname(WORKFLOW_BUNDLE_PATH), { recursive: true });
  await fs.writeFile(WORKFLOW_BUNDLE_PATH, code);
}
