import type { Request, Response } from 'express';

/**
 * Post/redirect/get with a message for the next page. The session is saved before the redirect is sent:
 * express-session otherwise sends the headers first and saves while the body ends, and a browser that follows the
 * 303 at once may load the next page before the message is stored.
 */
export function redirectWithFlash(
  req: Request,
  res: Response,
  flash: { kind: 'success' | 'error'; text: string },
  location: string,
): Promise<void> {
  req.session.flash = flash;
  return new Promise((resolve, reject) =>
    req.session.save((err) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      res.redirect(303, location);
      resolve();
    }),
  );
}
