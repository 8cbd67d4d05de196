import { type FieldError, Refusal, type RefusalKind } from '../core/refusals';

/** What a console page shows for a refusal: the status it answers with, its heading and message, the bad fields. */
export interface PageRefusal {
  status: number;
  title: string;
  detail: string;
  /** Each bad field, as the core named it (`body.completedAt`); absent when the refusal names none. */
  errors?: FieldError[];
  headers: Record<string, string>;
}

/** The console's one mapping of the core's refusals: the same statuses and headings as the JSON API's problems. */
export const PAGE_OF_KIND: Record<RefusalKind, { status: number; title: string }> = {
  invalid: { status: 400, title: 'Bad request' },
  'url-refused': { status: 400, title: 'URL refused' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Not allowed in the current state' },
  'too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported file type' },
  unprocessable: { status: 422, title: 'Request cannot be processed' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

/**
 * A refusal as a page sees it: a Refusal of a command, a query or the shared middleware (sessions, CSRF, uploads);
 * undefined for anything else (a fault, shown as the 500 page).
 */
export function refusalOf(err: unknown): PageRefusal | undefined {
  if (err instanceof Refusal) {
    const { status, title } = PAGE_OF_KIND[err.kind];
    const headers: Record<string, string> = err.retryAfterSeconds ? { 'Retry-After': String(err.retryAfterSeconds) } : {};
    return { status, title, detail: err.message || title, errors: err.errors, headers };
  }
  return undefined;
}
