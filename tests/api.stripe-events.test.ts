/**
 * Stripe's webhook over the running system, with events signed like Stripe's: each event id is acted on once (a
 * redelivery before or after the enrollment closed is 200 and changes nothing), the same Checkout Session under a new
 * event id is the same payment, and a second session (or a payment to an enrollment that has ended) is kept once as a
 * `rejected` payment for a refund. An event recorded by an attempt that stopped before acting is acted on by the retry.
 *
 * The program is created for nrf (no completion API), so no partner poll completes an enrollment behind the test's back.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from './helpers/channels';
import { createTestProgram } from './helpers/programs';
import { signedCheckoutCompleted, webhookDelivery } from './helpers/stripe-stand-in';
import { httpClient, startSystem, STRIPE_WEBHOOK_SECRET, type System, waitForStatus } from './helpers/system';
import type { OpenedEnrollment, WebhookReceipt } from './helpers/contract';

const PRICE = 7_500;
let system: System;
let request: ReturnType<typeof httpClient>;
let admin: Awaited<ReturnType<System['token']>>;
let holder: Awaited<ReturnType<System['token']>>;
let programId = '';

/** Stripe's webhook answer; not in `./helpers/contract` yet. */

beforeAll(async () => {
  system = await startSystem();
  request = httpClient(system.baseUrl);
  admin = await system.token('admin');
  holder = await system.token('program_holder');
  programId = await createTestProgram(request, admin.token, {
    title: `Stripe events ${randomUUID().slice(0, 6)}`,
    priceCents: PRICE,
    holderId: holder.actor.id,
  });
}, 180_000);
afterAll(() => system?.stop(), 60_000);

/** A self-paid enrollment waiting for payment, and its Checkout Session at the Stripe stand-in. */
async function pendingEnrollment() {
  const student = await system.token('student');
  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId, fundingSource: 'self_pay' },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.enrollmentId;
  const session = system.stripe.sessions.find((s) => s.params.get('client_reference_id') === id)!;
  expect(session).toBeDefined();
  return { id, student, sessionId: session.id };
}

/** Sends one signed event: `sessionId` paid `amount` for the enrollment, under `eventId` (and `type`). */
function deliver(enrollmentId: string, sessionId: string, eventId: string, type = 'checkout.session.completed', amount = PRICE) {
  const event = signedCheckoutCompleted(
    STRIPE_WEBHOOK_SECRET,
    { id: sessionId, enrollmentId, amountTotal: amount, currency: 'usd' },
    { id: eventId, type },
  );
  return request<WebhookReceipt>('POST', '/api/webhooks/stripe', webhookDelivery(event));
}

/** What a Stripe event could change or flag for an enrollment: its payments and its payment audit rows. */
async function paymentRecords(enrollmentId: string) {
  const [payments, audits] = await Promise.all([
    system.db.query<{ provider_ref: string; status: string; reason: string | null; amount_cents: number }>(
      'SELECT provider_ref, status, reason, amount_cents FROM payments WHERE enrollment_id = $1 ORDER BY created_at, provider_ref',
      [enrollmentId],
    ),
    system.db.query<{ action: string; session: string | null }>(
      `SELECT action, details->>'sessionId' AS session FROM audit_log WHERE target_id = $1 AND action LIKE 'payment.%' ORDER BY id`,
      [enrollmentId],
    ),
  ]);
  return { payments: payments.rows, audits: audits.rows };
}

async function closeByMark(id: string, student: { token: string }) {
  expect((await request('GET', `/api/enrollments/${id}/launch`, { token: student.token })).status).toBe(302);
  await waitForStatus(system, student.token, id, 'in_progress');
  const marked = await request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId: id, completedAt: new Date().toISOString().slice(0, 10) },
  });
  expect(marked.status).toBe(200);
  await waitForStatus(system, student.token, id, 'closed');
}

test('redeliveries before and after the close, and the same session under new event ids: 200, nothing new, nothing flagged', async () => {
  const { id, student, sessionId } = await pendingEnrollment();
  const completedEvent = `evt_${randomUUID()}`;
  const first = await deliver(id, sessionId, completedEvent);
  expect(first.status).toBe(200);
  expect(first.body).toEqual(expect.objectContaining({ received: true, applied: true }));
  await waitForStatus(system, student.token, id, 'ready_to_launch');
  await eventually(async () => (await paymentRecords(id)).payments.length === 1, 'the accepted payment');
  const paid = await paymentRecords(id);
  expect(paid).toEqual({
    payments: [{ provider_ref: sessionId, status: 'accepted', reason: null, amount_cents: PRICE }],
    audits: [{ action: 'payment.confirm', session: sessionId }],
  });

  // Before the close: the same event again, and the same session as checkout.session.async_payment_succeeded.
  const again = await deliver(id, sessionId, completedEvent);
  expect(again.status).toBe(200);
  expect(again.body).toEqual({ received: true, applied: false, reason: `event ${completedEvent} was handled already` });
  const asyncEvent = `evt_${randomUUID()}`;
  const sameSession = await deliver(id, sessionId, asyncEvent, 'checkout.session.async_payment_succeeded');
  expect(sameSession.status).toBe(200);
  expect(sameSession.body).toEqual(
    expect.objectContaining({ applied: false, reason: `session ${sessionId} is this enrollment's payment already` }),
  );
  expect(await paymentRecords(id)).toEqual(paid);

  await closeByMark(id, student);

  // After the close: both events again, and the session under yet another event id.
  for (const [eventId, type] of [
    [completedEvent, 'checkout.session.completed'],
    [asyncEvent, 'checkout.session.async_payment_succeeded'],
    [`evt_${randomUUID()}`, 'checkout.session.completed'],
  ] as const) {
    const late = await deliver(id, sessionId, eventId, type);
    expect(late.status).toBe(200);
    expect(late.body).toEqual(expect.objectContaining({ received: true, applied: false }));
    expect(late.body.reason).not.toMatch(/refund/);
  }
  expect(await paymentRecords(id)).toEqual(paid);
  const { rows: events } = await system.db.query('SELECT state, outcome FROM stripe_events WHERE enrollment_id = $1 ORDER BY received_at', [
    id,
  ]);
  expect(events).toEqual([
    { state: 'handled', outcome: 'applied' },
    { state: 'handled', outcome: 'same_payment' },
    { state: 'handled', outcome: 'same_payment' },
  ]);
});

test('a second paid session after the close is kept once as a rejected payment, even when its event is redelivered or re-sent under a new id', async () => {
  const { id, student, sessionId } = await pendingEnrollment();
  expect((await deliver(id, sessionId, `evt_${randomUUID()}`)).status).toBe(200);
  await waitForStatus(system, student.token, id, 'ready_to_launch');
  await closeByMark(id, student);

  const secondSession = `cs_test_second_${randomUUID().slice(0, 8)}`;
  const secondEvent = `evt_${randomUUID()}`;
  const res = await deliver(id, secondSession, secondEvent);
  expect(res.status).toBe(200);
  expect(res.body).toEqual(
    expect.objectContaining<Record<string, unknown>>({
      received: true,
      applied: false,
      reason: expect.stringContaining('kept as a rejected payment for refund'),
    }),
  );
  const kept = await paymentRecords(id);
  expect(kept.payments).toEqual([
    { provider_ref: sessionId, status: 'accepted', reason: null, amount_cents: PRICE },
    { provider_ref: secondSession, status: 'rejected', reason: 'payment arrived after the enrollment was closed', amount_cents: PRICE },
  ]);
  expect(kept.audits).toEqual([
    { action: 'payment.confirm', session: sessionId },
    { action: 'payment.after_close', session: secondSession },
  ]);

  expect((await deliver(id, secondSession, secondEvent)).status).toBe(200);
  expect((await deliver(id, secondSession, `evt_${randomUUID()}`, 'checkout.session.async_payment_succeeded')).status).toBe(200);
  expect(await paymentRecords(id)).toEqual(kept);
});

test('a payment to a withdrawn enrollment is kept once as rejected with the reason, never accepted', async () => {
  const { id, student, sessionId } = await pendingEnrollment();
  const withdrawn = await request('POST', `/api/enrollments/${id}/withdraw`, {
    token: student.token,
    json: { reason: 'found another course' },
  });
  expect(withdrawn.status).toBe(200);
  await waitForStatus(system, student.token, id, 'withdrawn');
  const eventId = `evt_${randomUUID()}`;
  expect((await deliver(id, sessionId, eventId)).status).toBe(200);
  expect((await deliver(id, sessionId, eventId)).status).toBe(200);
  expect((await deliver(id, sessionId, `evt_${randomUUID()}`, 'checkout.session.async_payment_succeeded')).status).toBe(200);
  // The workflow keeps it if it is still finishing (while), the API once the workflow has ended (after).
  await eventually(async () => (await paymentRecords(id)).payments.length === 1, 'the rejected payment');
  expect((await paymentRecords(id)).payments).toEqual<Record<string, unknown>[]>([
    {
      provider_ref: sessionId,
      status: 'rejected',
      reason: expect.stringMatching(/^payment arrived (after|while) the enrollment was withdrawn$/),
      amount_cents: PRICE,
    },
  ]);
});

test('an event recorded by an attempt that stopped before it acted is acted on when Stripe retries it: nothing lost', async () => {
  const { id, student, sessionId } = await pendingEnrollment();
  const eventId = `evt_${randomUUID()}`;
  // What a crash between recording the event and signalling the workflow leaves behind.
  await system.db.query(
    `INSERT INTO stripe_events (id, type, session_id, enrollment_id) VALUES ($1, 'checkout.session.completed', $2, $3)`,
    [eventId, sessionId, id],
  );
  const retried = await deliver(id, sessionId, eventId);
  expect(retried.status).toBe(200);
  expect(retried.body).toEqual(expect.objectContaining({ applied: true }));
  await waitForStatus(system, student.token, id, 'ready_to_launch');
  await eventually(async () => (await paymentRecords(id)).payments.length === 1, 'the accepted payment');
  expect(await paymentRecords(id)).toEqual({
    payments: [{ provider_ref: sessionId, status: 'accepted', reason: null, amount_cents: PRICE }],
    audits: [{ action: 'payment.confirm', session: sessionId }],
  });
  const { rows } = await system.db.query('SELECT state, outcome FROM stripe_events WHERE id = $1', [eventId]);
  expect(rows).toEqual([{ state: 'handled', outcome: 'applied' }]);
});
