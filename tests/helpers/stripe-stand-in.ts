import http from 'node:http';
import Stripe from 'stripe';
import { listenOnFreePort } from './ports';

export interface RecordedSession {
  id: string;
  idempotencyKey?: string;
  params: URLSearchParams;
}

export interface RecordedTransfer {
  id: string;
  idempotencyKey?: string;
  amount: number;
  currency: string | null;
  destination: string | null;
  transferGroup: string | null;
  metadata: Record<string, string>;
}

export interface RecordedTransferReversal {
  id: string;
  idempotencyKey?: string;
  transferId: string;
  amount: number;
}

/**
 * A Stripe stand-in on loopback: the real `stripe` client talks to it over HTTP (STRIPE_API_BASE). It answers
 * Checkout Session creation like Stripe, replaying the first answer for a repeated Idempotency-Key.
 */
export async function startStripeStandIn() {
  const sessions: RecordedSession[] = [];
  const byKey = new Map<string, string>();
  /** Refunds made, one per idempotency key, as Stripe keeps them. */
  const refunds: { id: string; idempotencyKey?: string; paymentIntent: string | null; amount: number }[] = [];
  /** Transfers made (Connect), one per idempotency key, as Stripe keeps them. */
  const transfers: RecordedTransfer[] = [];
  /** Transfer reversals made, one per idempotency key. */
  const transferReversals: RecordedTransferReversal[] = [];
  /** Every request that reached the stand-in (replays included), with its Idempotency-Key. */
  const calls: { method: string; path: string; idempotencyKey?: string }[] = [];
  const state = { down: false, requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    if (state.down) {
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { type: 'api_error', message: 'stand-in is down' } }));
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const key = req.headers['idempotency-key'] as string | undefined;
      calls.push({ method: req.method ?? '', path: req.url ?? '', idempotencyKey: key });
      if (req.method === 'POST' && req.url === '/v1/transfers') {
        const params = new URLSearchParams(body);
        const earlier = transfers.find((t) => key && t.idempotencyKey === key);
        const transfer: RecordedTransfer = earlier ?? {
          id: `tr_${transfers.length + 1}_${Date.now()}`,
          idempotencyKey: key,
          amount: Number(params.get('amount')),
          currency: params.get('currency'),
          destination: params.get('destination'),
          transferGroup: params.get('transfer_group'),
          metadata: Object.fromEntries([...params].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v])),
        };
        if (!earlier) transfers.push(transfer);
        res.writeHead(200, { 'content-type': 'application/json', ...(earlier && { 'idempotent-replayed': 'true' }) }).end(
          JSON.stringify({
            id: transfer.id,
            object: 'transfer',
            amount: transfer.amount,
            currency: transfer.currency,
            destination: transfer.destination,
            transfer_group: transfer.transferGroup,
            metadata: transfer.metadata,
            reversed: false,
            amount_reversed: 0,
          }),
        );
        return;
      }
      const reversalMatch = req.method === 'POST' && /^\/v1\/transfers\/([\w-]+)\/reversals$/.exec(req.url ?? '');
      if (reversalMatch) {
        const transfer = transfers.find((t) => t.id === reversalMatch[1]);
        if (!transfer) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { type: 'invalid_request_error', message: `No such transfer: ${reversalMatch[1]}` } }));
          return;
        }
        const params = new URLSearchParams(body);
        const earlier = transferReversals.find((r) => key && r.idempotencyKey === key);
        const reversal: RecordedTransferReversal = earlier ?? {
          id: `trr_${transferReversals.length + 1}_${Date.now()}`,
          idempotencyKey: key,
          transferId: transfer.id,
          amount: params.has('amount') ? Number(params.get('amount')) : transfer.amount,
        };
        if (!earlier) transferReversals.push(reversal);
        res.writeHead(200, { 'content-type': 'application/json', ...(earlier && { 'idempotent-replayed': 'true' }) }).end(
          JSON.stringify({
            id: reversal.id,
            object: 'transfer_reversal',
            amount: reversal.amount,
            currency: transfer.currency,
            transfer: transfer.id,
          }),
        );
        return;
      }
      const sessionMatch = req.method === 'GET' && /^\/v1\/checkout\/sessions\/([\w-]+)/.exec(req.url ?? '');
      if (sessionMatch) {
        const session = sessions.find((x) => x.id === sessionMatch[1]);
        res.writeHead(session ? 200 : 404, { 'content-type': 'application/json' }).end(
          JSON.stringify(
            session
              ? {
                  id: session.id,
                  object: 'checkout.session',
                  payment_intent: `pi_${session.id}`,
                  client_reference_id: session.params.get('client_reference_id'),
                }
              : { error: { type: 'invalid_request_error', message: `No such checkout.session: ${sessionMatch[1]}` } },
          ),
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/refunds') {
        const earlier = refunds.find((r) => key && r.idempotencyKey === key);
        const params = new URLSearchParams(body);
        const refund = earlier ?? {
          id: `re_${refunds.length + 1}`,
          idempotencyKey: key,
          paymentIntent: params.get('payment_intent'),
          amount: Number(params.get('amount')),
        };
        if (!earlier) refunds.push(refund);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: refund.id,
            object: 'refund',
            amount: refund.amount,
            payment_intent: refund.paymentIntent,
            status: 'succeeded',
          }),
        );
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/checkout/sessions') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no stand-in for ${req.method} ${req.url}` } }));
        return;
      }
      const replay = key && byKey.get(key);
      if (replay) {
        res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }).end(replay);
        return;
      }
      const params = new URLSearchParams(body);
      const id = `cs_test_${sessions.length + 1}_${Date.now()}`;
      sessions.push({ id, idempotencyKey: key, params });
      const json = JSON.stringify({
        id,
        object: 'checkout.session',
        mode: 'payment',
        status: 'open',
        payment_status: 'unpaid',
        client_reference_id: params.get('client_reference_id'),
        metadata: { enrollmentId: params.get('metadata[enrollmentId]') },
        amount_total: Number(params.get('line_items[0][price_data][unit_amount]')),
        currency: params.get('line_items[0][price_data][currency]'),
        url: `https://checkout.stripe.test/c/pay/${id}`,
      });
      if (key) byKey.set(key, json);
      res.writeHead(200, { 'content-type': 'application/json' }).end(json);
    });
  });
  const port = await listenOnFreePort(server);
  return {
    apiBase: `http://127.0.0.1:${port}`,
    sessions,
    refunds,
    transfers,
    transferReversals,
    calls,
    /** While down, every request is answered 503, as during a Stripe outage. */
    setDown: (down: boolean) => void (state.down = down),
    requestCount: () => state.requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A `checkout.session.completed` event for a session, signed the way Stripe signs webhooks. `event` gives another
 * event id or type (Stripe sends checkout.session.async_payment_succeeded for the same session under a new id).
 */
export function signedCheckoutCompleted(
  secret: string,
  session: { id: string; enrollmentId: string; amountTotal: number; currency: string },
  event: { id?: string; type?: string } = {},
) {
  const payload = JSON.stringify({
    id: event.id ?? `evt_${session.id}`,
    object: 'event',
    type: event.type ?? 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: session.id,
        object: 'checkout.session',
        payment_status: 'paid',
        status: 'complete',
        client_reference_id: session.enrollmentId,
        metadata: { enrollmentId: session.enrollmentId },
        amount_total: session.amountTotal,
        currency: session.currency,
      },
    },
  });
  const signature = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret });
  return { payload, signature };
}

/** The request options that deliver a signed event to `POST /api/webhooks/stripe` as Stripe does. */
export function webhookDelivery({ payload, signature }: { payload: string; signature: string }) {
  return { body: payload, headers: { 'stripe-signature': signature, 'content-type': 'application/json' } };
}
