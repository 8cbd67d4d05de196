import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/pool';
import type { FileStore } from '../../../services/file-store';
import type { Actor } from '../../../core/actor';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { audit } from '../../../core/audit';
import { storeEvidenceFile } from './evidence-file';

/**
 * A student's proof of completion: the file is stored first, then handed to the enrollment's workflow for review; if
 * the workflow refuses it, the file is deleted again (no orphan files). 415 for a file that is not a PDF, PNG or JPEG.
 */
export async function submitEvidence(
  deps: { db: Db; files: FileStore; enrollments: EnrollmentClient },
  student: Actor,
  evidence: { enrollmentId: string; data: Buffer; completedAt: string },
  idempotencyKey?: string,
) {
  const { enrollmentId, data } = evidence;
  const submissionId = randomUUID();
  const file = await storeEvidenceFile(deps.files, `submissions/${enrollmentId}/${submissionId}`, data);
  let submission;
  try {
    submission = await deps.enrollments.submitEvidence(
      enrollmentId,
      { submissionId, ...file, completedAt: evidence.completedAt, studentId: student.id },
      idempotencyKey,
    );
  } catch (err) {
    await deps.files.delete(file.fileKey);
    throw err;
  }
  await audit(deps.db, student, 'submission.create', { type: 'enrollment', id: enrollmentId }, { submissionId: submission.id });
  return submission;
}
