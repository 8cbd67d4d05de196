import type Stripe from 'stripe';
import type { Db } from '../../db/pool';
import { insertPayment } from '../../db/records';
import type { EnrollmentClient } from '../../core/enrollment-client';
import { Refusal, refuse } from '../../core/refusals';
import { enrollmentStatus } from '../completion/queries';
import { audit } from '../../core/audit';
import { findEnrollment } from './queries';
import { acceptedStripeSession, stripeEventState } from './payments';
import { id } from '../../core/schemas';

const PAID_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
const STRIPE_ACTOR = { id: 'stripe', role: 'webhook' };

type Handled = { received: true; applied: boolean; reason?: string; check?: string };
const ignored = (reason: string): Handled => ({ received: true, applied: false, reason });

/**
 * A verified Stripe event: a paid Checkout Session confirms its enrollment's payment. Anything Stripe should not
 * retry (not ours, not paid, seen before) is answered, not thrown: Stripe retries anything but a 2xx.
 */
export async function handleStripeEvent(
  { db, enrollments }: { db: Db; enrollments: EnrollmentClient },
  event: Stripe.Event,
): Promise<Handled> {
  if (!PAID_EVENTS.has(event.type)) return ignored(`${event.type} is not handled`);
  const session = event.data?.object as Stripe.Checkout.Session | undefined;
  if (!session || typeof session !== 'object') throw refuse.invalid(`event ${event.id} carries no Checkout Session`);
  if (session.payment_status !== 'paid') return ignored('the session is not paid yet');
  const enrollmentId = id.safeParse(session.client_reference_id ?? session.metadata?.enrollmentId);
  const enrollment = enrollmentId.success ? await findEnrollment(db, enrollmentId.data) : undefined;
  if (!enrollment) {
    console.warn(`[api] Stripe event ${event.id}: session ${session.id} names no known enrollment`);
    return ignored('no such enrollment');
  }

  // Each event is acted on once: recorded `received` before acting, `handled` after. A crash in between leaves it
  // `received`, and Stripe's retry acts again, which is safe (see db/migrations/011_stripe_events.sql).
  await db.query('INSERT INTO stripe_events (id, type, session_id, enrollment_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
    event.id,
    event.type,
    session.id,
    enrollment.id,
  ]);
  if ((await stripeEventState(db, event.id)) === 'handled') return ignored(`event ${event.id} was handled already`);
  /** Marks the event handled; true for the one request that did (so its audit row is written once). */
  const handled = async (outcome: 'applied' | 'same_payment' | 'rejected') =>
    (
      await db.query(`UPDATE stripe_events SET state = 'handled', outcome = $2, handled_at = now() WHERE id = $1 AND state = 'received'`, [
        event.id,
        outcome,
      ])
    ).rowCount === 1;

  // One session paid is one payment, whichever event says so (Stripe sends checkout.session.completed and later
  // checkout.session.async_payment_succeeded for the same session, under different event ids).
  if ((await acceptedStripeSession(db, enrollment.id)) === session.id) {
    await handled('same_payment');
    return ignored(`session ${session.id} is this enrollment's payment already`);
  }
  const payment = {
    provider: 'stripe' as const,
    providerRef: session.id,
    amountCents: session.amount_total ?? 0,
    currency: session.currency ?? '',
    paidAt: new Date(event.created * 1000).toISOString(),
  };
  try {
    await enrollments.confirmPayment(enrollment.id, payment);
  } catch (err) {
    if (!(err instanceof Refusal && err.kind === 'conflict')) throw err;
    // The workflow has ended, so it cannot keep this payment for a refund as it does while it runs: kept here,
    // through the same function its activity uses, once per session.
    const ended = await enrollmentStatus(db, enrollment.id);
    const kept = await insertPayment(db, {
      enrollmentId: enrollment.id,
      ...payment,
      status: 'rejected',
      reason: `payment arrived after the enrollment was ${ended ?? 'closed'}`,
    });
    if ((await handled('rejected')) && kept) {
      await audit(
        db,
        STRIPE_ACTOR,
        'payment.after_close',
        { type: 'enrollment', id: enrollment.id },
        { eventId: event.id, sessionId: session.id, amountTotal: session.amount_total },
      );
    }
    return ignored('the enrollment no longer takes payments; kept as a rejected payment for refund');
  }
  if (await handled('applied')) {
    await audit(
      db,
      STRIPE_ACTOR,
      'payment.confirm',
      { type: 'enrollment', id: enrollment.id },
      { eventId: event.id, sessionId: session.id },
    );
  }
  // The workflow checks the amount and currency against the price: a mismatch is kept as a rejected payment.
  return { received: true, applied: true, check: 'the enrollment accepts it when amount and currency match its price' };
}
