import { Router } from 'express';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { escapeHtml, page } from '../html';
import { parse, problems } from '../problems';
import { loadAuthorizedEnrollment } from '../read-model';
import { idParam } from '../schemas';

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

export function certificateRoutes({ db, files }: ApiDeps): Router {
  const router = Router();

  router.get('/api/certificates/:certificateId.pdf', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const { rows: [c] } = await db.query('SELECT enrollment_id, file_key, verification_code FROM certificates WHERE id = $1', [certificateId]);
    if (!c) throw problems.notFound(`certificate ${certificateId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), c.enrollment_id, ['student', 'program_holder', 'admin']);
    const pdf = await files.get(c.file_key);
    if (!pdf) throw problems.notFound(`the PDF of certificate ${certificateId}`);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="certificate-${c.verification_code}.pdf"`).send(pdf);
  });

  /** Public: anyone holding a certificate can check it. Shows what the certificate itself shows, nothing more. */
  router.get('/verify/:code', async (req, res) => {
    const code = String(req.params.code).toUpperCase();
    const { rows: [c] } = CODE.test(code)
      ? await db.query(
        `SELECT c.verification_code, c.completed_at, c.issued_at, c.revoked_at, c.revoked_reason, e.student_name,
                p.title, p.credential_type, pa.name AS partner_name
           FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id JOIN programs p ON p.id = e.program_id
           JOIN partners pa ON pa.id = p.partner_id
          WHERE c.verification_code = $1`, [code])
      : { rows: [] };
    if (!c) throw problems.notFound(`certificate with verification code ${req.params.code}`);
    const result = {
      status: c.revoked_at ? 'revoked' : 'valid',
      verificationCode: c.verification_code,
      holder: c.student_name,
      program: c.title,
      partner: c.partner_name,
      credentialType: c.credential_type,
      completedAt: c.completed_at.toISOString().slice(0, 10),
      issuedAt: c.issued_at.toISOString(),
      ...(c.revoked_at && { revokedAt: c.revoked_at.toISOString(), revocationReason: c.revoked_reason }),
    };
    if (req.accepts(['html', 'json']) === 'json') return res.json(result);
    res.type('html').send(page(`Certificate ${result.verificationCode}`, `<div class="card">
      <h1 class="${result.status}">${result.status === 'valid' ? 'Valid certificate' : 'Revoked certificate'}</h1>
      <p><strong>${escapeHtml(result.holder)}</strong> completed <strong>${escapeHtml(result.program)}</strong> with ${escapeHtml(result.partner)}
      on ${escapeHtml(result.completedAt)}.</p><p>Credential type: ${escapeHtml(result.credentialType)}<br>Verification code: <code>${escapeHtml(result.verificationCode)}</code></p>
      ${result.status === 'revoked' ? `<p class="revoked">Revoked on ${escapeHtml(result.revokedAt)}: ${escapeHtml(result.revocationReason)}</p>` : ''}</div>`));
  });

  return router;
}
