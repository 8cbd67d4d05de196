import { type Request, Router } from 'express';
import { z } from 'zod';
import {
  type CertificateFacts,
  type CredentialSigner,
  linkedInAddToProfileUrl,
  loadCredentialSigner,
  openBadgeCredential,
  STATUS_LIST_BITS,
  statusListCredential,
  statusPosition,
  VC_JWT_MEDIA_TYPE,
  verificationUrl,
} from '../../services/credentials';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { escapeHtml, page } from '../html';
import { parse, problems } from '../problems';
import { audit, loadAuthorizedEnrollment } from '../read-model/enrollments';
import { idParam } from '../schemas';

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const revokeBody = z.object({ reason: z.string({ error: 'a reason is required' }).trim().min(1, 'a reason is required').max(2000) });
const listIdParam = z.object({ listId: z.string().regex(/^\d{1,9}$/, 'a status list number').transform(Number) });

/** Everything the certificate shows (and the internals routes need), joined once. */
const CERTIFICATE_SQL = `
  SELECT c.id, c.enrollment_id, c.verification_code, c.completed_at, c.issued_at, c.revoked_at, c.revoked_reason,
         c.partner_certificate_url, c.status_index, e.student_name, p.id AS program_id, p.title, p.credential_type,
         pa.name AS partner_name
    FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id JOIN programs p ON p.id = e.program_id
    JOIN partners pa ON pa.id = p.partner_id`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function certificateRoutes({ db, files, config }: ApiDeps): Router {
  const router = Router();
  const issuer = { publicBaseUrl: config.publicBaseUrl, issuerName: config.credentials.issuerName };
  // The key is read (or, in development, generated) on first use; a failure is retried on the next request.
  let signer: Promise<CredentialSigner> | undefined;
  const getSigner = () => {
    signer ??= loadCredentialSigner(config).catch((err) => {
      signer = undefined;
      throw err;
    });
    return signer;
  };

  const facts = (c: Record<string, any>): CertificateFacts => ({
    certificateId: c.id, verificationCode: c.verification_code, studentName: c.student_name ?? 'Student', programId: c.program_id,
    programTitle: c.title, partnerName: c.partner_name, credentialType: c.credential_type, completedAt: c.completed_at,
    issuedAt: c.issued_at, statusIndex: Number(c.status_index),
  });

  /** The public verification answer: what the certificate shows, its status, and the LinkedIn link. */
  const verification = (c: Record<string, any>) => ({
    status: c.revoked_at ? ('revoked' as const) : ('valid' as const),
    verificationCode: c.verification_code as string,
    holder: (c.student_name ?? 'Student') as string,
    program: c.title as string,
    partner: c.partner_name as string,
    credentialType: c.credential_type as string,
    completedAt: (c.completed_at as Date).toISOString().slice(0, 10),
    issuedAt: (c.issued_at as Date).toISOString(),
    ...(c.partner_certificate_url && { partnerCertificateUrl: c.partner_certificate_url as string }),
    ...(c.revoked_at && { revokedAt: iso(c.revoked_at)!, revocationReason: c.revoked_reason as string }),
    verifyUrl: verificationUrl(config.publicBaseUrl, c.verification_code),
    // Offered while the certificate is valid: a revoked one should not be added to a profile.
    ...(!c.revoked_at && {
      linkedInAddToProfileUrl: linkedInAddToProfileUrl({ programTitle: c.title, verificationCode: c.verification_code, issuedAt: c.issued_at }, issuer),
    }),
  });

  async function authorizedCertificate(req: Request) {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const { rows: [c] } = await db.query(`${CERTIFICATE_SQL} WHERE c.id = $1`, [certificateId]);
    if (!c) throw problems.notFound(`certificate ${certificateId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), c.enrollment_id, ['student', 'program_holder', 'admin']);
    return c;
  }

  router.get('/api/certificates/:certificateId.pdf', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const { rows: [c] } = await db.query('SELECT enrollment_id, file_key, verification_code FROM certificates WHERE id = $1', [certificateId]);
    if (!c) throw problems.notFound(`certificate ${certificateId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), c.enrollment_id, ['student', 'program_holder', 'admin']);
    const pdf = await files.get(c.file_key);
    if (!pdf) throw problems.notFound(`the PDF of certificate ${certificateId}`);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="certificate-${c.verification_code}.pdf"`).send(pdf);
  });

  /** The certificate's Open Badges 3.0 credential, signed as a VC-JWT with the platform's key. */
  router.get('/api/certificates/:certificateId/credential', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const c = await authorizedCertificate(req);
    const jwt = await (await getSigner()).sign(openBadgeCredential(facts(c), issuer));
    res.set('Content-Type', VC_JWT_MEDIA_TYPE)
      .set('Content-Disposition', `inline; filename="credential-${c.verification_code}.jwt"`)
      .send(jwt);
  });

  /** Revocation (admin, with a reason, audited): the certificate and its status-list bit. */
  router.post('/api/certificates/:certificateId/revoke', requireRole('admin'), async (req, res) => {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const { reason } = parse(revokeBody, req.body, 'body');
    const actor = actorOf(req);
    const { rows: [revoked] } = await db.query(
      `UPDATE certificates SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL
       RETURNING id, verification_code, revoked_at, revoked_reason, status_index`, [certificateId, reason]);
    if (!revoked) {
      const { rows: [c] } = await db.query('SELECT revoked_at FROM certificates WHERE id = $1', [certificateId]);
      if (!c) throw problems.notFound(`certificate ${certificateId}`);
      throw problems.conflict(`certificate ${certificateId} was revoked on ${iso(c.revoked_at)}`);
    }
    const { listId, index } = statusPosition(Number(revoked.status_index));
    await audit(db, actor, 'certificate.revoked', { type: 'certificate', id: certificateId },
      { reason, verificationCode: revoked.verification_code, statusList: listId, statusListIndex: index });
    res.json({
      certificateId, verificationCode: revoked.verification_code, status: 'revoked', revokedAt: iso(revoked.revoked_at),
      revocationReason: revoked.revoked_reason,
      credentialStatus: { statusPurpose: 'revocation', statusListIndex: String(index), statusListCredential: `${config.publicBaseUrl}/credentials/status/${listId}` },
    });
  });

  /** Public: the platform's credential signing keys. */
  router.get('/.well-known/jwks.json', async (_req, res) => {
    const { publicJwk } = await getSigner();
    res.set('Cache-Control', 'public, max-age=300').json({ keys: [publicJwk] });
  });

  /** Public: a Bitstring Status List credential (VC-JWT); a certificate's bit is 1 once it is revoked. */
  router.get('/credentials/status/:listId', async (req, res) => {
    const { listId } = parse(listIdParam, req.params, 'path');
    const from = listId * STATUS_LIST_BITS;
    const { rows: [{ allocated }] } = await db.query('SELECT EXISTS (SELECT 1 FROM certificates WHERE status_index >= $1 AND status_index < $2) AS allocated', [from, from + STATUS_LIST_BITS]);
    if (!allocated) throw problems.notFound(`status list ${listId}`);
    const { rows } = await db.query(
      'SELECT status_index FROM certificates WHERE revoked_at IS NOT NULL AND status_index >= $1 AND status_index < $2', [from, from + STATUS_LIST_BITS]);
    const jwt = await (await getSigner()).sign(statusListCredential(listId, rows.map((r) => Number(r.status_index) - from), issuer));
    // Verifiers should see a revocation promptly; a short cache keeps a busy list cheap.
    res.set('Content-Type', VC_JWT_MEDIA_TYPE).set('Cache-Control', 'public, max-age=60').send(jwt);
  });

  /** Public: anyone holding a certificate can check it. Shows what the certificate itself shows, nothing more. */
  router.get('/verify/:code', async (req, res) => {
    const code = String(req.params.code).toUpperCase();
    const { rows: [c] } = CODE.test(code) ? await db.query(`${CERTIFICATE_SQL} WHERE c.verification_code = $1`, [code]) : { rows: [] };
    if (!c) throw problems.notFound(`certificate with verification code ${req.params.code}`);
    const result = verification(c);
    res.set('Cache-Control', 'no-cache').vary('Accept');
    if (req.accepts(['html', 'json']) === 'json') return res.json(result);
    res.type('html').send(page(`Certificate ${result.verificationCode}`, `<div class="card">
      <h1 class="${result.status}">${result.status === 'valid' ? 'Valid certificate' : 'Revoked certificate'}</h1>
      <p><strong>${escapeHtml(result.holder)}</strong> completed <strong>${escapeHtml(result.program)}</strong> with ${escapeHtml(result.partner)}
      on ${escapeHtml(result.completedAt)}.</p><p>Credential type: ${escapeHtml(result.credentialType)}<br>Verification code: <code>${escapeHtml(result.verificationCode)}</code></p>
      ${result.partnerCertificateUrl ? `<p><a href="${escapeHtml(result.partnerCertificateUrl)}" rel="noopener noreferrer">${escapeHtml(result.partner)} certificate</a></p>` : ''}
      ${result.status === 'revoked'
        ? `<p class="revoked">Revoked on ${escapeHtml(result.revokedAt)}: ${escapeHtml(result.revocationReason)}</p>`
        : `<p><a href="${escapeHtml(result.linkedInAddToProfileUrl)}" rel="noopener noreferrer">Add to LinkedIn profile</a></p>`}
      <p>Machine-readable: request this page with <code>Accept: application/json</code>.</p></div>`));
  });

  return router;
}
