import { randomUUID } from 'node:crypto';
import type { ApiApp } from './api-app';

const now = () => new Date().toISOString();

/**
 * Proof uploaded, then rejected by the holder with `reason`, recorded through the workflow's own activities: the
 * enrollment (in progress) is in progress again, with the rejected upload in its history.
 */
export async function rejectedProof(app: ApiApp, enrollmentId: string, studentId: string, reason: string): Promise<void> {
  const submissionId = randomUUID();
  await app.activities.recordSubmission({
    submissionId,
    enrollmentId,
    studentId,
    fileKey: `submissions/${submissionId}`,
    contentType: 'application/pdf',
    sizeBytes: 10,
    sha256: 'a'.repeat(64),
    completedAt: now(),
    submittedAt: now(),
  });
  await app.advance(enrollmentId, 'awaiting_review');
  await app.activities.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId: 'holder-1', reviewedAt: now(), reason });
  await app.advance(enrollmentId, 'in_progress');
}
