import { VOUCHER_STATUS_SQL } from './queries';
import type { Db } from '../../db/pool';
import type { FundingSource } from '../../workflows/messages';

/** A voucher as its student sees it: what it is worth, for what, until when, and whether it can still be used. */
interface StudentVoucherRow {
  id: string;
  number: string;
  funding_source: Exclude<FundingSource, 'self_pay'>;
  amount_cents: number;
  currency: string;
  /** `YYYY-MM-DD`. */
  expires_on: string;
  program_id: string | null;
  program_title: string | null;
  enrollment_id: string | null;
  enrollment_program_title: string | null;
  status: 'used' | 'expired' | 'released' | 'issued';
}

/**
 * The vouchers issued to a student (by their user id, or their email: the rule the enrollment's voucher match uses,
 * db/opening-rules.ts), newest first, each with its status: `used` while one of the student's enrollments holds it,
 * `expired` past its last day, `released` when given back and still valid, `issued` otherwise. The student reads
 * their own record: no disclosure.
 */
export async function studentVouchers(db: Db, student: { id: string; email?: string | null }) {
  const { rows } = await db.query<StudentVoucherRow>(
    `SELECT v.id, v.number, v.funding_source, v.amount_cents, v.currency, to_char(v.expires_on, 'YYYY-MM-DD') AS expires_on,
            v.program_id, vp.title AS program_title, e.id AS enrollment_id, ep.title AS enrollment_program_title,
            ${VOUCHER_STATUS_SQL} AS status
       FROM vouchers v
       LEFT JOIN programs vp ON vp.id = v.program_id
       LEFT JOIN LATERAL (SELECT id, program_id, voucher_released_at FROM enrollments
                           WHERE voucher_id = v.id AND student_id = $1
                           ORDER BY voucher_released_at IS NULL DESC, created_at DESC LIMIT 1) e ON true
       LEFT JOIN programs ep ON ep.id = e.program_id
      WHERE v.student_id = $1 OR (v.student_email IS NOT NULL AND v.student_email = lower($2))
      ORDER BY v.created_at DESC, v.id
      LIMIT 200`,
    [student.id, student.email ?? null],
  );
  return rows.map((v) => ({
    id: v.id,
    number: v.number,
    fundingSource: v.funding_source,
    amountCents: v.amount_cents,
    currency: v.currency,
    expiresOn: v.expires_on,
    programId: v.program_id,
    programTitle: v.program_title,
    status: v.status,
    /** The student's enrollment it funds, while it does. */
    enrollment: v.status === 'used' && v.enrollment_id ? { id: v.enrollment_id, programTitle: v.enrollment_program_title ?? '' } : null,
  }));
}
