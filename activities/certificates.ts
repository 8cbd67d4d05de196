import { randomBytes, randomUUID } from 'node:crypto';
import { recordWithWebhookEvents } from '../db/webhook-outbox';
import { verificationUrl } from '../lib/certificate-links';
import { renderCertificatePdf } from '../services/certificate-pdf';
import type { ActivityDeps } from './deps';
import { loadEnrollmentContext } from './deps';

// Crockford's base32 without look-alikes (no I, L, O, U): easy to read aloud and type from paper.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newVerificationCode(): string {
  const bytes = randomBytes(12);
  const chars = Array.from(bytes, (b) => CODE_ALPHABET[b % 32]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

export const certificateFileKey = (certificateId: string) => `certificates/${certificateId}.pdf`;

/** An enrollment's certificate as issued: what its PDF shows and where the PDF is kept. */
interface IssuedCertificateRow {
  id: string;
  verification_code: string;
  file_key: string;
  completed_at: Date;
  issued_at: Date;
  partner_certificate_url: string | null;
}

export function createCertificateActivities({ db, files, publicBaseUrl, webhooks }: ActivityDeps) {
  return {
    /**
     * Issues the enrollment's one certificate: the row is claimed first (unique per enrollment), then the PDF is
     * (re)written under a key fixed by that row, so a retry after a crash finishes the same certificate.
     */
    async issueCertificate(r: { enrollmentId: string; completedAt: string; partnerCertificateUrl?: string }) {
      const id = randomUUID();
      // The `credential.issued` event is recorded with the row (a retry finds the row and records nothing).
      await recordWithWebhookEvents(
        db,
        {
          enrollmentId: r.enrollmentId,
          write: (q) =>
            q.query<{ id: string; issued_at: Date }>(
              `INSERT INTO certificates (id, enrollment_id, verification_code, file_key, completed_at, partner_certificate_url)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id) DO NOTHING RETURNING id, issued_at`,
              [id, r.enrollmentId, newVerificationCode(), certificateFileKey(id), r.completedAt, r.partnerCertificateUrl ?? null],
            ),
          events: ({ rows: [issued] }, before) =>
            issued
              ? [
                  {
                    key: `enrollment:${r.enrollmentId}:credential.issued`,
                    type: 'credential.issued',
                    occurredAt: issued.issued_at.toISOString(),
                    data: {
                      enrollmentId: r.enrollmentId,
                      programId: before.programId,
                      certificateId: issued.id,
                      status: 'valid',
                      completedAt: r.completedAt,
                    },
                  },
                ]
              : [],
        },
        webhooks?.dispatcher,
      );
      const { rows } = await db.query<IssuedCertificateRow>(
        'SELECT id, verification_code, file_key, completed_at, issued_at, partner_certificate_url FROM certificates WHERE enrollment_id = $1',
        [r.enrollmentId],
      );
      const cert = rows[0];
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const pdf = await renderCertificatePdf({
        studentName: ctx.studentName,
        programTitle: ctx.programTitle,
        partnerName: ctx.partnerName,
        credentialType: ctx.credentialType,
        completedAt: cert.completed_at,
        issuedAt: cert.issued_at,
        verificationCode: cert.verification_code,
        verifyUrl: verificationUrl(publicBaseUrl, cert.verification_code),
        partnerCertificateUrl: cert.partner_certificate_url,
        locale: ctx.locale,
      });
      await files.put(cert.file_key, pdf);
      return { id: cert.id, verificationCode: cert.verification_code };
    },
  };
}
