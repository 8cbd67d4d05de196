import path from 'node:path';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import type { Actor, Role } from '../core/actor';
import type { Config } from '../lib/config';
import { LOCALE_NAMES, LOCALES, type MessageId, translator } from '../lib/i18n';
import { PROJECT_ROOT } from '../lib/paths';
import type { RenderPage } from '../lib/web/pages';
import { csrfToken } from './csrf';
import { localeOf, switchHref } from './locale';

/**
 * The console's templates (Eta, `console/views/*.eta`): `<%= %>` escapes every value for HTML, so a page cannot
 * inject what a student typed; `<%~ %>` (unescaped) is used only for markup that templates make themselves. The
 * pages live beside their capabilities (`capabilities/<capability>/*.pages.ts`); their views stay in this one views
 * root, with the layout and partials they all include, under the role that sees them (`holder/review`).
 */
export function createRenderer(config: Config): RenderPage {
  const eta = new Eta({
    views: path.join(PROJECT_ROOT, 'console', 'views'),
    autoEscape: true,
    // Outside production a changed template shows on the next request.
    cache: config.env === 'production',
  });

  /** Renders `view` inside the layout with what every page needs: who is signed in, the navigation, the CSRF token. */
  return function render(req: Request, res: Response, view: string, data: Parameters<RenderPage>[3], status = 200) {
    const actor = req.session?.actor;
    const flash = req.session?.flash;
    if (flash) delete req.session.flash;
    const i18n = translator(localeOf(req));
    const nav = (actor ? NAVIGATION[actor.role] : []).map((link) => ({ href: link.href, label: i18n.t(link.label) }));
    // The full path (a role's router sees only its part), and the one link it is under: the longest that matches.
    const path = req.originalUrl.split('?')[0];
    const current = nav
      .filter((link) => path === link.href || path.startsWith(`${link.href}/`))
      .sort((a, b) => b.href.length - a.href.length)[0];
    const html = eta.render(view, {
      // Where "back" goes when a page names no other place: the role's start page, or the home page.
      home: actor ? HOME[actor.role] : '/',
      ...data,
      title: typeof data.title === 'string' ? data.title : i18n.t(data.title.id, data.title.values),
      actor,
      nav,
      currentNav: current?.href,
      roleLabel: actor ? i18n.t(`role.${actor.role}`) : '',
      path,
      // The catalog's words in the page's language (`it.t('…')`, `it.i18n.date(…)`), and the switch to the others.
      t: i18n.t,
      i18n,
      lang: i18n.locale,
      languages:
        // Staff pages stay English: no switch there.
        actor && actor.role !== 'student'
          ? []
          : LOCALES.filter((l) => l !== i18n.locale).map((l) => ({ lang: l, name: LOCALE_NAMES[l], href: switchHref(path, req.query, l) })),
      csrf: req.session ? csrfToken(req) : '',
      flash,
      development: config.env !== 'production',
      temporalUiUrl: config.console.temporalUiUrl,
    });
    res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
  };
}

export type Render = RenderPage;

/** Each role's links in the header (their words are the catalog's); the accessible names in `api.md` ("Web console") are fixed. */
export const NAVIGATION: Record<Role, { href: string; label: MessageId }[]> = {
  program_holder: [
    { href: '/holder', label: 'staff.nav.dashboard' },
    { href: '/holder/enrollments', label: 'staff.nav.enrollments' },
    { href: '/holder/review', label: 'staff.nav.review' },
    { href: '/holder/revenue', label: 'staff.nav.revenue' },
    { href: '/holder/outcomes', label: 'staff.nav.outcomes' },
    { href: '/holder/webhooks', label: 'staff.nav.webhooks' },
  ],
  funder: [
    { href: '/funder/vouchers', label: 'staff.nav.vouchers' },
    { href: '/funder/enrollments', label: 'staff.nav.fundedEnrollments' },
    { href: '/funder/outcomes', label: 'staff.nav.outcomes' },
  ],
  admin: [
    { href: '/admin/reports', label: 'staff.nav.reports' },
    { href: '/admin/outcomes', label: 'staff.nav.outcomes' },
    { href: '/admin/partners', label: 'staff.nav.partners' },
    { href: '/admin/programs', label: 'staff.nav.programs' },
    { href: '/admin/certificates', label: 'staff.nav.certificates' },
    { href: '/admin/audit', label: 'staff.nav.audit' },
    { href: '/admin/erasure-requests', label: 'staff.nav.erasureRequests' },
    { href: '/holder/webhooks', label: 'staff.nav.webhooks' },
    // An admin may use the funder's pages for any organization.
    { href: '/funder/vouchers', label: 'staff.nav.vouchers' },
  ],
  student: [
    { href: '/student/enrollments', label: 'nav.student.enrollments' },
    { href: '/student/vouchers', label: 'nav.student.vouchers' },
    { href: '/student/my-data', label: 'nav.student.myData' },
  ],
};

/** Each role as people say it (the sign-in form's choices). */
export const ROLE_LABELS: Record<Role, string> = {
  student: translator().t('role.student'),
  program_holder: translator().t('role.program_holder'),
  funder: translator().t('role.funder'),
  admin: translator().t('role.admin'),
};

/** Where each role lands after signing in. */
export const HOME: Record<Role, string> = {
  program_holder: '/holder',
  funder: '/funder/vouchers',
  admin: '/admin/reports',
  student: '/student/enrollments',
};

export const displayName = (actor: Actor) => actor.name ?? actor.email ?? actor.id;
