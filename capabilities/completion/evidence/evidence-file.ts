import { createHash } from 'node:crypto';
import type { FileStore } from '../../../services/file-store';
import type { ProofFile } from '../../../workflows/messages';
import { Refusal, refuse } from '../../../core/refusals';

/** Evidence types, recognised by their first bytes: a file's name and declared type are not trusted. */
const EVIDENCE_TYPES = [
  { contentType: 'application/pdf', ext: 'pdf', magic: Buffer.from('%PDF-') },
  { contentType: 'image/png', ext: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', ext: 'jpg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];
const sniffEvidenceType = (data: Buffer) => EVIDENCE_TYPES.find((t) => data.subarray(0, t.magic.length).equals(t.magic));

/**
 * Stores proof of completion (a student's upload or a holder's certificate proof) under `keyBase` plus its extension,
 * once its first bytes show a PDF, PNG or JPEG; 415 otherwise. The size limit is the upload parser's (uploads.ts).
 */
export async function storeEvidenceFile(files: FileStore, keyBase: string, data: Buffer): Promise<ProofFile> {
  const type = sniffEvidenceType(data);
  if (!type) throw refuse.unsupportedType('the file must be a PDF, PNG or JPEG (checked by its content, not its name)');
  const fileKey = `${keyBase}.${type.ext}`;
  await files.put(fileKey, data);
  return { fileKey, contentType: type.contentType, sizeBytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** A file the retention policy (or the student's erasure) deleted: its row stays (the decision, the file's SHA-256). */
export const deletedEvidenceFile = (what: string, deletedAt: Date) =>
  new Refusal(
    'not-found',
    `${what} was deleted on ${deletedAt.toISOString().slice(0, 10)} (retention policy or erasure); the record of it stays`,
  );
