import express, { Router } from 'express';
import Stripe from 'stripe';
import { insertPayment } from '../../activities/payments';
import type { ApiDeps } from '../deps';
import { escapeHtml, page } from '../html';
import { HttpProblem, parse, problems } from '../problems';
import { audit, findEnrollment } from '../read-model/enrollments';
import { webhookFailureRateLimit } from '../rate-limit';
import { id, idParam } from '../schemas';

const PAID_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
const STRIPE_ACTOR = { id: 'stripe', role: 'webhook' };

export function paymentRoutes({ db, enrollments, config }: ApiDeps): Router {
  const router = Router();

  /** Stripe's events, verified on the raw body; a paid Checkout Session confirms its enrollment's payment. */
  router.post('/api/webhooks/stripe', webhookFailureRateLimit({ config, db }), express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const secret = config.stripe.webhookSecret;
    if (!secret) throw problems.unavailable('Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)');
    const signature = req.get('stripe-signature');
    if (!signature) throw problems.badRequest('the Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), signature, secret);
    } catch {
      throw problems.badRequest('the Stripe signature does not match this body');
    }
    if (!PAID_EVENTS.has(event.type)) return res.json({ received: true, applied: false, reason: `${event.type} is not handled` });
    const session = event.data?.object as Stripe.Checkout.Session | undefined;
    if (!session || typeof session !== 'object') throw problems.badRequest(`event ${event.id} carries no Checkout Session`);
    if (session.payment_status !== 'paid') return res.json({ received: true, applied: false, reason: 'the session is not paid yet' });
    const enrollmentId = id.safeParse(session.client_reference_id ?? session.metadata?.enrollmentId);
    const enrollment = enrollmentId.success ? await findEnrollment(db, enrollmentId.data) : undefined;
    // Stripe retries anything but a 2xx; an event that is not ours is acknowledged, logged and left alone.
    if (!enrollment) {
      console.warn(`[api] Stripe event ${event.id}: session ${session.id} names no known enrollment`);
      return res.json({ received: true, applied: false, reason: 'no such enrollment' });
    }

    // Each event is acted on once: recorded `received` before acting, `handled` after. A crash in between leaves it
    // `received`, and Stripe's retry acts again, which is safe (see db/migrations/011_stripe_events.sql).
    await db.query('INSERT INTO stripe_events (id, type, session_id, enrollment_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
      [event.id, event.type, session.id, enrollment.id]);
    const { rows: [seen] } = await db.query('SELECT state FROM stripe_events WHERE id = $1', [event.id]);
    if (seen?.state === 'handled') return res.json({ received: true, applied: false, reason: `event ${event.id} was handled already` });
    /** Marks the event handled; true for the one request that did (so its audit row is written once). */
    const handled = async (outcome: 'applied' | 'same_payment' | 'rejected') => (await db.query(
      `UPDATE stripe_events SET state = 'handled', outcome = $2, handled_at = now() WHERE id = $1 AND state = 'received'`,
      [event.id, outcome])).rowCount === 1;

    // One session paid is one payment, whichever event says so (Stripe sends checkout.session.completed and later
    // checkout.session.async_payment_succeeded for the same session, under different event ids).
    const { rows: [accepted] } = await db.query(`SELECT provider_ref FROM payments WHERE enrollment_id = $1 AND status = 'accepted' AND provider = 'stripe'`, [enrollment.id]);
    if (accepted?.provider_ref === session.id) {
      await handled('same_payment');
      return res.json({ received: true, applied: false, reason: `session ${session.id} is this enrollment's payment already` });
    }
    const payment = {
      provider: 'stripe' as const, providerRef: session.id, amountCents: session.amount_total ?? 0,
      currency: session.currency ?? '', paidAt: new Date(event.created * 1000).toISOString(),
    };
    try {
      await enrollments.confirmPayment(enrollment.id, payment);
    } catch (err) {
      if (!(err instanceof HttpProblem && err.status === 409)) throw err;
      // The workflow has ended, so it cannot keep this payment for a refund as it does while it runs: kept here,
      // through the same function its activity uses, once per session.
      const { rows: [ended] } = await db.query('SELECT status FROM enrollments WHERE id = $1', [enrollment.id]);
      const kept = await insertPayment(db, { enrollmentId: enrollment.id, ...payment, status: 'rejected', reason: `payment arrived after the enrollment was ${ended?.status ?? 'closed'}` });
      if ((await handled('rejected')) && kept) {
        await audit(db, STRIPE_ACTOR, 'payment.after_close', { type: 'enrollment', id: enrollment.id }, { eventId: event.id, sessionId: session.id, amountTotal: session.amount_total });
      }
      return res.json({ received: true, applied: false, reason: 'the enrollment no longer takes payments; kept as a rejected payment for refund' });
    }
    if (await handled('applied')) {
      await audit(db, STRIPE_ACTOR, 'payment.confirm', { type: 'enrollment', id: enrollment.id }, { eventId: event.id, sessionId: session.id });
    }
    // The workflow checks the amount and currency against the price: a mismatch is kept as a rejected payment.
    res.json({ received: true, applied: true, check: 'the enrollment accepts it when amount and currency match its price' });
  });

  router.get('/checkout/return', (req, res) => {
    const paid = req.query.result === 'paid';
    res.type('html').send(page(paid ? 'Payment received' : 'Payment cancelled', `<div class="card"><h1>${paid ? 'Thank you, your payment is on its way' : 'Payment cancelled'}</h1>
      <p>${paid ? 'Your enrollment moves on as soon as the payment is confirmed. You can then launch your course.' : 'You can pay later from your enrollment.'}</p></div>`));
  });

  return router;
}

/** The local checkout used when no Stripe key is configured; a demo route (see `demoRoutes`), never in production. */
export function simulatedCheckoutRoutes({ db, enrollments }: ApiDeps): Router {
  const router = Router();

  router.get('/checkout/simulated/:enrollmentId', async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const e = await findEnrollment(db, enrollmentId);
    if (!e) throw problems.notFound(`enrollment ${enrollmentId}`);
    const amount = `${(e.price_cents / 100).toFixed(2)} ${e.currency.toUpperCase()}`;
    res.type('html').send(page('Simulated checkout', `
      <p class="banner">SIMULATED CHECKOUT: no Stripe key is configured, so no money moves. This page stands in for Stripe Checkout.</p>
      <div class="card"><p>Enrollment <code>${escapeHtml(e.id)}</code></p><p>Amount due: <strong>${escapeHtml(amount)}</strong></p>
      <p>Status: ${escapeHtml(e.status)}</p>
      ${e.status === 'pending_payment' ? `<form method="post" action="/checkout/simulated/${escapeHtml(e.id)}/pay"><button type="submit">Pay ${escapeHtml(amount)} (simulated)</button></form>` : ''}
      </div>`));
  });

  router.post('/checkout/simulated/:enrollmentId/pay', async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const e = await findEnrollment(db, enrollmentId);
    if (!e) throw problems.notFound(`enrollment ${enrollmentId}`);
    if (e.status !== 'pending_payment') throw problems.conflict(`the enrollment is ${e.status}, not waiting for payment`);
    await enrollments.confirmPayment(e.id, {
      provider: 'simulated', providerRef: `simulated_${e.id}`, amountCents: e.price_cents, currency: e.currency, paidAt: new Date().toISOString(),
    });
    await audit(db, { id: 'simulated-checkout', role: 'simulated' }, 'payment.confirm', { type: 'enrollment', id: e.id });
    if (req.accepts(['html', 'json']) === 'json') return res.status(202).json({ enrollmentId: e.id, paid: true, simulated: true });
    res.redirect(303, `/checkout/return?enrollmentId=${e.id}&result=paid`);
  });

  return router;
}
