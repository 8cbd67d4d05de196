import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';

/** An RFC 9457 problem: every error the API answers with is one of these. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

/** How soon a client may try again after a dependency outage (the `Retry-After` of a 503). */
export const RETRY_AFTER_SECONDS = 5;

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
  tooLarge: (detail: string) => new HttpProblem(413, 'too-large', 'Payload too large', detail),
  unsupportedType: (detail: string) => new HttpProblem(415, 'unsupported-media-type', 'Unsupported file type', detail),
  unprocessable: (detail: string) => new HttpProblem(422, 'unprocessable', 'Request cannot be processed', detail),
  unavailable: (detail: string, retryAfterSeconds = RETRY_AFTER_SECONDS) =>
    new HttpProblem(503, 'unavailable', 'Service unavailable', detail, {}, { 'retry-after': String(retryAfterSeconds) }),
};

export function sendProblem(res: Response, p: HttpProblem): void {
  // Every 401 names how to authenticate (RFC 9110); the auth middlewares set a more specific challenge first.
  if (p.status === 401 && !res.get('WWW-Authenticate')) res.set('WWW-Authenticate', 'Bearer realm="credential-marketplace"');
  res
    .set(p.headers)
    .status(p.status)
    .type('application/problem+json')
    .json({ type: `/problems/${p.slug}`, title: p.title, status: p.status, ...(p.detail && { detail: p.detail }), ...p.extra });
}

/** zod issues as the `errors` array of a 400 problem: one entry per bad field. */
export function validationProblem(error: z.ZodError, where: 'body' | 'query' | 'path'): HttpProblem {
  const errors = error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
  return problems.badRequest(`${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.field).join(', ')}`, {
    errors,
  });
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  // A request without a body is read as an empty object, so `errors` names each missing field.
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

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

/** Maps what route handlers throw to problems; anything unexpected is a logged 500 without internals. */
export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof HttpProblem) return sendProblem(res, err);
  const outage = networkOutage(err);
  if (outage) {
    console.error(`[api] ${req.method} ${req.originalUrl}: a dependency is down: ${(err as Error).message}`);
    return sendProblem(res, outage);
  }
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  const type = (err as { type?: string }).type;
  // Body-parser failures: malformed JSON, too large a body, an unsupported charset.
  if (type === 'entity.parse.failed') return sendProblem(res, problems.badRequest('the body is not valid JSON'));
  if (type === 'entity.too.large') return sendProblem(res, problems.tooLarge('the request body is too large'));
  if (status && status >= 400 && status < 500) {
    const known = { 413: problems.tooLarge, 415: problems.unsupportedType }[status as 413 | 415];
    return sendProblem(
      res,
      known ? known((err as Error).message) : new HttpProblem(status, 'bad-request', 'Bad request', (err as Error).message),
    );
  }
  console.error(`[api] ${req.method} ${req.originalUrl} failed:`, err);
  sendProblem(res, new HttpProblem(500, 'internal', 'Internal error', 'something went wrong on our side; it has been logged'));
};
