import type { Db } from '../../db/pool';
import { certificatePdfUrl, verificationUrl } from '../../lib/certificate-links';
import { iso } from '../../lib/dates';
import type { EnrollmentStatus, FundingSource, SubmissionView } from '../../workflows/messages';
import type { Actor } from '../auth';
import { problems } from '../problems';

export interface EnrollmentRow {
  id: string;
  program_id: string;
  partner_id: string;
  holder_id: string;
  student_id: string;
  funding_source: string;
  status: EnrollmentStatus;
  price_cents: number;
  currency: string;
}

export async function findEnrollment(db: Db, enrollmentId: string): Promise<EnrollmentRow | undefined> {
  const { rows } = await db.query<EnrollmentRow>(
    `SELECT e.id, e.program_id, p.partner_id, p.holder_id, e.student_id, e.funding_source, e.status, e.price_cents, e.currency
       FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1`,
    [enrollmentId],
  );
  return rows[0];
}

/**
 * Who may see or act on an enrollment: its student, its program's holder, an admin. A student never learns
 * that someone else's enrollment exists (404); a holder is told it is not theirs (403).
 */
export function authorizeEnrollment(actor: Actor, e: EnrollmentRow | undefined, allowed: readonly Actor['role'][]): EnrollmentRow {
  if (!e || (actor.role === 'student' && e.student_id !== actor.id)) throw problems.notFound(`enrollment`);
  if (!allowed.includes(actor.role)) throw problems.forbidden(`a ${actor.role} cannot do this`);
  if (actor.role === 'program_holder' && e.holder_id !== actor.id)
    throw problems.forbidden('this enrollment belongs to another program holder');
  return e;
}

export async function loadAuthorizedEnrollment(db: Db, actor: Actor, enrollmentId: string, allowed: readonly Actor['role'][]) {
  return authorizeEnrollment(actor, await findEnrollment(db, enrollmentId), allowed);
}

const submissionFileUrl = (publicBaseUrl: string, submissionId: string) => `${publicBaseUrl}/api/submissions/${submissionId}/file`;

/** An enrollment as a list shows it. */
interface EnrollmentListRow {
  id: string;
  program_id: string;
  funding_source: FundingSource;
  status: EnrollmentStatus;
  paid_at: Date | null;
  launched_at: Date | null;
  completed_at: Date | null;
  completion_method: string | null;
  created_at: Date;
}

/** Enrollments newest first: a holder's own programs' (`holderId`), or all; by status and program when asked. */
export async function listEnrollments(
  db: Db,
  filter: { holderId?: string; status?: EnrollmentStatus; programId?: string; limit: number; offset: number },
) {
  const { rows } = await db.query<EnrollmentListRow>(
    `SELECT e.id, e.program_id, e.funding_source, e.status, e.paid_at, e.launched_at, e.completed_at, e.completion_method, e.created_at
       FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE ($1::text IS NULL OR p.holder_id = $1) AND ($2::text IS NULL OR e.status = $2) AND ($3::uuid IS NULL OR e.program_id = $3)
      ORDER BY e.created_at DESC, e.id LIMIT $4 OFFSET $5`,
    [filter.holderId ?? null, filter.status ?? null, filter.programId ?? null, filter.limit, filter.offset],
  );
  return rows.map((e) => ({
    enrollmentId: e.id,
    programId: e.program_id,
    fundingSource: e.funding_source,
    status: e.status,
    paidAt: iso(e.paid_at),
    launchedAt: iso(e.launched_at),
    completedAt: iso(e.completed_at),
    completionMethod: e.completion_method,
    createdAt: iso(e.created_at),
  }));
}

/** What was refunded on the enrollment, in its currency's cents (0 when nothing was). */
export async function refundedCents(db: Db, enrollmentId: string): Promise<number> {
  const {
    rows: [refund],
  } = await db.query<{ cents: number }>('SELECT COALESCE(sum(amount_cents), 0)::integer AS cents FROM refunds WHERE enrollment_id = $1', [
    enrollmentId,
  ]);
  return refund.cents;
}

export interface SubmissionFile {
  enrollment_id: string;
  file_key: string;
  content_type: string;
}

export async function findSubmission(db: Db, submissionId: string): Promise<SubmissionFile | undefined> {
  const { rows } = await db.query<SubmissionFile>(
    'SELECT enrollment_id, file_key, content_type FROM completion_submissions WHERE id = $1',
    [submissionId],
  );
  return rows[0];
}

/** A submission in the review queue, with its enrollment's program. */
interface ReviewQueueRow {
  id: string;
  enrollment_id: string;
  status: SubmissionView['status'];
  completed_at: Date;
  submitted_at: Date;
  reason: string | null;
  content_type: string;
  program_id: string;
}

/** The evidence waiting for review (or reviewed: `status`), oldest first: a holder's own programs' (`holderId`), or all. */
export async function reviewQueue(
  db: Db,
  filter: { holderId?: string; status: SubmissionView['status']; limit: number; offset: number },
  publicBaseUrl: string,
) {
  const awaitingReview: EnrollmentStatus = 'awaiting_review';
  const { rows } = await db.query<ReviewQueueRow>(
    `SELECT s.id, s.enrollment_id, s.status, s.completed_at, s.submitted_at, s.reason, s.content_type, e.program_id
       FROM completion_submissions s JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
      WHERE s.status = $1 AND ($2::text IS NULL OR p.holder_id = $2)
        -- Evidence of an enrollment that another channel completed (or that ended) is no longer waiting for review.
        AND (s.status <> 'pending' OR e.status = $5)
      ORDER BY s.submitted_at, s.id LIMIT $3 OFFSET $4`,
    [filter.status, filter.holderId ?? null, filter.limit, filter.offset, awaitingReview],
  );
  return rows.map((s) => ({
    id: s.id,
    enrollmentId: s.enrollment_id,
    programId: s.program_id,
    status: s.status,
    completedAt: iso(s.completed_at),
    submittedAt: iso(s.submitted_at),
    reason: s.reason,
    contentType: s.content_type,
    fileUrl: submissionFileUrl(publicBaseUrl, s.id),
  }));
}

/** The enrollment row as its view shows it. */
interface EnrollmentViewRow {
  id: string;
  program_id: string;
  student_id: string;
  funding_source: FundingSource;
  status: EnrollmentStatus;
  price_cents: number;
  currency: string;
  checkout_url: string | null;
  paid_at: Date | null;
  launched_at: Date | null;
  completed_at: Date | null;
  completion_method: string | null;
  closed_at: Date | null;
  withdrawn_at: Date | null;
  expired_at: Date | null;
  created_at: Date;
  voucher_cents: number;
  amount_due_cents: number | null;
}

/** One of the enrollment's evidence uploads. */
interface SubmissionRow {
  id: string;
  status: SubmissionView['status'];
  completed_at: Date;
  submitted_at: Date;
  reason: string | null;
  reviewed_at: Date | null;
}

/** One step of the enrollment's status history. */
interface StatusHistoryRow {
  status: EnrollmentStatus;
  at: Date;
}

/** The enrollment's certificate. */
interface CertificateRefRow {
  id: string;
  verification_code: string;
  revoked_at: Date | null;
}

/** One completion report, from any channel. */
interface CompletionEvidenceRow {
  method: string;
  completed_at: Date;
  reported_by: string;
  score: number | null;
  evidence_url: string | null;
  outcome: string;
  received_at: Date;
}

/** What was refunded on the enrollment, all providers together. */
interface RefundTotalRow {
  amount_cents: number;
  currency: string;
  created_at: Date;
}

/** The enrollment as the contract shows it, from the read model the workflow keeps. */
export async function enrollmentView(db: Db, enrollmentId: string, publicBaseUrl: string) {
  // The row first: its status and the history row of that status are written by one statement, so every query
  // started after this one sees at least the history the status says.
  const enrollment = await db.query<EnrollmentViewRow>(
    `SELECT id, program_id, student_id, funding_source, status, price_cents, currency, checkout_url, paid_at, launched_at,
            completed_at, completion_method, closed_at, withdrawn_at, expired_at, created_at, voucher_cents, amount_due_cents
       FROM enrollments WHERE id = $1`,
    [enrollmentId],
  );
  const [submissions, history, certificate, evidence, refund] = await Promise.all([
    db.query<SubmissionRow>(
      `SELECT id, status, completed_at, submitted_at, reason, reviewed_at FROM completion_submissions
        WHERE enrollment_id = $1 ORDER BY submitted_at, id`,
      [enrollmentId],
    ),
    db.query<StatusHistoryRow>('SELECT status, at FROM enrollment_status_history WHERE enrollment_id = $1 ORDER BY seq', [enrollmentId]),
    db.query<CertificateRefRow>('SELECT id, verification_code, revoked_at FROM certificates WHERE enrollment_id = $1', [enrollmentId]),
    db.query<CompletionEvidenceRow>(
      `SELECT method, completed_at, reported_by, score, evidence_url, outcome, received_at FROM completion_evidence
        WHERE enrollment_id = $1 ORDER BY received_at, id`,
      [enrollmentId],
    ),
    db.query<RefundTotalRow>(
      `SELECT sum(amount_cents)::integer AS amount_cents, min(currency) AS currency, max(created_at) AS created_at
         FROM refunds WHERE enrollment_id = $1 HAVING count(*) > 0`,
      [enrollmentId],
    ),
  ]);
  const e = enrollment.rows[0];
  if (!e) throw problems.notFound('enrollment');
  const cert = certificate.rows[0];
  return {
    enrollmentId: e.id,
    programId: e.program_id,
    studentId: e.student_id,
    status: e.status,
    fundingSource: e.funding_source,
    price: { amountCents: e.price_cents, currency: e.currency },
    /** What the voucher covers, and what the student pays at checkout (null before the record says). */
    voucherCents: e.voucher_cents,
    amountDueCents: e.amount_due_cents,
    checkoutUrl: e.status === 'pending_payment' ? e.checkout_url : null,
    paidAt: iso(e.paid_at),
    launchedAt: iso(e.launched_at),
    completedAt: iso(e.completed_at),
    completionMethod: e.completion_method,
    closedAt: iso(e.closed_at),
    withdrawnAt: iso(e.withdrawn_at),
    expiredAt: iso(e.expired_at),
    refund: refund.rows[0]
      ? { amountCents: refund.rows[0].amount_cents, currency: refund.rows[0].currency, at: iso(refund.rows[0].created_at) }
      : null,
    createdAt: iso(e.created_at),
    certificate: cert
      ? {
          id: cert.id,
          verificationCode: cert.verification_code,
          revoked: cert.revoked_at !== null,
          pdfUrl: certificatePdfUrl(publicBaseUrl, cert.id),
          verifyUrl: verificationUrl(publicBaseUrl, cert.verification_code),
        }
      : null,
    submissions: submissions.rows.map((s) => ({
      id: s.id,
      status: s.status,
      completedAt: iso(s.completed_at),
      submittedAt: iso(s.submitted_at),
      reviewedAt: iso(s.reviewed_at),
      reason: s.reason,
      fileUrl: submissionFileUrl(publicBaseUrl, s.id),
    })),
    history: history.rows.map((h) => ({ status: h.status, at: iso(h.at) })),
    /** Every completion report from every channel: the one applied, and those kept after it. */
    completionEvidence: evidence.rows.map((c) => ({
      method: c.method,
      outcome: c.outcome,
      completedAt: iso(c.completed_at),
      reportedBy: c.reported_by,
      score: c.score,
      evidenceUrl: c.evidence_url,
      receivedAt: iso(c.received_at),
    })),
  };
}

/** One of a student's own enrollments, as their list shows it. */
interface StudentEnrollmentRow {
  id: string;
  program_id: string;
  program_title: string;
  status: EnrollmentStatus;
  funding_source: FundingSource;
  created_at: Date;
  completed_at: Date | null;
  has_certificate: boolean;
}

/** A student's own enrollments, newest first, with each program's title (the console's "My enrollments"). */
export async function studentEnrollments(db: Db, studentId: string, limit = 200) {
  const { rows } = await db.query<StudentEnrollmentRow>(
    `SELECT e.id, e.program_id, p.title AS program_title, e.status, e.funding_source, e.created_at, e.completed_at,
            EXISTS (SELECT 1 FROM certificates c WHERE c.enrollment_id = e.id) AS has_certificate
       FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE e.student_id = $1
      ORDER BY e.created_at DESC, e.id LIMIT $2`,
    [studentId, limit],
  );
  return rows.map((e) => ({
    enrollmentId: e.id,
    programId: e.program_id,
    programTitle: e.program_title,
    status: e.status,
    fundingSource: e.funding_source,
    createdAt: iso(e.created_at),
    completedAt: iso(e.completed_at),
    hasCertificate: e.has_certificate,
  }));
}
