import type { Request, Response } from 'express';
import type { MessageId, MessageValues } from '../i18n';

/**
 * Renders a page for people: `view` (a console template) inside the console's layout. The console builds it; the app's
 * composition hands it to the few JSON API routes that also answer a browser (a certificate's verification, the
 * problem types, the checkout's return, the error pages), so that no door imports another. The page's `<title>` is
 * `title`: a string, or a catalog message said in the page's language.
 */
export type RenderPage = (
  req: Request,
  res: Response,
  view: string,
  data: Record<string, unknown> & { title: string | PageTitle },
  status?: number,
) => void;

/** A page's title as a catalog message, said in the page's language by the renderer (for a door that cannot know it). */
export interface PageTitle {
  id: MessageId;
  values?: MessageValues;
}

/** The console's session cookie: the console sets it; the JSON API reads a session from it and documents it. */
export const SESSION_COOKIE = 'cm_session';

/**
 * A browser's navigation: the request prefers an HTML page to JSON (`Accept: text/html,…`). API clients (JSON, `* / *`
 * or no Accept at all) get problem documents; a browser gets a page.
 */
export const prefersPage = (req: Request): boolean => req.accepts(['json', 'html']) === 'html';

/** The error pages' kinds (their words are the catalog's `error.<kind>.title` and `error.<kind>.detail`), by status. */
const ERROR_KINDS = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'notFound',
  405: 'methodNotAllowed',
  409: 'conflict',
  413: 'tooLarge',
  415: 'unsupportedType',
  422: 'unprocessable',
  429: 'tooManyRequests',
  500: 'internal',
  503: 'unavailable',
} as const;
export type ErrorKind = (typeof ERROR_KINDS)[keyof typeof ERROR_KINDS];

export const errorKind = (status: number): ErrorKind =>
  ERROR_KINDS[status as keyof typeof ERROR_KINDS] ?? (status >= 500 ? 'internal' : 'badRequest');

/**
 * An error as a page for people (the `error` view): its status kept, a heading and a sentence in the person's words
 * (`detail` when the caller has one written for people, else the catalog's for the status), and a way back (`back`,
 * else home: the role's start page when signed in).
 */
export function renderErrorPage(
  render: RenderPage,
  req: Request,
  res: Response,
  status: number,
  options: { detail?: string; back?: string } = {},
): void {
  const kind = errorKind(status);
  // Signing in comes back to the page asked for (a GET only: a form's POST cannot be replayed by a link).
  const signIn = req.method === 'GET' ? `/login?returnTo=${encodeURIComponent(req.originalUrl)}` : '/login';
  render(req, res, 'error', { title: { id: `error.${kind}.title` }, kind, detail: options.detail, back: options.back, signIn }, status);
}
