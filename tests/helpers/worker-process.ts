import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/paths';

const LOG_DIR = path.join(PROJECT_ROOT, '.data', 'test', 'logs');

/**
 * The worker process exactly as `npm start` and production run it (dist/worker/main.js, built by `npm test`'s
 * tsc step), against the given Temporal server and database; its output goes to a log file.
 */
export function startWorkerProcess(env: { temporalAddress: string; databaseUrl: string; publicBaseUrl: string; name: string }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-worker-'));
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${env.name}-${process.pid}-${Date.now()}.log`);
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      TEMPORAL_ADDRESS: env.temporalAddress,
      DATABASE_URL: env.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      PUBLIC_BASE_URL: env.publicBaseUrl,
      DATA_DIR: dataDir,
      // No Stripe, no SMTP: the labelled local providers (this worker is only here for its partner queue).
      STRIPE_SECRET_KEY: '',
      STRIPE_WEBHOOK_SECRET: '',
      SMTP_URL: '',
    },
  });
  fs.closeSync(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logFile,
    exited,
    /** SIGTERM, as a process manager stops it; resolves with how it exited (SIGKILL after `graceMs`). */
    async stop(graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      return result;
    },
  };
}
