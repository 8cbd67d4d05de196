import type { Db } from '../../../db/pool';
import type { Actor } from '../../../core/actor';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { audit } from '../../../core/audit';

export type Review = { decision: 'approve' } | { decision: 'reject'; reason: string };

/**
 * The holder's (or an admin's) decision on a student's evidence: approved, the enrollment completes; rejected, it goes
 * back to in progress.
 */
export async function reviewSubmission(
  deps: { db: Db; enrollments: EnrollmentClient },
  reviewer: Actor,
  submission: { submissionId: string; enrollmentId: string },
  review: Review,
  idempotencyKey?: string,
) {
  const { submissionId, enrollmentId } = submission;
  const state =
    review.decision === 'approve'
      ? await deps.enrollments.approve(enrollmentId, submissionId, reviewer.id, idempotencyKey)
      : await deps.enrollments.reject(enrollmentId, submissionId, reviewer.id, review.reason, idempotencyKey);
  await audit(
    deps.db,
    reviewer,
    `submission.${review.decision}`,
    { type: 'submission', id: submissionId },
    review.decision === 'approve' ? { enrollmentId } : { enrollmentId, reason: review.reason },
  );
  return { submissionId, enrollmentId, status: state.status };
}
