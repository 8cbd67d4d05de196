/**
 * Which language a page speaks. Student and public pages speak the person's: the one they chose with the language
 * switch (a `lang` cookie, a year), else the best of `Accept-Language`, else English. Staff pages (program holder,
 * funder, admin) stay English. The switch is a plain link (`?lang=es`): this middleware keeps the choice and sends the
 * browser back to the same page without the parameter, so it works without script.
 */
import type { Request, RequestHandler } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from '../lib/i18n';

export const LANG_COOKIE = 'lang';
const YEAR_SECONDS = 365 * 24 * 3600;
/** The staff areas: their pages stay English. */
const STAFF_AREAS = ['/holder', '/funder', '/admin'];

const isStaffPage = (path: string) => STAFF_AREAS.some((area) => path === area || path.startsWith(`${area}/`));

/** The language of the page answering `req`. */
export function localeOf(req: Request): Locale {
  const path = req.originalUrl.split('?')[0];
  if (isStaffPage(path)) return DEFAULT_LOCALE;
  const chosen = parseCookies(req.headers.cookie ?? '')[LANG_COOKIE];
  if (isLocale(chosen)) return chosen;
  const accepted = req.acceptsLanguages(...LOCALES);
  return isLocale(accepted) ? accepted : DEFAULT_LOCALE;
}

/** Where no page is: the JSON API and the partners' endpoints take no `lang`. */
const NOT_PAGES = /^\/(api|xapi|lti|widget|\.well-known)(\/|$)/;

/** `?lang=<locale>` on a page: kept in the cookie, then the same page again without the parameter (303). */
export function languageSwitch(secure: boolean): RequestHandler {
  return (req, res, next) => {
    const wanted = req.method === 'GET' && !NOT_PAGES.test(req.path) ? req.query.lang : undefined;
    if (wanted === undefined) return next();
    const url = new URL(req.originalUrl, 'http://localhost');
    url.searchParams.delete('lang');
    if (isLocale(wanted)) {
      res.append(
        'Set-Cookie',
        serialize(LANG_COOKIE, wanted, { path: '/', maxAge: YEAR_SECONDS, sameSite: 'lax', httpOnly: true, secure }),
      );
    }
    // Only ever back to this site's own path: the URL is rebuilt from the path and query alone.
    res.redirect(303, `${url.pathname}${url.search}`);
  };
}

/** The link that switches a page to `locale`: the same path and query, with `lang`. */
export function switchHref(path: string, query: Record<string, unknown>, locale: Locale): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (k !== 'lang' && typeof v === 'string') params.set(k, v);
  params.set('lang', locale);
  return `${path}?${params.toString()}`;
}
