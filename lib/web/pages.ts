import type { Request, Response } from 'express';
import type { MessageId, MessageValues } from '../i18n';

/**
 * Renders a page for people: `view` (a console template) inside the console's layout. The console builds it; the app's
 * composition hands it to the few JSON API routes that also answer a browser (a certificate's verification, the
 * problem types, the checkout's return), so that no door imports another.
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
