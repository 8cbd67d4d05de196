import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { consoleActor } from '../../console/access';
import { askToConfirm, confirmationOf } from '../../console/confirm';
import { requireCsrf } from '../../console/csrf';
import { type FieldErrors, parseForm, redirectWithSuccess, refusalErrors, typedValues, withQuery } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse, refuse } from '../../core/refusals';
import { id } from '../../core/schemas';
import { findCertificate, recentCertificates } from './queries';
import { revokeCertificate } from './revoke-certificate';
import { revokeBody } from './schemas';
import { READS, recordReads } from '../privacy/disclosures';

const RECENT_CERTIFICATES = 10;
/** The most certificates a search by student lists. */
const STUDENT_MATCHES = 25;
/** A verification code as printed (any case). */
const CODE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/i;

/** A certificate is looked for by its verification code (any case), its id, or its student's name or email. */
const certificateSearch = z.object({ q: z.string().trim().max(100).optional() });

/** The admin's Certificates page (/admin/certificates): the latest issued, one found by code or id or a student's by name, and its revocation. */
export function certificatePages({ db, config, webhooks }: CoreDeps, render: Render): Router {
  const router = Router();

  async function certificatesPage(
    req: Request,
    res: Response,
    q: string | undefined,
    form?: { values: Record<string, string>; errors: FieldErrors; status: number },
  ) {
    const byId = q && id.safeParse(q).success;
    const byStudent = q && !byId && !CODE.test(q) ? q : undefined;
    const [certificate, recent] = await Promise.all([
      q && !byStudent ? findCertificate(db, byId ? { id: q } : { verificationCode: q.toUpperCase() }) : undefined,
      byStudent ? recentCertificates(db, STUDENT_MATCHES, byStudent) : recentCertificates(db, RECENT_CERTIFICATES),
    ]);
    const shown = [
      ...(certificate ? [{ enrollmentId: certificate.enrollment_id, recordId: certificate.id }] : []),
      ...recent.map((c) => ({ enrollmentId: c.enrollmentId, recordId: c.id })),
    ];
    await recordReads(db, consoleActor(req), READS.certificatesPage, shown);
    render(
      req,
      res,
      'admin/certificates',
      {
        title: 'Certificates',
        fmt,
        q: q ?? '',
        certificate,
        verifyUrl: certificate && `${config.publicBaseUrl}/verify/${certificate.verification_code}`,
        recent,
        byStudent,
        values: form?.values ?? {},
        errors: form?.errors ?? {},
      },
      form?.status ?? (q && !certificate && !(byStudent && recent.length) ? 404 : 200),
    );
  }

  router.get('/certificates', (req, res) => certificatesPage(req, res, parse(certificateSearch, req.query, 'query').q || undefined));

  router.post('/certificates/:certificateId/revoke', requireCsrf, async (req, res) => {
    const { certificateId } = parse(z.object({ certificateId: id }), req.params, 'path');
    const values = typedValues(req.body);
    const form = parseForm(revokeBody, values);
    if (form.errors) return certificatesPage(req, res, certificateId, { values, errors: form.errors, status: 400 });
    const c = confirmationOf(req) ? undefined : await findCertificate(db, { id: certificateId });
    if (c === null) throw refuse.notFound(`certificate ${certificateId}`);
    // First the confirmation; a certificate revoked already goes straight to the command, which says so.
    if (c && !c.revoked_at) {
      const code = c.verification_code;
      return askToConfirm(render, req, res, {
        title: { key: 'staff.confirm.revoke.title', values: { code } },
        consequences: [
          { key: 'staff.confirm.revoke.revokes', values: { code, student: c.student_name ?? 'the student', program: c.title } },
          { key: 'staff.confirm.revoke.public', values: { reason: form.data.reason } },
          { key: 'staff.confirm.revoke.webhooks' },
        ],
        action: `/admin/certificates/${certificateId}/revoke`,
        fields: { reason: form.data.reason },
        cancel: withQuery('/admin/certificates', { q: code }),
        danger: true,
      });
    }
    let revoked;
    try {
      revoked = await revokeCertificate(db, consoleActor(req), certificateId, form.data.reason, config.publicBaseUrl, webhooks?.dispatcher);
    } catch (err) {
      return certificatesPage(req, res, certificateId, { values, ...refusalErrors(err) });
    }
    await redirectWithSuccess(
      req,
      res,
      withQuery('/admin/certificates', { q: revoked.verificationCode }),
      `Certificate ${revoked.verificationCode} is revoked; its verification page and status list say so from now on.`,
    );
  });

  return router;
}
