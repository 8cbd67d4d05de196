/**
 * `npm start`: the whole system on one machine. Starts the Temporal dev server (unless TEMPORAL_ADDRESS is set),
 * migrates and seeds PostgreSQL, then runs the worker (WORKERS of them: replicas on the same task queues) and the API
 * until Ctrl-C, which stops everything. A worker or the API that dies is started again; the dev server's exit stops all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabase, migrate, sealSecretsAfterMigrating } from '../db/migrate';
import { createPool } from '../db/pool';
import { DEMO_HOLDER_ID, seed } from '../db/seed';
import { ConfigError, loadConfig } from '../lib/config';
import { devServerArgs } from '../lib/dev-server';
import { PROJECT_ROOT } from '../lib/paths';
import { assertDatabaseReachable, assertPortFree, PreflightError } from '../lib/preflight';
import { temporalCli } from '../lib/temporal-binaries';
import { waitForHttp, waitForTemporal } from '../lib/wait';

const config = (() => {
  try {
    return loadConfig();
  } catch (err) {
    // `npm start` checks the configuration before the build (scripts/check-config.cjs); this is for a direct run.
    if (!(err instanceof ConfigError)) throw err;
    console.error(`[start] ${err.message}`);
    process.exit(1);
  }
})();
/** The worker processes' names in the log: `worker` alone, or worker-1 … worker-N. */
const workerNames = config.workers === 1 ? ['worker'] : Array.from({ length: config.workers }, (_, i) => `worker-${i + 1}`);
const NAME_WIDTH = Math.max(8, ...workerNames.map((n) => n.length + 1));
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

/** How long a restarted process must run to count as recovered; one that dies sooner waits twice as long next time. */
const HEALTHY_AFTER_MS = 60_000;
const RESTART_DELAY_MS = { first: 1_000, longest: 30_000 };

/**
 * Runs one process of the system, its output prefixed with its name. With `restart`, a process that dies on its own
 * (a crash, a SIGKILL, the OOM killer) is started again, as a container platform would, after a pause that doubles
 * while it keeps dying young; any other process's exit stops everything.
 */
function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}, options: { restart?: boolean } = {}) {
  let delayMs = RESTART_DELAY_MS.first;
  const launch = () => {
    const startedAt = Date.now();
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) out.write(`${name.padEnd(NAME_WIDTH)}| ${line}\n`);
      });
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      children.splice(
        children.findIndex((c) => c.child === child),
        1,
      );
      if (!options.restart) {
        console.error(`[start] ${name} exited (${signal ?? code}); stopping everything`);
        void stop(1);
        return;
      }
      delayMs = Date.now() - startedAt >= HEALTHY_AFTER_MS ? RESTART_DELAY_MS.first : delayMs;
      console.error(`[start] ${name} exited (${signal ?? code}); starting it again in ${delayMs / 1000} s`);
      setTimeout(() => {
        if (!stopping) launch();
      }, delayMs).unref();
      delayMs = Math.min(delayMs * 2, RESTART_DELAY_MS.longest);
    });
    children.push({ name, child });
  };
  launch();
}

async function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  // The API and the workers first (each worker finishes its in-flight tasks), the Temporal server last.
  for (const group of [children.filter((c) => c.name !== 'temporal'), children.filter((c) => c.name === 'temporal')]) {
    await Promise.all(
      group.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
  }
  process.exit(exitCode);
}

async function main() {
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  fs.mkdirSync(config.dataDir, { recursive: true });

  // What would otherwise fail later with a stack trace, checked first and said in plain words.
  await assertDatabaseReachable(config.databaseUrl);
  await assertPortFree(config.port, 'the API', 'PORT');
  if (config.temporal.embedded) {
    await assertPortFree(config.temporal.devPort, 'the Temporal dev server', 'TEMPORAL_DEV_PORT (or TEMPORAL_ADDRESS for a running one)');
    await assertPortFree(config.temporal.uiPort, 'the Temporal Web UI', 'TEMPORAL_UI_PORT');
  }

  if (config.temporal.embedded) {
    run(
      'temporal',
      temporalCli(),
      devServerArgs({
        dbFilename: path.join(config.dataDir, 'temporal.db'),
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        httpPort: config.temporal.httpPort,
        metricsPort: config.temporal.metricsPort,
        namespace: config.temporal.namespace,
      }),
    );
  }
  await waitForTemporal(config.temporal.address, 60_000);

  await ensureDatabase(config.databaseUrl);
  const applied = await migrate(config.databaseUrl);
  console.log(`[start] database ${applied.length ? `migrated (${applied.join(', ')})` : 'schema up to date'}`);
  for (const line of await sealSecretsAfterMigrating(config.databaseUrl, config.secretsAtRest)) console.log(`[start] ${line}`);
  const db = createPool(config.databaseUrl, 1);
  await seed(db);
  await db.end();

  const env = { TEMPORAL_ADDRESS: config.temporal.address };
  // Replicas started together: each makes sure of the Schedules (one creates them, the others find them made; see
  // worker/schedules.ts), and the Temporal server hands each task to one poller of whichever replica asks.
  for (const name of workerNames)
    run(name, process.execPath, [path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')], env, { restart: true });
  run('api', process.execPath, [path.join(PROJECT_ROOT, 'dist', 'api', 'server.js')], env, { restart: true });

  await waitForHttp(`http://127.0.0.1:${config.port}/readyz`, 60_000, () => !stopping);
  console.log(
    [
      '',
      'credential-marketplace is running:',
      `  Console          ${config.publicBaseUrl}   (${config.console.oidc ? `sign-in at ${config.console.oidc.issuer}` : 'development sign-in: pick a role'})`,
      `  API              ${config.publicBaseUrl}/api   (docs at ${config.publicBaseUrl}/docs, OpenAPI at ${config.publicBaseUrl}/openapi.json)`,
      ...(config.temporal.embedded ? [`  Temporal Web UI  http://localhost:${config.temporal.uiPort}`] : []),
      `  Temporal         ${config.temporal.address} (namespace ${config.temporal.namespace})`,
      `  Workers          ${
        config.workers === 1
          ? '1 worker process (WORKERS=2 or more runs replicas)'
          : `${config.workers} worker processes (${workerNames.join(', ')})`
      }, task queue ${config.temporal.taskQueue}`,
      `  Outbox (emails)  ${config.mail.smtpUrl ? 'SMTP' : config.mail.outboxDir}`,
      `  Payments         ${config.stripe.secretKey ? 'Stripe' : 'simulated checkout (no STRIPE_SECRET_KEY)'}`,
      `  Demo partner     ${config.publicBaseUrl}/demo-partner (a local stand-in partner platform with a completion API)`,
      `  AI tutor         ${
        config.openai.apiKey
          ? `model ${config.openai.model} at ${config.openai.baseUrl ?? 'api.openai.com'}`
          : 'no model (set OPENAI_API_KEY, and OPENAI_BASE_URL for a compatible server): the tutor answers 503'
      }`,
      '',
      'Development tokens: npm run token -- student | program_holder | funder | admin',
      `(the demo programs belong to program holder ${DEMO_HOLDER_ID})`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof PreflightError ? `[start] cannot start: ${err.message}` : `[start] ${(err as Error).message}`);
  void stop(1);
});
