import { recordWithWebhookEvents } from '../db/webhook-outbox';
import type { EvidenceSubmission } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export function createSubmissionActivities({ db, webhooks }: ActivityDeps) {
  return {
    /** Keeps the student's evidence (once), with its `submission.received` event in the same transaction. */
    async recordSubmission(s: EvidenceSubmission & { enrollmentId: string; submittedAt: string }): Promise<void> {
      await recordWithWebhookEvents(
        db,
        {
          enrollmentId: s.enrollmentId,
          write: (q) =>
            q.query(
              `INSERT INTO completion_submissions
                 (id, enrollment_id, student_id, file_key, content_type, size_bytes, sha256, completed_at, status, submitted_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) ON CONFLICT (id) DO NOTHING`,
              [s.submissionId, s.enrollmentId, s.studentId, s.fileKey, s.contentType, s.sizeBytes, s.sha256, s.completedAt, s.submittedAt],
            ),
          events: ({ rowCount }, before) =>
            rowCount
              ? [
                  {
                    key: `submission:${s.submissionId}:received`,
                    type: 'submission.received',
                    occurredAt: s.submittedAt,
                    data: {
                      enrollmentId: s.enrollmentId,
                      programId: before.programId,
                      submissionId: s.submissionId,
                      status: 'pending',
                      completedAt: s.completedAt,
                      submittedAt: s.submittedAt,
                    },
                  },
                ]
              : [],
        },
        webhooks?.dispatcher,
      );
    },

    /** The holder's decision on pending evidence (never overwritten), with its `submission.reviewed` event. */
    async recordSubmissionReview(r: {
      submissionId: string;
      status: 'approved' | 'rejected';
      reviewerId: string;
      reviewedAt: string;
      reason?: string;
    }): Promise<void> {
      const {
        rows: [submission],
      } = await db.query<{ enrollment_id: string }>('SELECT enrollment_id FROM completion_submissions WHERE id = $1', [r.submissionId]);
      if (!submission) return;
      await recordWithWebhookEvents(
        db,
        {
          enrollmentId: submission.enrollment_id,
          write: (q) =>
            q.query(
              `UPDATE completion_submissions SET status = $2, reason = $3, reviewed_by = $4, reviewed_at = $5
                WHERE id = $1 AND status = 'pending'`,
              [r.submissionId, r.status, r.reason ?? null, r.reviewerId, r.reviewedAt],
            ),
          // The reviewer's id and reason stay out: free text may name the student.
          events: ({ rowCount }, before) =>
            rowCount
              ? [
                  {
                    key: `submission:${r.submissionId}:reviewed`,
                    type: 'submission.reviewed',
                    occurredAt: r.reviewedAt,
                    data: {
                      enrollmentId: submission.enrollment_id,
                      programId: before.programId,
                      submissionId: r.submissionId,
                      status: r.status,
                      reviewedAt: r.reviewedAt,
                    },
                  },
                ]
              : [],
        },
        webhooks?.dispatcher,
      );
    },
  };
}
