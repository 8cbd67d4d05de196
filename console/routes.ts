import fs from 'node:fs';
import path from 'node:path';
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { auditPages } from '../capabilities/audit/audit.pages';
import { reviewPages } from '../capabilities/completion/evidence/review.pages';
import { partnerPages } from '../capabilities/completion/partners/partners.pages';
import { certificatePages } from '../capabilities/credentials/certificates.pages';
import { publicNamePages } from '../capabilities/credentials/public-name.pages';
import { holderEnrollmentPages } from '../capabilities/enrollments/holder-enrollments.pages';
import { REVIEWERS } from '../capabilities/enrollments/queries';
import { studentEnrollmentPages } from '../capabilities/enrollments/student-enrollments.pages';
import { keepStudentLocale } from '../capabilities/enrollments/student-locale.pages';
import { fundingPages } from '../capabilities/funding/funding.pages';
import { studentVoucherPages } from '../capabilities/funding/student-vouchers.pages';
import { rememberProgramHolder } from '../capabilities/programs/program-holder-contact';
import { privacyPages } from '../capabilities/privacy/privacy.pages';
import { erasureRequestAdminPages, privacyRequestStudentPages } from '../capabilities/privacy/privacy-requests.pages';
import { programPages } from '../capabilities/programs/programs.pages';
import { reportPages, revenueSharePages } from '../capabilities/reports/reports.pages';
import type { CoreDeps } from '../core/deps';
import { translator } from '../lib/i18n';
import { PROJECT_ROOT } from '../lib/paths';
import { consoleActor, signedIn } from './access';
import { localeOf } from './locale';
import { refusalOf } from './refusals';
import { createRenderer, HOME, type Render } from './render';
import { signInRoutes } from './sign-in';

declare module 'express-session' {
  interface SessionData {
    /** The holder's name and email are kept for the review digest once per session (rememberProgramHolder). */
    holderContactKept?: boolean;
  }
}

const CONSOLE_CSS = fs.readFileSync(path.join(PROJECT_ROOT, 'console', 'assets', 'console.css'));

/**
 * The web console: server-rendered pages for program holders, funders, admins and students, signed in with a
 * session. Pages only parse, authorize, call the same commands and read-model queries as the JSON API, and render.
 * Each capability's pages sit beside it (`capabilities/<capability>/*.pages.ts`); here each role's part of the
 * console mounts the ones it shows, behind its role check.
 */
export function consoleRoutes(deps: CoreDeps, render: Render = createRenderer(deps.config)): Router {
  const router = Router();
  router.get(
    '/assets/console.css',
    (_req, res) => void res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(CONSOLE_CSS),
  );
  router.get('/', (req, res) => {
    const actor = req.session?.actor;
    render(req, res, 'landing', { title: translator(localeOf(req)).t('public.landing.title'), home: actor ? HOME[actor.role] : '/login' });
  });
  router.use(signInRoutes(deps.config, render));
  const pages = (...capabilities: CapabilityPages[]) => capabilities.map((capability) => capability(deps, render));
  // An admin may use the holder's and the funder's pages too, seeing every program and organization.
  const holder = pages(holderEnrollmentPages, reviewPages, revenueSharePages);
  router.use('/holder', signedIn(...REVIEWERS), keepHolderContact(deps), ...holder);
  router.use('/funder', signedIn('funder', 'admin'), roleHome(HOME.funder), ...pages(fundingPages));
  const admin = pages(reportPages, partnerPages, programPages, certificatePages, auditPages, erasureRequestAdminPages);
  router.use('/admin', signedIn('admin'), roleHome(HOME.admin), ...admin);
  router.use(
    '/student',
    signedIn('student'),
    keepStudentLocale(deps),
    ...pages(studentEnrollmentPages, studentVoucherPages, publicNamePages, privacyPages, privacyRequestStudentPages),
  );
  router.use(consoleErrors(render));
  return router;
}

/** A capability's console pages: a router of paths under a role's (`/reports` under `/admin`). */
type CapabilityPages = (deps: CoreDeps, render: Render) => Router;

/** A role's bare path (`/funder`, `/admin`) goes on to its first page. */
const roleHome = (home: string) => Router().get('/', (_req, res) => res.redirect(303, home));

/**
 * Keeps the signed-in holder's name and email (once per session) for the review digest: the console is where the
 * platform learns a holder's address from their sign-in.
 */
function keepHolderContact({ db }: CoreDeps): RequestHandler {
  return async (req, _res, next) => {
    const actor = consoleActor(req);
    if (actor.role === 'program_holder' && !req.session.holderContactKept) {
      await rememberProgramHolder(db, actor);
      req.session.holderContactKept = true;
    }
    next();
  };
}

/** A console page's error as a page (the JSON API answers problems instead): what went wrong and a way back. */
function consoleErrors(render: Render): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const refused = refusalOf(err);
    if (!refused) {
      console.error('[console]', req.method, req.path, err);
      return render(
        req,
        res,
        'error',
        { title: 'Something went wrong', detail: 'The page could not be shown; try again in a moment.', back: '/' },
        500,
      );
    }
    res.set(refused.headers);
    const actor = req.session?.actor;
    const back = refused.status === 401 || !actor ? '/login' : HOME[actor.role];
    render(req, res, 'error', { title: refused.title, detail: refused.detail, back }, refused.status);
  };
}
