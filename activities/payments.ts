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

export function createPaymentActivities({ db, payments, publicBaseUrl }: ActivityDeps) {
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
      await db.query(
        `INSERT INTO payments (enrollment_id, provider, provider_ref, amount_cents, currency, status, reason, paid_at, voucher_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider, provider_ref) DO NOTHING`,
        [p.enrollmentId, p.provider, p.providerRef, p.amountCents, p.currency, p.status, p.reason ?? null, p.paidAt, p.voucherNumber ?? null],
      );
    },
  };
}
