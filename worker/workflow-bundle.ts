/**
 * The workflow code bundled once at build time (`npm run build` → dist/workflow-bundle.js) instead of at every worker
 * start: webpack over workflows/ costs a worker several seconds of CPU before it polls. The bundle carries a
 * fingerprint of the compiled workflow files and the SDK version it was made from; a worker whose workflows differ
 * from the bundle's (say, after a plain `tsc`) bundles at start as before, so a stale bundle never runs.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

/** The folder holding the compiled workflows this process runs (dist/, with dist/workflows/index.js). */
const BUILD_DIR = path.dirname(path.dirname(require.resolve('../workflows')));

/** Where a build's workflows, bundle and manifest are: <build>/workflows/, <build>/workflow-bundle.js and .json. */
export function bundlePaths(buildDir = BUILD_DIR) {
  const workflowsDir = path.join(buildDir, 'workflows');
  return {
    workflowsDir,
    entry: require.resolve(workflowsDir),
    bundle: path.join(buildDir, 'workflow-bundle.js'),
    manifest: path.join(buildDir, 'workflow-bundle.json'),
  };
}
export const BUNDLE_PATH = bundlePaths().bundle;

interface Manifest {
  fingerprint: string;
  builtAt: string;
  bytes: number;
}

function sdkVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** SHA-256 over the SDK version and every file under the workflows folder (names and contents, in order). */
export function workflowsFingerprint(dir: string): string {
  const hash = createHash('sha256').update(`@temporalio/worker@${sdkVersion()}\n`);
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        hash.update(`${path.relative(dir, full)}\n`).update(fs.readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** Bundles the workflows and writes dist/workflow-bundle.js with its manifest. */
export async function writeWorkflowBundle(buildDir = BUILD_DIR): Promise<Manifest & { path: string }> {
  const paths = bundlePaths(buildDir);
  const fingerprint = workflowsFingerprint(paths.workflowsDir);
  const { code } = await bundleWorkflowCode({
    workflowsPath: paths.entry,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  fs.writeFileSync(paths.bundle, code);
  const manifest: Manifest = { fingerprint, builtAt: new Date().toISOString(), bytes: Buffer.byteLength(code) };
  fs.writeFileSync(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, path: paths.bundle };
}

/**
 * The worker's workflow code: the prebuilt bundle when it matches the workflows of this build, otherwise the
 * workflows folder (bundled by the SDK at start). `reason` says which and why, for the worker's start-up line.
 */
export function workflowCodeOption(buildDir = BUILD_DIR): {
  option: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  reason: string;
} {
  const paths = bundlePaths(buildDir);
  const bundleAtStart = (why: string) => ({ option: { workflowsPath: paths.entry }, reason: `bundling workflows at start (${why})` });
  if (!fs.existsSync(paths.bundle) || !fs.existsSync(paths.manifest)) return bundleAtStart('no prebuilt bundle; `npm run build` makes one');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(paths.manifest, 'utf8')) as Manifest;
  } catch {
    return bundleAtStart('the bundle manifest is unreadable');
  }
  if (manifest.fingerprint !== workflowsFingerprint(paths.workflowsDir))
    return bundleAtStart('the prebuilt bundle is from other workflow code');
  return { option: { workflowBundle: { codePath: paths.bundle } }, reason: `prebuilt workflow bundle of ${manifest.builtAt}` };
}
