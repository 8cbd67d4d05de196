import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { MessageId, MessageValues } from '../lib/i18n';
import type { Render } from './render';

/**
 * One confirmation for every console action that issues, revokes or sends (approve, reject, approve selected, mark
 * complete, revoke a certificate or an API key): the action's form posts here first and gets a page stating what
 * will happen, with a button **Confirm** and a button **Cancel**; nothing happens before Confirm. Confirm posts the
 * same fields again to the same action with a `confirmation` token (made for this page), which the action then uses
 * as its idempotency key: a double click on Confirm does the work once. Works without script; CSRF as every form.
 */
export interface Confirmation {
  /** The page's title and heading (a catalog message). */
  title: Line;
  /** What will happen, one line each (certificate, email to whom, payouts). */
  consequences: Line[];
  /** Who or what it acts on, when it is several (the students of a bulk approval). */
  items?: { heading: Line; lines: string[] };
  /** Where Confirm posts (the action's own path) and the fields it posts again. */
  action: string;
  fields?: Record<string, string | string[]>;
  /** Where Cancel goes back to. */
  cancel: string;
  /** The action cannot be undone (a revocation): Confirm is styled as a danger. */
  danger?: boolean;
  /** The action's route reads a multipart body (Mark complete). */
  multipart?: boolean;
  /**
   * Cancel posts `cancel=yes` with the fields to the action (which drops what it kept aside, such as a proof file) and
   * the action sends the browser back to `cancel`; otherwise Cancel simply goes to `cancel`.
   */
  cancelByPost?: boolean;
}

/** Whether the post is a confirmation's Cancel (`cancelByPost`). */
export const cancelledOf = (req: Request): boolean => (req.body as { cancel?: unknown } | undefined)?.cancel === 'yes';

/** A catalog message with its values (staff pages are English: `staff.confirm.*`). */
export type Line = { key: MessageId; values?: MessageValues };

/** The confirmation token a Confirm posted, when it is one (a UUID this helper made); undefined on the first post. */
export function confirmationOf(req: Request): string | undefined {
  const body: unknown = req.body;
  const token = typeof body === 'object' && body !== null && 'confirmation' in body ? body.confirmation : undefined;
  return typeof token === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(token)
    ? token
    : undefined;
}

/** Shows the confirmation page for `confirmation` (status 200: nothing has been done). */
export function askToConfirm(render: Render, req: Request, res: Response, confirmation: Confirmation): void {
  // Cancel is a button (a GET form): its query goes in hidden fields, as a GET form replaces the action's query.
  const cancel = new URL(confirmation.cancel, 'http://localhost');
  const cancelFields = [...cancel.searchParams].map(([name, value]) => ({ name, value }));
  const fields = Object.entries(confirmation.fields ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: v })),
  );
  render(req, res, 'confirm', {
    title: { id: confirmation.title.key, values: confirmation.title.values },
    confirmation: { ...confirmation, fields, cancel: cancel.pathname, cancelFields, token: randomUUID() },
  });
}

/** The idempotency key of one of the several things a confirmation acts on (each its own, the same on a retry). */
export const confirmationKey = (token: string, thing: string) => `confirm:${token}:${thing}`;
