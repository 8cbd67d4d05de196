import { insertPayment, type PaymentRecord } from '../db/records';
import type { ActivityDeps } from './deps';
import { loadEnrollmentContext } from './deps';

/** An accepted payment of an enrollment, and its refund when one was recorded. */
interface RefundablePaymentRow {
  provider: string;
  provider_ref: string;
  currency: string;
  /** The provider's refund id; null when no money moved (a voucher's refund) or before the refund. */
  refund_ref: string | null;
  /** Null until the payment's refund is recorded. */
  refunded_cents: number | null;
}

export function createPaymentActivities({ db, payments, publicBaseUrl }: ActivityDeps) {
  const CHECKOUT_PROVIDERS = new Set(['stripe', 'simulated']);
  return {
    /** Opens the provider's checkout for the enrollment; the provider's idempotency key makes retries return the same one. */
    async openCheckout(r: { enrollmentId: string; amountCents: number; currency: string; expiresAt: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const back = `${publicBaseUrl}/checkout/return?enrollmentId=${r.enrollmentId}`;
      return payments.createCheckout({
        enrollmentId: r.enrollmentId,
        amountCents: r.amountCents,
        currency: r.currency,
        description: ctx.programTitle,
        successUrl: `${back}&result=paid`,
        cancelUrl: `${back}&result=cancelled`,
        expiresAt: new Date(r.expiresAt),
      });
    },

    /** Keeps every payment the workflow saw: the accepted one, and rejected ones (wrong amount, too late) for refunds. */
    async recordPayment(p: PaymentRecord): Promise<void> {
      await insertPayment(db, p);
    },

    /**
     * Refunds a withdrawn enrollment's accepted payments, once each: the provider's idempotency key covers a retry
     * before a row is written, the row every retry after. `amountCents` is the whole refund; `voucherCents` the part of
     * it that goes back to the voucher's funder (recorded; no money moves), the rest goes back to the student's card.
     */
    async refundPayment(r: { enrollmentId: string; amountCents: number; voucherCents?: number; reason?: string }) {
      const { rows: paid } = await db.query<RefundablePaymentRow>(
        `SELECT p.provider, p.provider_ref, p.currency, f.provider_ref AS refund_ref, f.amount_cents AS refunded_cents
           FROM payments p LEFT JOIN refunds f ON f.enrollment_id = p.enrollment_id AND f.provider = p.provider
          WHERE p.enrollment_id = $1 AND p.status = 'accepted' ORDER BY p.created_at`,
        [r.enrollmentId],
      );
      if (!paid.length) throw new Error(`enrollment ${r.enrollmentId} has no accepted payment to refund`);
      const byCheckout = paid.some((p) => CHECKOUT_PROVIDERS.has(p.provider));
      const voucherCents = r.voucherCents ?? (byCheckout ? 0 : r.amountCents);
      let refundRef: string | null = null;
      for (const p of paid) {
        const card = CHECKOUT_PROVIDERS.has(p.provider);
        const amountCents = card ? r.amountCents - voucherCents : voucherCents;
        let ref = p.refund_ref;
        if (p.refunded_cents === null) {
          ref =
            card && amountCents > 0
              ? (await payments.refund({ enrollmentId: r.enrollmentId, providerRef: p.provider_ref, amountCents })).refundRef
              : null;
          await db.query(
            `INSERT INTO refunds (enrollment_id, provider, provider_ref, amount_cents, currency, reason)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id, provider) DO NOTHING`,
            [r.enrollmentId, p.provider, ref, amountCents, p.currency, r.reason ?? null],
          );
        }
        if (card) refundRef = ref;
      }
      return { refundRef, amountCents: r.amountCents };
    },
  };
}
