import type { Db } from '../../db/pool';
import { verificationUrl } from '../../lib/certificate-links';
import type { CredentialType } from '../../lib/program-rules';
import { iso } from '../../lib/dates';
import { type CertificateFacts, type IssuerFacts, linkedInAddToProfileUrl, STATUS_LIST_BITS } from '../../services/credentials';
import { type PublicName, publicHolderName } from './public-name';

/** Everything a certificate shows, and what the routes need to authorize and serve it. */
export interface CertificateRow {
  id: string;
  enrollment_id: string;
  verification_code: string;
  file_key: string;
  completed_at: Date;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  partner_certificate_url: string | null;
  status_index: string;
  identity_salt: string;
  student_id: string;
  student_email: string | null;
  student_name: string | null;
  /** The student's choice of the name the public verification shows. */
  public_name: PublicName;
  program_id: string;
  title: string;
  credential_type: CredentialType;
  partner_name: string;
}

/** A certificate by its id or its verification code, joined once with what it shows. */
export async function findCertificate(db: Db, by: { id: string } | { verificationCode: string }): Promise<CertificateRow | undefined> {
  const [column, value] = 'id' in by ? ['c.id', by.id] : ['c.verification_code', by.verificationCode];
  const { rows } = await db.query<CertificateRow>(
    `SELECT c.id, c.enrollment_id, c.verification_code, c.file_key, c.completed_at, c.issued_at, c.revoked_at, c.revoked_reason,
            c.partner_certificate_url, c.status_index, c.identity_salt, e.student_id, e.student_email, e.student_name,
            c.public_name, p.id AS program_id, p.title, p.credential_type,
            pa.name AS partner_name
       FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id JOIN programs p ON p.id = e.program_id
       JOIN partners pa ON pa.id = p.partner_id
      WHERE ${column} = $1`,
    [value],
  );
  return rows[0];
}

/** What the signed credential states. */
export const certificateFacts = (c: CertificateRow): CertificateFacts => ({
  certificateId: c.id,
  verificationCode: c.verification_code,
  studentId: c.student_id,
  studentEmail: c.student_email,
  identitySalt: c.identity_salt,
  programId: c.program_id,
  programTitle: c.title,
  partnerName: c.partner_name,
  credentialType: c.credential_type,
  completedAt: c.completed_at,
  issuedAt: c.issued_at,
  statusIndex: Number(c.status_index),
});

/**
 * The public verification answer: what the certificate shows, its status, and the LinkedIn link. The holder is named
 * as the student chose (full name or initials); with initials, the link to the partner's own certificate is left out
 * too, as the page behind it names the student in full.
 */
export const certificateVerification = (c: CertificateRow, issuer: IssuerFacts) => ({
  status: c.revoked_at ? ('revoked' as const) : ('valid' as const),
  verificationCode: c.verification_code,
  holder: publicHolderName(c.student_name, c.public_name),
  program: c.title,
  partner: c.partner_name,
  credentialType: c.credential_type as string,
  completedAt: c.completed_at.toISOString().slice(0, 10),
  issuedAt: c.issued_at.toISOString(),
  ...(c.partner_certificate_url && c.public_name === 'full' && { partnerCertificateUrl: c.partner_certificate_url }),
  ...(c.revoked_at && { revokedAt: iso(c.revoked_at)!, revocationReason: c.revoked_reason as string }),
  verifyUrl: verificationUrl(issuer.publicBaseUrl, c.verification_code),
  // Offered while the certificate is valid: a revoked one should not be added to a profile.
  ...(!c.revoked_at && {
    linkedInAddToProfileUrl: linkedInAddToProfileUrl(
      { programTitle: c.title, verificationCode: c.verification_code, issuedAt: c.issued_at },
      issuer,
    ),
  }),
});

/** The enrollment a certificate was issued for, or undefined for an unknown certificate. */
export async function certificateEnrollment(db: Db, certificateId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ enrollment_id: string }>('SELECT enrollment_id FROM certificates WHERE id = $1', [certificateId]);
  return rows[0]?.enrollment_id;
}

/** When the certificate was revoked: undefined for an unknown one, null for one still valid. */
export async function revokedAt(db: Db, certificateId: string): Promise<Date | null | undefined> {
  const { rows } = await db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM certificates WHERE id = $1', [certificateId]);
  return rows[0]?.revoked_at;
}

/** The status indexes of list `listId`, and whether any certificate has been given one of them yet. */
async function allocatedRange(db: Db, listId: number): Promise<[number, number] | undefined> {
  const from = listId * STATUS_LIST_BITS;
  const range: [number, number] = [from, from + STATUS_LIST_BITS];
  const {
    rows: [{ allocated }],
  } = await db.query<{ allocated: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM certificates WHERE status_index >= $1 AND status_index < $2) AS allocated',
    range,
  );
  return allocated ? range : undefined;
}

/**
 * The positions (within status list `listId`) of the revoked certificates, or undefined for a list no certificate is
 * on yet.
 */
export async function revokedPositions(db: Db, listId: number): Promise<number[] | undefined> {
  const range = await allocatedRange(db, listId);
  if (!range) return undefined;
  const { rows } = await db.query<{ status_index: number }>(
    'SELECT status_index FROM certificates WHERE revoked_at IS NOT NULL AND status_index >= $1 AND status_index < $2',
    range,
  );
  return rows.map((r) => Number(r.status_index) - range[0]);
}

/**
 * The revoked certificates of status list `listId` (the 1EdTech Revocation List's partition), oldest revocation
 * first, or undefined for a list no certificate is on yet.
 */
export async function revokedCertificates(
  db: Db,
  listId: number,
): Promise<Array<{ certificateId: string; reason: string | null }> | undefined> {
  const range = await allocatedRange(db, listId);
  if (!range) return undefined;
  const { rows } = await db.query<{ id: string; revoked_reason: string | null }>(
    `SELECT id, revoked_reason FROM certificates
      WHERE revoked_at IS NOT NULL AND status_index >= $1 AND status_index < $2 ORDER BY revoked_at, id`,
    range,
  );
  return rows.map((r) => ({ certificateId: r.id, reason: r.revoked_reason }));
}

/**
 * The certificates issued last, newest first, for an admin looking for one; with `student`, those of the students
 * whose name or email holds it (any case).
 */
export async function recentCertificates(db: Db, limit: number, student?: string) {
  const { rows } = await db.query<{
    id: string;
    enrollment_id: string;
    verification_code: string;
    issued_at: Date;
    revoked_at: Date | null;
    student_name: string | null;
    title: string;
  }>(
    `SELECT c.id, c.enrollment_id, c.verification_code, c.issued_at, c.revoked_at, e.student_name, p.title
       FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id JOIN programs p ON p.id = e.program_id
      WHERE $2::text IS NULL OR strpos(lower(e.student_name), $2) > 0 OR strpos(lower(e.student_email), $2) > 0
      ORDER BY c.issued_at DESC, c.id LIMIT $1`,
    [limit, student?.toLowerCase() ?? null],
  );
  return rows.map((c) => ({
    id: c.id,
    enrollmentId: c.enrollment_id,
    verificationCode: c.verification_code,
    issuedAt: iso(c.issued_at),
    revoked: c.revoked_at !== null,
    studentName: c.student_name,
    programTitle: c.title,
  }));
}
