import type { CompletionMethod, EnrollmentStatus } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export interface StatusProjection {
  enrollmentId: string;
  /** The workflow's running number of status changes; keeps the read model monotonic under retries and races. */
  seq: number;
  status: EnrollmentStatus;
  at: string;
  checkoutUrl?: string;
  paidAt?: string;
  launchedAt?: string;
  completedAt?: string;
  completionMethod?: CompletionMethod;
}

export function createEnrollmentActivities({ db }: ActivityDeps) {
  return {
    /** Projects one status change of the workflow into the read model and its history table. */
    async recordEnrollmentStatus(p: StatusProjection): Promise<void> {
      await db.query(
        `WITH history AS (
           INSERT INTO enrollment_status_history (enrollment_id, seq, status, at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING
         )
         UPDATE enrollments SET
           status            = CASE WHEN status_seq < $2 THEN $3 ELSE status END,
           status_seq        = GREATEST(status_seq, $2),
           checkout_url      = COALESCE(checkout_url, $5),
           paid_at           = COALESCE(paid_at, $6),
           launched_at       = COALESCE(launched_at, $7),
           completed_at      = COALESCE(completed_at, $8),
           completion_method = COALESCE(completion_method, $9),
           closed_at         = CASE WHEN $3 = 'closed' THEN COALESCE(closed_at, $4) ELSE closed_at END,
           withdrawn_at      = CASE WHEN $3 = 'withdrawn' THEN COALESCE(withdrawn_at, $4) ELSE withdrawn_at END,
           expired_at        = CASE WHEN $3 = 'expired' THEN COALESCE(expired_at, $4) ELSE expired_at END,
           updated_at        = now()
         WHERE id = $1`,
        [p.enrollmentId, p.seq, p.status, p.at, p.checkoutUrl ?? null, p.paidAt ?? null, p.launchedAt ?? null,
          p.completedAt ?? null, p.completionMethod ?? null],
      );
    },
  };
}
