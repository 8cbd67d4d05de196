/**
 * The prebuilt workflow bundle (worker/workflow-bundle.ts): a worker runs it only when it was made from the same
 * workflow code; otherwise (changed code, no bundle, a broken manifest) it bundles at start, never a stale bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/paths';
import { bundlePaths, workflowCodeOption, workflowsFingerprint, writeWorkflowBundle } from '../worker/workflow-bundle';

const WORKFLOW = `export async function hello(name: string): Promise<string> { return 'hello ' + name; }\n`;

describe('prebuilt workflow bundle', () => {
  let build: string;
  beforeEach(() => {
    // Inside the project, so the bundler finds @temporalio/workflow in node_modules.
    fs.mkdirSync(path.join(PROJECT_ROOT, '.data', 'test'), { recursive: true });
    build = fs.mkdtempSync(path.join(PROJECT_ROOT, '.data', 'test', 'bundle-'));
    fs.mkdirSync(path.join(build, 'workflows'));
    fs.writeFileSync(path.join(build, 'workflows', 'index.ts'), WORKFLOW);
  });
  afterEach(() => fs.rmSync(build, { recursive: true, force: true }));

  test('the fingerprint follows the workflow files: same content same print, any change another', () => {
    const dir = bundlePaths(build).workflowsDir;
    const first = workflowsFingerprint(dir);
    expect(workflowsFingerprint(dir)).toBe(first);
    fs.writeFileSync(path.join(dir, 'index.ts'), WORKFLOW.replace('hello ', 'hi '));
    expect(workflowsFingerprint(dir)).not.toBe(first);
    fs.writeFileSync(path.join(dir, 'index.ts'), WORKFLOW);
    fs.writeFileSync(path.join(dir, 'extra.ts'), 'export const x = 1;\n');
    expect(workflowsFingerprint(dir)).not.toBe(first);
  });

  test('a current bundle is used; changed code, a missing or broken manifest mean bundling at start', async () => {
    const paths = bundlePaths(build);
    expect(workflowCodeOption(build)).toEqual<Record<string, unknown>>({
      option: { workflowsPath: paths.entry },
      reason: expect.stringContaining('no prebuilt bundle'),
    });

    const written = await writeWorkflowBundle(build);
    expect(fs.readFileSync(paths.bundle, 'utf8')).toContain("'hello '");
    expect(written.bytes).toBe(fs.statSync(paths.bundle).size);
    expect(workflowCodeOption(build)).toEqual<Record<string, unknown>>({
      option: { workflowBundle: { codePath: paths.bundle } },
      reason: expect.stringContaining('prebuilt workflow bundle'),
    });

    fs.writeFileSync(path.join(paths.workflowsDir, 'index.ts'), WORKFLOW.replace('hello ', 'hi '));
    expect(workflowCodeOption(build)).toEqual<Record<string, unknown>>({
      option: { workflowsPath: paths.entry },
      reason: expect.stringContaining('from other workflow code'),
    });

    await writeWorkflowBundle(build);
    expect(workflowCodeOption(build).option).toEqual({ workflowBundle: { codePath: paths.bundle } });
    fs.writeFileSync(paths.manifest, '{ not json');
    expect(workflowCodeOption(build).reason).toContain('manifest is unreadable');
  }, 60_000);
});
