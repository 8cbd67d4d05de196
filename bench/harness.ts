/**
 * Shared parts of the benchmarks: a throw-away database (created, migrated, seeded, dropped), the real express app on
 * a loopback port with an admin token, reading a streamed body, peak RSS / heap sampling, percentiles, bounded
 * concurrency, the machine's description, and writing bench/results/<name>-<date>.json (and .md).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Client, type Pool } from 'pg';
import { createApp } from '../api/app';
import { createAuthenticator, signDevelopmentToken } from '../api/auth';
import type { EnrollmentClient } from '../core/enrollment-client';
import { ensureDatabase, migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { seed } from '../db/seed';
import { loadConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import { createLocalFileStore } from '../services/file-store';

export const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

/** A database of its own, migrated and seeded, dropped afterwards whatever happens. */
export async function withBenchDatabase<T>(fn: (db: Pool, url: string) => Promise<T>): Promise<T> {
  const name = `cm_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = `${SERVER_URL}/${name}`;
  await ensureDatabase(url);
  const db = createPool(url, 5);
  try {
    await migrate(url);
    await seed(db);
    return await fn(db, url);
  } finally {
    await db.end();
    const admin = new Client({ connectionString: `${SERVER_URL}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

export interface BenchApp {
  baseUrl: string;
  adminToken: string;
  close(): Promise<void>;
}

/** The real express app (no Temporal: the report routes only read the database) on 127.0.0.1:<random port>. */
export async function startApp(db: Pool, env: NodeJS.ProcessEnv = {}): Promise<BenchApp> {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: path.join(os.tmpdir(), `bench-${randomUUID()}`), ...env });
  const app = createApp({
    config,
    db,
    files: createLocalFileStore(path.join(config.dataDir, 'files')),
    enrollments: {} as EnrollmentClient,
    authenticate: createAuthenticator(config.jwt),
    temporalHealth: () => Promise.resolve(undefined),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const adminToken = await signDevelopmentToken(config.jwt, { id: 'bench-admin', role: 'admin' });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `fn` with the app of startApp(db) running, closed afterwards whatever happens. */
export async function withApp<T>(db: Pool, fn: (app: BenchApp) => Promise<T>, env?: NodeJS.ProcessEnv): Promise<T> {
  const app = await startApp(db, env);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Reads a response body as it arrives, handing each decoded piece of text to `onText`; resolves to the byte count. */
export async function readText(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<number> {
  let bytes = 0;
  const decoder = new TextDecoder();
  // The web stream's iterator is typed any in @types/node 20; its chunks are bytes.
  const chunks: AsyncIterable<Uint8Array> = body;
  for await (const chunk of chunks) {
    bytes += chunk.byteLength;
    onText(decoder.decode(chunk, { stream: true }));
  }
  return bytes;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The nearest-rank p-th percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `fn(0…count-1)` with at most `concurrency` calls in flight, each lane taking the next index when its call ends. */
export async function forEachBounded(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) await fn(i);
    }),
  );
}

/** `res` when its status is one of `statuses`, otherwise an error naming `what`, the status and the start of the body. */
export function expectStatus<R extends { status: number; body: unknown }>(what: string, res: R, ...statuses: number[]): R {
  if (!statuses.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res;
}

/** A full garbage collection, without needing `node --expose-gc` on the command line. */
let gcFn: (() => void) | undefined;
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export interface MemoryPeak {
  rssBeforeMiB: number;
  peakRssMiB: number;
  heapBeforeMiB: number;
  peakHeapUsedMiB: number;
}

/** Samples process.memoryUsage() every `everyMs` (after a full GC) until stop(). */
export function sampleMemory(everyMs = 50): { stop(): MemoryPeak } {
  collectGarbage();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const take = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        rssBeforeMiB: mib(before.rss),
        peakRssMiB: mib(peakRss),
        heapBeforeMiB: mib(before.heapUsed),
        peakHeapUsedMiB: mib(peakHeap),
      };
    },
  };
}

/** A process's resident set (VmRSS from /proc/<pid>/status) in MB. */
export function rssMbOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (Linux USER_HZ: 100 ticks a second). */
export function cpuMsOf(pid: number): number {
  // The fields after the command name (which may hold spaces) start at the last ')'; utime and stime are the 14th and 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The PostgreSQL server's processes (postmaster and backends) as they are now. */
export function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/**
 * The CPU each named group of processes (and this one, as `driver`) uses from now until `stop()`, in ms. A group given
 * as a function is listed again at the end (PostgreSQL's backends come and go): processes that started meanwhile count
 * in full, ones that ended meanwhile are missed.
 */
export function sampleCpu(groups: Record<string, number[] | (() => number[])>): { stop(): Record<string, number> } {
  const cpuOrZero = (pid: number) => {
    try {
      return cpuMsOf(pid);
    } catch {
      return 0;
    }
  };
  const list = (g: number[] | (() => number[])) => (typeof g === 'function' ? g() : g);
  const driver = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const before = Object.fromEntries(
    Object.entries(groups).map(([name, g]) => [name, new Map(list(g).map((pid) => [pid, cpuOrZero(pid)]))]),
  );
  const driverBefore = driver();
  return {
    stop: () => ({
      ...Object.fromEntries(
        Object.entries(groups).map(([name, g]) => [
          name,
          list(g).reduce((sum, pid) => sum + cpuOrZero(pid) - (before[name].get(pid) ?? 0), 0),
        ]),
      ),
      driver: Math.round(driver() - driverBefore),
    }),
  };
}

/**
 * Requests the Temporal server has served so far, from its own Prometheus metrics, by operation: the frontend's (what
 * clients and workers asked for) and the persistence requests of all its services (its database work).
 */
export async function temporalRequests(
  metricsUrl: string,
): Promise<{ frontend: Record<string, number>; persistence: Record<string, number> }> {
  const text = await (await fetch(metricsUrl)).text();
  const counts = { frontend: {} as Record<string, number>, persistence: {} as Record<string, number> };
  for (const line of text.split('\n')) {
    const m = /^(service_requests|persistence_requests)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!m || (m[1] === 'service_requests' && !m[2].includes('service_name="frontend"'))) continue;
    const into = m[1] === 'persistence_requests' ? counts.persistence : counts.frontend;
    const label = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(m[2])?.[1] ?? 'unknown';
    const operation = into === counts.persistence ? `${label('service_name')} ${label('operation')}` : label('operation');
    into[operation] = (into[operation] ?? 0) + Number(m[3]);
  }
  return counts;
}

/** Requests per unit of work between two readings of `temporalRequests`, rounded to a tenth, by operation (most first). */
export function requestsPer(
  before: Awaited<ReturnType<typeof temporalRequests>>,
  after: Awaited<ReturnType<typeof temporalRequests>>,
  units: number,
) {
  const per = (n: number) => Math.round((n / units) * 10) / 10;
  const delta = (kind: 'frontend' | 'persistence') => {
    const byOperation = Object.entries(after[kind])
      .map(([op, n]) => [op, per(n - (before[kind][op] ?? 0))] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    return {
      total: per(Object.entries(after[kind]).reduce((s, [op, n]) => s + n - (before[kind][op] ?? 0), 0)),
      byOperation: Object.fromEntries(byOperation),
    };
  };
  return { frontend: delta('frontend'), persistence: delta('persistence') };
}

export type Machine = ReturnType<typeof machine>;

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * Writes bench/results/<name>-<YYYY-MM-DD of date>.json and returns its path; given a markdown rendering, also prints
 * it and writes it beside the JSON as <name>-<date>.md.
 */
export function writeResult(name: string, result: { date: string }, markdown?: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  if (markdown === undefined) {
    console.log(`written ${path.relative(process.cwd(), file)}`);
    return file;
  }
  writeFileSync(file.replace(/\.json$/, '.md'), markdown);
  console.log(markdown);
  console.log(`written ${path.relative(process.cwd(), file)} and .md`);
  return file;
}

/** The bare skeleton's worker (bench/skeleton/worker.ts) as a child process; resolves once it polls. */
export async function startSkeletonWorker(
  address: string,
  taskQueue: string,
  workflows: 'workflows' | 'latency',
): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'skeleton', 'worker.js'), address, taskQueue, workflows], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    void exited.then(() => reject(new Error(`the skeleton worker exited before it was ready: ${out}`)));
  });
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Registers WIOA vouchers that cover the price for benchmark students (straight into the registry: issuing them is
 * not what is measured) and answers each student's enrollment body.
 */
export async function benchVouchers(db: Pool, programId: string, studentIds: string[], tag: string) {
  const numbers = studentIds.map((_, i) => `ITA-${tag}-${i}`);
  await db.query(
    `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, issued_by)
     SELECT gen_random_uuid(), 'bench', u.number, 'wioa_ita', u.student_id, 10000000, 'usd', current_date + 365, 'bench'
       FROM unnest($1::text[], $2::text[]) AS u(student_id, number)`,
    [studentIds, numbers],
  );
  return numbers.map((voucherNumber) => ({ programId, fundingSource: 'wioa_ita', voucherNumber }));
}
