import type { z } from 'zod';

/**
 * What the core (commands and read-model queries) refuses, in its own words: each door maps a Refusal once to its
 * answer (the JSON API to a problem document, the console to a page with the message). Nothing here knows HTTP.
 */
export type RefusalKind =
  | 'invalid'
  | 'url-refused'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'unprocessable'
  | 'too-many-requests'
  | 'unavailable';

/** One bad input: `field` as the door named it (`body.x`, `query.x`, `path.x`, or a form's own name such as `nonce`). */
export interface FieldError {
  field: string;
  message: string;
}

export interface RefusalFacts {
  /** Each bad field (invalid, url-refused). */
  errors?: FieldError[];
  /** When the same request may succeed (conflict, too-many-requests, unavailable). */
  retryAfterSeconds?: number;
  /** An OAuth 2.0 error code (RFC 6749 §5.2) for the LTI token endpoint, which answers it beside the message. */
  oauthError?: string;
}

export class Refusal extends Error {
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;
  readonly oauthError?: string;

  constructor(
    readonly kind: RefusalKind,
    message: string,
    facts: RefusalFacts = {},
  ) {
    super(message);
    this.name = 'Refusal';
    if (facts.errors) this.errors = facts.errors;
    if (facts.retryAfterSeconds !== undefined) this.retryAfterSeconds = facts.retryAfterSeconds;
    if (facts.oauthError !== undefined) this.oauthError = facts.oauthError;
  }
}

/**
 * The status code each kind is recorded with where a refusal is kept as data (audit entries, an LTI score's outcome):
 * the numbers the JSON API answers, so the trail reads the same whichever door was used.
 */
export const REFUSAL_STATUS: Record<RefusalKind, number> = {
  invalid: 400,
  'url-refused': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'too-many-requests': 429,
  unavailable: 503,
};

/** How soon a caller may try again after a dependency outage. */
export const RETRY_AFTER_SECONDS = 5;

/** Short call sites: `throw refuse.notFound(`program ${id}`)`. */
export const refuse = {
  invalid: (detail: string, errors?: FieldError[]) => new Refusal('invalid', detail, { errors }),
  unauthenticated: (detail: string) => new Refusal('unauthenticated', detail),
  forbidden: (detail: string) => new Refusal('forbidden', detail),
  /** One message whether it does not exist or the caller may not see it. */
  notFound: (what: string) => new Refusal('not-found', `${what} does not exist or is not visible to you`),
  conflict: (detail: string, retryAfterSeconds?: number) => new Refusal('conflict', detail, { retryAfterSeconds }),
  tooLarge: (detail: string) => new Refusal('too-large', detail),
  unsupportedType: (detail: string) => new Refusal('unsupported-media-type', detail),
  unprocessable: (detail: string) => new Refusal('unprocessable', detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) => new Refusal('too-many-requests', detail, { retryAfterSeconds }),
  unavailable: (detail: string, retryAfterSeconds = RETRY_AFTER_SECONDS) => new Refusal('unavailable', detail, { retryAfterSeconds }),
};

export type InputPart = 'body' | 'query' | 'path';

/** zod issues as an invalid Refusal: one entry per bad field, named `<where>.<path>`. */
export function invalidInput(error: z.ZodError, where: InputPart): Refusal {
  const errors = error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
  return refuse.invalid(
    `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.field).join(', ')}`,
    errors,
  );
}

/** The value as the schema reads it, or an invalid Refusal naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: InputPart): z.output<S> {
  // No input at all is read as an empty object, so `errors` names each missing field.
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw invalidInput(result.error, where);
  return result.data;
}

/** What the outbound guard says about one URL: why it is refused, or undefined. */
export interface UrlPolicy {
  urlProblem(url: string): Promise<string | undefined>;
}

/**
 * The registration-time half of the outbound guard: a url-refused Refusal naming every field (as `body.x`) whose URL
 * the policy refuses. The guard checks again at every connection.
 */
export async function refuseUrls(outbound: UrlPolicy, urls: Record<string, string | undefined>): Promise<void> {
  const checked = await Promise.all(
    Object.entries(urls).map(async ([field, url]) => ({ field, message: url === undefined ? undefined : await outbound.urlProblem(url) })),
  );
  const errors = checked.filter((c): c is FieldError => c.message !== undefined);
  if (errors.length) throw new Refusal('url-refused', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
}
