import type { RequestHandler } from 'express';
import { requireCsrf } from './csrf';

declare module 'express-serve-static-core' {
  interface Request {
    /** True when `req.actor` comes from a console session rather than a bearer token. */
    viaSession?: boolean;
  }
}

/**
 * A signed-in console user may also use the JSON API from the browser (a submission's file link, the tutor
 * widget): without an Authorization header, the session's actor stands in for a token. A request that another site
 * started (a link or a form elsewhere: `Sec-Fetch-Site` cross-site or same-site) is not the session's, so a planted
 * link cannot record a launch; a request that changes something needs the session's CSRF token besides.
 */
export const sessionActor: RequestHandler = (req, res, next) => {
  if (req.get('authorization') || !req.session?.actor) return next();
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return next();
  req.actor = req.session.actor;
  req.viaSession = true;
  requireCsrf(req, res, next);
};
