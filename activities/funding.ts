import { ApplicationFailure } from '@temporalio/common';
import type { PoolClient } from 'pg';
import { FailureType, type FundingSource } from '../workflows/messages';
import type { ActivityDeps } from './deps';

/** A registered voucher as the enrollment's opening sees it. */
export interface VoucherCandidate {
  id: string;
  number: string;
  program_id: string | null;
  amount_cents: number;
  currency: string;
  /** The last day it can open an enrollment (YYYY-MM-DD). */
  expires_on: string;
  /** The enrollment it funds now, if any (released ones do not count). */
  funds_enrollment_id: string | null;
}

/**
 * One answer for a voucher that is unknown, another student's or expired, so that nobody can probe which numbers
 * exist or whose they are.
 */
export const VOUCHER_UNUSABLE = 'no usable voucher with this number is registered for you';

export type VoucherChoice =
  { voucher: VoucherCandidate } | { problem: 'unusable' | 'used' | 'other_program' | 'currency'; message: string };

/**
 * Which of the student's vouchers with the typed number funds this enrollment: unexpired on the day it opens, for
 * this program (or any), in the program's currency, and not funding another enrollment. When none does, the reason
 * that is most useful to the student, and never one that tells about vouchers that are not theirs.
 */
export function chooseVoucher(candidates: VoucherCandidate[], want: { programId: string; currency: string; today: string }): VoucherChoice {
  const live = candidates.filter((v) => v.expires_on >= want.today);
  if (!live.length) return { problem: 'unusable', message: VOUCHER_UNUSABLE };
  const forProgram = live.filter((v) => v.program_id === null || v.program_id === want.programId);
  if (!forProgram.length) return { problem: 'other_program', message: `voucher ${live[0].number} funds another program` };
  const inCurrency = forProgram.filter((v) => v.currency === want.currency);
  if (!inCurrency.length) {
    return {
      problem: 'currency',
      message: `voucher ${forProgram[0].number} is in ${forProgram[0].currency}; the program is priced in ${want.currency}`,
    };
  }
  const free = inCurrency.find((v) => v.funds_enrollment_id === null);
  if (!free) return { problem: 'used', message: `voucher ${inCurrency[0].number} already funds an enrollment` };
  return { voucher: free };
}

/** What a voucher covers of a price, and what remains for the student to pay (the co-pay). */
export function fundingSplit(priceCents: number, voucherCents: number): { voucherCents: number; amountDueCents: number } {
  const covered = Math.min(priceCents, voucherCents);
  return { voucherCents: covered, amountDueCents: priceCents - covered };
}

/**
 * The student's voucher for a funded enrollment, or a non-retryable failure the API answers with 422 (unusable, no
 * oracle) or 409 (used). Matched by number, funding source and the student (their user id or their email).
 */
export async function voucherForEnrollment(
  client: PoolClient,
  r: { studentId: string; fundingSource: FundingSource; voucherNumber: string; programId: string; currency: string; today: string },
): Promise<VoucherCandidate> {
  const { rows } = await client.query<VoucherCandidate>(
    `SELECT v.id, v.number, v.program_id, v.amount_cents, v.currency, to_char(v.expires_on, 'YYYY-MM-DD') AS expires_on,
            (SELECT e.id FROM enrollments e WHERE e.voucher_id = v.id AND e.voucher_released_at IS NULL) AS funds_enrollment_id
       FROM vouchers v LEFT JOIN students s ON s.id = $3
      WHERE lower(v.number) = lower($1) AND v.funding_source = $2
        AND (v.student_id = $3 OR (v.student_email IS NOT NULL AND v.student_email = lower(s.email)))
      ORDER BY v.created_at, v.id`,
    [r.voucherNumber, r.fundingSource, r.studentId],
  );
  const choice = chooseVoucher(rows, r);
  if ('voucher' in choice) return choice.voucher;
  throw ApplicationFailure.nonRetryable(choice.message, choice.problem === 'used' ? FailureType.conflict : FailureType.voucherUnusable);
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
