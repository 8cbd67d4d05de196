import { Router } from 'express';
import type { ApiDeps } from '../api/deps';
import { escapeHtml, page } from '../api/html';
import { parse, problems } from '../api/problems';
import { audit } from '../core/audit';
import { findEnrollment } from '../capabilities/enrollments/queries';
import { idParam } from '../core/schemas';

/** The local checkout used when no Stripe key is configured; never in production (see `demoRoutes`). */
export function simulatedCheckoutRoutes({ db, enrollments }: ApiDeps): Router {
  const router = Router();

  router.get('/checkout/simulated/:enrollmentId', async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const e = await findEnrollment(db, enrollmentId);
    if (!e) throw problems.notFound(`enrollment ${enrollmentId}`);
    const amount = `${(e.price_cents / 100).toFixed(2)} ${e.currency.toUpperCase()}`;
    res.type('html').send(
      page(
        'Simulated checkout',
        `
      <p class="banner">SIMULATED CHECKOUT: no Stripe key is configured, so no money moves. This page stands in for Stripe Checkout.</p>
      <div class="card"><p>Enrollment <code>${escapeHtml(e.id)}</code></p><p>Amount due: <strong>${escapeHtml(amount)}</strong></p>
      <p>Status: ${escapeHtml(e.status)}</p>
      ${e.status === 'pending_payment' ? `<form method="post" action="/checkout/simulated/${escapeHtml(e.id)}/pay"><button type="submit">Pay ${escapeHtml(amount)} (simulated)</button></form>` : ''}
      </div>`,
      ),
    );
  });

  router.post('/checkout/simulated/:enrollmentId/pay', async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const e = await findEnrollment(db, enrollmentId);
    if (!e) throw problems.notFound(`enrollment ${enrollmentId}`);
    if (e.status !== 'pending_payment') throw problems.conflict(`the enrollment is ${e.status}, not waiting for payment`);
    await enrollments.confirmPayment(e.id, {
      provider: 'simulated',
      providerRef: `simulated_${e.id}`,
      amountCents: e.price_cents,
      currency: e.currency,
      paidAt: new Date().toISOString(),
    });
    await audit(db, { id: 'simulated-checkout', role: 'simulated' }, 'payment.confirm', { type: 'enrollment', id: e.id });
    if (req.accepts(['html', 'json']) === 'json') return res.status(202).json({ enrollmentId: e.id, paid: true, simulated: true });
    res.redirect(303, `/checkout/return?enrollmentId=${e.id}&result=paid`);
  });

  return router;
}
