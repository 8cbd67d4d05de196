import type { RequestHandler } from 'express';
import { consoleActor } from '../../console/access';
import { localeOf } from '../../console/locale';
import type { CoreDeps } from '../../core/deps';
import { rememberStudentLocale } from './student-contact';

declare module 'express-session' {
  interface SessionData {
    /** The language last kept for the signed-in student (written again only when their pages change language). */
    studentLocaleKept?: string;
  }
}

/**
 * Keeps the language a signed-in student reads their pages in (the switch, else their browser's), so that the emails
 * and the certificate sent to them speak it too: written when it differs from the one this session last kept (once
 * per session and switch, not once per page).
 */
export function keepStudentLocale({ db }: CoreDeps): RequestHandler {
  return async (req, _res, next) => {
    const locale = localeOf(req);
    // A student the platform keeps no row for yet (not enrolled) is tried again on the next page.
    if (req.session.studentLocaleKept !== locale && (await rememberStudentLocale(db, consoleActor(req).id, locale))) {
      req.session.studentLocaleKept = locale;
    }
    next();
  };
}
