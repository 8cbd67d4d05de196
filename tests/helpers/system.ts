import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Actor, type Role } from '../../core/actor';
import { signDevelopmentToken } from '../../api/auth';
import { devServerArgs } from '../../lib/dev-server';
import { PROJECT_ROOT } from '../../lib/paths';
import { temporalCli } from '../../lib/temporal-binaries';
import { waitForHttp, waitForTemporal } from '../../lib/wait';
import type { EnrollmentState } from './contract';
import { createTestDatabase } from './db';
import { freePorts } from './ports';
import { startSmtpServer } from './smtp';
import { startStripeStandIn } from './stripe-stand-in';

export const JWT_SECRET = 'test-secret-for-the-end-to-end-system';
export const STRIPE_WEBHOOK_SECRET = 'whsec_test_end_to_end';
const LOG_DIR = path.join(PROJECT_ROOT, '.data', 'test', 'logs');

/** The names of `count` worker processes, as `npm start` names them: `worker` alone, or worker-1 … worker-N. */
export const workerNames = (count: number) => (count === 1 ? ['worker'] : Array.from({ length: count }, (_, i) => `worker-${i + 1}`));

/**
 * The real system as separate processes, like `npm start` runs it: the Temporal dev server, the worker (or
 * `workers` replicas of it) and the API from dist/, against a database of its own, a real SMTP server and a Stripe
 * stand-in, all on loopback.
 */
export async function startSystem(
  options: {
    smtpMailFromDelayMs?: number;
    /** Extra environment for the worker and API (e.g. OPENAI_API_KEY, OPENAI_BASE_URL). */ env?: NodeJS.ProcessEnv;
    /** Node options for the worker and API processes (a benchmark's `--cpu-prof`; NODE_OPTIONS does not take it). */
    nodeArgs?: string[];
    /** More arguments for `temporal server start-dev` (a benchmark's `--dynamic-config-value key=value`). */
    temporalArgs?: string[];
    /**
     * Worker processes on the same task queues (default 1, named `worker`; more are worker-1 … worker-N, as with
     * `WORKERS=N npm start`). With more than one, startSystem also waits until each is polling.
     */
    workers?: number;
  } = {},
) {
  const workers = workerNames(options.workers ?? 1);
  const id = randomUUID().slice(0, 8);
  const database = await createTestDatabase();
  const smtp = await startSmtpServer({ mailFromDelayMs: options.smtpMailFromDelayMs });
  const stripe = await startStripeStandIn();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-e2e-'));
  // Every port the system listens on is chosen here, distinct, before anything starts: a dev server left to pick its
  // own HTTP and metrics ports could take the one meant for the API.
  const [apiPort] = await freePorts(1);
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  fs.mkdirSync(LOG_DIR, { recursive: true });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(apiPort),
    PUBLIC_BASE_URL: baseUrl,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    JWT_SECRET,
    STRIPE_SECRET_KEY: 'sk_test_stand_in',
    STRIPE_WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.apiBase,
    SMTP_URL: smtp.url,
    DATA_DIR: dataDir,
    UPLOAD_MAX_BYTES: String(1024 * 1024),
    // No model unless a test gives one: a key in the developer's environment must not reach a real provider.
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    // Tests and benchmarks drive hundreds of requests a second from one address; a test of the limits sets its own.
    RATE_LIMIT_CLIENT: '1000000',
    RATE_LIMIT_PARTNER: '1000000',
    RATE_LIMIT_AUTH_FAILURES: '1000000',
    ...options.env,
  };
  const processes = new Map<string, ChildProcess>();
  const launch = (name: string, command: string, args: string[]) => {
    const log = fs.openSync(path.join(LOG_DIR, `${id}-${name}.log`), 'a');
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', log, log] });
    processes.set(name, child);
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));

  /** Stops every process and stand-in, drops the database and removes the data folder. */
  async function stop() {
    const replicas = [...processes.keys()].filter((name) => name.startsWith('api-'));
    for (const name of [...replicas, 'api', ...workers, 'temporal']) {
      const child = processes.get(name);
      if (!child) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    }
    await Promise.allSettled([smtp.close(), stripe.close()]);
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // The dev server's inner services take ports of their own choosing; one of a dev server started at the same time by
  // another test file can take a port chosen here, and this one then exits at once. It is started again on new ports.
  let temporalAddress = '';
  let temporalMetricsUrl = '';
  const startTemporal = async () => {
    for (let attempt = 1; ; attempt++) {
      const [temporalPort, temporalHttpPort, temporalMetricsPort] = await freePorts(3);
      temporalAddress = `127.0.0.1:${temporalPort}`;
      temporalMetricsUrl = `http://127.0.0.1:${temporalMetricsPort}/metrics`;
      const temporal = launch(
        'temporal',
        temporalCli(),
        devServerArgs({
          dbFilename: path.join(dataDir, `temporal-${attempt}.db`),
          port: temporalPort,
          httpPort: temporalHttpPort,
          metricsPort: temporalMetricsPort,
          namespace: 'default',
        }).concat(options.temporalArgs ?? []),
      );
      const running = () => temporal.exitCode === null && temporal.signalCode === null;
      await waitForTemporal(temporalAddress, 60_000, running);
      if (running()) break;
      if (attempt === 3) throw new Error(`the Temporal dev server exited at start ${attempt} times; see ${LOG_DIR}`);
    }
    env.TEMPORAL_ADDRESS = temporalAddress;
  };
  const nodeArgs = options.nodeArgs ?? [];
  /** Starts a worker process (again, after `killWorker`): the only one, or the one named. */
  const startWorker = (name = workers[0]) => {
    if (!workers.includes(name)) throw new Error(`no worker named ${name} (this system has ${workers.join(', ')})`);
    return launch(name, process.execPath, [...nodeArgs, path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')]);
  };
  const logFile = (name: string) => path.join(LOG_DIR, `${id}-${name}.log`);
  /** Waits until the named worker process says it is polling (its `[worker] ready` line); fails if it exits first. */
  const workerReady = async (name: string, timeoutMs = 60_000) => {
    const child = processes.get(name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (fs.existsSync(logFile(name)) && fs.readFileSync(logFile(name), 'utf8').includes('[worker] ready')) return;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the worker ${name} exited at start (${child?.exitCode ?? child?.signalCode}); see ${logFile(name)}`);
      }
      if (Date.now() > deadline) throw new Error(`the worker ${name} was not ready after ${timeoutMs} ms; see ${logFile(name)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const startApi = async () => {
    const api = launch('api', process.execPath, [...nodeArgs, path.join(PROJECT_ROOT, 'dist', 'api', 'server.js')]);
    const running = () => api.exitCode === null && api.signalCode === null;
    await waitForHttp(`${baseUrl}/readyz`, 60_000, running);
    if (!running()) throw new Error(`the API exited at start (${api.exitCode ?? api.signalCode}); see ${LOG_DIR}/${id}-api.log`);
  };
  // A system that does not come up is taken down again: nothing of it outlives the failed test file.
  try {
    await startTemporal();
    // Replicas start at once, as `npm start` and a deployment start them (racing to make the Schedules).
    for (const name of workers) startWorker(name);
    await startApi();
    if (workers.length > 1) await Promise.all(workers.map((name) => workerReady(name)));
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const tokens = new Map<string, string>();
  return {
    baseUrl,
    db: database.db,
    /** The system's database, for tools that connect on their own (pg_dump). */
    databaseUrl: database.url,
    smtp,
    stripe,
    dataDir,
    temporalAddress,
    /** The dev server's Prometheus metrics (the benchmarks count its requests there). */
    temporalMetricsUrl,
    logPrefix: path.join(LOG_DIR, id),
    /** A signed token for a role; the same user id gives the same token. */
    async token(role: Role, user: Partial<Actor> = {}) {
      const actor: Actor = {
        id: user.id ?? randomUUID(),
        role,
        email: user.email ?? `${role}-${randomUUID().slice(0, 6)}@example.com`,
        name: user.name ?? `Test ${role}`,
        ...(role === 'funder' && { organizationId: user.organizationId ?? 'test-workforce-board' }),
      };
      const key = JSON.stringify(actor);
      if (!tokens.has(key)) tokens.set(key, await signDevelopmentToken({ secret: JWT_SECRET }, actor));
      return { token: tokens.get(key)!, actor };
    },
    /** The worker processes' names (`worker`, or worker-1 … worker-N). */
    workers,
    /** Kills a worker (the only one, or the one named) with SIGKILL (no chance to finish anything); waits for it to be gone. */
    async killWorker(name = workers[0]) {
      const worker = processes.get(name);
      if (!worker || !workers.includes(name)) throw new Error(`no worker named ${name} (this system has ${workers.join(', ')})`);
      worker.kill('SIGKILL');
      await exited(worker);
    },
    startWorker,
    workerReady,
    /** The process id of one of the system's processes (`api`, `temporal`, a worker's name), as it runs now. */
    pid: (name: string) => processes.get(name)!.pid!,
    /** Kills one of the system's processes with SIGKILL (a crash) and waits for it to be gone. */
    async kill(name: 'api' | 'temporal') {
      const child = processes.get(name)!;
      child.kill('SIGKILL');
      await exited(child);
    },
    /** Starts the API again (after `kill('api')`) and waits until it is ready. */
    startApi,
    /** Another API process (a replica) on a port of its own against the same database and Temporal, with `extra` env. */
    async startApiReplica(extra: NodeJS.ProcessEnv = {}) {
      const [port] = await freePorts(1);
      const log = fs.openSync(path.join(LOG_DIR, `${id}-api-${port}.log`), 'a');
      const replica = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'api', 'server.js')], {
        cwd: PROJECT_ROOT,
        env: { ...env, PORT: String(port), ...extra },
        stdio: ['ignore', log, log],
      });
      processes.set(`api-${port}`, replica);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/readyz`, 60_000);
      return { baseUrl: url };
    },
    stop,
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;
/** A signed-in user of the running system: the bearer token and who it names. */
export type Session = Awaited<ReturnType<System['token']>>;

/**
 * What `httpClient` answers: the status, the headers, and the body (parsed JSON, a PDF's bytes, or text). The body
 * is `unknown` unless the caller names what the contract says it is (`request<EnrollmentState>(…)`, with the types
 * of `./contract`); that is a claim the test's expectations then check, not a validation.
 */
export interface HttpResponse<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
}

/** A tiny HTTP client for tests: JSON in, status and JSON (or text) out, never following redirects. */
export function httpClient(baseUrl: string) {
  return async function request<Body = unknown>(
    method: string,
    urlPath: string,
    options: { token?: string; json?: unknown; body?: FormData | string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<Body>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers,
      redirect: 'manual',
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    });
    const type = res.headers.get('content-type') ?? '';
    const body: unknown = type.includes('json')
      ? await res.json()
      : type.includes('pdf')
        ? Buffer.from(await res.arrayBuffer())
        : await res.text();
    return { status: res.status, headers: res.headers, body: body as Body };
  };
}

/** The `status` of an enrollment as the API answers it (undefined when the body has none). */
const statusOf = (body: unknown): string | undefined =>
  typeof body === 'object' && body !== null && 'status' in body && typeof body.status === 'string' ? body.status : undefined;

/** Polls an enrollment until it reaches `status` (the read model is written by the workflow's activities). */
export async function waitForStatus(
  system: { baseUrl: string },
  token: string,
  enrollmentId: string,
  status: string,
  timeoutMs = 60_000,
): Promise<EnrollmentState> {
  const request = httpClient(system.baseUrl);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request<EnrollmentState>('GET', `/api/enrollments/${enrollmentId}`, { token });
    const current = statusOf(res.body);
    if (current === status) return res.body;
    if (Date.now() > deadline) throw new Error(`enrollment ${enrollmentId} is ${current}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A small but real PDF (made by pdfkit), as a student's evidence would be. */
export async function samplePdf(text = 'Certificate of completion from the partner'): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument();
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((r) => doc.on('end', () => r(Buffer.concat(chunks))));
  doc.text(text);
  doc.end();
  return done;
}

export function evidenceForm(file: Buffer, filename: string, completedAt: string, contentType = 'application/pdf'): FormData {
  const form = new FormData();
  form.set('completedAt', completedAt);
  form.set('file', new Blob([new Uint8Array(file)], { type: contentType }), filename);
  return form;
}
