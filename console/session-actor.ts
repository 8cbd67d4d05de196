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
 * widget): without an Authorization header, the session's actor stands in for a token. Reading is free; a request
 * that changes something needs the session's CSRF token.
 */
export const sessionActor: RequestHandler = (req, res, next) => {
  if (req.get('authorization') || !req.session?.actor) return next();
  req.actor = req.session.actor;
  req.viaSession = true;
  requireCsrf(req, res, next);
};
