import type { Request, RequestHandler } from 'express';
import type { Actor, Role } from '../core/actor';
import { refuse } from '../core/refusals';

declare module 'express-serve-static-core' {
  interface Request {
    /** The console user, once `signedIn` let the request through. */
    consoleActor?: Actor;
  }
}

/**
 * A console page for these roles: without a session, a page view goes to the sign-in (and comes back after it);
 * another role's page is 403.
 */
export function signedIn(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const actor = req.session?.actor;
    if (!actor) {
      if (req.method === 'GET') return res.redirect(303, `/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
      // A form sent after the session ended is not lost silently: the sign-in says so, then leads back to its page.
      const from = formPage(req);
      return res.redirect(303, `/login?expired=1${from ? `&returnTo=${encodeURIComponent(from)}` : ''}`);
    }
    if (!roles.includes(actor.role)) return next(refuse.forbidden(`this page is for ${roles.join(' or ').replace(/_/g, ' ')} accounts`));
    req.consoleActor = actor;
    next();
  };
}

/** The page a form was sent from (its Referer), when it is a page of this site; else undefined. */
function formPage(req: Request): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    if (url.host !== req.get('host')) return undefined;
    const path = `${url.pathname}${url.search}`;
    return /^\/(?![/\\])/.test(path) && path.length <= 500 ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The signed-in console user of a request that `signedIn` let through. */
export function consoleActor(req: Request): Actor {
  if (!req.consoleActor) throw new Error('consoleActor used on a route without signedIn');
  return req.consoleActor;
}

/** Whose programs a console page shows: a program holder's own, or (an admin) every one. */
export const holderScope = (actor: Actor): string | undefined => (actor.role === 'program_holder' ? actor.id : undefined);
