/**
 * Benchmark (not a test) of the enrollment lifecycle against bare Temporal, on the same Temporal dev server:
 *
 * 1. The platform: the real system as `startSystem()` runs it for the end-to-end tests (dev server, worker and API
 *    from dist/, a fresh database, real SMTP, a Stripe stand-in). N enrollments are driven over HTTP from creation
 *    to `closed`, at most C in flight: WIOA-voucher ones (create, launch, mark complete as the demo holder) and a
 *    share of self-paid ones (create, signed Stripe webhook, launch, mark complete). Time to close is measured from
 *    just before the create request until the database shows `closed` (polled every BENCH_POLL_MS).
 * 2. A bare skeleton workflow (bench/skeleton/workflows.ts) with the same number of activities, local activities, signals and updates
 *    as one enrollment of each kind (counted from the histories of two warm-up enrollments), all doing nothing, run
 *    by a worker in a process of its own (bench/skeleton/worker.ts) on its own task queue and driven directly with the
 *    Temporal client, the same N and C.
 * 3. History size (events and encoded bytes) of one happy-path enrollment of each kind.
 *
 * Writes bench/results/lifecycle-<date>.json and .md (the page: bench/lifecycle-report.ts).
 *
 *   npm run bench     (BENCH_ENROLLMENTS=500, BENCH_CONCURRENCY=20, BENCH_SELF_PAY_SHARE=0.25, BENCH_POLL_MS=50,
 *                      BENCH_ROUNDS=3, BENCH_WORKERS=1; the levers below, BENCH_LABEL: see bench/levers.sh)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { signedCheckoutCompleted, webhookDelivery } from '../tests/helpers/stripe-stand-in';
import { httpClient, startSystem, STRIPE_WEBHOOK_SECRET, type System } from '../tests/helpers/system';
import { enrollmentWorkflowId } from '../workflows/messages';
import {
  benchVouchers,
  expectStatus,
  forEachBounded,
  machine,
  percentile,
  postgresPids,
  RESULTS_DIR,
  requestsPer,
  sampleCpu,
  sleep,
  startSkeletonWorker,
  temporalRequests,
  writeResult,
} from './harness';
import { type Kind, lifecycleMarkdown, type MeasuredRun, type RunResult } from './lifecycle-report';
import { type SkeletonInput, skeletonWorkflow, stepSignal, stepUpdate } from './skeleton/workflows';

const N = Number(process.env.BENCH_ENROLLMENTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const SELF_PAY_SHARE = Number(process.env.BENCH_SELF_PAY_SHARE ?? 0.25);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Worker processes of the platform (replicas on the same task queues), as `WORKERS=N npm start` runs them. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const CLOSE_TIMEOUT_MS = 120_000;
const SKELETON_QUEUE = 'bench-skeleton';
const LEVERS_DIR = path.join(RESULTS_DIR, 'levers');
const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;

const kindOf = (i: number): Kind => (SELF_PAY_SHARE > 0 && i % Math.round(1 / SELF_PAY_SHARE) === 0 ? 'self_pay' : 'wioa_ita');

/** Runs `count` jobs with at most `concurrency` in flight; each job returns its duration in ms. */
async function runBounded(count: number, concurrency: number, job: (i: number) => Promise<number>): Promise<RunResult> {
  const durations: number[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  await forEachBounded(count, concurrency, async (i) => {
    try {
      durations.push(await job(i));
    } catch (err) {
      errors.push(`#${i}: ${(err as Error).message}`);
    }
  });
  const wallMs = performance.now() - t0;
  durations.sort((a, b) => a - b);
  return {
    completed: durations.length,
    failed: errors.length,
    errors: errors.slice(0, 10),
    wallMs: round(wallMs),
    perSecond: round((durations.length / wallMs) * 1000, 2),
    p50Ms: round(percentile(durations, 50)),
    p99Ms: round(percentile(durations, 99)),
    meanMs: round(durations.reduce((s, d) => s + d, 0) / Math.max(1, durations.length)),
    maxMs: round(durations.at(-1) ?? NaN),
  };
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One poller for every enrollment in flight: a single query per tick, resolving the waiters whose row is closed. */
function closeWatcher(system: System) {
  const waiters = new Map<string, { resolve: (at: number) => void; reject: (e: Error) => void; deadline: number }>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      if (waiters.size > 0) {
        const ids = [...waiters.keys()];
        const { rows } = await system.db.query<{ id: string; status: string }>(
          'SELECT id, status FROM enrollments WHERE id = ANY($1::uuid[])',
          [ids],
        );
        const at = performance.now();
        for (const row of rows) {
          const w = waiters.get(row.id);
          if (!w) continue;
          if (row.status === 'closed') {
            waiters.delete(row.id);
            w.resolve(at);
          } else if (at > w.deadline) {
            waiters.delete(row.id);
            w.reject(new Error(`enrollment ${row.id} is ${row.status}, not closed, after ${CLOSE_TIMEOUT_MS} ms`));
          }
        }
      }
      await sleep(POLL_MS);
    }
  })();
  return {
    closed: (id: string) =>
      new Promise<number>((resolve, reject) => waiters.set(id, { resolve, reject, deadline: performance.now() + CLOSE_TIMEOUT_MS })),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function main(): Promise<void> {
  console.log(`[bench] lifecycle: ${N} enrollments, ${CONCURRENCY} in flight, ${Math.round(SELF_PAY_SHARE * 100)}% self-paid`);
  const tSystem = performance.now();
  // Levers, each a space-separated list: BENCH_NODE_ARGS, Node options for the worker and API (e.g. "--cpu-prof
  // --cpu-prof-dir=/tmp/prof"); BENCH_SYSTEM_ENV, settings for them (e.g. "WORKER_MAX_CACHED_WORKFLOWS=2000");
  // BENCH_TEMPORAL_ARGS, for the dev server (e.g. "--dynamic-config-value system.enableActivityEagerExecution=true").
  const list = (name: string) => process.env[name]?.split(' ').filter(Boolean) ?? [];
  const system = await startSystem({
    nodeArgs: list('BENCH_NODE_ARGS'),
    env: Object.fromEntries(list('BENCH_SYSTEM_ENV').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    temporalArgs: list('BENCH_TEMPORAL_ARGS'),
    workers: WORKERS,
  });
  const systemStartMs = round(performance.now() - tSystem);
  console.log(`[bench] system up in ${systemStartMs} ms (Temporal ${system.temporalAddress}, API ${system.baseUrl})`);
  const connection = await Connection.connect({ address: system.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const request = httpClient(system.baseUrl);
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
  const watcher = closeWatcher(system);
  let launchAttempts = 0;

  type Prepared = { kind: Kind; token: string; body: object };
  /**
   * The students of a run, signed in, and the vouchers of the WIOA ones, made before the clock starts (issuing vouchers
   * and tokens is not what is measured; the skeleton has no such step either).
   */
  async function prepare(indexes: number[], tag: string): Promise<Map<number, Prepared>> {
    const students = new Map<number, Awaited<ReturnType<System['token']>>>();
    for (const i of indexes) students.set(i, await system.token('student', { name: `Bench Student ${tag}-${i}` }));
    const funded = indexes.filter((i) => kindOf(i) === 'wioa_ita');
    const vouchers = await benchVouchers(
      system.db,
      DEMO.id,
      funded.map((i) => students.get(i)!.actor.id),
      `BENCH-${tag}`,
    );
    const voucherOf = new Map(funded.map((i, n) => [i, vouchers[n]]));
    return new Map(
      indexes.map((i) => [
        i,
        {
          kind: kindOf(i),
          token: students.get(i)!.token,
          body: voucherOf.get(i) ?? { programId: DEMO.id, fundingSource: 'self_pay' },
        },
      ]),
    );
  }

  /** One prepared enrollment from creation to `closed`, over HTTP only; returns ms from create to the observed close. */
  async function enrollment({ kind, token, body }: Prepared): Promise<{ enrollmentId: string; ms: number }> {
    const t0 = performance.now();
    const created = expectStatus('create', await request('POST', '/api/enrollments', { token, json: body }), 201);
    const { enrollmentId, checkoutUrl } = created.body as { enrollmentId: string; checkoutUrl?: string };
    const closed = watcher.closed(enrollmentId);
    closed.catch(() => undefined);
    if (kind === 'self_pay') {
      const sessionId = new URL(checkoutUrl!).pathname.split('/').at(-1)!;
      const paid = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
        id: sessionId,
        enrollmentId,
        amountTotal: DEMO.priceCents,
        currency: 'usd',
      });
      expectStatus('webhook', await request('POST', '/api/webhooks/stripe', webhookDelivery(paid)), 200);
    }
    // Launch is refused (409) until the payment has reached the workflow; retry as a student's browser would.
    for (let attempt = 0; ; attempt++) {
      const launch = await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token });
      launchAttempts += 1;
      if (launch.status === 302) break;
      if (launch.status !== 409 || attempt > 200) expectStatus('launch', launch, 302);
      await sleep(POLL_MS);
    }
    expectStatus(
      'mark-complete',
      await request('POST', '/api/program-holder/mark-complete', {
        token: holder.token,
        json: { enrollmentId, completedAt: new Date().toISOString().slice(0, 10), notes: 'benchmark' },
      }),
      200,
    );
    return { enrollmentId, ms: (await closed) - t0 };
  }

  /** Events and encoded bytes of one workflow's history, with the counts the skeleton must match. */
  async function historyOf(workflowId: string) {
    const handle = client.workflow.getHandle(workflowId);
    const history = await handle.fetchHistory();
    const description = await handle.describe();
    const events = history.events ?? [];
    const count = (pick: (e: temporal.api.history.v1.IHistoryEvent) => unknown) => events.filter((e) => !!pick(e)).length;
    const messages = events
      .filter((e) => e.workflowExecutionSignaledEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes)
      .map((e) => (e.workflowExecutionSignaledEventAttributes ? 's' : 'u'))
      .join('');
    return {
      workflowId,
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      historySizeBytesReported: description.historySize ?? null,
      activities: count((e) => e.activityTaskScheduledEventAttributes),
      localActivities: count((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'),
      signals: count((e) => e.workflowExecutionSignaledEventAttributes),
      updates: count((e) => e.workflowExecutionUpdateAcceptedEventAttributes),
      timers: count((e) => e.timerStartedEventAttributes),
      workflowTasks: count((e) => e.workflowTaskCompletedEventAttributes),
      searchAttributeUpserts: count((e) => e.upsertWorkflowSearchAttributesEventAttributes),
      messages,
    };
  }

  try {
    // Warm-up, one of each kind, serially: their histories are the history-size figures and the skeleton's template.
    const warm = await prepare([0, 1], 'warm');
    const warmVoucher = await enrollment(warm.get(1)!);
    const warmSelfPay = await enrollment(warm.get(0)!);
    // Give the workflow a moment to finish after the read model shows `closed`.
    const waitClosed = async (id: string) => {
      const handle = client.workflow.getHandle(enrollmentWorkflowId(id));
      await Promise.race([handle.result().catch(() => undefined), sleep(10_000)]);
      return historyOf(enrollmentWorkflowId(id));
    };
    const history = { wioa_ita: await waitClosed(warmVoucher.enrollmentId), self_pay: await waitClosed(warmSelfPay.enrollmentId) };
    console.log(
      `[bench] history of a voucher enrollment: ${history.wioa_ita.events} events, ${history.wioa_ita.bytes} bytes; self-paid: ${history.self_pay.events} events, ${history.self_pay.bytes} bytes`,
    );

    // The skeleton, on the same server, with a worker of its own in another process.
    const tWorker = performance.now();
    const skeletonWorker = await startSkeletonWorker(system.temporalAddress, SKELETON_QUEUE, 'workflows');
    const skeletonWorkerStartMs = round(performance.now() - tWorker);
    const template = (kind: Kind): SkeletonInput => ({
      activities: history[kind].activities,
      localActivities: history[kind].localActivities,
      messages: history[kind].messages,
    });
    const skeletonOnce = async (i: number, tag: string): Promise<number> => {
      const input = template(kindOf(i));
      const t0 = performance.now();
      const handle: WorkflowHandle<typeof skeletonWorkflow> = await client.workflow.start(skeletonWorkflow, {
        taskQueue: SKELETON_QUEUE,
        workflowId: `bench-skeleton-${tag}-${i}-${Date.now()}`,
        args: [input],
      });
      for (let m = 0; m < input.messages.length; m++) {
        if (input.messages[m] === 's') await handle.signal(stepSignal, m);
        else await handle.executeUpdate(stepUpdate, { args: [m] });
      }
      await handle.result();
      return performance.now() - t0;
    };

    // Counted by PostgreSQL's statistics, which a backend reports when idle (at most a second late): read after a pause.
    const pgTransactions = async () => {
      await sleep(1_500);
      const { rows } = await system.db.query<{ n: string }>(
        'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
      );
      return Number(rows[0].n);
    };

    /** One timed run with the CPU each process used and the server's requests, both per enrollment. */
    const measured = async (
      name: string,
      processes: Record<string, number[] | (() => number[])>,
      run: () => Promise<RunResult>,
    ): Promise<MeasuredRun> => {
      const requestsBefore = await temporalRequests(system.temporalMetricsUrl);
      const transactionsBefore = await pgTransactions();
      const cpu = sampleCpu(processes);
      launchAttempts = 0;
      const result = await run();
      const cpuMs = cpu.stop();
      const requests = requestsPer(requestsBefore, await temporalRequests(system.temporalMetricsUrl), result.completed);
      const pgTransactionsPerEnrollment = round(((await pgTransactions()) - transactionsBefore) / result.completed, 1);
      const cpuMsPerEnrollment = Object.fromEntries(Object.entries(cpuMs).map(([p, ms]) => [p, round(ms / result.completed, 1)]));
      console.log(
        `[bench] ${name}: ${result.perSecond}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.failed} failed; ` +
          `CPU ms per enrollment ${JSON.stringify(cpuMsPerEnrollment)}; server requests per enrollment ${requests.frontend.total} ` +
          `(persistence ${requests.persistence.total}); PostgreSQL transactions per enrollment ${pgTransactionsPerEnrollment}` +
          `${name === 'platform' ? `; launch requests per enrollment ${round(launchAttempts / N, 2)}` : ''}`,
      );
      return {
        ...result,
        cpuMsPerEnrollment,
        serverRequestsPerEnrollment: requests,
        pgTransactionsPerEnrollment,
        ...(name === 'platform' && { launchRequestsPerEnrollment: round(launchAttempts / N, 2) }),
      };
    };

    const rounds: { platform: MeasuredRun; skeleton: MeasuredRun; ratio: number }[] = [];
    try {
      await skeletonOnce(1, 'warm');
      await skeletonOnce(0, 'warm');
      // Rounds alternate the platform and the skeleton, so a slower or faster spell of the machine falls on both.
      for (let r = 1; r <= ROUNDS; r++) {
        console.log(`[bench] round ${r} of ${ROUNDS}: platform…`);
        const platformPids = {
          temporal: [system.pid('temporal')],
          worker: system.workers.map((name) => system.pid(name)),
          api: [system.pid('api')],
          postgres: postgresPids,
        };
        const prepared = await prepare(
          Array.from({ length: N }, (_, i) => i),
          `run${r}`,
        );
        const platform = await measured('platform', platformPids, () =>
          runBounded(N, CONCURRENCY, async (i) => (await enrollment(prepared.get(i)!)).ms),
        );
        console.log(`[bench] round ${r} of ${ROUNDS}: skeleton…`);
        const skeletonPids = { temporal: [system.pid('temporal')], worker: [skeletonWorker.pid] };
        const skeleton = await measured('skeleton', skeletonPids, () => runBounded(N, CONCURRENCY, (i) => skeletonOnce(i, `run${r}`)));
        rounds.push({ platform, skeleton, ratio: round(platform.perSecond / skeleton.perSecond, 3) });
      }
    } finally {
      await skeletonWorker.stop();
    }
    await watcher.stop();

    // The round with the median ratio stands for the run; every round is kept in the result.
    const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor((rounds.length - 1) / 2)];
    const { platform, skeleton } = median;
    const result = {
      benchmark: 'lifecycle',
      date: new Date().toISOString(),
      machine: machine(),
      settings: {
        levers: { nodeArgs: list('BENCH_NODE_ARGS'), systemEnv: list('BENCH_SYSTEM_ENV'), temporalArgs: list('BENCH_TEMPORAL_ARGS') },
        enrollments: N,
        workers: WORKERS,
        concurrency: CONCURRENCY,
        selfPayShare: SELF_PAY_SHARE,
        pollMs: POLL_MS,
        rounds: ROUNDS,
        program: DEMO.title,
      },
      systemStartMs,
      skeletonWorkerStartMs,
      platform,
      skeleton,
      /** Platform / skeleton throughput, the median over the rounds. */
      ratio: median.ratio,
      latencyRatio: { p50: round(platform.p50Ms / skeleton.p50Ms, 1), p99: round(platform.p99Ms / skeleton.p99Ms, 1) },
      rounds: rounds.map((r) => ({ platformPerSecond: r.platform.perSecond, skeletonPerSecond: r.skeleton.perSecond, ratio: r.ratio })),
      history,
    };
    // A lever's run (BENCH_LABEL) goes to bench/results/levers/<label>.json beside the others, not over the day's result.
    const label = process.env.BENCH_LABEL;
    if (label) {
      mkdirSync(LEVERS_DIR, { recursive: true });
      writeFileSync(path.join(LEVERS_DIR, `${label}.json`), `${JSON.stringify({ label, ...result }, null, 2)}\n`);
      writeFileSync(path.join(LEVERS_DIR, `${label}.md`), lifecycleMarkdown(result));
      console.log(`[bench] written bench/results/levers/${label}.json and .md`);
    } else writeResult('lifecycle', result, lifecycleMarkdown(result));
  } finally {
    await watcher.stop().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await system.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
