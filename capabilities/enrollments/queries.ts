import type { Db } from '../../db/pool';
import { ltiScoresOf } from '../completion/lti/queries';
import { certificatePdfUrl, verificationUrl } from '../../lib/certificate-links';
import { iso } from '../../lib/dates';
import type { EnrollmentStatus, FundingSource, SubmissionView } from '../../workflows/messages';
import type { Actor } from '../../core/actor';
import { refuse } from '../../core/refusals';

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
  if (!e || (actor.role === 'student' && e.student_id !== actor.id)) throw refuse.notFound(`enrollment`);
  if (!allowed.includes(actor.role)) throw refuse.forbidden(`a ${actor.role} cannot do this`);
  if (actor.role === 'program_holder' && e.holder_id !== actor.id)
    throw refuse.forbidden('this enrollment belongs to another program holder');
  return e;
}

export async function loadAuthorizedEnrollment(db: Db, actor: Actor, enrollmentId: string, allowed: readonly Actor['role'][]) {
  return authorizeEnrollment(actor, await findEnrollment(db, enrollmentId), allowed);
}

/** Who reviews evidence and marks enrollments complete: the program's holder, or an admin. */
export const REVIEWERS = ['program_holder', 'admin'] as const;

/** A submission and its enrollment, once `actor` is shown to be that program's holder (or an admin); 404 for none. */
export async function loadReviewableSubmission(db: Db, actor: Actor, submissionId: string) {
  const submission = await findSubmission(db, submissionId);
  if (!submission) throw refuse.notFound(`submission ${submissionId}`);
  await loadAuthorizedEnrollment(db, actor, submission.enrollment_id, REVIEWERS);
  return { submissionId, enrollmentId: submission.enrollment_id };
}

const submissionFileUrl = (publicBaseUrl: string, submissionId: string) => `${publicBaseUrl}/api/submissions/${submissionId}/file`;
const completionProofUrl = (publicBaseUrl: string, evidenceId: string) => `${publicBaseUrl}/api/completion-evidence/${evidenceId}/proof`;

/** A holder's certificate proof and the enrollment it is evidence for. */
interface CompletionProofRow {
  enrollment_id: string;
  proof_file_key: string;
  proof_content_type: string;
  /** Set once the retention policy or an erasure deleted the file (the row stays). */
  proof_deleted_at: Date | null;
}

export async function findCompletionProof(db: Db, evidenceId: string): Promise<CompletionProofRow | undefined> {
  const { rows } = await db.query<CompletionProofRow>(
    `SELECT enrollment_id, proof_file_key, proof_content_type, proof_deleted_at
       FROM completion_evidence WHERE id = $1 AND proof_file_key IS NOT NULL`,
    [evidenceId],
  );
  return rows[0];
}

/** An enrollment as a list shows it. */
interface EnrollmentListRow {
  id: string;
  program_id: string;
  program_title: string;
  student_name: string | null;
  student_email: string | null;
  funding_source: FundingSource;
  status: EnrollmentStatus;
  paid_at: Date | null;
  launched_at: Date | null;
  completed_at: Date | null;
  completion_method: string | null;
  created_at: Date;
  deadline_at: Date | null;
  total: number;
}

/**
 * When an enrollment's wait for completion ends: the program's deadline counts from the payment (or the funding), as
 * the workflow's deadline timer does (`e` an enrollment, `p` its program; null before payment).
 */
export const DEADLINE_SQL = `(e.paid_at + p.deadline_days * interval '1 day')`;
const STILL_OPEN: readonly EnrollmentStatus[] = ['ready_to_launch', 'in_progress', 'awaiting_review'];
const EXPIRED: EnrollmentStatus = 'expired';
/** Past the deadline and not completed: expired by the workflow, or still open past it (the timer not yet fired). */
export const OVERDUE_SQL = `(e.status = '${EXPIRED}' OR (e.status IN (${STILL_OPEN.map((s) => `'${s}'`).join(', ')}) AND ${DEADLINE_SQL} < now()))`;
/** Statuses of an enrollment whose completion was recorded (completed, then closed once its outcomes are done). */
export const COMPLETED_STATUSES: readonly EnrollmentStatus[] = ['completed', 'closed'];

export interface EnrollmentFilter {
  /** A holder's own programs' enrollments; all when undefined (an admin). */
  holderId?: string;
  status?: EnrollmentStatus;
  programId?: string;
  /** Part of the student's name or email, any case. */
  search?: string;
  /** Only those past their deadline and not completed. */
  overdue?: boolean;
  /** Only those completed on or after this instant. */
  completedSince?: string;
  /** The order (newest first unless told). */
  sort?: EnrollmentSort;
  limit: number;
  offset: number;
}

/** The orders a list of enrollments can take, each an ORDER BY of this query alone (never built from input). */
export const ENROLLMENT_SORTS = {
  newest: 'e.created_at DESC, e.id',
  deadline: `${DEADLINE_SQL} ASC NULLS LAST, e.created_at DESC, e.id`,
  name: 'lower(COALESCE(e.student_name, e.student_email)) ASC NULLS LAST, e.created_at DESC, e.id',
  status: 'e.status, e.created_at DESC, e.id',
} as const;
export type EnrollmentSort = keyof typeof ENROLLMENT_SORTS;

/** Enrollments, newest first unless sorted otherwise: a holder's own programs' (`holderId`), or all; narrowed by the filter's other fields. */
export async function listEnrollments(db: Db, filter: EnrollmentFilter) {
  const { rows } = await db.query<EnrollmentListRow>(
    `SELECT e.id, e.program_id, p.title AS program_title, e.student_name, e.student_email, e.funding_source, e.status,
            e.paid_at, e.launched_at, e.completed_at, e.completion_method, e.created_at, ${DEADLINE_SQL} AS deadline_at,
            count(*) OVER () AS total
       FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE ($1::text IS NULL OR p.holder_id = $1) AND ($2::text IS NULL OR e.status = $2) AND ($3::uuid IS NULL OR e.program_id = $3)
        AND ($6::text IS NULL OR strpos(lower(e.student_name), $6) > 0 OR strpos(lower(e.student_email), $6) > 0)
        AND (NOT $7::boolean OR ${OVERDUE_SQL})
        AND ($8::timestamptz IS NULL OR (e.status = ANY($9::text[]) AND e.completed_at >= $8))
      ORDER BY ${ENROLLMENT_SORTS[filter.sort ?? 'newest']} LIMIT $4 OFFSET $5`,
    [
      filter.holderId ?? null,
      filter.status ?? null,
      filter.programId ?? null,
      filter.limit,
      filter.offset,
      filter.search ? filter.search.toLowerCase() : null,
      filter.overdue ?? false,
      filter.completedSince ?? null,
      COMPLETED_STATUSES,
    ],
  );
  return {
    /** How many match the filter (all pages); 0 when the page is past the last one. */
    total: rows[0]?.total ?? 0,
    enrollments: rows.map((e) => ({
      enrollmentId: e.id,
      programId: e.program_id,
      programTitle: e.program_title,
      studentName: e.student_name,
      studentEmail: e.student_email,
      fundingSource: e.funding_source,
      status: e.status,
      paidAt: iso(e.paid_at),
      launchedAt: iso(e.launched_at),
      deadlineAt: iso(e.deadline_at),
      completedAt: iso(e.completed_at),
      completionMethod: e.completion_method,
      createdAt: iso(e.created_at),
    })),
  };
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
  /** Set once the retention policy or an erasure deleted the file (the row stays). */
  file_deleted_at: Date | null;
}

export async function findSubmission(db: Db, submissionId: string): Promise<SubmissionFile | undefined> {
  const { rows } = await db.query<SubmissionFile>(
    'SELECT enrollment_id, file_key, content_type, file_deleted_at FROM completion_submissions WHERE id = $1',
    [submissionId],
  );
  return rows[0];
}

/** A submission in the review queue, with its enrollment's program. */
interface ReviewQueueRow {
  id: string;
  enrollment_id: string;
  student_name: string | null;
  student_email: string | null;
  program_title: string;
  status: SubmissionView['status'];
  completed_at: Date;
  submitted_at: Date;
  reason: string | null;
  content_type: string;
  file_deleted_at: Date | null;
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
    `SELECT s.id, s.enrollment_id, s.status, s.completed_at, s.submitted_at, s.reason, s.content_type, s.file_deleted_at, e.program_id,
            e.student_name, e.student_email, p.title AS program_title
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
    programTitle: s.program_title,
    studentName: s.student_name,
    studentEmail: s.student_email,
    status: s.status,
    completedAt: iso(s.completed_at),
    submittedAt: iso(s.submitted_at),
    reason: s.reason,
    contentType: s.content_type,
    fileUrl: submissionFileUrl(publicBaseUrl, s.id),
    fileDeletedAt: iso(s.file_deleted_at),
  }));
}

/** The students a page of the review queue shows, each by their submission (for the access log). */
export const studentsInQueue = (items: readonly { id: string; enrollmentId: string }[]) =>
  items.map((s) => ({ enrollmentId: s.enrollmentId, recordId: s.id }));

/** When an enrollment reached each milestone, as its row has them (null until it has). */
export interface EnrollmentMilestoneRows {
  launched_at: Date | null;
  completed_at: Date | null;
  completion_method: string | null;
  closed_at: Date | null;
  withdrawn_at: Date | null;
  expired_at: Date | null;
}

/** The milestones as an answer says them: instants in ISO 8601, null until reached. */
export const milestonesView = (e: EnrollmentMilestoneRows) => ({
  launchedAt: iso(e.launched_at),
  completedAt: iso(e.completed_at),
  completionMethod: e.completion_method,
  closedAt: iso(e.closed_at),
  withdrawnAt: iso(e.withdrawn_at),
  expiredAt: iso(e.expired_at),
});

interface EnrollmentViewRow extends EnrollmentMilestoneRows {
  id: string;
  program_id: string;
  program_title: string;
  student_id: string;
  student_name: string | null;
  student_email: string | null;
  deadline_at: Date | null;
  funding_source: FundingSource;
  status: EnrollmentStatus;
  price_cents: number;
  currency: string;
  checkout_url: string | null;
  paid_at: Date | null;
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
  file_deleted_at: Date | null;
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
  id: string;
  method: string;
  completed_at: Date;
  reported_by: string;
  score: number | null;
  evidence_url: string | null;
  outcome: string;
  received_at: Date;
  notes: string | null;
  has_proof: boolean;
  proof_deleted_at: Date | null;
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
    `SELECT e.id, e.program_id, p.title AS program_title, e.student_id, e.student_name, e.student_email, e.funding_source, e.status,
            e.price_cents, e.currency, e.checkout_url, e.paid_at, e.launched_at, e.completed_at, e.completion_method, e.closed_at,
            e.withdrawn_at, e.expired_at, e.created_at, e.voucher_cents, e.amount_due_cents, ${DEADLINE_SQL} AS deadline_at
       FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1`,
    [enrollmentId],
  );
  const [submissions, history, certificate, evidence, refund, ltiScores] = await Promise.all([
    db.query<SubmissionRow>(
      `SELECT id, status, completed_at, submitted_at, reason, reviewed_at, file_deleted_at FROM completion_submissions
        WHERE enrollment_id = $1 ORDER BY submitted_at, id`,
      [enrollmentId],
    ),
    db.query<StatusHistoryRow>('SELECT status, at FROM enrollment_status_history WHERE enrollment_id = $1 ORDER BY seq', [enrollmentId]),
    db.query<CertificateRefRow>('SELECT id, verification_code, revoked_at FROM certificates WHERE enrollment_id = $1', [enrollmentId]),
    db.query<CompletionEvidenceRow>(
      `SELECT id, method, completed_at, reported_by, score, evidence_url, outcome, received_at, notes,
              proof_file_key IS NOT NULL AS has_proof, proof_deleted_at
         FROM completion_evidence WHERE enrollment_id = $1 ORDER BY received_at, id`,
      [enrollmentId],
    ),
    db.query<RefundTotalRow>(
      `SELECT sum(amount_cents)::integer AS amount_cents, min(currency) AS currency, max(created_at) AS created_at
         FROM refunds WHERE enrollment_id = $1 HAVING count(*) > 0`,
      [enrollmentId],
    ),
    ltiScoresOf(db, enrollmentId),
  ]);
  const e = enrollment.rows[0];
  if (!e) throw refuse.notFound('enrollment');
  const cert = certificate.rows[0];
  return {
    enrollmentId: e.id,
    programId: e.program_id,
    programTitle: e.program_title,
    studentId: e.student_id,
    studentName: e.student_name,
    studentEmail: e.student_email,
    status: e.status,
    fundingSource: e.funding_source,
    price: { amountCents: e.price_cents, currency: e.currency },
    /** What the voucher covers, and what the student pays at checkout (null before the record says). */
    voucherCents: e.voucher_cents,
    amountDueCents: e.amount_due_cents,
    checkoutUrl: e.status === 'pending_payment' ? e.checkout_url : null,
    paidAt: iso(e.paid_at),
    ...milestonesView(e),
    /** When the wait for completion ends without one (the program's deadline from the payment); null before payment. */
    deadlineAt: iso(e.deadline_at),
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
      fileDeletedAt: iso(s.file_deleted_at),
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
      notes: c.notes,
      /** The certificate proof a holder uploaded with the mark, until the retention policy or an erasure deleted it. */
      proofUrl: c.has_proof && !c.proof_deleted_at ? completionProofUrl(publicBaseUrl, c.id) : null,
      proofDeletedAt: iso(c.proof_deleted_at),
      receivedAt: iso(c.received_at),
    })),
    /** Every LTI AGS score the partner's tool posted (kept whether or not it completed the enrollment). */
    ltiScores,
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
