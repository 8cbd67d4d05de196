import type { Db } from '../../db/pool';
import type { Actor } from '../auth';
import type { EnrollmentClient } from '../enrollment-client';
import { audit } from '../audit';

/** The program holder (or an admin) records that the student completed: the seed's contract. */
export async function markComplete(
  deps: { db: Db; enrollments: EnrollmentClient },
  actor: Actor,
  mark: { enrollmentId: string; completedAt: string; certificateUrl?: string; notes?: string },
  idempotencyKey?: string,
) {
  const { enrollmentId, completedAt } = mark;
  const state = await deps.enrollments.markComplete(
    enrollmentId,
    {
      completedAt,
      markedBy: actor.id,
      certificateUrl: mark.certificateUrl,
      notes: mark.notes,
    },
    idempotencyKey,
  );
  await audit(deps.db, actor, 'enrollment.mark_complete', { type: 'enrollment', id: enrollmentId }, { completedAt });
  return { enrollmentId, status: state.status, completedAt: state.completedAt, completionMethod: state.completionMethod };
}
