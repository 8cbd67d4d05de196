import express, { Router } from 'express';
import Stripe from 'stripe';
import { handleStripeEvent } from './stripe-event';
import type { ApiDeps } from '../../api/deps';
import { STUDENT_ENROLLMENTS_PATH, studentEnrollmentUrl } from '../../lib/student-links';
import type { RenderPage } from '../../lib/web/pages';
import { parse, problems } from '../../api/problems';
import { webhookFailureRateLimit } from '../../api/rate-limit';
import { checkoutReturnQuery, stripeEventReceiptResponse } from './schemas';
import { html, json, text, type Operation } from '../../api/openapi-operation';

export function paymentRoutes(deps: ApiDeps, render: RenderPage): Router {
  const { config } = deps;
  const router = Router();

  /** Stripe's events, verified on the raw body; a paid Checkout Session confirms its enrollment's payment. */
  router.post(
    '/api/webhooks/stripe',
    webhookFailureRateLimit(deps),
    express.raw({ type: () => true, limit: '512kb' }),
    async (req, res) => {
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
      res.json(await handleStripeEvent(deps, event));
    },
  );

  /** Where the checkout sends the student back (Stripe's success and cancel URLs): on to their enrollment's page. */
  router.get('/checkout/return', (req, res) => {
    const { enrollmentId, result } = parse(checkoutReturnQuery, req.query, 'query');
    const paid = result === 'paid';
    const back = enrollmentId ? studentEnrollmentUrl(config.publicBaseUrl, enrollmentId) : STUDENT_ENROLLMENTS_PATH;
    render(req, res, 'public/checkout-return', {
      title: { id: paid ? 'public.checkout.paidTitle' : 'public.checkout.cancelled' },
      paid,
      back,
      backKey: enrollmentId ? 'public.checkout.back' : 'public.checkout.backAll',
    });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const paymentsOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/webhooks/stripe',
    operationId: 'stripeWebhook',
    tag: 'Payments',
    summary: 'Stripe events, signed',
    description: 'A paid `checkout.session.completed` confirms its enrollment’s payment when amount and currency match.',
    access: 'stripe',
    who: 'Stripe',
    requestBody: {
      required: true,
      description: 'The event exactly as Stripe signed it',
      content: { 'application/json': { schema: { type: 'object' } } },
    },
    responses: { 200: json('Received (applied or not)', stripeEventReceiptResponse) },
    problems: { 400: 'No Stripe-Signature, or one that does not match', 413: true, 429: 'Too many refused events', 503: 'Not configured' },
  },
  {
    method: 'get',
    path: '/checkout/return',
    operationId: 'checkoutReturn',
    tag: 'Payments',
    summary: 'Where the checkout sends the student back (HTML)',
    access: 'public',
    requestParams: { query: checkoutReturnQuery },
    responses: { 200: text('A page linking to the enrollment', 'text/html', html) },
    problems: { 400: true },
  },
];
