import type { ActivityDeps } from './deps';
import { loadEnrollmentContext } from './deps';

export interface PaymentRecord {
  enrollmentId: string;
  provider: string;
  providerRef: string;
  amountCents: number;
  currency: string;
  paidAt: string;
  status: 'accepted' | 'rejected';
  reason?: string;
  voucherNumber?: string;
}

/**
 * Keeps one payment, once per provider and provider ref; true when this call wrote it. The workflow's activity and the
 * Stripe webhook (for a payment to an enrollment whose workflow has ended) both write through this.
 */
export async function insertPayment(db: ActivityDeps['db'], p: PaymentRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO payments (enrollment_id, provider, provider_ref, amount_cents, currency, status, reason, paid_at, voucher_number)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider, provider_ref) DO NOTHING`,
    [p.enrollmentId, p.provider, p.providerRef, p.amountCents, p.currency, p.status, p.reason ?? null, p.paidAt, p.voucherNumber ?? null],
  );
  return rowCount === 1;
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
     * Refunds a withdrawn enrollment's accepted payment, once: the provider's idempotency key covers a retry
     * before the row is written, the row every retry after. Voucher and sponsor funds are returned to the funder,
     * which the row records.
     */
    async refundPayment(r: { enrollmentId: string; amountCents: number; reason?: string }) {
      const existing = await db.query('SELECT provider_ref, amount_cents FROM refunds WHERE enrollment_id = $1', [r.enrollmentId]);
      if (existing.rowCount) return { refundRef: existing.rows[0].provider_ref as string | null, amountCents: existing.rows[0].amount_cents as number };
      const { rows: [paid] } = await db.query(
        `SELECT provider, provider_ref, currency FROM payments WHERE enrollment_id = $1 AND status = 'accepted'`, [r.enrollmentId]);
      if (!paid) throw new Error(`enrollment ${r.enrollmentId} has no accepted payment to refund`);
      const refundRef = CHECKOUT_PROVIDERS.has(paid.provider) && r.amountCents > 0
        ? (await payments.refund({ enrollmentId: r.enrollmentId, providerRef: paid.provider_ref, amountCents: r.amountCents })).refundRef
        : null;
      await db.query(
        `INSERT INTO refunds (enrollment_id, provider, provider_ref, amount_cents, currency, reason)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, paid.provider, refundRef, r.amountCents, paid.currency, r.reason ?? null],
      );
      return { refundRef, amountCents: r.amountCents };
    },
  };
}
