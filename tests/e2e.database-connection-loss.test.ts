/**
 * The real system (Temporal dev server, worker and API as processes) on a PostgreSQL server of the test's own, while
 * the worker's database connections are lost again and again: a superuser connection terminates the worker's
 * backends (`pg_terminate_backend`, found by the application_name that carries the worker's process id) idle, in the
 * middle of an activity's query and in the middle of a transaction, and once PostgreSQL itself is restarted (fast
 * shutdown, as a failover or an operator does). The worker process lives through all of it (same PID, never
 * restarted), logs each lost connection, and every enrollment of the batch closes, each outcome exactly once.
 */
import fs from 'node:fs';
import type { PoolClient } from 'pg';
import { ensureDatabase, migrate } from '../db/migrate';
import { createPool, type Db } from '../db/pool';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS, seed } from '../db/seed';
import { waitFor } from '../lib/wait';
import type { OpenedEnrollment } from './helpers/contract';
import { enrollmentOutcomes } from './helpers/db';
import { inFlight, sleep } from './helpers/eventually';
import { startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres';
import { type HttpResponse, httpClient, type Session, startSystem, type System } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

const PROGRAM = SEEDED_PROGRAMS.find((p) => p.partnerId === 'milady')!;
const TODAY = new Date().toISOString().slice(0, 10);
/** 24 enrollments, 8 in flight. */
const N = 24;
const IN_FLIGHT = 8;
/** PostgreSQL is restarted once this many have closed (the rest in flight or not started yet). */
const RESTART_AFTER_CLOSED = 8;
/** How long one enrollment may take from its first request to `closed`. */
const ENROLLMENT_DEADLINE_MS = 120_000;

let pg: PrivatePostgres;
/** The test's own connections: its assertions and the superuser's terminations (they reconnect after the restart). */
let db: Db;
let system: System;
let holder: Session;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  await ensureDatabase(pg.url);
  await migrate(pg.url);
  db = createPool(pg.url, 4, 2_000);
  await seed(db);
  system = await startSystem({
    env: {
      DATABASE_URL: pg.url,
      DATABASE_CONNECT_TIMEOUT: '2s',
      // A create or mark-complete that waits on a retried activity answers 503 soon, and its retry is not held long.
      TEMPORAL_CALL_TIMEOUT: '6s',
      IDEMPOTENCY_LEASE: '8s',
    },
  });
  holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await db?.end();
  pg?.destroy();
}, 60_000);

/** Where a terminated backend was: idle in the pool, in a statement on its own, or inside a transaction. */
type Moment = 'idle' | 'query' | 'transaction';

test('the worker survives its connections terminated (idle, mid-activity, mid-transaction) and a PostgreSQL restart: every enrollment closes once', async () => {
  const workerPid = system.pid('worker');
  const apiPid = system.pid('api');
  const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);
  const applicationName = `credential-marketplace worker ${workerPid}`;
  const request = httpClient(system.baseUrl);
  const terminated: Record<Moment, number> = { idle: 0, query: 0, transaction: 0 };
  let restarts = 0;
  let closedAtRestart = 0;

  /** Terminates every backend of the worker at this moment (one statement: each one's state as it was, then the end). */
  async function terminateWorkerBackends(where = 'true') {
    const { rows } = await db.query<{ moment: Moment; done: boolean }>(
      `SELECT CASE WHEN state LIKE 'idle in transaction%' OR (state = 'active' AND xact_start < query_start) THEN 'transaction'
                   WHEN state = 'active' THEN 'query' ELSE 'idle' END AS moment,
              pg_terminate_backend(pid) AS done
         FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
      [applicationName],
    );
    for (const r of rows) if (r.done) terminated[r.moment] += 1;
    return rows.filter((r) => r.done).length;
  }

  /**
   * A worker statement caught for sure where the test wants it: while the test holds a SHARE lock on `table`, the
   * worker's next write to it waits there, and is terminated there; then the lock is let go. `enrollments`: the
   * workflow's first local activity (openEnrollmentRecord: BEGIN, read the voucher, INSERT) waits inside its
   * transaction; `ledger_entries`: the revenue share activity's INSERT, a statement of its own.
   */
  async function terminateWhileWaitingOn(table: 'enrollments' | 'ledger_entries', moment: Exclude<Moment, 'idle'>, locked?: () => void) {
    const waiting = `state = 'active' AND wait_event_type = 'Lock' AND xact_start ${moment === 'transaction' ? '<' : '='} query_start`;
    const locker: PoolClient = await db.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${table} IN SHARE MODE`);
      locked?.();
      await waitFor(
        `a worker ${moment} waiting on ${table}`,
        async () =>
          (await db.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND ${waiting}`, [applicationName])).rowCount,
        30_000,
      );
      const before = terminated[moment];
      await terminateWorkerBackends(waiting);
      expect(terminated[moment]).toBeGreaterThan(before);
    } finally {
      await locker.query('COMMIT').catch(() => undefined);
      locker.release();
    }
  }

  const created: { i: number; id: string; student: Session }[] = [];
  const closed = new Set<string>();
  let driving = true;
  /** Set when the worker process is gone: every request and wait stops at once, rather than waiting out a dead worker. */
  let workerGone: Error | undefined;
  // The read model's closed enrollments, and the worker alive.
  const watcher = (async () => {
    while (driving) {
      if (!alive(workerPid)) {
        workerGone = new Error(`the worker (PID ${workerPid}) exited; see ${system.logPrefix}-worker.log`);
        return;
      }
      const open = created.filter((e) => !closed.has(e.id)).map((e) => e.id);
      if (open.length) {
        const found = await db
          .query<{ id: string }>(`SELECT id FROM enrollments WHERE id = ANY($1::uuid[]) AND status = 'closed'`, [open])
          .catch(() => ({ rows: [] })); // the restart: asked again on the next turn
        for (const { id } of found.rows) closed.add(id);
      }
      await sleep(200);
    }
  })();

  /** One request, retried as a client would while the answer is 409 (not yet) or 503 (the database or a worker busy). */
  async function until<Body>(what: string, send: () => Promise<HttpResponse<Body>>, expected: number, deadline: number) {
    for (;;) {
      if (workerGone) throw workerGone;
      const res = await send().catch((err: Error) => ({ status: 0, body: err.message, headers: new Headers() }) as HttpResponse<Body>);
      if (res.status === expected) return res;
      if (![409, 503].includes(res.status) || Date.now() > deadline) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      await sleep(Math.min(2_000, Number(res.headers.get('retry-after') ?? 0) * 1_000 || 250));
    }
  }

  // Every student and voucher first: the faults are the worker's, not the voucher desk's.
  const students = await Promise.all(Array.from({ length: N }, (_, i) => system.token('student', { name: `Connection Loss ${i}` })));
  const bodies = await Promise.all(students.map((s) => fundedEnrollmentBody(system, s.actor, PROGRAM.id, { fundingSource: 'sponsor' })));

  async function enrollment(i: number) {
    const deadline = Date.now() + ENROLLMENT_DEADLINE_MS;
    const student = students[i];
    const opened = await until<OpenedEnrollment>(
      `create #${i}`,
      () => request('POST', '/api/enrollments', { token: student.token, json: bodies[i], headers: { 'idempotency-key': `create-${i}` } }),
      201,
      deadline,
    );
    const id = opened.body.enrollmentId;
    created.push({ i, id, student });
    await until(`launch #${i}`, () => request('GET', `/api/enrollments/${id}/launch`, { token: student.token }), 302, deadline);
    await until(
      `mark-complete #${i}`,
      () =>
        request('POST', '/api/program-holder/mark-complete', {
          token: holder.token,
          json: { enrollmentId: id, completedAt: TODAY },
          headers: { 'idempotency-key': `mark-${i}` },
        }),
      200,
      deadline,
    );
    await waitFor(
      `enrollment #${i} closed`,
      () => Promise.resolve(closed.has(id)),
      Math.max(0, deadline - Date.now()),
      () => !workerGone,
    );
    if (workerGone) throw workerGone;
  }

  // The faults, while the batch runs: a transaction caught between its statements (the lock is taken before the first
  // create), every backend of the worker terminated every few hundred milliseconds whatever it is doing, an activity's
  // statement caught mid-query once a few have closed, and PostgreSQL restarted once a third of the batch has closed.
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const faults = (async () => {
    await terminateWhileWaitingOn('enrollments', 'transaction', locked);
    let caughtMidQuery = false;
    let restarted = false;
    while (driving && !workerGone) {
      if (!caughtMidQuery && closed.size >= 3) {
        await terminateWhileWaitingOn('ledger_entries', 'query');
        caughtMidQuery = true;
      }
      if (!restarted && closed.size >= RESTART_AFTER_CLOSED) {
        closedAtRestart = closed.size;
        pg.stop();
        await sleep(1_000);
        pg.start();
        restarts += 1;
        restarted = true;
      }
      await terminateWorkerBackends().catch(() => undefined); // the test's own connection lost in the restart: next turn
      await sleep(100 + Math.random() * 400);
    }
  })();
  faults.catch(() => undefined); // awaited below, after the batch; a failure is reported there
  await Promise.race([lockTaken, faults]);

  const t0 = Date.now();
  const errors = await inFlight(N, IN_FLIGHT, enrollment);
  driving = false;
  await Promise.all([faults, watcher]);
  const log = fs.readFileSync(`${system.logPrefix}-worker.log`, 'utf8');
  console.log(
    `[connection loss] ${N} enrollments in ${Date.now() - t0} ms; worker backends terminated: ${JSON.stringify(terminated)}; ` +
      `PostgreSQL restarts: ${restarts} (${closedAtRestart} of ${N} closed then); connection losses the worker logged: ${log.match(/\[db\] connection lost/g)?.length ?? 0}`,
  );
  expect(errors).toEqual([]);

  // The same processes throughout: never exited, never restarted.
  expect(system.pid('worker')).toBe(workerPid);
  expect(alive(workerPid)).toBe(true);
  expect(system.pid('api')).toBe(apiPid);
  expect(alive(apiPid)).toBe(true);
  expect(log).not.toMatch(/Unhandled 'error' event|\[worker\] stopped/);
  expect(log).toMatch(/\[db\] connection lost \(57P01\): terminating connection due to administrator command/);

  // Each kind of moment was hit, and the restart happened mid-batch.
  expect(terminated.transaction).toBeGreaterThanOrEqual(1);
  expect(terminated.query).toBeGreaterThanOrEqual(1);
  expect(terminated.idle).toBeGreaterThanOrEqual(10);
  expect(restarts).toBe(1);
  expect(closedAtRestart).toBeLessThan(N);

  // Every enrollment closed, each outcome exactly once.
  expect(created).toHaveLength(N);
  expect(closed.size).toBe(N);
  const rows = await enrollmentOutcomes(
    db,
    created.map((e) => e.id),
  );
  expect(rows).toHaveLength(N);
  for (const e of created) {
    expect({ i: e.i, ...rows.find((r) => r.id === e.id) }).toEqual({
      i: e.i,
      id: e.id,
      certificates: 1,
      wioa: 1,
      ledger: ['holder', 'partner', 'platform'],
      ledger_sum: PROGRAM.priceCents,
      payments: 1,
      history: ['ready_to_launch', 'in_progress', 'completed', 'closed'],
      emails: ['completion', 'enrolled'],
      unsent: 0,
      transfers: 0,
    });
    const subjects = system.smtp
      .to(e.student.actor.email!)
      .map((m) => m.subject)
      .sort();
    expect({ i: e.i, subjects }).toEqual({
      i: e.i,
      subjects: [`Congratulations: you completed ${PROGRAM.title}`, `You are enrolled in ${PROGRAM.title}`],
    });
  }
}, 240_000);
