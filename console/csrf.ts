import type { Request, RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';
import { refuse } from '../core/refusals';

/**
 * CSRF protection for everything a console session may do (csrf-sync's synchronizer token, kept in the session):
 * every form carries the token as `_csrf`, a script sends it as `X-CSRF-Token`. A bearer-token request is not
 * a session's and needs none.
 */
const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const body: unknown = req.body;
    const fromBody =
      typeof body === 'object' && body !== null && '_csrf' in body && typeof body._csrf === 'string' ? body._csrf : undefined;
    return fromBody ?? req.get('x-csrf-token');
  },
});

/** The session's token (made on first use) for a page's forms and scripts. */
export const csrfToken = (req: Request): string => csrf.generateToken(req);

/** Refuses a state-changing request of a session whose token is missing or wrong (after the body is parsed). */
export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || csrf.isRequestValid(req)) return next();
  next(refuse.forbidden('the form has expired or did not come from this site; reload the page and try again'));
};
