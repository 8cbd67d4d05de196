import type { ErrorRequestHandler, Request, Response } from 'express';
import { prefersPage, type RenderPage, renderErrorPage } from '../lib/web/pages';
import { Refusal, type RefusalKind, RETRY_AFTER_SECONDS } from '../core/refusals';

export { RETRY_AFTER_SECONDS, refuseUrls } from '../core/refusals';

/** One problem type: its page at `/problems/<slug>` says what it means and what to do. */
export interface ProblemType {
  /** The status it is answered with (the one exception: `bad-request` also stands for a body parser's other 4xx). */
  status: number;
  title: string;
  meaning: string;
  whatToDo: string;
}

/**
 * Every problem type the API answers with, by the slug of its `type` URI (`/problems/<slug>`). One list: the problem
 * pages, the OpenAPI problem schema and `HttpProblem` (whose slug must be one of these) all read it.
 */
export const PROBLEM_TYPES = {
  'bad-request': {
    status: 400,
    title: 'Bad request',
    meaning:
      'The request cannot be read as it is: a field is missing or invalid, the body is not valid JSON or CSV, or a header ' +
      'the operation needs is absent. For invalid fields, `errors` names each one (`field`, as `body.x`, `query.x`, ' +
      '`path.x` or `header.x`) with a message.',
    whatToDo: 'Correct the fields `errors` names (or what `detail` says) and send the request again; the same request fails again.',
  },
  unauthorized: {
    status: 401,
    title: 'Authentication required',
    meaning:
      'No credentials, or credentials that are not accepted: a missing, expired or badly signed bearer token, an unknown or ' +
      'revoked partner API key, or a console session that has ended. `WWW-Authenticate` names the scheme expected.',
    whatToDo: 'Send valid credentials: a fresh bearer token, a live partner key (X-Api-Key or HTTP Basic for xAPI), or sign in again.',
  },
  forbidden: {
    status: 403,
    title: 'Not allowed',
    meaning:
      'The credentials are valid, but this caller may not do this: another role’s operation, another partner’s path, or a ' +
      'console request without its CSRF token.',
    whatToDo: 'Use an account with the role the operation names, or the partner’s own path. A console form: reload the page and retry.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    meaning:
      'Nothing with this id or path exists for this caller. Objects the caller may not see answer the same way, so an id ' +
      'another user owns is indistinguishable from one that does not exist.',
    whatToDo: 'Check the id and the path. An id from another account is not visible to you.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    meaning: 'The path exists but does not take this HTTP method; `Allow` lists the methods it takes.',
    whatToDo: 'Use one of the methods in `Allow`.',
  },
  conflict: {
    status: 409,
    title: 'Not allowed in the current state',
    meaning:
      'The request is valid but the object’s state does not allow it now: an enrollment not yet paid, completed already or ' +
      'withdrawn; a voucher used already; a second open enrollment in a program; a number issued already; or a request ' +
      'with the same Idempotency-Key still running (then with `Retry-After`).',
    whatToDo:
      'Read the object again (its status says why) and act on its state. With `Retry-After`, send the same request again after ' +
      'that many seconds.',
  },
  'too-large': {
    status: 413,
    title: 'Payload too large',
    meaning: 'The body is larger than the operation takes: 10 MB for an evidence file, 1 MB or 5000 rows for a CSV, 256 KB for JSON.',
    whatToDo: 'Send a smaller file, or split a CSV into several imports.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported file type',
    meaning:
      'The body’s type is not one the operation takes: evidence must be a PDF, PNG or JPEG (checked by content, not by ' +
      'name), an import `text/csv`, xAPI statements `application/json`.',
    whatToDo: 'Send the file in one of the types the operation lists, with a matching Content-Type.',
  },
  unprocessable: {
    status: 422,
    title: 'Request cannot be processed',
    meaning:
      'The request is well formed but refers to something unusable: a voucher that is unknown, another student’s or expired ' +
      '(one answer for all three), or one for another program or currency.',
    whatToDo: 'Check the voucher number with the funder that issued it, or enroll with another funding source.',
  },
  'url-refused': {
    status: 400,
    title: 'URL refused',
    meaning:
      'A URL the platform would connect to or send people to (a webhook endpoint, an LTI tool’s JWKS, login or launch ' +
      'URL) is one the outbound policy refuses: in production it must be https and its host must resolve to public ' +
      'addresses only (never loopback, a private network, link-local such as cloud metadata, or a name that does not ' +
      'resolve). `errors` names each refused field and why.',
    whatToDo: 'Give a public https URL for each field `errors` names.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    meaning:
      'This client (user, address or partner key) sent more requests in the window than the limit allows; or too many ' +
      'refused credentials (bearer tokens, partner keys) came from this address, or claimed this partner or user.',
    whatToDo:
      'Wait the seconds `Retry-After` gives, then continue at a lower rate (`RateLimit` and `RateLimit-Policy` say the limit). ' +
      'After refused credentials: fix the credential before trying again.',
  },
  'too-many-requests': {
    status: 429,
    title: 'Too many requests',
    meaning: 'The AI tutor’s limits for this student are reached: messages per minute, or the daily token budget.',
    whatToDo: 'Ask again after the seconds `Retry-After` gives (for the daily budget: tomorrow, UTC).',
  },
  internal: {
    status: 500,
    title: 'Internal error',
    meaning: 'Something failed on the platform’s side. It is logged; no internals are shown. Bad input never answers this.',
    whatToDo: 'Try again later; if it persists, report the time and the request to the platform’s operators.',
  },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    meaning:
      'A service the platform needs is down or did not answer in time (PostgreSQL, Temporal, the payment provider, a partner, ' +
      'the AI model), or a feature is not configured on this server. Nothing was changed by the request.',
    whatToDo: 'Send the same request again after the seconds `Retry-After` gives (use an Idempotency-Key on writes).',
  },
} as const satisfies Record<string, ProblemType>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;
export const PROBLEM_SLUGS = Object.keys(PROBLEM_TYPES) as ProblemSlug[];
/** The `type` of a problem: a URI reference resolved against the API's address, where its page is. */
export const problemTypeUri = (slug: ProblemSlug) => `/problems/${slug}`;

/** An RFC 9457 problem: every error the API answers with is one of these. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: ProblemSlug,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const problems = {
  badRequest: (detail: string, extra?: Record<string, unknown>) => new HttpProblem(400, 'bad-request', 'Bad request', detail, extra),
  unauthorized: (detail: string) => new HttpProblem(401, 'unauthorized', 'Authentication required', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Not allowed', detail),
  notFound: (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} does not exist or is not visible to you`),
  conflict: (detail: string, retryAfterSeconds?: number) =>
    new HttpProblem(
      409,
      'conflict',
      'Not allowed in the current state',
      detail,
      {},
      retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {},
    ),
  methodNotAllowed: (allow: string[]) =>
    new HttpProblem(
      405,
      'method-not-allowed',
      'Method not allowed',
      `this path answers ${allow.join(', ')}`,
      {},
      { allow: allow.join(', ') },
    ),
  tooLarge: (detail: string) => new HttpProblem(413, 'too-large', 'Payload too large', detail),
  unsupportedType: (detail: string) => new HttpProblem(415, 'unsupported-media-type', 'Unsupported file type', detail),
  unprocessable: (detail: string) => new HttpProblem(422, 'unprocessable', 'Request cannot be processed', detail),
  unavailable: (detail: string, retryAfterSeconds = RETRY_AFTER_SECONDS) =>
    new HttpProblem(503, 'unavailable', 'Service unavailable', detail, {}, { 'retry-after': String(retryAfterSeconds) }),
};

/** The problem type each kind of the core's Refusal is answered with. */
const PROBLEM_OF_KIND: Record<RefusalKind, ProblemSlug> = {
  invalid: 'bad-request',
  'url-refused': 'url-refused',
  unauthenticated: 'unauthorized',
  forbidden: 'forbidden',
  'not-found': 'not-found',
  conflict: 'conflict',
  'too-large': 'too-large',
  'unsupported-media-type': 'unsupported-media-type',
  unprocessable: 'unprocessable',
  'too-many-requests': 'too-many-requests',
  unavailable: 'unavailable',
};

/**
 * The one place a Refusal of the core becomes the API's problem: its type's status and title, the message as
 * `detail`, the bad fields as `errors`, an OAuth error code as `error` + `error_description`, and `Retry-After`.
 */
export function problemOf(refusal: Refusal): HttpProblem {
  const slug = PROBLEM_OF_KIND[refusal.kind];
  const { status, title } = PROBLEM_TYPES[slug];
  const extra = {
    ...(refusal.errors && { errors: refusal.errors }),
    ...(refusal.oauthError !== undefined && { error: refusal.oauthError, error_description: refusal.message }),
  };
  const retryAfter = refusal.retryAfterSeconds;
  // A 409 without a wait (0 or none) has no Retry-After; the tutor's 429 has always spelt the header name in capitals.
  const headers: Record<string, string> = retryAfter
    ? { [slug === 'too-many-requests' ? 'Retry-After' : 'retry-after']: String(retryAfter) }
    : {};
  return new HttpProblem(status, slug, title, refusal.message, extra, headers);
}

/** What a handler threw, as a problem when it is one (a Refusal of the core, or an HttpProblem of the API's own). */
export const asProblem = (err: unknown): HttpProblem | undefined =>
  err instanceof HttpProblem ? err : err instanceof Refusal ? problemOf(err) : undefined;

export function sendProblem(res: Response, p: HttpProblem): void {
  // Every 401 names how to authenticate (RFC 9110); the auth middlewares set a more specific challenge first.
  if (p.status === 401 && !res.get('WWW-Authenticate')) res.set('WWW-Authenticate', 'Bearer realm="credential-marketplace"');
  res
    .set(p.headers)
    .status(p.status)
    .type('application/problem+json')
    .json({
      type: problemTypeUri(p.slug),
      title: PROBLEM_TYPES[p.slug].title,
      status: p.status,
      ...(p.detail && { detail: p.detail }),
      ...p.extra,
    });
}

/**
 * The core's `parse` (one rule for naming bad fields: `body.x`, `query.x`, `path.x`), whose invalid Refusal the
 * problem handler answers as a 400 with `errors`.
 */
export { parse } from '../core/refusals';

// Node's network errors, and PostgreSQL's: admin shutdown, crash shutdown, cannot connect now, too many connections.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const POSTGRES_DOWN_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
// What `pg` and `pg-pool` throw, without a code, when the server goes away or no connection comes in time.
const POSTGRES_DOWN_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/;

/** A 503 problem when `err` says PostgreSQL (or another service over the network) cannot be reached; class 08 is "connection exception". */
export function networkOutage(err: unknown): HttpProblem | undefined {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const down =
    (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_DOWN_CODES.has(code) || code.startsWith('08'))) ||
    (typeof message === 'string' && POSTGRES_DOWN_MESSAGES.test(message));
  return down
    ? problems.unavailable('the database or another service the platform needs is not reachable right now; try again shortly')
    : undefined;
}

/** What a handler threw, as the problem it is answered with: a known one, an outage (503), a parser's 4xx, else a logged 500. */
function problemFor(err: unknown, req: Request): HttpProblem {
  const problem = asProblem(err);
  if (problem) return problem;
  const outage = networkOutage(err);
  if (outage) {
    console.error(`[api] ${req.method} ${req.originalUrl}: a dependency is down: ${(err as Error).message}`);
    return outage;
  }
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  const type = (err as { type?: string }).type;
  // Body-parser failures: malformed JSON, too large a body, an unsupported charset.
  if (type === 'entity.parse.failed') return problems.badRequest('the body is not valid JSON');
  if (type === 'entity.too.large') return problems.tooLarge('the request body is too large');
  if (status && status >= 400 && status < 500) {
    const known = { 413: problems.tooLarge, 415: problems.unsupportedType }[status as 413 | 415];
    return known ? known((err as Error).message) : new HttpProblem(status, 'bad-request', 'Bad request', (err as Error).message);
  }
  console.error(`[api] ${req.method} ${req.originalUrl} failed:`, err);
  return new HttpProblem(500, 'internal', 'Internal error', 'something went wrong on our side; it has been logged');
}

/**
 * Maps what route handlers throw to problems; anything unexpected is a logged 500 without internals. With `render`
 * (the app's), a browser's navigation (it prefers HTML) gets the problem as a page for people instead, with the same
 * status and headers; API clients get the `application/problem+json` document either way.
 */
export function createProblemHandler(render?: RenderPage): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const problem = problemFor(err, req);
    if (!render || !prefersPage(req)) return sendProblem(res, problem);
    res.set(problem.headers);
    if (problem.status === 401 && !res.get('WWW-Authenticate')) res.set('WWW-Authenticate', 'Bearer realm="credential-marketplace"');
    renderErrorPage(render, req, res, problem.status);
  };
}

export const problemHandler: ErrorRequestHandler = createProblemHandler();
