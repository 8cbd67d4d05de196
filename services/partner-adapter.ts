import { ApplicationFailure } from '@temporalio/common';
import { ResponseTooLargeError } from '../lib/bounded-fetch';
import { type OutboundGuard, OutboundRefusedError, OutboundTimeoutError } from '../lib/outbound-guard';
import { FailureType, type PartnerCompletionCheck } from '../workflows/messages';
import { completionDateProblem } from '../workflows/completion-date';

export type CompletionCheck = PartnerCompletionCheck;

/** A partner platform where students take their course (Certiport, Milady, NRF RISE Up, the local demo). */
export interface PartnerAdapter {
  readonly partnerId: string;
  /** Where to send the student to start or resume the course. */
  launchUrl(launch: { enrollmentId: string; courseId: string; externalId?: string }): Promise<string>;
  /**
   * Only for a partner with an API: registers the learner for the course (idempotent by enrollment id, the
   * registration) and answers the partner's own id of the learner.
   */
  register?(registration: { enrollmentId: string; courseId: string }, signal?: AbortSignal): Promise<{ externalId: string }>;
  /** Only for a partner with an API: whether the learner has finished the course. Without it, nobody polls. */
  checkCompletion?(query: { enrollmentId: string; externalId?: string }, signal?: AbortSignal): Promise<CompletionCheck>;
}

/** Where each fact is in the partner's JSON answers: a property name or a dotted path (`result.completion.done`). */
export interface FieldMap {
  completed: string;
  completedAt: string;
  score: string;
  /** The partner's id of the learner, in the registration answer (and, when present, in the status answer). */
  learnerId: string;
  /** Our registration (enrollment id) as echoed by the partner; an answer about another registration is refused. */
  registration: string;
}

export const DEFAULT_FIELD_MAP: FieldMap = {
  completed: 'completed',
  completedAt: 'completedAt',
  score: 'score',
  learnerId: 'learnerId',
  registration: 'registration',
};

/** A `partners` row as far as adapters are concerned. */
export interface PartnerRecord {
  id: string;
  launchUrlTemplate: string;
  /** The partner's completion API; absent for partners that have none (launch URL only, never polled). */
  apiBaseUrl?: string | null;
  /** Name of the environment variable that holds the bearer credential (the secret itself is never stored). */
  apiCredentialEnv?: string | null;
  /** The `field_map` column (any JSON as stored): overrides of DEFAULT_FIELD_MAP, validated by parseFieldMap. */
  fieldMap?: unknown;
}

export interface PartnerAdapterOptions {
  publicBaseUrl: string;
  /** What every call to the partner's API goes through: only addresses the URL policy allows, no redirects. */
  outbound: OutboundGuard;
  /** Where credentials are read from; the process environment by default. */
  env?: NodeJS.ProcessEnv;
  /** Per-request time limits of the HTTP adapter. */
  timeouts?: { registerMs?: number; checkMs?: number };
  /** The most of one answer that is read (PARTNER_RESPONSE_MAX_BYTES); a larger answer is unreadable. */
  maxAnswerBytes?: number;
}

export const DEFAULT_TIMEOUTS = { registerMs: 5_000, checkMs: 10_000 };
/** Answers larger than this are not a status answer. */
const DEFAULT_MAX_ANSWER_BYTES = 256 * 1024;

/** The partner's answer cannot be read: visible as its own failure type, not retried at once (the next poll asks again). */
const garbage = (partnerId: string, what: string) =>
  ApplicationFailure.create({
    message: `partner ${partnerId} answered something unreadable: ${what}`,
    type: FailureType.partnerGarbage,
    nonRetryable: true,
  });

/** A configuration or protocol problem on our side of the partner API: retrying the same request will not help. */
const refused = (partnerId: string, what: string) =>
  ApplicationFailure.create({ message: `partner ${partnerId}: ${what}`, type: FailureType.partnerUnavailable, nonRetryable: true });

/** The partner answered 404 for a registration: it does not know the learner (never registered, or it forgot). */
export class RegistrationUnknownError extends Error {
  constructor(
    readonly partnerId: string,
    readonly enrollmentId: string,
  ) {
    super(`partner ${partnerId} does not know registration ${enrollmentId}`);
    this.name = 'RegistrationUnknownError';
  }
}

function fillTemplate(template: string, values: Record<string, string | undefined>, publicBaseUrl: string): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    if (name === 'publicBaseUrl') return publicBaseUrl;
    const value = values[name];
    return value === undefined ? match : encodeURIComponent(value);
  });
}

/**
 * None of the partners publishes a launch API, so each is configured with a URL template that carries the
 * enrollment id as the registration the partner reports back with (and `{externalId}`, the partner's learner id,
 * once a partner with an API has given one).
 */
export function createTemplatePartnerAdapter(partner: PartnerRecord, publicBaseUrl: string): PartnerAdapter {
  return {
    partnerId: partner.id,
    launchUrl({ enrollmentId, courseId, externalId }) {
      return Promise.resolve(fillTemplate(partner.launchUrlTemplate, { enrollmentId, courseId, externalId }, publicBaseUrl));
    },
  };
}

/** The adapter a partner's row asks for: the HTTP protocol when it has an API base URL, the launch template otherwise. */
export function createPartnerAdapter(partner: PartnerRecord, options: PartnerAdapterOptions): PartnerAdapter {
  return partner.apiBaseUrl ? createHttpPartnerAdapter(partner, options) : createTemplatePartnerAdapter(partner, options.publicBaseUrl);
}

/** Validates a `field_map` value; an unknown key or an empty path is a configuration error, not silently ignored. */
export function parseFieldMap(partnerId: string, raw: PartnerRecord['fieldMap']): FieldMap {
  const map: FieldMap = { ...DEFAULT_FIELD_MAP };
  if (raw === null || raw === undefined) return map;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw refused(partnerId, 'field_map must be a JSON object');
  for (const [key, path] of Object.entries(raw)) {
    if (!(key in DEFAULT_FIELD_MAP))
      throw refused(partnerId, `field_map has an unknown key "${key}" (known: ${Object.keys(DEFAULT_FIELD_MAP).join(', ')})`);
    if (typeof path !== 'string' || !/^[^.\s]+(\.[^.\s]+)*$/.test(path))
      throw refused(partnerId, `field_map.${key} must be a property name or dotted path`);
    map[key as keyof FieldMap] = path;
  }
  return map;
}

function pick(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value) && /^\d+$/.test(part) ? value[Number(part)] : (value as Record<string, unknown>)[part];
  }
  return value;
}

/** ISO 8601 date-time (or date) with a believable value; anything else is not a date. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The partner protocol over HTTP (the `demo` stand-in speaks it):
 *   POST {base}/v1/registrations {registration, courseId}  → {registration, learnerId}   (idempotent)
 *   GET  {base}/v1/registrations/{registration}             → {registration, learnerId, completed, completedAt, score}
 * with `Authorization: Bearer <credential>` when the row names a credential variable, and the answer's fields
 * found through the row's field_map. 5xx, 408, 429, network errors and timeouts are ordinary (retryable) errors;
 * an unreadable answer is an ApplicationFailure of type PartnerAnswerUnreadable.
 */
export function createHttpPartnerAdapter(partner: PartnerRecord, options: PartnerAdapterOptions): PartnerAdapter {
  const partnerId = partner.id;
  if (!partner.apiBaseUrl) throw refused(partnerId, 'has no api_base_url');
  const baseUrl = fillTemplate(partner.apiBaseUrl, {}, options.publicBaseUrl).replace(/\/+$/, '');
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw refused(partnerId, `api_base_url "${baseUrl}" is not an http(s) URL`);
  }
  const fields = parseFieldMap(partnerId, partner.fieldMap);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const template = createTemplatePartnerAdapter(partner, options.publicBaseUrl);

  function credential(): string | undefined {
    const name = partner.apiCredentialEnv;
    if (!name) return undefined;
    const value = (options.env ?? process.env)[name];
    if (!value) throw refused(partnerId, `the credential variable ${name} (api_credential_env) is not set in the worker's environment`);
    return value;
  }

  /** One request; answers the parsed JSON body of a 2xx, or null for a 404 (the caller decides what that means). */
  async function call(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const token = credential();
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'credential-marketplace-partner-adapter' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const what = `${method} ${baseUrl}${path}`;
    let res: Response;
    let text: string;
    try {
      res = await options.outbound.fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        timeoutMs,
        maxBytes: maxAnswerBytes,
      });
      text = await res.text();
    } catch (err) {
      // Read no further than the cap: a partner streaming hundreds of megabytes must not fill the worker's memory.
      if (err instanceof ResponseTooLargeError) throw garbage(partnerId, `an answer larger than ${maxAnswerBytes} bytes to ${what}`);
      if (err instanceof OutboundRefusedError) throw refused(partnerId, `the outbound policy refuses ${what}: ${err.message}`);
      if (err instanceof OutboundTimeoutError)
        throw new Error(`partner ${partnerId} did not answer ${what} within ${timeoutMs} ms`, { cause: err });
      if (signal?.aborted) throw err;
      throw new Error(
        `partner ${partnerId} could not be reached (${what}): ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
        { cause: err },
      );
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      const retryAfter = Number(res.headers.get('retry-after'));
      const message = `partner ${partnerId} answered ${res.status} to ${what}`;
      // A partner that says when to come back is retried then (still an ordinary, retryable failure).
      if (Number.isFinite(retryAfter) && retryAfter > 0 && retryAfter <= 3600) {
        throw ApplicationFailure.create({
          message,
          type: FailureType.partnerUnavailable,
          nonRetryable: false,
          nextRetryDelay: retryAfter * 1000,
        });
      }
      throw new Error(message);
    }
    if (res.status === 404) return null;
    if (res.status === 401 || res.status === 403) throw refused(partnerId, `refused our credential (${res.status}) for ${what}`);
    if (res.status < 200 || res.status >= 300) throw refused(partnerId, `answered ${res.status} to ${what}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw garbage(partnerId, `not JSON (${JSON.stringify(text.slice(0, 80))}) to ${what}`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw garbage(partnerId, `not a JSON object to ${what}`);
    return json;
  }

  function checkRegistration(answer: unknown, enrollmentId: string) {
    const echoed = pick(answer, fields.registration);
    // A registration is echoed as text (or a number); any other value is not ours.
    const ours = (typeof echoed === 'string' || typeof echoed === 'number') && String(echoed) === enrollmentId;
    if (echoed !== undefined && echoed !== null && !ours) {
      throw garbage(partnerId, `an answer about registration ${JSON.stringify(echoed)} when asked about ${enrollmentId}`);
    }
  }

  function learnerIdOf(answer: unknown): string | undefined {
    const id = pick(answer, fields.learnerId);
    if (id === undefined || id === null) return undefined;
    if (
      (typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id))) ||
      String(id).trim() === '' ||
      String(id).length > 200
    ) {
      throw garbage(partnerId, `${fields.learnerId} is ${JSON.stringify(id)}, not a learner id`);
    }
    return String(id);
  }

  return {
    partnerId,
    launchUrl: (launch) => template.launchUrl(launch),

    async register({ enrollmentId, courseId }, signal) {
      const answer = await call('POST', '/v1/registrations', { registration: enrollmentId, courseId }, timeouts.registerMs, signal);
      if (answer === null) throw refused(partnerId, `answered 404 to POST ${baseUrl}/v1/registrations (is api_base_url right?)`);
      checkRegistration(answer, enrollmentId);
      const externalId = learnerIdOf(answer);
      if (!externalId) throw garbage(partnerId, `the registration answer has no ${fields.learnerId}`);
      return { externalId };
    },

    async checkCompletion({ enrollmentId, externalId }, signal) {
      const answer = await call('GET', `/v1/registrations/${encodeURIComponent(enrollmentId)}`, undefined, timeouts.checkMs, signal);
      if (answer === null) throw new RegistrationUnknownError(partnerId, enrollmentId);
      checkRegistration(answer, enrollmentId);
      const learnerId = learnerIdOf(answer);
      if (externalId && learnerId && learnerId !== externalId) {
        throw garbage(partnerId, `an answer about learner ${learnerId} when asked about ${externalId}`);
      }
      const completed = pick(answer, fields.completed);
      if (typeof completed !== 'boolean')
        throw garbage(partnerId, `${fields.completed} is ${JSON.stringify(completed) ?? 'missing'}, not true or false`);
      if (!completed) return { completed: false };

      const at = pick(answer, fields.completedAt);
      const ms = typeof at === 'string' && ISO_DATE.test(at.trim()) ? Date.parse(at.trim()) : NaN;
      if (typeof at !== 'string' || !Number.isFinite(ms))
        throw garbage(partnerId, `${fields.completedAt} is ${JSON.stringify(at) ?? 'missing'}, not an ISO 8601 date`);
      // The completion-date rule's future half (the workflow checks the launch half): such an answer is not believable.
      const future = completionDateProblem(new Date(ms).toISOString(), { now: Date.now() });
      if (future) throw garbage(partnerId, `${fields.completedAt} ${at}: ${future}`);
      const score = pick(answer, fields.score);
      if (score !== undefined && score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
        throw garbage(partnerId, `${fields.score} is ${JSON.stringify(score)}, not a number`);
      }
      return { completed: true, completedAt: new Date(ms).toISOString(), ...(typeof score === 'number' && { score }) };
    },
  };
}
