import type { RequestHandler } from 'express';
import { consoleActor } from '../../console/access';
import { localeOf } from '../../console/locale';
import type { CoreDeps } from '../../core/deps';
import { rememberStudentLocale } from './student-contact';

/**
 * Keeps the language a signed-in student reads their pages in (the switch, else their browser's), so that the emails
 * and the certificate sent to them speak it too: whenever a page of theirs is in another language than the one
 * stored (one indexed statement that writes nothing while they agree).
 */
export function keepStudentLocale({ db }: CoreDeps): RequestHandler {
  return async (req, _res, next) => {
    await rememberStudentLocale(db, consoleActor(req).id, localeOf(req));
    next();
  };
}
