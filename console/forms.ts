import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { readMultipart } from '../lib/web/uploads';
import { redirectWithFlash } from './flash';
import { refusalOf } from './refusals';

/**
 * What a console form needs around the shared schemas and commands: the typed values kept as they were typed, each
 * bad field's message under its form name, and a command's refusal (a 4xx problem) shown on the form rather than
 * as an error page.
 */

/** Messages by form field name; `form` holds what belongs to no single field. */
export type FieldErrors = Record<string, string>;

/** What a form posted, as strings (the values to show again beside the errors). */
export function typedValues(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' && k !== '_csrf' ? [[k, v]] : [])));
}

/** A field of a JSON body (`body.revenueShare.platformBps`, or a zod path) under the form's name for it. */
function fieldName(path: readonly PropertyKey[], names: Record<string, string>): string {
  const dotted = path.map(String).join('.');
  for (let n = path.length; n > 0; n -= 1) {
    const prefix = path.slice(0, n).map(String).join('.');
    if (names[prefix]) return names[prefix];
  }
  return dotted || 'form';
}

/**
 * Parses a form with a shared schema: the values, or each bad field's first message under its form name (`names`
 * maps the schema's paths, such as `priceCents`, to the form's fields, such as `price`).
 */
export function parseForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
  names: Record<string, string> = {},
): { data: z.output<S>; errors?: undefined } | { data?: undefined; errors: FieldErrors } {
  const result = schema.safeParse(body ?? {}, { error: (issue) => (issue.input === undefined ? 'required' : undefined) });
  if (result.success) return { data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[fieldName(issue.path, names)] ??= issue.message;
  return { errors };
}

/**
 * A command's refusal as form errors: a 400, 409 or 422 problem's `errors` (`body.programId` → `programId`) and
 * its detail; anything else (403, 404, an outage) is thrown on, for the error page.
 */
export function refusalErrors(err: unknown, names: Record<string, string> = {}): { status: number; errors: FieldErrors } {
  const refused = refusalOf(err);
  if (!refused || ![400, 409, 413, 415, 422].includes(refused.status)) throw err;
  const errors: FieldErrors = {};
  for (const e of refused.errors ?? []) errors[fieldName(e.field.replace(/^body\.?/, '').split('.'), names)] ??= e.message;
  errors.form = refused.detail;
  return { status: refused.status, errors };
}

/**
 * A multipart form with at most one file (`file`) and text fields up to `maxBytes` each (a CSV pasted or carried over
 * from a dry run), parsed before `requireCsrf` can read its token: 413 past the limit, 400 for a body that is not one.
 */
export function multipartForm(maxBytes: number): RequestHandler {
  return (req: Request, res: Response, next) =>
    void readMultipart(req, res, maxBytes, 'file', { fieldSize: maxBytes, fields: 20 }).then(() => next(), next);
}

/** A blank field as an absent one (for a query's fields one by one; `withoutBlanks` does a whole form). */
export const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A list page's number, from its `page` query parameter (1 when absent). */
export const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).default(1) });

/** A form's zod issues as one message per top-level field (`form` when the issue names none). */
export const issueMessages = (error: z.ZodError): FieldErrors =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));

/** A path with those query parameters that are set. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.size ? `${path}?${q.toString()}` : path;
}

/** Post/redirect/get with a success message for the next page (saved before the redirect: console/flash.ts). */
export const redirectWithSuccess = (req: Request, res: Response, location: string, text: string): Promise<void> =>
  redirectWithFlash(req, res, { kind: 'success', text }, location);
