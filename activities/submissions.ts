import type { EvidenceSubmission } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export function createSubmissionActivities({ db }: ActivityDeps) {
  return {
    async recordSubmission(s: EvidenceSubmission & { enrollmentId: string; submittedAt: string }): Promise<void> {
      await db.query(
        `INSERT INTO completion_submissions
           (id, enrollment_id, student_id, file_key, content_type, size_bytes, sha256, completed_at, status, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) ON CONFLICT (id) DO NOTHING`,
        [s.submissionId, s.enrollmentId, s.studentId, s.fileKey, s.contentType, s.sizeBytes, s.sha256, s.completedAt, s.submittedAt],
      );
    },

    async recordSubmissionReview(r: {
      submissionId: string;
      status: 'approved' | 'rejected';
      reviewerId: string;
      reviewedAt: string;
      reason?: string;
    }): Promise<void> {
      await db.query(
        `UPDATE completion_submissions SET status = $2, reason = $3, reviewed_by = $4, reviewed_at = $5
          WHERE id = $1 AND status = 'pending'`,
        [r.submissionId, r.status, r.reason ?? null, r.reviewerId, r.reviewedAt],
      );
    },
  };
}
