import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../db/pool';
import type { FileStore } from '../../services/file-store';
import type { Actor } from '../auth';
import type { EnrollmentClient } from '../enrollment-client';
import { problems } from '../problems';
import { audit } from '../audit';

/** Evidence types, recognised by their first bytes: a file's name and declared type are not trusted. */
const EVIDENCE_TYPES = [
  { contentType: 'application/pdf', ext: 'pdf', magic: Buffer.from('%PDF-') },
  { contentType: 'image/png', ext: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', ext: 'jpg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];
export const sniffEvidenceType = (data: Buffer) => EVIDENCE_TYPES.find((t) => data.subarray(0, t.magic.length).equals(t.magic));

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
  const type = sniffEvidenceType(data);
  if (!type) throw problems.unsupportedType('the file must be a PDF, PNG or JPEG (checked by its content, not its name)');
  const submissionId = randomUUID();
  const fileKey = `submissions/${enrollmentId}/${submissionId}.${type.ext}`;
  await deps.files.put(fileKey, data);
  let submission;
  try {
    submission = await deps.enrollments.submitEvidence(
      enrollmentId,
      {
        submissionId,
        fileKey,
        contentType: type.contentType,
        sizeBytes: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        completedAt: evidence.completedAt,
        studentId: student.id,
      },
      idempotencyKey,
    );
  } catch (err) {
    await deps.files.delete(fileKey);
    throw err;
  }
  await audit(deps.db, student, 'submission.create', { type: 'enrollment', id: enrollmentId }, { submissionId: submission.id });
  return submission;
}
