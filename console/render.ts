import path from 'node:path';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import type { Actor, Role } from '../core/actor';
import type { Config } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import type { RenderPage } from '../lib/web/pages';
import { csrfToken } from './csrf';

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
  return function render(req: Request, res: Response, view: string, data: Record<string, unknown> & { title: string }, status = 200) {
    const actor = req.session?.actor;
    const flash = req.session?.flash;
    if (flash) delete req.session.flash;
    const nav = actor ? NAVIGATION[actor.role] : [];
    // The full path (a role's router sees only its part), and the one link it is under: the longest that matches.
    const path = req.originalUrl.split('?')[0];
    const current = nav
      .filter((link) => path === link.href || path.startsWith(`${link.href}/`))
      .sort((a, b) => b.href.length - a.href.length)[0];
    const html = eta.render(view, {
      ...data,
      actor,
      nav,
      currentNav: current?.href,
      roleLabel: actor ? ROLE_LABELS[actor.role] : '',
      path,
      csrf: req.session ? csrfToken(req) : '',
      flash,
      development: config.env !== 'production',
      temporalUiUrl: config.console.temporalUiUrl,
    });
    res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
  };
}

export type Render = RenderPage;

/** Each role's links in the header; the accessible names in `api.md` ("Web console") are fixed. */
export const NAVIGATION: Record<Role, { href: string; label: string }[]> = {
  program_holder: [
    { href: '/holder', label: 'Dashboard' },
    { href: '/holder/enrollments', label: 'Enrollments' },
    { href: '/holder/review', label: 'Review queue' },
    { href: '/holder/revenue', label: 'Revenue share' },
  ],
  funder: [
    { href: '/funder/vouchers', label: 'Vouchers' },
    { href: '/funder/enrollments', label: 'Funded enrollments' },
  ],
  admin: [
    { href: '/admin/reports', label: 'Reports' },
    { href: '/admin/partners', label: 'Partners' },
    { href: '/admin/programs', label: 'Programs' },
    { href: '/admin/certificates', label: 'Certificates' },
    { href: '/admin/audit', label: 'Audit log' },
    { href: '/admin/erasure-requests', label: 'Erasure requests' },
    // An admin may use the funder's pages for any organization.
    { href: '/funder/vouchers', label: 'Vouchers' },
  ],
  student: [
    { href: '/student/enrollments', label: 'My enrollments' },
    { href: '/student/my-data', label: 'My data' },
  ],
};

/** Each role as people say it. */
export const ROLE_LABELS: Record<Role, string> = {
  student: 'Student',
  program_holder: 'Program holder',
  funder: 'Funder',
  admin: 'Admin',
};

/** Where each role lands after signing in. */
export const HOME: Record<Role, string> = {
  program_holder: '/holder',
  funder: '/funder/vouchers',
  admin: '/admin/reports',
  student: '/student/enrollments',
};

export const displayName = (actor: Actor) => actor.name ?? actor.email ?? actor.id;
