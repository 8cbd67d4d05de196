/**
 * `npm start`'s program (dist/scripts/start.js) as a user runs it: it starts everything, a worker that dies is
 * started again, Ctrl-C (SIGINT) stops everything, and a second start finds the enrollment where it was, with its workflow still able to go on.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { signDevelopmentToken } from '../api/auth';
import { DEMO_HOLDER_ID, DEMO_STUDENT_ID, SEEDED_PROGRAMS } from '../db/seed';
import { PROJECT_ROOT } from '../lib/paths';
import { waitFor, waitForHttp } from '../lib/wait';
import type { OpenedEnrollment, PartnerList } from './helpers/contract';
import { freePorts } from './helpers/ports';
import { httpClient, waitForStatus } from './helpers/system';

/** A completion date that is possible for an enrollment launched today (not before its launch, not in the future). */
const TODAY = new Date().toISOString().slice(0, 10);

const SERVER_URL = 'postgres://postgres@127.0.0.1:5432';
const dbName = `cm_test_start_${randomUUID().slice(0, 8)}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-start-'));
const secret = 'start-test-secret';

let env: NodeJS.ProcessEnv;
let output = '';

function start(changes: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'start.js')], {
    cwd: PROJECT_ROOT,
    env: { ...env, ...changes },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return child;
}

const stopWithCtrlC = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });

beforeAll(async () => {
  const [port, temporalPort, uiPort, httpPort, metricsPort] = await freePorts(5);
  env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `${SERVER_URL}/${dbName}`,
    DATA_DIR: dataDir,
    JWT_SECRET: secret,
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_DEV_HTTP_PORT: String(httpPort),
    TEMPORAL_DEV_METRICS_PORT: String(metricsPort),
    TEMPORAL_ADDRESS: '',
    STRIPE_SECRET_KEY: '',
    SMTP_URL: '',
  };
});

afterAll(async () => {
  const admin = new Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('start, Ctrl-C, start again with two workers: the enrollment is where it was and goes on to closed', async () => {
  const baseUrl = env.PUBLIC_BASE_URL!;
  const request = httpClient(baseUrl);
  const student = await signDevelopmentToken(
    { secret },
    { id: randomUUID(), role: 'student', email: 's@example.com', name: 'Mary Jackson' },
  );
  const holder = await signDevelopmentToken({ secret }, { id: DEMO_HOLDER_ID, role: 'program_holder' });
  const program = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;

  let system = start();
  await waitForHttp(`${baseUrl}/readyz`, 90_000);
  await waitForHttp(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`, 30_000); // the Temporal Web UI
  expect((await request<PartnerList>('GET', '/api/partners')).body.partners.map((p) => p.id)).toEqual([
    'certiport',
    'demo',
    'milady',
    'nrf',
  ]);

  // Self-pay with no Stripe key: the clearly labelled simulated checkout.
  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student,
    json: { programId: program.id, fundingSource: 'self_pay' },
  });
  expect(created.status).toBe(201);
  const { enrollmentId, checkoutUrl } = created.body;
  expect(checkoutUrl).toBe(`${baseUrl}/checkout/simulated/${enrollmentId}`);
  const checkoutPage = await request('GET', `/checkout/simulated/${enrollmentId}`);
  expect(checkoutPage.body).toContain('SIMULATED CHECKOUT');
  expect((await request('POST', `/checkout/simulated/${enrollmentId}/pay`, { headers: { accept: 'application/json' } })).status).toBe(202);
  await waitForStatus({ baseUrl }, student, enrollmentId, 'ready_to_launch');

  // A worker that dies (here SIGKILL) is started again and takes the next task: the launch waits on a worker.
  const killed = await workerPid();
  process.kill(killed, 'SIGKILL');
  await waitFor(
    'the worker started again',
    async () => output.includes(`[start] worker exited (SIGKILL); starting it again`) && (await workerPid().catch(() => killed)) !== killed,
    60_000,
  );
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student })).status).toBe(302);

  expect(await stopWithCtrlC(system)).toBe(0);
  await expect(fetch(`${baseUrl}/healthz`)).rejects.toThrow();

  // The second time with two worker processes (WORKERS=2): both poll, named in the log and counted in the banner.
  output = '';
  system = start({ WORKERS: '2' });
  await waitForHttp(`${baseUrl}/readyz`, 90_000);
  const polling = (name: string) => new RegExp(`^${name} \\| \\[worker\\] ready`, 'm').test(output);
  await waitFor(
    'both workers polling, and the banner',
    () => Promise.resolve(polling('worker-1') && polling('worker-2') && output.includes('Ctrl-C stops')),
    60_000,
  );
  expect(output).toContain('Workers          2 worker processes (worker-1, worker-2)');
  expect(output).not.toMatch(/^worker {3}\|/m);
  const after = await request('GET', `/api/enrollments/${enrollmentId}`, { token: student });
  expect(after.body).toEqual(
    expect.objectContaining<Record<string, unknown>>({ status: 'in_progress', paidAt: expect.any(String), launchedAt: expect.any(String) }),
  );
  const marked = await request('POST', '/api/program-holder/mark-complete', { token: holder, json: { enrollmentId, completedAt: TODAY } });
  expect(marked.status).toBe(200);
  await waitForStatus({ baseUrl }, student, enrollmentId, 'closed');
  // Without SMTP_URL each email is an .eml file in the outbox: enrolled, payment received and completed, one each.
  // The first two go out beside the lifecycle (one may be retried after the restart), so they are waited for.
  const emails = [
    `completion.${enrollmentId}@credential-marketplace.eml`,
    `enrolled.${enrollmentId}@credential-marketplace.eml`,
    `payment-received.${enrollmentId}@credential-marketplace.eml`,
  ];
  const outbox = () => fs.readdirSync(path.join(dataDir, 'outbox')).sort();
  await waitFor('the three emails in the outbox', () => Promise.resolve(outbox().length >= emails.length), 60_000).catch(() => undefined);
  expect(outbox()).toEqual(emails);
  expect(await stopWithCtrlC(system)).toBe(0);
}, 240_000);

/** The PID of the (one) worker process, from the name its database connections carry. */
async function workerPid(): Promise<number> {
  const db = new Client({ connectionString: `${SERVER_URL}/${dbName}` });
  await db.connect();
  try {
    const { rows } = await db.query<{ application_name: string }>(
      `SELECT DISTINCT application_name FROM pg_stat_activity WHERE application_name LIKE 'credential-marketplace worker %'`,
    );
    if (rows.length !== 1) throw new Error(`${rows.length} worker processes connected`);
    return Number(rows[0].application_name.split(' ').pop());
  } finally {
    await db.end();
  }
}

/** Runs `npm start`'s program with some settings changed until it exits; its exit code and everything it printed. */
function startUntilExit(changes: NodeJS.ProcessEnv): Promise<{ code: number | null; printed: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'start.js')], {
      cwd: PROJECT_ROOT,
      env: { ...env, ...changes },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.on('data', (c) => (printed += c));
    child.stderr.on('data', (c) => (printed += c));
    child.once('exit', (code) => resolve({ code, printed }));
  });
}

test('what stops npm start is said in plain words: a taken port, an unreachable database, a bad variable', async () => {
  const taken = net.createServer();
  const [busy, nothing] = await freePorts(2);
  await new Promise<void>((resolve) => taken.listen(busy, resolve));
  try {
    const portTaken = await startUntilExit({ PORT: String(busy) });
    expect(portTaken.code).toBe(1);
    expect(portTaken.printed).toContain(`[start] cannot start: port ${busy} (the API) is already in use by another program`);
    expect(portTaken.printed).toContain('set PORT to a free port');
  } finally {
    taken.close();
  }
  const noDatabase = await startUntilExit({ DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${nothing}/anything` });
  expect(noDatabase.code).toBe(1);
  expect(noDatabase.printed).toContain(`[start] cannot start: PostgreSQL at 127.0.0.1:${nothing} (DATABASE_URL) cannot be reached`);
  expect(noDatabase.printed).not.toContain('secret');
  const noWorkers = await startUntilExit({ WORKERS: '0' });
  expect(noWorkers.code).toBe(1);
  expect(noWorkers.printed).toContain('[start] Invalid configuration (NODE_ENV=development): WORKERS: a whole number from 1 to');

  // Before the build: the configuration check that `npm start` runs first.
  const check = spawnSync(process.execPath, ['scripts/check-config.cjs'], {
    cwd: PROJECT_ROOT,
    env: { ...env, PORT: 'three thousand', OPENAI_BASE_URL: 'not a url', WORKERS: 'two' },
    encoding: 'utf8',
  });
  expect(check.status).toBe(1);
  expect(check.stderr).toContain('PORT: ');
  expect(check.stderr).toContain('OPENAI_BASE_URL: ');
  expect(check.stderr).toContain('WORKERS: a whole number from 1 to');
}, 60_000);

/** The README's "Try it" shell block, as a reader pastes it. */
function readmeTryIt(): string {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Try it')));
  if (!block) throw new Error('README.md has no shell block under "### Try it"');
  return block[1];
}

test('the README\'s "Try it", pasted as it is, works against npm start; the token command prints only the token', async () => {
  const baseUrl = env.PUBLIC_BASE_URL!;
  const system = start();
  try {
    await waitForHttp(`${baseUrl}/readyz`, 90_000);
    expect(output).toContain('AI tutor         no model (set OPENAI_API_KEY');
    expect(output).toContain(`Console          ${baseUrl}   (development sign-in: pick a role)`);
    // The same program as `npm run --silent token` without its rebuild (built already); the npm wrapper is checked below.
    const script = readmeTryIt()
      .replaceAll('localhost:3000', new URL(baseUrl).host)
      .replaceAll('npm run --silent token --', 'NODE_ENV=development node dist/scripts/dev-token.js');
    const run = spawnSync('bash', ['-c', script], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const id = /^enrollment ([0-9a-f-]{36})$/m.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    expect(run.stdout).toMatch(/^HTTP\/1\.1 302 Found/m);
    expect(run.stdout).toContain(`{"enrollmentId":"${id}","status":"completed"`);
    expect(run.stdout).toContain(`"enrollmentId":"${id}"`);
    const student = await signDevelopmentToken({ secret }, { id: DEMO_STUDENT_ID, role: 'student' });
    await waitForStatus({ baseUrl }, student, id!, 'closed');
  } finally {
    expect(await stopWithCtrlC(system)).toBe(0);
  }
  const token = spawnSync('npm', ['run', '--silent', 'token', '--', 'admin'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
  expect(token.status).toBe(0);
  expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
}, 240_000);
