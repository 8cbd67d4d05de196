/** What funders see: their vouchers and the enrollments those fund. */
import { distinctValues } from '../../db/distinct-values';
import type { Db } from '../../db/pool';
import { day, iso } from '../../lib/dates';
import type { EnrollmentStatus, FundingSource } from '../../workflows/messages';
import type { Actor } from '../../core/actor';
import { type EnrollmentMilestoneRows, milestonesView } from '../enrollments/queries';

/** The organization whose records a caller sees: a funder's own; an admin's choice, or all (undefined). */
export function visibleOrganization(actor: Actor, requested: string | undefined): string | undefined {
  return actor.role === 'funder' ? actor.organizationId : requested;
}

/** A voucher with the status its enrollments give it, and the newest enrollment that used it. */
interface VoucherRow {
  id: string;
  organization_id: string;
  number: string;
  funding_source: Exclude<FundingSource, 'self_pay'>;
  student_id: string | null;
  student_email: string | null;
  amount_cents: number;
  currency: string;
  /** `YYYY-MM-DD`. */
  expires_on: string;
  program_id: string | null;
  program_title: string | null;
  created_at: Date;
  enrollment_id: string | null;
  enrollment_status: EnrollmentStatus | null;
  enrollment_program_title: string | null;
  enrollment_student_name: string | null;
  status: 'used' | 'expired' | 'released' | 'issued';
}

/**
 * A voucher's status, from its enrollment `e` (the latest, the one holding it first) and its expiry: used while an
 * enrollment holds it, released once that enrollment gave it back, expired past its day, else issued. The one home of
 * this rule, for the funder's list and the student's.
 */
export const VOUCHER_STATUS_SQL = `CASE WHEN e.id IS NOT NULL AND e.voucher_released_at IS NULL THEN 'used'
                 WHEN v.expires_on < current_date THEN 'expired'
                 WHEN e.id IS NOT NULL THEN 'released'
                 ELSE 'issued' END`;

/**
 * Vouchers with their status, derived from the enrollments that used them: `used` while one funds an enrollment,
 * `expired` past its last day, `released` when given back and still valid, `issued` otherwise. A used voucher names
 * the enrollment it funds (its status, program and student).
 */
export async function listVouchers(db: Db, organizationId: string | undefined, page: { limit: number; offset: number }) {
  const { rows } = await db.query<VoucherRow>(
    `SELECT v.id, v.organization_id, v.number, v.funding_source, v.student_id, v.student_email, v.amount_cents, v.currency,
            to_char(v.expires_on, 'YYYY-MM-DD') AS expires_on, v.program_id, vp.title AS program_title, v.created_at,
            e.id AS enrollment_id, e.status AS enrollment_status, ep.title AS enrollment_program_title,
            e.student_name AS enrollment_student_name,
            ${VOUCHER_STATUS_SQL} AS status
       FROM vouchers v
       LEFT JOIN programs vp ON vp.id = v.program_id
       LEFT JOIN LATERAL (SELECT id, status, program_id, student_name, voucher_released_at FROM enrollments WHERE voucher_id = v.id
                           ORDER BY voucher_released_at IS NULL DESC, created_at DESC LIMIT 1) e ON true
       LEFT JOIN programs ep ON ep.id = e.program_id
      WHERE ($1::text IS NULL OR v.organization_id = $1)
      ORDER BY v.created_at DESC, v.id LIMIT $2 OFFSET $3`,
    [organizationId ?? null, page.limit, page.offset],
  );
  return rows.map((v) => {
    const used = v.status === 'used';
    return {
      id: v.id,
      organizationId: v.organization_id,
      number: v.number,
      fundingSource: v.funding_source,
      studentId: v.student_id,
      studentEmail: v.student_email,
      amountCents: v.amount_cents,
      currency: v.currency,
      expiresOn: v.expires_on,
      programId: v.program_id,
      programTitle: v.program_title,
      status: v.status,
      enrollmentId: used ? v.enrollment_id : null,
      fundedEnrollment: used
        ? {
            id: v.enrollment_id!,
            status: v.enrollment_status!,
            programTitle: v.enrollment_program_title!,
            studentName: v.enrollment_student_name,
          }
        : null,
      createdAt: iso(v.created_at),
    };
  });
}

/** The students a list of vouchers names: those of the enrollments the used ones fund (for the access log). */
export const studentsNamedBy = (vouchers: readonly Voucher[]) =>
  vouchers.flatMap((v) => (v.fundedEnrollment ? [{ enrollmentId: v.fundedEnrollment.id, recordId: v.id }] : []));
type Voucher = Awaited<ReturnType<typeof listVouchers>>[number];

/** The funding organizations that issued vouchers (an admin picks one). */
export const fundingOrganizations = (db: Db): Promise<string[]> => distinctValues(db, 'vouchers');

/** A voucher-funded enrollment with its program, voucher, certificate and WIOA outcome (those last two when there are). */
export interface FundedEnrollmentRow extends EnrollmentMilestoneRows {
  id: string;
  status: EnrollmentStatus;
  funding_source: FundingSource;
  program_id: string;
  title: string;
  student_id: string;
  student_name: string | null;
  student_email: string | null;
  voucher_id: string;
  number: string;
  organization_id: string;
  voucher_cents: number;
  amount_due_cents: number | null;
  price_cents: number;
  currency: string;
  created_at: Date;
  voucher_released_at: Date | null;
  certificate_id: string | null;
  verification_code: string | null;
  issued_at: Date | null;
  revoked_at: Date | null;
  exit_date: Date | null;
  credential_type: string | null;
  credential_date: Date | null;
}

/**
 * The enrollments an organization's vouchers fund (all of them when undefined), newest first, with what a case
 * manager reports: status, completion, credential, exit. Its one parameter is the organization; `fundedEnrollmentView`
 * turns a row into what the API shows.
 */
export const FUNDED_ENROLLMENTS_SQL = `
     SELECT e.id, e.status, e.funding_source, e.program_id, p.title, e.student_id, e.student_name, e.student_email,
            v.id AS voucher_id, v.number, v.organization_id, e.voucher_cents, e.amount_due_cents, e.price_cents, e.currency,
            e.created_at, e.launched_at, e.completed_at, e.completion_method, e.closed_at, e.withdrawn_at, e.expired_at,
            e.voucher_released_at, c.id AS certificate_id, c.verification_code, c.issued_at, c.revoked_at,
            w.exit_date, w.credential_type, w.credential_date
       FROM enrollments e
       JOIN vouchers v ON v.id = e.voucher_id
       JOIN programs p ON p.id = e.program_id
       LEFT JOIN certificates c ON c.enrollment_id = e.id
       LEFT JOIN wioa_outcomes w ON w.enrollment_id = e.id
      WHERE ($1::text IS NULL OR v.organization_id = $1)
      ORDER BY e.created_at DESC, e.id`;

/** A page of the enrollments an organization's vouchers fund (see FUNDED_ENROLLMENTS_SQL). */
export async function listFundedEnrollments(db: Db, organizationId: string | undefined, page: { limit: number; offset: number }) {
  const { rows } = await db.query<FundedEnrollmentRow>(`${FUNDED_ENROLLMENTS_SQL} LIMIT $2 OFFSET $3`, [
    organizationId ?? null,
    page.limit,
    page.offset,
  ]);
  return rows.map(fundedEnrollmentView);
}

export const fundedEnrollmentView = (e: FundedEnrollmentRow) => ({
  enrollmentId: e.id,
  status: e.status,
  fundingSource: e.funding_source,
  programId: e.program_id,
  programTitle: e.title,
  student: { id: e.student_id, name: e.student_name, email: e.student_email },
  voucher: {
    id: e.voucher_id,
    number: e.number,
    organizationId: e.organization_id,
    coveredCents: e.voucher_cents,
    released: e.voucher_released_at !== null,
  },
  price: { amountCents: e.price_cents, currency: e.currency },
  coPayCents: e.amount_due_cents,
  enrolledAt: iso(e.created_at),
  ...milestonesView(e),
  credential: e.certificate_id
    ? {
        certificateId: e.certificate_id,
        verificationCode: e.verification_code,
        issuedAt: iso(e.issued_at),
        revoked: e.revoked_at !== null,
      }
    : null,
  wioa: { exitDate: day(e.exit_date), credentialType: e.credential_type, credentialDate: day(e.credential_date) },
});
export type FundedEnrollment = ReturnType<typeof fundedEnrollmentView>;

/** The funded-enrollments export: one CSV line per enrollment, the same facts as the JSON, flattened. */
export const FUNDED_ENROLLMENTS_CSV_HEADER = [
  'enrollmentId',
  'status',
  'fundingSource',
  'programId',
  'programTitle',
  'studentId',
  'studentName',
  'studentEmail',
  'organizationId',
  'voucherNumber',
  'voucherCoveredCents',
  'voucherReleased',
  'coPayCents',
  'currency',
  'enrolledAt',
  'launchedAt',
  'completedAt',
  'completionMethod',
  'closedAt',
  'withdrawnAt',
  'expiredAt',
  'certificateVerificationCode',
  'certificateIssuedAt',
  'certificateRevoked',
  'wioaExitDate',
  'wioaCredentialType',
  'wioaCredentialDate',
] as const;

export const fundedEnrollmentCsvCells = (e: FundedEnrollment): string[] =>
  [
    e.enrollmentId,
    e.status,
    e.fundingSource,
    e.programId,
    e.programTitle,
    e.student.id,
    e.student.name,
    e.student.email,
    e.voucher.organizationId,
    e.voucher.number,
    e.voucher.coveredCents,
    e.voucher.released,
    e.coPayCents,
    e.price.currency,
    e.enrolledAt,
    e.launchedAt,
    e.completedAt,
    e.completionMethod,
    e.closedAt,
    e.withdrawnAt,
    e.expiredAt,
    e.credential?.verificationCode,
    e.credential?.issuedAt,
    e.credential ? e.credential.revoked : null,
    e.wioa.exitDate,
    e.wioa.credentialType,
    e.wioa.credentialDate,
  ].map((v) => (v === null || v === undefined ? '' : String(v)));
