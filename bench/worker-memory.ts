/**
 * Benchmark (not a test) of the worker's memory with open enrollments waiting for completion.
 *
 * The real system (`startSystem()`); the worker is the `dist/worker/main.js` child of this process. Voucher-funded
 * enrollments (ready to launch, then waiting for completion on their timers) are started directly with the Temporal
 * client, with the input the API gives (program row of the demo program, the same search attributes), after their
 * rows are inserted into the database in bulk as the API would. After each step (0, 1,000, 10,000 open) the run waits
 * until every workflow has projected `ready_to_launch` and the RSS (VmRSS from /proc/<pid>/status) has settled.
 *
 * The worker's sticky cache holds the open workflows up to `maxCachedWorkflows`; worker/create-worker.ts leaves it at
 * the SDK default, which for reuseV8Context is max(10, floor((heap_size_limit MiB - 200) * 600 / 1024)).
 *
 * Writes bench/results/worker-memory-<date>.json and .md.
 *
 *   node dist/bench/worker-memory.js     (BENCH_MEMORY_STEPS=0,1000,10000, BENCH_MEMORY_BUDGET_S=200, BENCH_START_CONCURRENCY=50)
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import v8 from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { SEEDED_PROGRAMS } from '../db/seed';
import { startSystem } from '../tests/helpers/system';
import { forEachBounded, machine, type Machine, rssMbOf, sleep, writeResult } from './harness';
import { enrollmentWorkflowId, type EnrollmentWorkflowInput, searchAttributes } from '../workflows/messages';
import { enrollmentWorkflowInput, programTerms } from '../capabilities/enrollments/open-enrollment';

const STEPS = (process.env.BENCH_MEMORY_STEPS ?? '0,1000,10000').split(',').map(Number);
const BUDGET_MS = Number(process.env.BENCH_MEMORY_BUDGET_S ?? 200) * 1000;
const START_CONCURRENCY = Number(process.env.BENCH_START_CONCURRENCY ?? 50);
const TASK_QUEUE = process.env.TEMPORAL_TASK_QUEUE ?? 'enrollments';
const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The worker startSystem spawned: a child of this process running dist/worker/main.js. */
function workerPid(): number {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(path.join('dist', 'worker', 'main.js')));
  if (!line) throw new Error(`no worker child of ${process.pid}:\n${out}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** RSS once it stops moving: samples every 500 ms until three in a row are within 2 MB (at most 15 s). */
async function settledRss(pid: number): Promise<{ rssMb: number; samples: number[] }> {
  const samples: number[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    samples.push(round(rssMbOf(pid)));
    const last = samples.slice(-3);
    if ((last.length === 3 && Math.max(...last) - Math.min(...last) <= 2) || Date.now() > deadline)
      return { rssMb: samples.at(-1)!, samples };
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const tRun = performance.now();
  console.log(`[bench] worker-memory: steps ${STEPS.join(', ')} open enrollments, budget ${BUDGET_MS / 1000} s`);
  const system = await startSystem();
  const pid = workerPid();
  const connection = await Connection.connect({ address: system.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const tag = Date.now().toString(36);
  const heapLimitMiB = v8.getHeapStatistics().heap_size_limit / 2 ** 20; // the worker runs the same node, no flags
  const defaultMaxCachedWorkflows = Math.max(Math.floor((Math.max(heapLimitMiB - 200, 0) * 600) / 1024), 10);
  try {
    const program = (await programTerms(system.db, DEMO.id))!;
    const inputFor = (enrollmentId: string, voucherNumber: string): EnrollmentWorkflowInput =>
      enrollmentWorkflowInput(program, {
        enrollmentId,
        studentId: `bench-${enrollmentId}`,
        fundingSource: 'wioa_ita',
        voucherNumber,
        paymentWindowMs: 72 * 3_600_000,
      });

    const steps: {
      open: number;
      rssMb: number;
      samples: number[];
      startMs: number;
      settleMs: number;
      startsPerSecond: number;
      note?: string;
    }[] = [];
    let open = 0;
    let outOfTime = false;
    for (const target of STEPS) {
      const add = target - open;
      const ids = Array.from({ length: Math.max(0, add) }, () => randomUUID());
      const voucher = (i: number) => `ITA-MEM-${tag}-${open + i}`;
      const t0 = performance.now();
      let started = 0;
      if (ids.length > 0) {
        // Each student's voucher, in bulk, as a funder's CSV import would register them; each workflow writes its own row.
        for (let off = 0; off < ids.length; off += 2000) {
          const chunk = ids.slice(off, off + 2000);
          await system.db.query(
            `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, issued_by)
             SELECT gen_random_uuid(), 'bench', u.voucher, 'wioa_ita', 'bench-' || u.id, $2, $3, current_date + 365, 'bench'
               FROM unnest($1::uuid[], $4::text[]) AS u(id, voucher)`,
            [chunk, program.price_cents, program.currency, chunk.map((_, i) => voucher(off + i))],
          );
        }
        await forEachBounded(ids.length, START_CONCURRENCY, async (i) => {
          // Past the budget, every remaining index is passed over.
          if (outOfTime || performance.now() - tRun > BUDGET_MS) {
            outOfTime = true;
            return;
          }
          await client.workflow.start('enrollmentWorkflow', {
            taskQueue: TASK_QUEUE,
            workflowId: enrollmentWorkflowId(ids[i]),
            args: [inputFor(ids[i], voucher(i))],
            workflowIdConflictPolicy: 'FAIL',
            typedSearchAttributes: [
              { key: searchAttributes.programId, value: program.id },
              { key: searchAttributes.partnerId, value: program.partner_id },
              { key: searchAttributes.fundingSource, value: 'wioa_ita' },
            ],
          });
          started += 1;
        });
      }
      const startMs = performance.now() - t0;
      // Settled when every started workflow has projected ready_to_launch (status_seq > 0) to its row.
      const tSettle = performance.now();
      const startedIds = ids.slice(0, started);
      for (;;) {
        if (startedIds.length === 0) break;
        const {
          rows: [{ n }],
        } = await system.db.query<{ n: string }>('SELECT count(*) AS n FROM enrollments WHERE id = ANY($1::uuid[]) AND status_seq > 0', [
          startedIds,
        ]);
        if (Number(n) >= startedIds.length) break;
        if (performance.now() - tRun > BUDGET_MS + 30_000) {
          outOfTime = true;
          console.log(`[bench] only ${n} of ${startedIds.length} projected before the budget ran out`);
          break;
        }
        await sleep(250);
      }
      const settleMs = performance.now() - tSettle;
      open += started;
      const rss = await settledRss(pid);
      steps.push({
        open,
        rssMb: rss.rssMb,
        samples: rss.samples,
        startMs: round(startMs, 0),
        settleMs: round(settleMs, 0),
        startsPerSecond: round(started / ((startMs + settleMs) / 1000 || 1)),
        note: outOfTime ? `budget of ${BUDGET_MS / 1000} s reached: ${open} of ${target} open` : undefined,
      });
      console.log(
        `[bench] ${open} open: worker RSS ${rss.rssMb} MB (started in ${round(startMs, 0)} ms, settled in ${round(settleMs, 0)} ms)`,
      );
      if (outOfTime) break;
    }

    const base = steps[0];
    const perWorkflow = steps.slice(1).map((s, k) => {
      const prev = steps[k];
      return {
        from: prev.open,
        to: s.open,
        mbPerWorkflowFromZero: round((s.rssMb - base.rssMb) / Math.max(1, s.open - base.open), 3),
        mbPerWorkflowStep: round((s.rssMb - prev.rssMb) / Math.max(1, s.open - prev.open), 3),
        cachedAtMost: Math.min(s.open, defaultMaxCachedWorkflows),
        mbPerCachedWorkflow: round(
          (s.rssMb - base.rssMb) /
            Math.max(1, Math.min(s.open, defaultMaxCachedWorkflows) - Math.min(base.open, defaultMaxCachedWorkflows)),
          3,
        ),
      };
    });
    const result = {
      benchmark: 'worker-memory',
      date: new Date().toISOString(),
      machine: machine(),
      settings: {
        steps: STEPS,
        budgetSeconds: BUDGET_MS / 1000,
        startConcurrency: START_CONCURRENCY,
        program: DEMO.title,
        polling: Boolean(program.api_base_url),
      },
      worker: {
        pid,
        heapSizeLimitMiB: round(heapLimitMiB, 0),
        maxCachedWorkflows: defaultMaxCachedWorkflows,
        maxCachedWorkflowsSource: 'SDK default (worker/create-worker.ts sets none)',
      },
      steps,
      perWorkflow,
      totalRunMs: round(performance.now() - tRun, 0),
    };
    writeResult('worker-memory', result, markdown(result));
  } finally {
    await connection.close().catch(() => undefined);
    await system.stop();
  }
}

function markdown(r: {
  date: string;
  machine: Machine;
  totalRunMs: number;
  worker: { heapSizeLimitMiB: number; maxCachedWorkflows: number };
  steps: { open: number; rssMb: number; startMs: number; settleMs: number; startsPerSecond: number; note?: string }[];
  perWorkflow: {
    from: number;
    to: number;
    mbPerWorkflowFromZero: number;
    mbPerWorkflowStep: number;
    cachedAtMost: number;
    mbPerCachedWorkflow: number;
  }[];
}): string {
  return [
    `# Worker memory with open enrollments, ${r.date.slice(0, 10)}`,
    '',
    `Voucher-funded enrollments started with the Temporal client (the API's input), waiting for completion; worker RSS (VmRSS) once every one ` +
      `has projected \`ready_to_launch\` and RSS has settled. The worker's sticky cache: maxCachedWorkflows = ${r.worker.maxCachedWorkflows} ` +
      `(SDK default for a ${r.worker.heapSizeLimitMiB} MiB heap limit). ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGb} GB, Node ${r.machine.node}. ` +
      `Run took ${round(r.totalRunMs / 1000, 0)} s.`,
    '',
    '| open enrollments | worker RSS MB | start s | settle s | workflows/s |',
    '|---:|---:|---:|---:|---:|',
    ...r.steps.map(
      (s) =>
        `| ${s.open} | ${s.rssMb} | ${round(s.startMs / 1000)} | ${round(s.settleMs / 1000)} | ${s.startsPerSecond} |${s.note ? ` ${s.note}` : ''}`,
    ),
    '',
    '| from → to | MB per open workflow (from 0) | MB per workflow (this step) | cached at most | MB per cached workflow |',
    '|---|---:|---:|---:|---:|',
    ...r.perWorkflow.map(
      (p) => `| ${p.from} → ${p.to} | ${p.mbPerWorkflowFromZero} | ${p.mbPerWorkflowStep} | ${p.cachedAtMost} | ${p.mbPerCachedWorkflow} |`,
    ),
    '',
  ].join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
