/**
 * Benchmark (not a test) of the worker's start: the prebuilt workflow bundle (dist/workflow-bundle.js, made by
 * `npm run build`) against bundling workflows/ with webpack at every start, as the worker did before.
 *
 * One dev server and one database; `dist/worker/main.js` is started BENCH_WORKER_STARTS times in each mode
 * (alternating), and for each start: wall time from spawn to the worker's "ready" line, the CPU time the process
 * had used by then (utime + stime from /proc/<pid>/stat) and its RSS. The "bundle at start" mode hides the bundle's
 * manifest for the run (the worker then bundles, as with no prebuilt bundle) and puts it back afterwards.
 *
 * Writes bench/results/worker-start-<date>.json.
 *
 *   node dist/bench/worker-start.js     (BENCH_WORKER_STARTS=3)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { devServerArgs } from '../lib/dev-server';
import { temporalCli } from '../lib/temporal-binaries';
import { waitForTemporal } from '../lib/wait';
import { createTestDatabase } from '../tests/helpers/db';
import { freePorts } from '../tests/helpers/ports';
import { bundlePaths } from '../worker/workflow-bundle';
import { cpuMsOf, machine, rssMbOf, writeResult } from './harness';

const STARTS = Number(process.env.BENCH_WORKER_STARTS ?? 3);
const { bundle: BUNDLE_PATH, manifest: MANIFEST } = bundlePaths();
const WORKER_MAIN = path.join(__dirname, '..', 'worker', 'main.js');

type Mode = 'prebuilt' | 'bundle at start';
interface Start {
  mode: Mode;
  readyMs: number;
  cpuMs: number;
  rssMb: number;
  line: string;
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startOnce(mode: Mode, env: NodeJS.ProcessEnv): Promise<Start> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [WORKER_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "ready" line in 60 s:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const ready = output.split('\n').find((l) => l.includes('[worker] ready'));
        if (ready) {
          clearTimeout(timer);
          resolve(ready);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)));
    });
    const readyMs = performance.now() - t0;
    const start = { mode, readyMs: round(readyMs), cpuMs: cpuMsOf(child.pid!), rssMb: round(rssMbOf(child.pid!), 1), line: line.trim() };
    console.log(`[bench] ${mode}: ready in ${start.readyMs} ms, ${start.cpuMs} ms CPU, RSS ${start.rssMb} MB`);
    return start;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(MANIFEST)) throw new Error(`no prebuilt bundle at ${BUNDLE_PATH}: run \`npm run build\` first`);
  const database = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-worker-start-'));
  const [port, httpPort, metricsPort] = await freePorts(3);
  const server = spawn(
    temporalCli(),
    devServerArgs({ dbFilename: path.join(dataDir, 'temporal.db'), port, httpPort, metricsPort, namespace: 'default' }),
    { stdio: 'ignore' },
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    OPENAI_API_KEY: '',
    STRIPE_SECRET_KEY: '',
    SMTP_URL: '',
  };
  const starts: Start[] = [];
  try {
    await waitForTemporal(`127.0.0.1:${port}`, 60_000);
    for (let i = 0; i < STARTS; i++) {
      starts.push(await startOnce('prebuilt', env));
      fs.renameSync(MANIFEST, `${MANIFEST}.hidden`);
      try {
        starts.push(await startOnce('bundle at start', env));
      } finally {
        fs.renameSync(`${MANIFEST}.hidden`, MANIFEST);
      }
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const summary = (mode: Mode) => {
    const runs = starts.filter((s) => s.mode === mode);
    return {
      runs: runs.length,
      readyMsMedian: median(runs.map((s) => s.readyMs)),
      cpuMsMedian: median(runs.map((s) => s.cpuMs)),
      rssMbMedian: median(runs.map((s) => s.rssMb)),
    };
  };
  const result = {
    benchmark: 'worker-start',
    date: new Date().toISOString(),
    machine: machine(),
    bundleBytes: fs.statSync(BUNDLE_PATH).size,
    prebuilt: summary('prebuilt'),
    bundleAtStart: summary('bundle at start'),
    starts,
  };
  console.log(JSON.stringify({ prebuilt: result.prebuilt, bundleAtStart: result.bundleAtStart }, null, 2));
  writeResult('worker-start', result);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
