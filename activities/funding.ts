import type { ActivityDeps } from './deps';

/** What a voucher covers of a price, and what remains for the student to pay (the co-pay). */
export function fundingSplit(priceCents: number, voucherCents: number): { voucherCents: number; amountDueCents: number } {
  const covered = Math.min(priceCents, voucherCents);
  return { voucherCents: covered, amountDueCents: priceCents - covered };
}

export function createFundingActivities({ db }: ActivityDeps) {
  return {
    /** Gives the voucher back (a withdrawal before launch, a co-pay never paid): it can fund another enrollment. */
    async releaseVoucher(r: { enrollmentId: string; at: string }): Promise<void> {
      await db.query(
        'UPDATE enrollments SET voucher_released_at = COALESCE(voucher_released_at, $2) WHERE id = $1 AND voucher_id IS NOT NULL',
        [r.enrollmentId, r.at],
      );
    },
  };
}
