import Stripe from 'stripe';
import { boundedFetch } from '../lib/bounded-fetch';

export interface CheckoutRequest {
  enrollmentId: string;
  amountCents: number;
  currency: string;
  description: string;
  successUrl: string;
  cancelUrl: string;
  /** When the checkout stops accepting payment (the enrollment's payment window). */
  expiresAt: Date;
}

export interface Checkout {
  providerRef: string;
  checkoutUrl: string;
}

export interface RefundRequest {
  enrollmentId: string;
  /** The checkout the payment came from. */
  providerRef: string;
  amountCents: number;
}

export type TransferParty = 'holder' | 'partner';

/** A party's share of an enrollment, paid to its Stripe Connect account (separate charges and transfers). */
export interface TransferRequest {
  enrollmentId: string;
  party: TransferParty;
  partyId: string;
  /** The connected account, `acct_…`. */
  destination: string;
  amountCents: number;
  currency: string;
}

export interface TransferReversalRequest {
  enrollmentId: string;
  party: TransferParty;
  transferId: string;
  amountCents: number;
}

/** Takes a student's payment for an enrollment. Confirmation comes back separately (webhook or simulated page). */
export interface PaymentProvider {
  readonly name: 'stripe' | 'simulated';
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Returns money to the student, at most once per enrollment. */
  refund(request: RefundRequest): Promise<{ refundRef: string }>;
  /**
   * Pays a party's share to its connected account, at most once per enrollment and party (idempotency key
   * `transfer:<enrollmentId>:<party>`). Null when the provider cannot transfer (simulated): nothing was paid.
   */
  createTransfer(request: TransferRequest): Promise<{ transferId: string } | null>;
  /** Takes a transfer back (on refund), once per enrollment and party. Null when the provider cannot (simulated). */
  reverseTransfer(request: TransferReversalRequest): Promise<{ reversalId: string } | null>;
}

export interface StripeSettings {
  secretKey: string;
  /** Points the client at a stand-in on loopback (tests, benchmarks). */
  apiBase?: string;
  /** The most of one answer that is read (STRIPE_RESPONSE_MAX_BYTES). */
  maxAnswerBytes?: number;
}

export function createStripeClient({ secretKey, apiBase, maxAnswerBytes = 2 * 1024 * 1024 }: StripeSettings): Stripe {
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(secretKey, {
    httpClient: Stripe.createFetchHttpClient(boundedFetch(maxAnswerBytes)),
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    ...(base && { host: base.hostname, port: base.port || undefined, protocol: base.protocol.replace(':', '') as 'http' | 'https' }),
  });
}

// Stripe keeps a Checkout Session open for at most 24 hours and at least 30 minutes.
const STRIPE_MIN_EXPIRY_MS = 31 * 60_000;
const STRIPE_MAX_EXPIRY_MS = 23.5 * 3_600_000;

/** Stripe Checkout: one Session per enrollment, made at most once thanks to the idempotency key. */
export function createStripePaymentProvider(stripe: Stripe): PaymentProvider {
  return {
    name: 'stripe',
    async createCheckout(r) {
      const ms = Math.min(Math.max(r.expiresAt.getTime() - Date.now(), STRIPE_MIN_EXPIRY_MS), STRIPE_MAX_EXPIRY_MS);
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: r.enrollmentId,
          metadata: { enrollmentId: r.enrollmentId },
          line_items: [
            { quantity: 1, price_data: { currency: r.currency, unit_amount: r.amountCents, product_data: { name: r.description } } },
          ],
          success_url: r.successUrl,
          cancel_url: r.cancelUrl,
          expires_at: Math.floor((Date.now() + ms) / 1000),
        },
        { idempotencyKey: `checkout-session:${r.enrollmentId}` },
      );
      if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL`);
      return { providerRef: session.id, checkoutUrl: session.url };
    },
    async refund(r) {
      const session = await stripe.checkout.sessions.retrieve(r.providerRef);
      const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
      if (!paymentIntent) throw new Error(`Checkout Session ${r.providerRef} has no payment to refund`);
      const refund = await stripe.refunds.create(
        { payment_intent: paymentIntent, amount: r.amountCents, metadata: { enrollmentId: r.enrollmentId } },
        { idempotencyKey: `refund:${r.enrollmentId}` },
      );
      return { refundRef: refund.id };
    },
    async createTransfer(r) {
      const transfer = await stripe.transfers.create(
        {
          amount: r.amountCents,
          currency: r.currency,
          destination: r.destination,
          transfer_group: r.enrollmentId,
          metadata: { enrollmentId: r.enrollmentId, party: r.party, partyId: r.partyId },
        },
        { idempotencyKey: `transfer:${r.enrollmentId}:${r.party}` },
      );
      return { transferId: transfer.id };
    },
    async reverseTransfer(r) {
      const reversal = await stripe.transfers.createReversal(
        r.transferId,
        { amount: r.amountCents, metadata: { enrollmentId: r.enrollmentId, party: r.party } },
        { idempotencyKey: `transfer-reversal:${r.enrollmentId}:${r.party}` },
      );
      return { reversalId: reversal.id };
    },
  };
}

/** With no Stripe key: a local page, clearly labelled as simulated, whose button confirms the payment. */
export function createSimulatedPaymentProvider(publicBaseUrl: string): PaymentProvider {
  return {
    name: 'simulated',
    createCheckout(r) {
      return Promise.resolve({
        providerRef: `simulated_${r.enrollmentId}`,
        checkoutUrl: `${publicBaseUrl}/checkout/simulated/${r.enrollmentId}`,
      });
    },
    refund(r) {
      return Promise.resolve({ refundRef: `simulated_refund_${r.enrollmentId}` });
    },
    // The simulated checkout moves no money, so there is nothing to pay out or take back.
    createTransfer() {
      return Promise.resolve(null);
    },
    reverseTransfer() {
      return Promise.resolve(null);
    },
  };
}
