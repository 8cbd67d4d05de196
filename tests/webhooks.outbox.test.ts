/**
 * The webhook outbox on PostgreSQL (no Temporal): each fact's event is recorded in the fact's own transaction, once
 * however often its activity runs, only when an enabled endpoint hears it, and the sweep wakes what no writer woke.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities, type EnrollmentActivities } from '../activities';
import { createWebhookActivities } from '../activities/webhooks';
import type { Db } from '../db/pool';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import type { WebhookDispatcher, WebhookTarget } from '../db/webhook-outbox';
import { insertWebhookSecret } from '../capabilities/webhooks/webhook-endpoints';
import { loadConfig } from '../lib/config';
import { createLocalFileStore } from '../services/file-store';
import { createOutboxMailer } from '../services/mailer';
import { createSimulatedPaymentProvider } from '../services/payment-provider';
import { createTestDatabase, type TestDatabase } from './helpers/db';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const OTHER = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;

let database: TestDatabase;
let db: Db;
let dir: string;
let acts: EnrollmentActivities;
/** What the activities woke, as the dispatcher was asked. */
const woken: WebhookTarget[] = [];
const dispatcher: WebhookDispatcher = {
  wake: (targets) => {
    woken.push(...targets);
    return Promise.resolve();
  },
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-outbox-'));
  acts = createActivities({
    db,
    files: createLocalFileStore(dir),
    payments: createSimulatedPaymentProvider('https://marketplace.test'),
    mailer: createOutboxMailer(dir, 'test@marketplace.test'),
    publicBaseUrl: 'https://marketplace.test',
    webhooks: { dispatcher },
  });
});
afterAll(async () => {
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  woken.length = 0;
  await db.query('UPDATE webhook_endpoints SET enabled = false');
});

/** An endpoint row, as the API's command writes it. */
async function endpoint(o: { role?: 'admin' | 'program_holder'; owner?: string; events?: string[]; programIds?: string[] } = {}) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO webhook_endpoints (id, owner_role, owner_id, url, event_types, program_ids) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, o.role ?? 'admin', o.owner ?? 'admin-1', 'http://127.0.0.1:9/hooks', o.events ?? ['*'], o.programIds ?? null],
  );
  await insertWebhookSecret(db, loadConfig({ NODE_ENV: 'test' }).secretsAtRest, id, 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdA==');
  return id;
}

/** A self-paid enrollment's record, written by the workflow's first activity. */
async function enrollment(programId: string = DEMO.id): Promise<string> {
  const enrollmentId = randomUUID();
  await acts.openEnrollmentRecord({
    enrollmentId,
    programId,
    studentId: `student-${enrollmentId}`,
    fundingSource: 'self_pay',
    priceCents: 4900,
    currency: 'usd',
    openedAt: new Date().toISOString(),
  });
  return enrollmentId;
}

const eventsOf = async (enrollmentId: string) =>
  (await db.query<{ type: string }>('SELECT type FROM webhook_events WHERE enrollment_id = $1 ORDER BY seq', [enrollmentId])).rows.map(
    (r) => r.type,
  );
const deliveriesOf = async (endpointId: string) =>
  (
    await db.query<{ type: string; enrollment_id: string; dispatched: boolean }>(
      `SELECT ev.type, d.enrollment_id, d.dispatched_at IS NOT NULL AS dispatched
         FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq WHERE d.endpoint_id = $1 ORDER BY ev.seq`,
      [endpointId],
    )
  ).rows;

const at = (minutes: number) => new Date(Date.UTC(2026, 5, 1, 9, minutes)).toISOString();

test('without an enabled endpoint the facts are written and no event is recorded', async () => {
  const id = await enrollment();
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) });
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 2, status: 'ready_to_launch', at: at(1), paidAt: at(1) });
  expect((await db.query('SELECT status FROM enrollments WHERE id = $1', [id])).rows).toEqual([{ status: 'ready_to_launch' }]);
  expect(await eventsOf(id)).toEqual([]);
  expect(woken).toEqual([]);
});

test('each fact records its event once, however often its activity runs, and wakes the endpoint’s workflow', async () => {
  const admin = await endpoint();
  const id = await enrollment();
  const submissionId = randomUUID();
  const twice = async (run: () => Promise<unknown>) => {
    await run();
    await run();
  };
  await twice(() => acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) }));
  await twice(() => acts.recordEnrollmentStatus({ enrollmentId: id, seq: 2, status: 'ready_to_launch', at: at(1), paidAt: at(1) }));
  const launched = { enrollmentId: id, seq: 3, status: 'in_progress' as const, at: at(2), paidAt: at(1), launchedAt: at(2) };
  await twice(() => acts.recordEnrollmentStatus(launched));
  // A late retry of an older projection announces nothing.
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) });
  await twice(() =>
    acts.recordSubmission({
      enrollmentId: id,
      submissionId,
      studentId: 'student',
      fileKey: 'evidence/x.pdf',
      contentType: 'application/pdf',
      sizeBytes: 10,
      sha256: 'ab'.repeat(32),
      completedAt: at(3),
      submittedAt: at(3),
    }),
  );
  await twice(() =>
    acts.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId: 'holder', reason: 'blurry', reviewedAt: at(4) }),
  );
  // A relaunch-free return to in_progress (after the rejection) is not a second launch.
  await acts.recordEnrollmentStatus({ ...launched, seq: 4, status: 'awaiting_review', at: at(3) });
  await acts.recordEnrollmentStatus({ ...launched, seq: 5, status: 'in_progress', at: at(4) });
  const completed = {
    ...launched,
    seq: 6,
    status: 'completed' as const,
    at: at(5),
    completedAt: at(5),
    completionMethod: 'manual' as const,
  };
  await twice(() => acts.recordEnrollmentStatus(completed));
  await twice(() => acts.issueCertificate({ enrollmentId: id, completedAt: at(5) }));

  expect(await eventsOf(id)).toEqual([
    'enrollment.created',
    'enrollment.paid',
    'enrollment.launched',
    'submission.received',
    'submission.reviewed',
    'enrollment.completed',
    'credential.issued',
  ]);
  expect((await deliveriesOf(admin)).map((d) => [d.type, d.dispatched])).toEqual((await eventsOf(id)).map((type) => [type, true]));
  expect(new Set(woken.map((t) => JSON.stringify(t)))).toEqual(new Set([JSON.stringify({ endpointId: admin, enrollmentId: id })]));

  const {
    rows: [review],
  } = await db.query<{ body: string }>(`SELECT body FROM webhook_events WHERE enrollment_id = $1 AND type = 'submission.reviewed'`, [id]);
  expect(JSON.parse(review.body)).toEqual({
    type: 'submission.reviewed',
    timestamp: at(4),
    data: { enrollmentId: id, programId: DEMO.id, submissionId, status: 'rejected', reviewedAt: at(4) },
  });
});

test('a funded enrollment announces created and funded; a co-paid one funded and paid; withdrawal and expiry too', async () => {
  await endpoint({ events: ['enrollment.created', 'enrollment.funded', 'enrollment.paid', 'enrollment.withdrawn', 'enrollment.expired'] });
  const funded = await enrollment();
  await db.query(`UPDATE enrollments SET funding_source = 'wioa_ita', voucher_cents = 4900, amount_due_cents = 0 WHERE id = $1`, [funded]);
  await acts.recordEnrollmentStatus({ enrollmentId: funded, seq: 1, status: 'ready_to_launch', at: at(0), paidAt: at(0) });
  await acts.recordEnrollmentStatus({ enrollmentId: funded, seq: 2, status: 'withdrawn', at: at(1), paidAt: at(0) });
  expect(await eventsOf(funded)).toEqual(['enrollment.created', 'enrollment.funded', 'enrollment.withdrawn']);

  const coPaid = await enrollment(OTHER.id);
  await db.query(`UPDATE enrollments SET funding_source = 'sponsor', voucher_cents = 2000, amount_due_cents = 2900 WHERE id = $1`, [
    coPaid,
  ]);
  await acts.recordEnrollmentStatus({ enrollmentId: coPaid, seq: 1, status: 'pending_payment', at: at(0) });
  await acts.recordEnrollmentStatus({ enrollmentId: coPaid, seq: 2, status: 'ready_to_launch', at: at(1), paidAt: at(1) });
  await acts.recordEnrollmentStatus({ enrollmentId: coPaid, seq: 3, status: 'expired', at: at(2), paidAt: at(1) });
  expect(await eventsOf(coPaid)).toEqual(['enrollment.created', 'enrollment.funded', 'enrollment.paid', 'enrollment.expired']);
});

test('an endpoint hears only its types, a holder’s only its own programs, a disabled one nothing', async () => {
  const holderEndpoint = await endpoint({ role: 'program_holder', owner: DEMO_HOLDER_ID, events: ['enrollment.created'] });
  const otherHolder = await endpoint({ role: 'program_holder', owner: 'another-holder', events: ['enrollment.created'] });
  const onlyOther = await endpoint({ events: ['enrollment.created'], programIds: [OTHER.id] });
  const disabled = await endpoint();
  await db.query('UPDATE webhook_endpoints SET enabled = false WHERE id = $1', [disabled]);
  const id = await enrollment(DEMO.id);
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) });
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 2, status: 'withdrawn', at: at(1) });
  expect(await deliveriesOf(holderEndpoint)).toEqual([{ type: 'enrollment.created', enrollment_id: id, dispatched: true }]);
  expect(await deliveriesOf(otherHolder)).toEqual([]);
  expect(await deliveriesOf(onlyOther)).toEqual([]);
  expect(await deliveriesOf(disabled)).toEqual([]);
  // Nobody hears the withdrawal: it is not recorded at all.
  expect(await eventsOf(id)).toEqual(['enrollment.created']);
});

test('an endpoint registered after a fact does not hear it later: a later projection carries it, but announces its own only', async () => {
  const id = await enrollment();
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) });
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 2, status: 'ready_to_launch', at: at(1), paidAt: at(1) });
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 3, status: 'in_progress', at: at(2), paidAt: at(1), launchedAt: at(2) });
  const late = await endpoint();
  await acts.recordEnrollmentStatus({
    enrollmentId: id,
    seq: 4,
    status: 'completed',
    at: at(3),
    paidAt: at(1),
    launchedAt: at(2),
    completedAt: at(3),
    completionMethod: 'manual',
  });
  expect((await deliveriesOf(late)).map((d) => d.type)).toEqual(['enrollment.completed']);
});

test('the event is part of the fact’s transaction: an event that cannot be recorded takes the fact with it', async () => {
  await endpoint();
  const id = await enrollment();
  await db.query(`CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$`);
  await db.query('CREATE TRIGGER refuse_event BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION refuse_event()');
  try {
    await expect(acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) })).rejects.toThrow(
      'outbox refused',
    );
    expect((await db.query('SELECT status_seq FROM enrollments WHERE id = $1', [id])).rows).toEqual([{ status_seq: 0 }]);
    expect((await db.query('SELECT 1 FROM enrollment_status_history WHERE enrollment_id = $1', [id])).rowCount).toBe(0);
  } finally {
    await db.query('DROP TRIGGER refuse_event ON webhook_events');
    await db.query('DROP FUNCTION refuse_event()');
  }
  // The activity's retry records both.
  await acts.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) });
  expect(await eventsOf(id)).toEqual(['enrollment.created']);
});

test('the sweep wakes the deliveries no writer woke (a crash after the commit), once', async () => {
  const endpointId = await endpoint();
  // Written by a process without a dispatcher: as if it died right after the commit.
  const silent = createActivities({
    db,
    files: createLocalFileStore(dir),
    payments: createSimulatedPaymentProvider('https://marketplace.test'),
    mailer: createOutboxMailer(dir, 'test@marketplace.test'),
    publicBaseUrl: 'https://marketplace.test',
  });
  const ids = [await enrollment(), await enrollment(OTHER.id)];
  for (const id of ids) await silent.recordEnrollmentStatus({ enrollmentId: id, seq: 1, status: 'pending_payment', at: at(0) });
  expect((await deliveriesOf(endpointId)).map((d) => d.dispatched)).toEqual([false, false]);

  const webhookActivities = createWebhookActivities({ db, webhooks: { dispatcher } });
  const sweep = () => webhookActivities.sweepWebhookDeliveries();
  // Within the grace the writer may still be waking them.
  expect(await sweep()).toEqual({ woken: 0 });
  await db.query(`UPDATE webhook_deliveries SET pending_since = pending_since - interval '1 minute' WHERE endpoint_id = $1`, [endpointId]);
  expect(await sweep()).toEqual({ woken: 2 });
  expect(woken).toEqual(expect.arrayContaining(ids.map((enrollmentId) => ({ endpointId, enrollmentId }))));
  expect((await deliveriesOf(endpointId)).map((d) => d.dispatched)).toEqual([true, true]);
  expect(await sweep()).toEqual({ woken: 0 });
});
