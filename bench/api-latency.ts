/**
 * Benchmark (not a test) of API latency at fixed request rates, each endpoint beside the bare Temporal client call it
 * wraps, on the same Temporal dev server.
 *
 * The platform: the real system (`startSystem()`: dev server, worker and API from dist/, a fresh database, real SMTP,
 * the Stripe stand-in). For each of BENCH_RATES, that many requests per second for BENCH_SECONDS go to each of the
 * endpoints below, open loop (request i sent at i / rate s whatever is still in flight; latency from when it was due). BENCH_DRIVER=autocannon
 * uses autocannon's `overallRate` instead, which caps connections at the rate and holds a request back while its
 * connection waits, hiding slow answers once they take longer than connections / rate (see `cannon`).
 *   - create:        POST /api/enrollments, WIOA voucher, a fresh student and voucher per request (update-with-start)
 *   - status read:   GET /api/enrollments/:id as the demo holder (reads the database read model, no Temporal call)
 *   - signal:        POST /api/webhooks/stripe, a signed checkout.session.completed for prepared pending self-paid
 *                    enrollments, one per request (signal paymentConfirmed)
 *   - approve:       POST /api/program-holder/submissions/:id/approve, one per prepared enrollment whose student
 *                    launched and uploaded evidence (executeUpdate approveSubmission)
 *   - mark-complete: POST /api/program-holder/mark-complete on the enrollments the create run made, one per request
 *                    (executeUpdate markComplete)
 * Both updates start an enrollment's closing work (certificate, email, WIOA, payouts); each waits until the previous
 * run's closing work has drained.
 * The bare calls: a trivial workflow (bench/skeleton/latency.ts) on a worker in a process of its own, driven at the same rate
 * with @temporalio/client: executeUpdateWithStart, signal, executeUpdate, query. Their latency counts from the
 * moment each call was due, so a stalled client cannot hide a slow answer.
 *
 * Writes bench/results/api-latency-<date>.json and .md.
 *
 *   node dist/bench/api-latency.js     (BENCH_RATES=10,50, BENCH_SECONDS=10, BENCH_DRIVER=open-loop|autocannon, BENCH_CONNECTIONS=300)
 */
import autocannon from 'autocannon';
import { z } from 'zod';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { signedCheckoutCompleted } from '../tests/helpers/stripe-stand-in';
import { evidenceForm, httpClient, samplePdf, startSystem, STRIPE_WEBHOOK_SECRET } from '../tests/helpers/system';
import {
  benchVouchers,
  expectStatus,
  forEachBounded,
  machine,
  type Machine,
  percentile,
  sleep,
  startSkeletonWorker,
  writeResult,
} from './harness';
import { finishSignal, latencyWorkflow, openUpdate, pingSignal, pingUpdate, stateQuery } from './skeleton/latency';

/** Each rate is a run of its own over every endpoint: a rate the system sustains, and one beyond what it can close. */
const RATES = (process.env.BENCH_RATES ?? process.env.BENCH_RATE ?? '10,50').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 300);
/** open-loop (default): each request sent when due, on its own connection if need be; autocannon: `overallRate`. */
const DRIVER = process.env.BENCH_DRIVER ?? 'open-loop';
const QUEUE = 'bench-latency';
const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;

interface Latency {
  requests: number;
  ok: number;
  failed: number;
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  firstError?: string;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** What the API answers, as far as the benchmark reads it. */
const Created = z.object({ enrollmentId: z.string() });
const SelfPaidCreated = Created.extend({ checkoutUrl: z.string() });
const Submitted = z.object({ submissionId: z.string() });

/** autocannon at a fixed overall rate, one request per entry of `bodies` (or of `paths`). */
type MakeRequest = (i: number) => { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string };

/**
 * The platform side at the fixed rate. autocannon caps `connections` at `overallRate` and each connection waits for
 * its answer, so once an answer takes longer than connections / rate the next request is held back and its wait is
 * not counted (coordinated omission). The default open-loop driver sends request i at i / rate s whatever is still
 * in flight, and counts from when it was due, like the bare calls.
 */
function cannon(base: string, name: string, make: MakeRequest, rate: number): Promise<Latency> {
  if (DRIVER === 'autocannon') return autocannonRun(base, name, make, rate);
  return fixedRate(name, rate, async (i) => {
    const r = make(i);
    const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, body: r.body, redirect: 'manual' });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
  });
}

async function autocannonRun(base: string, name: string, make: MakeRequest, rate: number): Promise<Latency> {
  const count = rate * SECONDS;
  let i = 0;
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  const first = make(0);
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    overallRate: rate,
    amount: count,
    timeout: 30,
    requests: [
      {
        method: first.method,
        path: first.path,
        setupRequest: (req: autocannon.Request) => {
          const r = make(i++ % count);
          return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
        },
        onResponse: (status: number, body: string) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if ((status < 200 || status >= 400) && !firstError) firstError = `HTTP ${status} ${String(body).slice(0, 200)}`;
        },
      },
    ],
  });
  const ok = Object.entries(statuses)
    .filter(([s]) => Number(s) < 400)
    .reduce((s, [, n]) => s + n, 0);
  const out: Latency = {
    requests: result.requests.total,
    ok,
    failed: result.requests.total - ok + result.errors,
    achievedRate: round(result.requests.total / (result.duration || 1), 1),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    meanMs: round(result.latency.mean),
    firstError: firstError ?? (result.errors ? `${result.errors} connection errors, ${result.timeouts} timeouts` : undefined),
  };
  console.log(`[bench] ${name}: ${JSON.stringify({ ...out, statuses })}`);
  return out;
}

/** Open-loop fixed rate: call i is due at i / rate s; its latency counts from when it was due. */
async function fixedRate(name: string, rate: number, call: (i: number) => Promise<unknown>): Promise<Latency> {
  const count = rate * SECONDS;
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      call(i).then(
        () => void latencies.push(performance.now() - due),
        (err) => {
          failed += 1;
          firstError ??= (err as Error).message;
        },
      ),
    );
  }
  await Promise.all(pending);
  const wall = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const out: Latency = {
    requests: count,
    ok: latencies.length,
    failed,
    achievedRate: round(count / wall, 1),
    p50Ms: round(percentile(latencies, 50)),
    p90Ms: round(percentile(latencies, 90)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? NaN),
    meanMs: round(latencies.reduce((s, d) => s + d, 0) / Math.max(1, latencies.length)),
    firstError,
  };
  console.log(`[bench] ${name}: ${JSON.stringify(out)}`);
  return out;
}

/** `fn(0…count-1)`, 20 at a time, results in index order (preparing what a run needs). */
async function prepareEach<T>(count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  await forEachBounded(count, 20, async (i) => {
    out[i] = await fn(i);
  });
  return out;
}

async function main(): Promise<void> {
  const tRun = performance.now();
  console.log(`[bench] api-latency: ${RATES.join(' and ')} req/s for ${SECONDS} s per endpoint, driver ${DRIVER}`);
  const system = await startSystem();
  const connection = await Connection.connect({ address: system.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const request = httpClient(system.baseUrl);
  const runs: { ratePerSecond: number; requestsPerEndpoint: number; prepareSelfPaidMs: number; prepareUploadsMs: number; rows: Row[] }[] =
    [];
  /** Waits until no enrollment is between `completed` and `closed`, so one run's closing work does not slow the next. */
  const closingDrained = async () => {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const {
        rows: [r],
      } = await system.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM enrollments WHERE status = 'completed'`);
      if (r.n === 0) return;
      await sleep(250);
    }
    console.warn('[bench] closing work still pending after 180 s');
  };
  try {
    for (const rate of RATES) {
      const count = rate * SECONDS;
      const load = (name: string, make: MakeRequest) => cannon(system.baseUrl, name, make, rate);
      const bareAt = (name: string, call: (i: number) => Promise<unknown>) => fixedRate(name, rate, call);
      const tag = `${Date.now().toString(36)}-${rate}`;
      console.log(`[bench] ${rate} req/s, ${count} requests per endpoint`);
      const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
      const students = await Promise.all(
        Array.from({ length: count }, (_, i) => system.token('student', { name: `Latency Student ${i}` })),
      );
      const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

      // Warm the API and worker: a few enrollments of each kind, serially.
      for (let i = 0; i < 5; i++) {
        const s = await system.token('student');
        const [body] = await benchVouchers(system.db, DEMO.id, [s.actor.id], `WARM-${tag}-${i}`);
        await request('POST', '/api/enrollments', { token: s.token, json: body });
      }

      // 1. create (update-with-start)
      const createBodies = await benchVouchers(
        system.db,
        DEMO.id,
        students.map((s) => s.actor.id),
        `LAT-${tag}`,
      );
      const create = await load('create', (i) => ({
        method: 'POST',
        path: '/api/enrollments',
        headers: json(students[i].token),
        body: JSON.stringify(createBodies[i]),
      }));
      const { rows: created } = await system.db.query<{ id: string }>(
        `SELECT id FROM enrollments WHERE voucher_number LIKE $1 ORDER BY created_at`,
        [`ITA-LAT-${tag}-%`],
      );
      if (created.length === 0) throw new Error('the create run made no enrollments');
      await sleep(2000);

      // 2. status read (database read model)
      const statusRead = await load('status read', (i) => ({
        method: 'GET',
        path: `/api/enrollments/${created[i % created.length].id}`,
        headers: { authorization: `Bearer ${holder.token}` },
      }));

      // 3. signal: prepare `count` pending self-paid enrollments, then one signed webhook each.
      const tPrep = performance.now();
      const pendingPay = await prepareEach(count, async (i) => {
        const s = await system.token('student', { name: `Latency Payer ${i}` });
        const res = expectStatus(
          'prepare self-paid',
          await request('POST', '/api/enrollments', { token: s.token, json: { programId: DEMO.id, fundingSource: 'self_pay' } }),
          201,
        );
        const { enrollmentId, checkoutUrl } = SelfPaidCreated.parse(res.body);
        return { enrollmentId, sessionId: new URL(checkoutUrl).pathname.split('/').at(-1)! };
      });
      const prepareSelfPaidMs = round(performance.now() - tPrep, 0);
      const webhooks = pendingPay.map((p) =>
        signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
          id: p.sessionId,
          enrollmentId: p.enrollmentId,
          amountTotal: DEMO.priceCents,
          currency: 'usd',
        }),
      );
      await sleep(2000);
      const signal = await load('signal (Stripe webhook)', (i) => ({
        method: 'POST',
        path: '/api/webhooks/stripe',
        headers: { 'stripe-signature': webhooks[i].signature, 'content-type': 'application/json' },
        body: webhooks[i].payload,
      }));

      // 4. update: approve, one per prepared enrollment whose student launched the course and uploaded evidence.
      const evidence = await samplePdf('Partner certificate for the latency benchmark');
      const tPrepApprove = performance.now();
      const submissions = await prepareEach(count, async (i) => {
        const s = await system.token('student', { name: `Latency Uploader ${i}` });
        const made = expectStatus(
          'prepare upload',
          await request('POST', '/api/enrollments', {
            token: s.token,
            json: (await benchVouchers(system.db, DEMO.id, [s.actor.id], `UP-${tag}-${i}`))[0],
          }),
          201,
        );
        const { enrollmentId } = Created.parse(made.body);
        expectStatus('launch', await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: s.token }), 302);
        const uploaded = expectStatus(
          'upload',
          await request('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
            token: s.token,
            body: evidenceForm(evidence, 'certificate.pdf', new Date().toISOString().slice(0, 10)),
          }),
          202,
        );
        return Submitted.parse(uploaded.body).submissionId;
      });
      const prepareUploadsMs = round(performance.now() - tPrepApprove, 0);
      await closingDrained();
      const approve = await load('update (approve)', (i) => ({
        method: 'POST',
        path: `/api/program-holder/submissions/${submissions[i]}/approve`,
        headers: { authorization: `Bearer ${holder.token}` },
      }));
      await closingDrained();

      // 5. update: mark complete, one per enrollment the create run made
      const update = await load('update (mark-complete)', (i) => ({
        method: 'POST',
        path: '/api/program-holder/mark-complete',
        headers: json(holder.token),
        body: JSON.stringify({
          enrollmentId: created[i % created.length].id,
          completedAt: new Date().toISOString().slice(0, 10),
          notes: 'latency benchmark',
        }),
      }));
      await closingDrained();

      // The bare calls, against the same server, with a worker of their own in another process.
      const skeletonWorker = await startSkeletonWorker(system.temporalAddress, QUEUE, 'latency');
      const bare = {} as Record<'start' | 'signal' | 'update' | 'query', Latency>;
      const workflowId = (i: number) => `bench-latency-${tag}-${i}`;
      try {
        const startOne = (id: string) =>
          client.workflow.executeUpdateWithStart(openUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation(latencyWorkflow, {
              workflowId: id,
              taskQueue: QUEUE,
              workflowIdConflictPolicy: 'FAIL',
            }),
          });
        for (let i = 0; i < 5; i++) await startOne(`${workflowId(i)}-warm`);
        bare.start = await bareAt('bare executeUpdateWithStart', (i) => startOne(workflowId(i)));
        await sleep(1000);
        bare.query = await bareAt('bare query', (i) => client.workflow.getHandle(workflowId(i)).query(stateQuery));
        await sleep(1000);
        bare.signal = await bareAt('bare signal', (i) => client.workflow.getHandle(workflowId(i)).signal(pingSignal, i));
        await sleep(1000);
        bare.update = await bareAt('bare executeUpdate', (i) =>
          client.workflow.getHandle(workflowId(i)).executeUpdate(pingUpdate, { args: [i] }),
        );
        await Promise.all(
          Array.from({ length: count }, (_, i) =>
            client.workflow
              .getHandle(workflowId(i))
              .signal(finishSignal)
              .catch(() => undefined),
          ),
        );
      } finally {
        await skeletonWorker.stop();
      }

      const rows: Row[] = [
        {
          endpoint: 'create enrollment',
          http: 'POST /api/enrollments (WIOA voucher)',
          call: 'executeUpdateWithStart',
          platform: create,
          bare: bare.start,
        },
        {
          endpoint: 'signal-backed',
          http: 'POST /api/webhooks/stripe (checkout.session.completed)',
          call: 'signal',
          platform: signal,
          bare: bare.signal,
        },
        {
          endpoint: 'update-backed (approve)',
          http: 'POST /api/program-holder/submissions/:id/approve',
          call: 'executeUpdate',
          platform: approve,
          bare: bare.update,
        },
        {
          endpoint: 'update-backed (mark-complete)',
          http: 'POST /api/program-holder/mark-complete',
          call: 'executeUpdate',
          platform: update,
          bare: bare.update,
        },
        {
          endpoint: 'status read',
          http: 'GET /api/enrollments/:id',
          call: 'query (the API reads Postgres instead)',
          platform: statusRead,
          bare: bare.query,
        },
      ];
      runs.push({ ratePerSecond: rate, requestsPerEndpoint: count, prepareSelfPaidMs, prepareUploadsMs, rows });
    }
    const result = {
      benchmark: 'api-latency',
      date: new Date().toISOString(),
      machine: machine(),
      settings: {
        ratesPerSecond: RATES,
        seconds: SECONDS,
        driver: DRIVER,
        connections: DRIVER === 'autocannon' ? `min(${CONNECTIONS}, rate)` : 'one per request in flight',
      },
      totalRunMs: round(performance.now() - tRun, 0),
      runs,
    };
    writeResult('api-latency', result, markdown(result));
  } finally {
    await connection.close().catch(() => undefined);
    await system.stop();
  }
}

interface Row {
  endpoint: string;
  http: string;
  call: string;
  platform: Latency;
  bare: Latency;
}

function markdown(r: {
  date: string;
  machine: Machine;
  settings: { seconds: number; driver: string; connections: number | string };
  totalRunMs: number;
  runs: { ratePerSecond: number; rows: Row[] }[];
}): string {
  return [
    `# API latency at fixed rates, ${r.date.slice(0, 10)}`,
    '',
    `${r.runs.map((x) => x.ratePerSecond).join(' and ')} requests/s for ${r.settings.seconds} s per endpoint (${r.settings.driver === 'autocannon' ? `autocannon \`overallRate\`, ${r.settings.connections} connections` : 'open loop: each request sent when due, latency from when it was due'}), ` +
      `each beside the bare Temporal client call it wraps at the same rate on the same dev server (a trivial workflow; latency from when the call was due). ` +
      `An achieved rate (answers per second until the last answer) below the set one means the endpoint could not keep up and requests queued. ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGb} GB, Node ${r.machine.node}. Run took ${round(r.totalRunMs / 1000, 0)} s.`,
    '',
    '| rate /s | endpoint | HTTP | ok / sent | achieved req/s | p50 ms | p99 ms | max ms | bare call | bare p50 ms | bare p99 ms | p50 × | p99 × |',
    '|---:|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    ...r.runs.flatMap((run) =>
      run.rows.map(
        (x) =>
          `| ${run.ratePerSecond} | ${x.endpoint} | ${x.http} | ${x.platform.ok} / ${x.platform.requests} | ${x.platform.achievedRate} | ${x.platform.p50Ms} | ${x.platform.p99Ms} | ${x.platform.maxMs} | ${x.call} | ${x.bare.p50Ms} | ${x.bare.p99Ms} | ` +
          `${round(x.platform.p50Ms / x.bare.p50Ms)} | ${round(x.platform.p99Ms / x.bare.p99Ms)} |`,
      ),
    ),
    '',
    ...r.runs.flatMap((run) =>
      run.rows
        .filter((x) => x.platform.firstError || x.bare.firstError)
        .map((x) => `- ${run.ratePerSecond}/s ${x.endpoint}: ${x.platform.firstError ?? ''} ${x.bare.firstError ?? ''}`),
    ),
    '',
  ].join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
