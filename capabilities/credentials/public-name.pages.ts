import { Router } from 'express';
import { z } from 'zod';
import { consoleActor } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import { redirectWithFlash } from '../../console/flash';
import { localeOf } from '../../console/locale';
import type { CoreDeps } from '../../core/deps';
import { parse, refuse } from '../../core/refusals';
import { id } from '../../core/schemas';
import { translator } from '../../lib/i18n';
import { studentEnrollmentPath } from '../../lib/student-links';
import { setPublicName } from './public-name';
import { certificateEnrollment } from './queries';
import { publicNameBody } from './schemas';

const certificatePath = z.object({ certificateId: id });

/**
 * The student's choice of the name a certificate's verification page shows (/student/certificates/:id/public-name),
 * posted by the form on the enrollment page (a plain form: radios and a button, no script); the same command as
 * PUT /api/certificates/:id/public-name. Another student's certificate is as unknown as a missing one.
 */
export function publicNamePages({ db, config }: CoreDeps): Router {
  const router = Router();

  router.post('/certificates/:certificateId/public-name', requireCsrf, async (req, res) => {
    const path = certificatePath.safeParse(req.params);
    if (!path.success) throw refuse.notFound('certificate');
    const { certificateId } = path.data;
    const { show } = parse(publicNameBody, req.body, 'body');
    const setting = await setPublicName(db, consoleActor(req), certificateId, show, config.publicBaseUrl);
    const enrollmentId = (await certificateEnrollment(db, certificateId))!;
    const text = translator(localeOf(req)).t(
      setting.show === 'initials' ? 'student.publicName.savedInitials' : 'student.publicName.savedFull',
      { name: setting.holder },
    );
    await redirectWithFlash(req, res, { kind: 'success', text }, studentEnrollmentPath(enrollmentId));
  });

  return router;
}
