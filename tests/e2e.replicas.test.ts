/**
 * Replicas: two API processes and two worker processes on one Temporal dev server, as a deployment scales them.
 * Enrollments (WIOA-voucher and self-paid through the signed Stripe webhook) are driven through both APIs; while they
 * are in flight, one worker is SIGKILLed in the middle of sending emails (one of them an enrollment's completion email)
 * and is not started again. The other worker takes over everything the dead one held (its workflow tasks once they time
 * out, 10 s, or at once from its sticky queue; its activities once their start-to-close timeout passes, 30 s), and every
 * enrollment closes with each of its outcomes exactly once.
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { waitFor } from '../lib/wait';
import { enrollmentWorkflowId } from '../workflows/messages';
import type { OpenedEnrollment } from './helpers/contract';
import { enrollmentOutcomes } from './helpers/db';
import { inFlight } from './helpers/eventually';
import { signedCheckoutCompleted, webhookDelivery } from './helpers/stripe-stand-in';
import { type HttpResponse, httpClient, type Session, startSystem, STRIPE_WEBHOOK_SECRET, type System } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

/** A completion date that is possible for an enrollment launched today (not before its launch, not in the future). */
const TODAY = new Date().toISOString().slice(0, 10);
const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
/** 56 enrollments, every fourth self-paid, at most 12 in flight. */
const N = 56;
const IN_FLIGHT = 12;
const selfPaid = (i: number) => i % 4 === 0;
/**
 * The kill comes once this many have closed (the system is under way), and well before half have: while it is
 * prepared, the emails are held, so no more than the ones in flight can close meanwhile (8 + 12 < 56 / 2).
 */
const KILL_AFTER_CLOSED = 8;
const KILLED = 'worker-2';
const SURVIVOR = 'worker-1';
/** How long one enrollment may take from its first request to `closed` (a lost activity waits out its 30 s timeout). */
const ENROLLMENT_DEADLINE_MS = 150_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let system: System;
let replicaUrl: string;
let temporal: Connection | undefined;
beforeAll(async () => {
  system = await startSystem({ workers: 2 });
  replicaUrl = (await system.startApiReplica()).baseUrl;
  // Payouts too: the demo holder and partner have connected accounts, so each self-paid enrollment makes two transfers.
  await system.db.query(
    `INSERT INTO connect_accounts (party, party_id, stripe_account_id) VALUES ('holder', $1, 'acct_replicaholder'), ('partner', 'demo', 'acct_replicapartner')`,
    [DEMO_HOLDER_ID],
  );
}, 180_000);
afterAll(async () => {
  await temporal?.close();
  await system?.stop();
}, 60_000);

/**
 * The local ports of a process's open TCP connections to `port`, read from /proc: the connections of
 * /proc/<pid>/net/tcp whose socket inode is one of the process's file descriptors.
 */
function localPortsTo(pid: number, port: number): Set<number> {
  const byInode = new Map<string, number>();
  for (const file of ['tcp', 'tcp6']) {
    const table = fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1);
    for (const line of table) {
      const f = line.trim().split(/\s+/);
      // local and remote address: fields 1 and 2 (ADDR:PORT in hex); state: field 3 (01 = ESTABLISHED); inode: field 9.
      if (f.length > 9 && parseInt(f[2].split(':')[1], 16) === port && f[3] === '01') byInode.set(f[9], parseInt(f[1].split(':')[1], 16));
    }
  }
  const ports = new Set<number>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const local = byInode.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '');
    if (local !== undefined) ports.add(local);
  }
  return ports;
}

test('two APIs, two workers, one SIGKILLed under load and not restarted: every enrollment closes, nothing lost or done twice', async () => {
  const apis = [
    { name: 'api', request: httpClient(system.baseUrl), baseUrl: system.baseUrl, answered: 0 },
    { name: 'api replica', request: httpClient(replicaUrl), baseUrl: replicaUrl, answered: 0 },
  ];
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
  const smtpPort = Number(new URL(system.smtp.url).port);
  const workerPids = { [SURVIVOR]: system.pid(SURVIVOR), [KILLED]: system.pid(KILLED) };

  /**
   * One request, retried as a client would while the answer is one of `retryOn` (503: no worker answered in time; 409:
   * not yet, or an Idempotency-Key still claimed), until `expected` or the enrollment's deadline.
   */
  async function until<Body>(
    api: (typeof apis)[number],
    what: string,
    send: (request: ReturnType<typeof httpClient>) => Promise<HttpResponse<Body>>,
    expected: number,
    retryOn: number[],
    deadline: number,
  ): Promise<HttpResponse<Body>> {
    for (;;) {
      const res = await send(api.request);
      api.answered += 1;
      if (res.status === expected) return res;
      if (!retryOn.includes(res.status) || Date.now() > deadline) {
        throw new Error(`${what} via ${api.name}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      await sleep(Math.min(2_000, Number(res.headers.get('retry-after') ?? 0) * 1_000 || 250));
    }
  }

  const created: { i: number; id: string; student: Session; selfPaid: boolean }[] = [];
  const closed = new Set<string>();
  let driving = true;
  // One poller of the read model for every enrollment: which have closed.
  const watcher = (async () => {
    while (driving) {
      const open = created.filter((e) => !closed.has(e.id)).map((e) => e.id);
      if (open.length) {
        const { rows } = await system.db.query<{ id: string }>(
          `SELECT id FROM enrollments WHERE id = ANY($1::uuid[]) AND status = 'closed'`,
          [open],
        );
        for (const { id } of rows) closed.add(id);
      }
      await sleep(200);
    }
  })();

  /** One enrollment, from creation to `closed`: created through one API, paid, launched and marked through the other. */
  async function enrollment(i: number) {
    const deadline = Date.now() + ENROLLMENT_DEADLINE_MS;
    const [first, second] = i % 2 === 0 ? apis : [apis[1], apis[0]];
    const student = await system.token('student', { name: `Replica Student ${i}` });
    const body = selfPaid(i)
      ? { programId: DEMO.id, fundingSource: 'self_pay' }
      : await fundedEnrollmentBody({ baseUrl: second.baseUrl, token: (role, user) => system.token(role, user) }, student.actor, DEMO.id);
    const opened = await until<OpenedEnrollment>(
      first,
      `create #${i}`,
      (request) => request('POST', '/api/enrollments', { token: student.token, json: body, headers: { 'idempotency-key': `create-${i}` } }),
      201,
      [409, 503],
      deadline,
    );
    const id = opened.body.enrollmentId;
    created.push({ i, id, student, selfPaid: selfPaid(i) });
    if (selfPaid(i)) {
      const paid = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
        id: new URL(opened.body.checkoutUrl!).pathname.split('/').at(-1)!,
        enrollmentId: id,
        amountTotal: DEMO.priceCents,
        currency: 'usd',
      });
      // Stripe delivers again until it gets a 2xx.
      await until(
        second,
        `Stripe webhook #${i}`,
        (request) => request('POST', '/api/webhooks/stripe', webhookDelivery(paid)),
        200,
        [503],
        deadline,
      );
    }
    // 409 until the payment has reached the workflow.
    await until(
      second,
      `launch #${i}`,
      (request) => request('GET', `/api/enrollments/${id}/launch`, { token: student.token }),
      302,
      [409, 503],
      deadline,
    );
    await until(
      first,
      `mark-complete #${i}`,
      (request) =>
        request('POST', '/api/program-holder/mark-complete', {
          token: holder.token,
          json: { enrollmentId: id, completedAt: TODAY },
          headers: { 'idempotency-key': `mark-${i}` },
        }),
      200,
      [409, 503],
      deadline,
    );
    await waitFor(`enrollment #${i} closed`, () => Promise.resolve(closed.has(id)), Math.max(0, deadline - Date.now()));
  }

  /** The held SMTP sessions of the worker to be killed: the emails in flight on it, by recipient. */
  const heldOnVictim = () => {
    const ports = localPortsTo(workerPids[KILLED], smtpPort);
    return system.smtp.held().filter((s) => ports.has(s.remotePort));
  };
  /**
   * An enrollment whose completion email is in flight on the worker to be killed: every email of the enrollment being
   * sent (its rows in `sending`, the completion one among them) is a session of that worker held at RCPT TO.
   */
  async function completionInFlightOnVictim(): Promise<string | undefined> {
    const onVictim = new Map<string, number>();
    for (const { to } of heldOnVictim()) onVictim.set(to, (onVictim.get(to) ?? 0) + 1);
    const candidates = created.filter((e) => onVictim.has(e.student.actor.email!));
    if (!candidates.length) return undefined;
    const { rows } = await system.db.query<{ enrollment_id: string; kinds: string[] }>(
      `SELECT enrollment_id, array_agg(kind) AS kinds FROM emails_sent
        WHERE enrollment_id = ANY($1::uuid[]) AND status = 'sending' GROUP BY enrollment_id`,
      [candidates.map((e) => e.id)],
    );
    const victim = rows.find(
      (r) =>
        r.kinds.includes('completion') &&
        r.kinds.length === onVictim.get(candidates.find((e) => e.id === r.enrollment_id)!.student.actor.email!),
    );
    return victim?.enrollment_id;
  }

  /**
   * After some have closed: every email is held at RCPT TO, and once the worker to be killed is inside a completion
   * email, it is SIGKILLed there (and the emails let go). That enrollment cannot close until the email activity's 30 s
   * start-to-close timeout passes and the survivor sends the email.
   */
  const kill = (async () => {
    await waitFor(`${KILL_AFTER_CLOSED} enrollments closed`, () => Promise.resolve(closed.size >= KILL_AFTER_CLOSED), 120_000);
    system.smtp.hold();
    try {
      let victim: string | undefined;
      await waitFor(`a completion email in flight on ${KILLED}`, async () => (victim = await completionInFlightOnVictim()), 60_000);
      // Messages already past RCPT TO when the hold began are handed over and marked sent meanwhile.
      await sleep(1_000);
      const at = {
        closed: closed.size,
        created: created.length,
        emailsHeldOnKilled: heldOnVictim().length,
        emailsHeld: system.smtp.held().length,
      };
      await system.killWorker(KILLED);
      return { ...at, victim: victim! };
    } finally {
      system.smtp.release();
    }
  })();
  kill.catch(() => undefined); // awaited below, after the load; a failure is reported there

  const t0 = Date.now();
  const errors = await inFlight(N, IN_FLIGHT, enrollment);
  driving = false;
  const atKill = await kill;
  await watcher;
  const wallMs = Date.now() - t0;
  console.log(`[replicas] ${N} enrollments in ${wallMs} ms; at the kill: ${JSON.stringify(atKill)}`);
  expect(errors).toEqual([]);

  // The kill landed mid-run: some had closed, most had not, and the killed worker was inside an email.
  expect(atKill.closed).toBeGreaterThanOrEqual(KILL_AFTER_CLOSED);
  expect(atKill.closed).toBeLessThan(N / 2);
  expect(atKill.created).toBeGreaterThan(atKill.closed);
  expect(atKill.emailsHeldOnKilled).toBeGreaterThan(0);
  expect(closed.has(atKill.victim)).toBe(true);
  // Not started again: the survivor did the rest.
  expect(system.workers).toEqual([SURVIVOR, KILLED]);
  await expect(system.workerReady(KILLED, 0)).resolves.toBeUndefined(); // it had started and polled before the kill
  expect(fs.existsSync(`/proc/${workerPids[KILLED]}`)).toBe(false);

  // Both APIs answered, about half each.
  for (const api of apis) expect(api.answered).toBeGreaterThan(N);

  const ids = created.map((e) => e.id);
  expect(new Set(ids).size).toBe(N);
  expect(closed.size).toBe(N);

  // Every workflow finished. Both workers ran workflow tasks (the killed one before it died); what the killed one held
  // was run again by the survivor once it timed out (an attempt after the first), the victim's completion email too.
  temporal = await Connection.connect({ address: system.temporalAddress });
  const client = new Client({ connection: temporal, namespace: 'default' });
  const identities = new Set<string>();
  const retried: string[] = [];
  for (const id of ids) {
    const handle = client.workflow.getHandle(enrollmentWorkflowId(id));
    await waitFor(`the workflow of ${id} to finish`, async () => (await handle.describe()).status.name === 'COMPLETED', 30_000);
    const events = (await handle.fetchHistory()).events ?? [];
    const activityType = new Map(
      events.flatMap((e) =>
        e.activityTaskScheduledEventAttributes ? [[String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name]] : [],
      ),
    );
    for (const event of events) {
      const done = event.workflowTaskCompletedEventAttributes;
      if (done?.identity) identities.add(done.identity.split('@')[0]);
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) retried.push(`${id}:${activityType.get(String(started.scheduledEventId))}`);
    }
  }
  console.log(`[replicas] activities run again after the kill: ${retried.length}`);
  expect([...identities].sort()).toEqual([String(workerPids[SURVIVOR]), String(workerPids[KILLED])].sort());
  expect(retried.length).toBeGreaterThanOrEqual(atKill.emailsHeldOnKilled);
  expect(retried).toContain(`${atKill.victim}:sendCompletionEmail`);

  // Exactly once, per enrollment: one certificate, one WIOA outcome row, the three ledger rows summing to the price,
  // one accepted payment, the status history without a repeat, each email recorded once and sent.
  const rows = await enrollmentOutcomes(system.db, ids);
  expect(rows).toHaveLength(N);
  const closing = ['ready_to_launch', 'in_progress', 'completed', 'closed'];
  for (const e of created) {
    const row = rows.find((r) => r.id === e.id)!;
    expect({ i: e.i, ...row }).toEqual({
      i: e.i,
      id: e.id,
      certificates: 1,
      wioa: 1,
      ledger: ['holder', 'partner', 'platform'],
      ledger_sum: DEMO.priceCents,
      payments: 1,
      history: e.selfPaid ? ['pending_payment', ...closing] : closing,
      emails: e.selfPaid ? ['completion', 'enrolled', 'payment_received'] : ['completion', 'enrolled'],
      unsent: 0,
      transfers: e.selfPaid ? 2 : 0,
    });
  }

  // What left the platform, counted where it arrived: each email once at the SMTP server, one checkout session and
  // one transfer per paid party at Stripe.
  const subjects = (selfPay: boolean) =>
    [
      `You are enrolled in ${DEMO.title}`,
      ...(selfPay ? [`Payment received for ${DEMO.title}`] : []),
      `Congratulations: you completed ${DEMO.title}`,
    ].sort();
  for (const e of created) {
    expect({
      i: e.i,
      subjects: system.smtp
        .to(e.student.actor.email!)
        .map((m) => m.subject)
        .sort(),
    }).toEqual({
      i: e.i,
      subjects: subjects(e.selfPaid),
    });
  }
  expect(system.smtp.messages).toHaveLength(created.reduce((n, e) => n + subjects(e.selfPaid).length, 0));
  const paidIds = created.filter((e) => e.selfPaid).map((e) => e.id);
  expect(system.stripe.sessions.map((s) => s.params.get('client_reference_id')).sort()).toEqual([...paidIds].sort());
  expect(system.stripe.transfers.map((t) => `${t.transferGroup}:${t.destination}`).sort()).toEqual(
    paidIds.flatMap((id) => [`${id}:acct_replicaholder`, `${id}:acct_replicapartner`]).sort(),
  );
  expect((await system.db.query('SELECT count(*)::int AS n FROM certificates')).rows[0]).toEqual({ n: N });
}, 300_000);
