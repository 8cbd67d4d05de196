import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/pool';
import type { FileStore } from '../../../services/file-store';
import type { Actor } from '../../../core/actor';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { audit } from '../../../core/audit';
import { storeEvidenceFile } from './evidence-file';

/**
 * The program holder (or an admin) records that the student completed: the seed's contract. A certificate proof
 * (the console's form; PDF, PNG or JPEG, checked as a student's upload is) is stored first and handed to the workflow,
 * which keeps it with the completion's evidence; if the workflow refuses the mark, the file is deleted again.
 */
export async function markComplete(
  deps: { db: Db; files: FileStore; enrollments: EnrollmentClient },
  actor: Actor,
  mark: { enrollmentId: string; completedAt: string; certificateUrl?: string; notes?: string; proof?: Buffer },
  idempotencyKey?: string,
) {
  const { enrollmentId, completedAt } = mark;
  const proof = mark.proof
    ? await storeEvidenceFile(deps.files, `completion-proofs/${enrollmentId}/${randomUUID()}`, mark.proof)
    : undefined;
  let state;
  try {
    state = await deps.enrollments.markComplete(
      enrollmentId,
      { completedAt, markedBy: actor.id, certificateUrl: mark.certificateUrl, notes: mark.notes, proof },
      idempotencyKey,
    );
  } catch (err) {
    if (proof) await deps.files.delete(proof.fileKey);
    throw err;
  }
  await audit(deps.db, actor, 'enrollment.mark_complete', { type: 'enrollment', id: enrollmentId }, { completedAt, proof: proof?.sha256 });
  return { enrollmentId, status: state.status, completedAt: state.completedAt, completionMethod: state.completionMethod };
}
