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
import { rememberStaffMember } from '../capabilities/audit/staff-directory';
import { studentVoucherPages } from '../capabilities/funding/student-vouchers.pages';
import { privacyPages } from '../capabilities/privacy/privacy.pages';
import { erasureRequestAdminPages, privacyRequestStudentPages } from '../capabilities/privacy/privacy-requests.pages';
import { programPages } from '../capabilities/programs/programs.pages';
import { outcomePages } from '../capabilities/reports/outcomes.pages';
import { webhookPages } from '../capabilities/webhooks/webhooks.pages';
import { reportPages, revenueSharePages } from '../capabilities/reports/reports.pages';
import type { CoreDeps } from '../core/deps';
import { translator } from '../lib/i18n';
import { PROJECT_ROOT } from '../lib/paths';
import { renderErrorPage } from '../lib/web/pages';
import { consoleActor, signedIn } from './access';
import { localeOf } from './locale';
import { refusalOf } from './refusals';
import { createRenderer, HOME, type Render } from './render';
import { signInRoutes } from './sign-in';

declare module 'express-session' {
  interface SessionData {
    /** The staff member's name and email are kept once per session (rememberStaffMember). */
    staffContactKept?: boolean;
  }
}

/**
 * The console's static files, read once: its stylesheet, and its few scripts as files (the Content-Security-Policy
 * allows no inline script): the Review queue's Select all, and the live status of a page that waits for a change.
 */
const ASSETS = new Map<string, { type: string; body: Buffer }>(
  (
    [
      ['console.css', 'text/css'],
      ['review-select.js', 'text/javascript'],
      ['live-status.js', 'text/javascript'],
    ] as const
  ).map(([file, type]) => [file, { type, body: fs.readFileSync(path.join(PROJECT_ROOT, 'console', 'assets', file)) }]),
);

/**
 * The web console: server-rendered pages for program holders, funders, admins and students, signed in with a
 * session. Pages only parse, authorize, call the same commands and read-model queries as the JSON API, and render.
 * Each capability's pages sit beside it (`capabilities/<capability>/*.pages.ts`); here each role's part of the
 * console mounts the ones it shows, behind its role check.
 */
export function consoleRoutes(deps: CoreDeps, render: Render = createRenderer(deps.config)): Router {
  const router = Router();
  router.get('/assets/:file', (req, res, next) => {
    const asset = ASSETS.get(req.params.file);
    if (!asset) return next();
    res.set('Cache-Control', 'public, max-age=3600').type(asset.type).send(asset.body);
  });
  router.get('/', (req, res) => {
    const actor = req.session?.actor;
    render(req, res, 'landing', { title: translator(localeOf(req)).t('public.landing.title'), home: actor ? HOME[actor.role] : '/login' });
  });
  router.use(signInRoutes(deps.config, render));
  const pages = (...capabilities: CapabilityPages[]) => capabilities.map((capability) => capability(deps, render));
  // An admin may use the holder's and the funder's pages too, seeing every program and organization.
  const holder = pages(holderEnrollmentPages, reviewPages, revenueSharePages, outcomePages, webhookPages);
  router.use('/holder', signedIn(...REVIEWERS), keepStaffContact(deps), ...holder);
  router.use('/funder', signedIn('funder', 'admin'), keepStaffContact(deps), roleHome(HOME.funder), ...pages(fundingPages, outcomePages));
  const admin = pages(reportPages, outcomePages, partnerPages, programPages, certificatePages, auditPages, erasureRequestAdminPages);
  router.use('/admin', signedIn('admin'), keepStaffContact(deps), roleHome(HOME.admin), ...admin);
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
 * Keeps the signed-in staff member's name and email (once per session): the console is where the platform learns
 * them from their sign-in, for the holder's review digest and for pages that name people (the audit log, API keys).
 */
function keepStaffContact({ db }: CoreDeps): RequestHandler {
  return async (req, _res, next) => {
    const actor = consoleActor(req);
    if (actor.role !== 'student' && !req.session.staffContactKept) {
      await rememberStaffMember(db, actor);
      req.session.staffContactKept = true;
    }
    next();
  };
}

/**
 * A console page's error as a page (the JSON API answers problems instead): what went wrong in the person's words and
 * a way back. A refusal's own sentence is shown where it tells the person something (why they may not, what state
 * the thing is in); otherwise the catalog's words for its status.
 */
function consoleErrors(render: Render): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const refused = refusalOf(err);
    if (!refused) {
      console.error('[console]', req.method, req.path, err);
      return renderErrorPage(render, req, res, 500);
    }
    res.set(refused.headers);
    const told = [401, 403, 409].includes(refused.status) ? asSentence(refused.detail) : undefined;
    renderErrorPage(render, req, res, refused.status, { detail: told });
  };
}

/** A refusal's message as a sentence: a capital first, a full stop last. */
const asSentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
