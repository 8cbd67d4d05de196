/**
 * What a student's data export holds (GDPR Art. 15 and 20, FERPA 34 CFR 99.10): every record the platform keeps about
 * them, as `data.json` in a structured, commonly used, machine-readable form, and the files those records name (their
 * uploaded evidence, their certificates). activities/dataExports.ts writes it all into one ZIP.
 *
 * Each key of `data.json` is read here, in SQL that builds its JSON (timestamps in ISO 8601); a record is the
 * student's when it carries their id, or belongs to one of their enrollments, or (vouchers, emails) names their email.
 */
import type { Db } from '../../db/pool';
import { verificationUrl } from '../../lib/certificate-links';

/** The keys of data.json (api.md), in the order they are written. */
export const EXPORT_KEYS = [
  'student',
  'enrollments',
  'submissions',
  'certificates',
  'payments',
  'vouchers',
  'tutor',
  'emails',
  'disclosures',
] as const;
export type ExportKey = (typeof EXPORT_KEYS)[number];

/** A file of the store to copy into the ZIP, at `path`. */
export interface ExportFile {
  path: string;
  fileKey: string;
}

/** A certificate whose signed credential (Open Badges 3.0, VC-JWT) goes into the ZIP at `path`. */
export interface ExportCredential {
  certificateId: string;
  path: string;
}

export interface StudentExport {
  data: Record<ExportKey, unknown>;
  files: ExportFile[];
  credentials: ExportCredential[];
}

const one = async <T>(db: Db, sql: string, params: unknown[]): Promise<T> => (await db.query<{ v: T }>(sql, params)).rows[0].v;

/** The student's enrollments (ids), open or not. */
const ENROLLMENT_IDS = 'SELECT id FROM enrollments WHERE student_id = $1';

const ENROLLMENTS_SQL = `
  SELECT COALESCE(jsonb_agg(jsonb_build_object(
           'id', e.id, 'program', jsonb_build_object('id', p.id, 'title', p.title, 'partner', pa.name),
           'status', e.status, 'fundingSource', e.funding_source, 'voucherNumber', e.voucher_number,
           'priceCents', e.price_cents, 'currency', e.currency, 'voucherCents', e.voucher_cents,
           'amountDueCents', e.amount_due_cents, 'partnerExternalId', e.partner_external_id,
           'createdAt', e.created_at, 'paidAt', e.paid_at, 'launchedAt', e.launched_at, 'completedAt', e.completed_at,
           'completionMethod', e.completion_method, 'closedAt', e.closed_at, 'withdrawnAt', e.withdrawn_at,
           'expiredAt', e.expired_at,
           'history', (SELECT COALESCE(jsonb_agg(jsonb_build_object('status', h.status, 'at', h.at) ORDER BY h.seq), '[]')
                         FROM enrollment_status_history h WHERE h.enrollment_id = e.id),
           'completionEvidence', (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                                     'method', c.method, 'completedAt', c.completed_at, 'reportedBy', c.reported_by,
                                     'score', c.score, 'evidenceUrl', c.evidence_url, 'notes', c.notes,
                                     'outcome', c.outcome, 'receivedAt', c.received_at) ORDER BY c.received_at), '[]')
                                    FROM completion_evidence c WHERE c.enrollment_id = e.id)
         ) ORDER BY e.created_at, e.id), '[]') AS v
    FROM enrollments e JOIN programs p ON p.id = e.program_id JOIN partners pa ON pa.id = p.partner_id
   WHERE e.student_id = $1`;

const SUBMISSIONS_SQL = `
  SELECT id, enrollment_id, status, completed_at, submitted_at, reviewed_at, reason, content_type, size_bytes, sha256, file_key
    FROM completion_submissions
   WHERE student_id = $1 OR enrollment_id IN (${ENROLLMENT_IDS})
   ORDER BY submitted_at, id`;

const CERTIFICATES_SQL = `
  SELECT c.id, c.enrollment_id, c.verification_code, p.title, c.completed_at, c.issued_at, c.revoked_at, c.revoked_reason,
         c.partner_certificate_url, c.file_key
    FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id JOIN programs p ON p.id = e.program_id
   WHERE e.student_id = $1
   ORDER BY c.issued_at, c.id`;

const PAYMENTS_SQL = `
  SELECT COALESCE(jsonb_agg(x.v ORDER BY x.at, x.id), '[]') AS v FROM (
    SELECT p.id, p.paid_at AS at, jsonb_build_object(
             'type', 'payment', 'id', p.id, 'enrollmentId', p.enrollment_id, 'provider', p.provider,
             'providerRef', p.provider_ref, 'voucherNumber', p.voucher_number, 'amountCents', p.amount_cents,
             'currency', p.currency, 'status', p.status, 'reason', p.reason, 'paidAt', p.paid_at) AS v
      FROM payments p WHERE p.enrollment_id IN (${ENROLLMENT_IDS})
    UNION ALL
    SELECT r.id, r.created_at, jsonb_build_object(
             'type', 'refund', 'id', r.id, 'enrollmentId', r.enrollment_id, 'provider', r.provider,
             'providerRef', r.provider_ref, 'amountCents', r.amount_cents, 'currency', r.currency, 'reason', r.reason,
             'refundedAt', r.created_at)
      FROM refunds r WHERE r.enrollment_id IN (${ENROLLMENT_IDS})) x`;

const VOUCHERS_SQL = `
  SELECT COALESCE(jsonb_agg(jsonb_build_object(
           'id', v.id, 'number', v.number, 'organizationId', v.organization_id, 'fundingSource', v.funding_source,
           'studentEmail', v.student_email, 'amountCents', v.amount_cents, 'currency', v.currency,
           'expiresOn', v.expires_on, 'programId', v.program_id, 'issuedAt', v.created_at) ORDER BY v.created_at, v.id), '[]') AS v
    FROM vouchers v
   WHERE v.student_id = $1 OR (v.student_email IS NOT NULL AND v.student_email = lower($2))`;

const TUTOR_SQL = `
  SELECT jsonb_build_object(
           'consents', (SELECT COALESCE(jsonb_agg(jsonb_build_object('noticeVersion', t.notice_version, 'givenAt', t.given_at,
                                                                     'withdrawnAt', t.withdrawn_at) ORDER BY t.given_at, t.id), '[]')
                          FROM tutor_consents t WHERE t.student_id = $1),
           'conversations', COALESCE(jsonb_agg(jsonb_build_object(
           'id', c.id, 'programId', c.program_id, 'enrollmentId', c.enrollment_id, 'startedAt', c.created_at,
           'messages', (SELECT COALESCE(jsonb_agg(jsonb_build_object('role', m.role, 'content', m.content, 'at', m.created_at)
                                                  ORDER BY m.id), '[]')
                          FROM tutor_messages m WHERE m.conversation_id = c.id)) ORDER BY c.created_at, c.id), '[]')) AS v
    FROM tutor_conversations c WHERE c.student_id = $1`;

const EMAILS_SQL = `
  SELECT COALESCE(jsonb_agg(jsonb_build_object(
           'kind', m.kind, 'to', m.to_address, 'subject', m.subject, 'enrollmentId', m.enrollment_id,
           'status', m.status, 'sentAt', m.sent_at) ORDER BY m.created_at, m.id), '[]') AS v
    FROM emails_sent m
   WHERE m.enrollment_id IN (${ENROLLMENT_IDS}) OR ($2::text IS NOT NULL AND lower(m.to_address) = lower($2))`;

interface SubmissionRow {
  id: string;
  enrollment_id: string;
  status: string;
  completed_at: Date;
  submitted_at: Date;
  reviewed_at: Date | null;
  reason: string | null;
  content_type: string;
  size_bytes: number;
  sha256: string;
  file_key: string;
}

interface CertificateExportRow {
  id: string;
  enrollment_id: string;
  verification_code: string;
  title: string;
  completed_at: Date;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  partner_certificate_url: string | null;
  file_key: string;
}

const extension = (fileKey: string) => fileKey.slice(fileKey.lastIndexOf('.') + 1);

/**
 * Everything about `studentId`, except `disclosures` (the access and disclosure log, read by the caller through its
 * own query), with the files to copy and the credentials to sign.
 */
export async function studentExport(db: Db, studentId: string, publicBaseUrl: string, disclosures: unknown[]): Promise<StudentExport> {
  const {
    rows: [student],
  } = await db.query<{ id: string; name: string | null; email: string | null; locale: string | null; updated_at: Date }>(
    'SELECT id, name, email, locale, updated_at FROM students WHERE id = $1',
    [studentId],
  );
  const email = student?.email ?? null;
  const [enrollments, submissions, certificates, payments, vouchers, tutor, emails] = await Promise.all([
    one<unknown[]>(db, ENROLLMENTS_SQL, [studentId]),
    db.query<SubmissionRow>(SUBMISSIONS_SQL, [studentId]),
    db.query<CertificateExportRow>(CERTIFICATES_SQL, [studentId]),
    one<unknown[]>(db, PAYMENTS_SQL, [studentId]),
    one<unknown[]>(db, VOUCHERS_SQL, [studentId, email]),
    one<unknown>(db, TUTOR_SQL, [studentId]),
    one<unknown[]>(db, EMAILS_SQL, [studentId, email]),
  ]);
  const files: ExportFile[] = [];
  const credentials: ExportCredential[] = [];
  const submissionItems = submissions.rows.map((s) => {
    const path = `files/submissions/${s.id}.${extension(s.file_key)}`;
    files.push({ path, fileKey: s.file_key });
    return {
      id: s.id,
      enrollmentId: s.enrollment_id,
      status: s.status,
      completedAt: s.completed_at.toISOString(),
      submittedAt: s.submitted_at.toISOString(),
      reviewedAt: s.reviewed_at?.toISOString() ?? null,
      reason: s.reason,
      contentType: s.content_type,
      sizeBytes: s.size_bytes,
      sha256: s.sha256,
      file: path,
    };
  });
  const certificateItems = certificates.rows.map((c) => {
    const pdf = `files/certificates/certificate-${c.verification_code}.pdf`;
    const credential = `files/certificates/credential-${c.verification_code}.jwt`;
    files.push({ path: pdf, fileKey: c.file_key });
    credentials.push({ certificateId: c.id, path: credential });
    return {
      id: c.id,
      enrollmentId: c.enrollment_id,
      verificationCode: c.verification_code,
      program: c.title,
      completedAt: c.completed_at.toISOString(),
      issuedAt: c.issued_at.toISOString(),
      revokedAt: c.revoked_at?.toISOString() ?? null,
      revocationReason: c.revoked_reason,
      partnerCertificateUrl: c.partner_certificate_url,
      verifyUrl: verificationUrl(publicBaseUrl, c.verification_code),
      pdf,
      credential,
    };
  });
  return {
    data: {
      student: student
        ? {
            id: student.id,
            name: student.name,
            email: student.email,
            // The language their emails and certificate are written in (their pages' last).
            language: student.locale,
            updatedAt: student.updated_at.toISOString(),
          }
        : { id: studentId, name: null, email: null },
      enrollments,
      submissions: submissionItems,
      certificates: certificateItems,
      payments,
      vouchers,
      tutor,
      emails,
      disclosures,
    },
    files,
    credentials,
  };
}
