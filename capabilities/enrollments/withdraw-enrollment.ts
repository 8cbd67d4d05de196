import type { Db } from '../../db/pool';
import { WITHDRAWABLE_STATUSES } from '../../workflows/messages';
import type { Actor } from '../../core/actor';
import type { EnrollmentClient } from '../../core/enrollment-client';
import { refuse } from '../../core/refusals';
import { audit } from '../../core/audit';
import { type EnrollmentRow, refundedCents } from './queries';

/**
 * Withdraws an enrollment (its student or an admin; the refund follows the program's policy). A second withdrawal is
 * refused with 409 (a retry with the same Idempotency-Key gets the first answer instead); the workflow would otherwise
 * answer a repeat of its update id with the first result. `rerun`: the same request, re-run after the process that ran
 * it died; if its withdrawal went through, it is answered from the record.
 */
export async function withdrawEnrollment(
  deps: { db: Db; enrollments: EnrollmentClient },
  actor: Actor,
  enrollment: EnrollmentRow,
  request: { reason?: string; idempotencyKey?: string; rerun: boolean },
) {
  const enrollmentId = enrollment.id;
  if (enrollment.status === 'withdrawn' && request.rerun) {
    return {
      enrollmentId,
      status: enrollment.status,
      refundCents: await refundedCents(deps.db, enrollmentId),
      currency: enrollment.currency,
    };
  }
  if (!WITHDRAWABLE_STATUSES.includes(enrollment.status)) throw refuse.conflict(`the enrollment is already ${enrollment.status}`);
  const { reason } = request;
  const result = await deps.enrollments.withdraw(enrollmentId, { requestedBy: actor.id, reason }, request.idempotencyKey);
  await audit(
    deps.db,
    actor,
    'enrollment.withdraw',
    { type: 'enrollment', id: enrollmentId },
    { reason, refundCents: result.refundCents, currency: result.currency },
  );
  return { enrollmentId, status: result.status, refundCents: result.refundCents, currency: result.currency };
}
