import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';

/**
 * Post/redirect/get with a message for the next page: the session is saved BEFORE the redirect is sent. (express-
 * session saves at the end of a response but sends its headers first, so a browser that follows the 303 at once
 * could read the session before the message is in it.)
 */
export async function redirectWithFlash(req: Request, res: Response, flash: NonNullable<SessionData['flash']>, location: string) {
  req.session.flash = flash;
  await new Promise<void>((resolve, reject) =>
    req.session.save((err: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('the session could not be saved')) : resolve(),
    ),
  );
  res.redirect(303, location);
}
