import { FailureType, type FundingSource, OPEN_STATUSES, type Refusal } from '../workflows/messages';
import type { Queryable } from './webhook-outbox';

/*
 * The rules an enrollment's opening is refused by, in one place. The workflow's first activity applies them in the
 * transaction that writes the record, where the unique indexes settle any race (the authority); the API asks the same
 * queries first, read-only (openingRefusal), so bad input is answered before a workflow starts.
 */

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

/** What the unique indexes of `enrollments` refuse, by index: one open enrollment per student and program, one per voucher. */
export const UNIQUE_RULES: Record<string, string> = {
  enrollments_one_open_per_program_idx: 'you already have an open enrollment in this program',
  enrollments_one_per_voucher_idx: 'this voucher already funds an enrollment',
};

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

export interface VoucherRequest {
  studentId: string;
  fundingSource: FundingSource;
  voucherNumber: string;
  programId: string;
  currency: string;
  /** The day the enrollment opens (YYYY-MM-DD): the voucher must still be valid on it. */
  today: string;
}

/** The student's voucher for a funded enrollment, matched by number, funding source and the student (user id or email). */
export async function findVoucher(q: Queryable, r: VoucherRequest): Promise<VoucherChoice> {
  const { rows } = await q.query<VoucherCandidate>(
    `SELECT v.id, v.number, v.program_id, v.amount_cents, v.currency, to_char(v.expires_on, 'YYYY-MM-DD') AS expires_on,
            (SELECT e.id FROM enrollments e WHERE e.voucher_id = v.id AND e.voucher_released_at IS NULL) AS funds_enrollment_id
       FROM vouchers v LEFT JOIN students s ON s.id = $3
      WHERE lower(v.number) = lower($1) AND v.funding_source = $2
        AND (v.student_id = $3 OR (v.student_email IS NOT NULL AND v.student_email = lower(s.email)))
      ORDER BY v.created_at, v.id`,
    [r.voucherNumber, r.fundingSource, r.studentId],
  );
  return chooseVoucher(rows, r);
}

/** A voucher that cannot fund the enrollment: a used one is a conflict (409), any other unusable (422, no oracle). */
export const voucherRefusal = (choice: Extract<VoucherChoice, { problem: string }>): Refusal => ({
  type: choice.problem === 'used' ? FailureType.conflict : FailureType.voucherUnusable,
  message: choice.message,
});

/** The student's open enrollment in the program (at most one: a unique index), if any. */
export async function openEnrollmentIn(q: Queryable, r: { studentId: string; programId: string }): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    'SELECT id FROM enrollments WHERE student_id = $1 AND program_id = $2 AND status = ANY($3)',
    [r.studentId, r.programId, OPEN_STATUSES],
  );
  return rows[0]?.id;
}

/** A second open enrollment in the program; the first is named, so a student whose first answer was lost finds it. */
export const openEnrollmentConflict = (openId: string | undefined): Refusal => ({
  type: FailureType.conflict,
  message: `${UNIQUE_RULES.enrollments_one_open_per_program_idx}${openId ? `: ${openId}` : ''}`,
});

/**
 * Why this enrollment would be refused, asked read-only before its workflow starts, in the order the workflow's
 * activity refuses (the voucher, then the open enrollment); undefined when it may open. A create whose record exists
 * already (a retry with the same Idempotency-Key) is not judged here: its workflow answers from the record.
 */
export async function openingRefusal(
  q: Queryable,
  r: { enrollmentId: string; studentId: string; programId: string; fundingSource: FundingSource; voucherNumber?: string; currency: string },
): Promise<Refusal | undefined> {
  const today = new Date().toISOString().slice(0, 10);
  const [recorded, open, choice] = await Promise.all([
    q.query('SELECT 1 FROM enrollments WHERE id = $1', [r.enrollmentId]),
    openEnrollmentIn(q, r),
    r.fundingSource === 'self_pay' ? undefined : findVoucher(q, { ...r, voucherNumber: r.voucherNumber ?? '', today }),
  ]);
  if (recorded.rowCount) return undefined;
  if (choice && 'problem' in choice) return voucherRefusal(choice);
  return open ? openEnrollmentConflict(open) : undefined;
}
