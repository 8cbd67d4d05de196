import { z } from 'zod';
import { COMPLETION_METHODS, ENROLLMENT_STATUSES, FUNDING_SOURCES, type SubmissionView } from '../workflows/messages';
import { completionDateProblem } from '../workflows/completion-date';
import {
  CREDENTIAL_TYPES,
  DEFAULT_MOVE_ON,
  DEFAULT_TRAINING_SERVICE_TYPE,
  MOVE_ON_RULES,
  TRAINING_SERVICE_TYPES,
} from '../lib/program-rules';
import { ALL_WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES } from '../lib/webhook-events';
import { PROBLEM_SLUGS, problemTypeUri } from './problems';

/** Request schemas, shared by the routes (validation) and /openapi.json (documentation). */
export const id = z.guid('must be a UUID');
export const idParam = (name: string) => z.object({ [name]: id });

// ── Form fields of the console: what people type, turned into what the JSON API takes ─────────────────────

/**
 * A decimal with at most two places as typed in a form ("1250", "1,250.00", "$1250.5", "12.5%") → its integer
 * hundredths, computed from the digits (never through a binary float, which would turn 1250.10 into 125009.99…).
 */
const hundredths = (message: string, symbols: { prefix?: string; suffix?: string } = {}) =>
  z.string().transform((typed, ctx) => {
    let v = typed.trim();
    if (symbols.prefix && v.startsWith(symbols.prefix)) v = v.slice(symbols.prefix.length).trim();
    if (symbols.suffix && v.endsWith(symbols.suffix)) v = v.slice(0, -symbols.suffix.length).trim();
    const m = /^(\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.(\d{1,2}))?$/.exec(v);
    if (!m) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return Number(m[1].replace(/,/g, '')) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  });
/** An amount in dollars (or the currency's main unit) as typed in a form → integer cents, exactly. */
export const dollarsAsCents = hundredths('an amount such as 1250.00', { prefix: '$' });
/** A percentage as typed in a form → basis points, exactly. */
const percentAsBps = hundredths('a percentage such as 20 or 12.5', { suffix: '%' });
/** A whole number typed in a form. */
const wholeNumber = (message: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, message)
    .transform(Number);

/** A form's values without the blank ones: an empty optional field is an absent one, as in a JSON body. */
export const withoutBlanks = (form: unknown): unknown =>
  typeof form === 'object' && form !== null
    ? Object.fromEntries(Object.entries(form).filter(([, v]) => !(typeof v === 'string' && v.trim() === '')))
    : form;

/** The completion-date rule's future half, at parse time: the launch half needs the enrollment (the workflow checks both). */
const notInTheFuture = (v: string, ctx: z.RefinementCtx) => {
  const problem = completionDateProblem(v, { now: Date.now() });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

/**
 * A calendar date or an instant, not in the future (a completion cannot be reported ahead of time). A date is kept as
 * its 00:00 UTC, which the completion-date rule reads back as that calendar day.
 */
export const completedAt = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO 8601 date or date-time' })
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v).toISOString())
  .superRefine(notInTheFuture);

export const createProgramBody = z.object({
  title: z.string().trim().min(1).max(200),
  partnerId: z.string().min(1).max(64),
  partnerCourseId: z.string().min(1).max(200).optional(),
  priceCents: z.number().int().min(0).max(10_000_000),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as usd')
    .transform((c) => c.toLowerCase()),
  holderId: z.string().min(1).max(200),
  revenueShare: z
    .object({ platformBps: z.number().int().min(0), holderBps: z.number().int().min(0), partnerBps: z.number().int().min(0) })
    .refine((r) => r.platformBps + r.holderBps + r.partnerBps === 10_000, 'basis points must sum to 10000'),
  credentialType: z.enum(CREDENTIAL_TYPES),
  deadlineDays: z.number().int().min(1).max(3650),
  moveOn: z.enum(MOVE_ON_RULES).default(DEFAULT_MOVE_ON),
  /** The type of training service the program is: its WIOA participants' PIRL 1303 (lib/pirl.ts). */
  trainingServiceType: z.enum(TRAINING_SERVICE_TYPES).default(DEFAULT_TRAINING_SERVICE_TYPE),

  /** The score (percent of the maximum) an LTI AGS score must reach to complete an enrollment; absent: any graded one. */
  passingScorePercent: z.number().min(0).max(100).optional(),
});

/**
 * The console's program form: the same fields as strings, the price in dollars and each share in percent (exact
 * cents and basis points); every rule is `createProgramBody`'s.
 */
export const createProgramForm = z.preprocess(
  withoutBlanks,
  z
    .looseObject({
      price: dollarsAsCents.optional(),
      platformShare: percentAsBps.optional(),
      holderShare: percentAsBps.optional(),
      partnerShare: percentAsBps.optional(),
      deadlineDays: wholeNumber('a whole number of days').optional(),
    })
    // Unknown until createProgramBody has read it: every field's rule is there.
    .transform((f): unknown => ({
      title: f.title,
      partnerId: f.partnerId,
      partnerCourseId: f.partnerCourseId,
      priceCents: f.price,
      currency: f.currency,
      holderId: f.holderId,
      revenueShare: { platformBps: f.platformShare, holderBps: f.holderShare, partnerBps: f.partnerShare },
      credentialType: f.credentialType,
      deadlineDays: f.deadlineDays,
      moveOn: f.moveOn,
      trainingServiceType: f.trainingServiceType,
    }))
    .pipe(createProgramBody),
);

export const createEnrollmentBody = z
  .object({
    programId: id,
    fundingSource: z.enum(FUNDING_SOURCES),
    voucherNumber: z.string().trim().min(1).max(100).optional(),
  })
  .refine((b) => b.fundingSource === 'self_pay' || b.voucherNumber, {
    path: ['voucherNumber'],
    message: 'required when the enrollment is funded',
  });

/**
 * A whole number in a query string: digits only, so `offset=` or `limit=1e2` is a 400 rather than read as 0 or 100
 * (what `z.coerce.number()` alone would do); at most PostgreSQL's largest integer unless `max` says less.
 */
function queryInteger(min: number, max = 2_147_483_647) {
  return z.preprocess(
    (v) => (typeof v === 'string' && !/^\d+$/.test(v) ? Number.NaN : v),
    z.coerce
      .number({ error: (issue) => (issue.code === 'invalid_type' ? 'a whole number (digits only)' : undefined) })
      .int()
      .min(min)
      .max(max),
  );
}

export const listEnrollmentsQuery = z.object({
  status: z.enum(ENROLLMENT_STATUSES).optional(),
  programId: id.optional(),
  /** Part of the student's name or email, any case. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

export const submissionFields = z.object({ completedAt });

export const reviewQueueQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected'] as const satisfies readonly SubmissionView['status'][]).default('pending'),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

export const rejectBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) });

export const markCompleteBody = z.object({
  enrollmentId: id,
  completedAt,
  certificateUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  notes: z.string().max(2000).optional(),
});

/** A form's field left empty is a field not given. */
const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The console's Mark complete form: the JSON body's fields (its enrollment is the page's), empty ones left out. */
export const markCompleteForm = z.object({
  completedAt: z.preprocess(blankAsUndefined, completedAt),
  certificateUrl: z.preprocess(blankAsUndefined, markCompleteBody.shape.certificateUrl),
  notes: z.preprocess(blankAsUndefined, markCompleteBody.shape.notes),
});

export { COMPLETION_METHODS };

// ── Completion channels: partner keys and push, CSV import, xAPI, withdrawal ─────────────────────────────

export const partnerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a partner id such as demo');
export const partnerParams = z.object({ partnerId });
export const apiKeyParams = z.object({ partnerId, id });

export const completionScore = z.number().min(0, 'a score from 0 to 100').max(100, 'a score from 0 to 100');
export const evidenceUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
/** The partner's id of the learner or enrollment (`enrollments.partner_external_id`). */
export const externalId = z.string().trim().min(1).max(200);

export const partnerCompletionBody = z
  .object({
    enrollmentId: id.optional(),
    externalId: externalId.optional(),
    completedAt,
    score: completionScore.optional(),
    evidenceUrl: evidenceUrl.optional(),
    /** The partner's own id of this report; a retry with the same id is the same report. */
    reportId: z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 visible ASCII characters')
      .optional(),
  })
  .refine((b) => (b.enrollmentId === undefined) !== (b.externalId === undefined), {
    path: ['enrollmentId'],
    message: 'give exactly one of enrollmentId and externalId',
  });

export const csvImportQuery = z.object({
  dryRun: z
    .enum(['true', 'false'], { error: 'true or false' })
    .default('false')
    .transform((v) => v === 'true'),
});

/** A calendar day (YYYY-MM-DD) that exists. */
export const calendarDay = z.iso.date('must be a date YYYY-MM-DD');
const today = () => new Date().toISOString().slice(0, 10);

/** What a voucher may cover, in cents. */
export const VOUCHER_MAX_CENTS = 10_000_000;

/** A voucher's fields but its amount: shared by the JSON body, a CSV row and the console's form. */
const voucherShape = {
  number: z.string().trim().min(1).max(100),
  fundingSource: z.enum(['wioa_ita', 'sponsor']),
  studentEmail: z
    .email()
    .transform((e) => e.toLowerCase())
    .optional(),
  studentId: z.string().trim().min(1).max(200).optional(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as usd')
    .transform((c) => c.toLowerCase()),
  expiresOn: calendarDay.refine((d) => d >= today(), 'is in the past'),
  programId: id.optional(),
  /** Only an admin names the organization; a funder's is its own. */
  organizationId: z.string().trim().min(1).max(200).optional(),
};
/** A voucher names its student by email or by user id. */
const namesItsStudent = (v: { studentEmail?: string; studentId?: string }) => v.studentEmail !== undefined || v.studentId !== undefined;
const studentRequired = {
  path: ['studentEmail'],
  message: 'studentEmail or studentId is required',
  // Checked even when other fields are bad, so one answer names every missing field.
  when: ({ value }: { value: unknown }) => typeof value === 'object' && value !== null,
};

/** A voucher as a funder issues it (JSON body or CSV row). */
export const voucherFields = z
  .object({ ...voucherShape, amountCents: z.number().int().min(1).max(VOUCHER_MAX_CENTS) })
  .refine(namesItsStudent, studentRequired);
export type VoucherFields = z.output<typeof voucherFields>;

/**
 * The console's Issue voucher form: the same fields, blank ones absent, the amount in dollars (`amount`, converted
 * to cents exactly).
 */
export const voucherForm = z.preprocess(
  withoutBlanks,
  z
    .object({
      ...voucherShape,
      amount: dollarsAsCents.pipe(
        z
          .number()
          .min(1, 'must be at least 0.01')
          .max(VOUCHER_MAX_CENTS, `at most ${(VOUCHER_MAX_CENTS / 100).toLocaleString('en-US')}.00`),
      ),
    })
    .refine(namesItsStudent, studentRequired)
    .transform(({ amount, ...v }): VoucherFields => ({ ...v, amountCents: amount })),
);

export const listQuery = z.object({
  limit: queryInteger(1, 500).default(100),
  offset: queryInteger(0).default(0),
  /** An admin may narrow to one organization. */
  organizationId: z.string().trim().min(1).max(200).optional(),
});

/** How a report or an export is sent when a plain link asks (a link cannot send `Accept`). */
export const exportFormat = z.enum(['json', 'csv']).optional();

/** The funded enrollments: a page of them as JSON, or (`format=csv`) all of them as a CSV download. */
export const fundedEnrollmentsQuery = listQuery.extend({ format: exportFormat });

/** Where a checkout sends the student back: Stripe's success and cancel URLs carry both. */
/** Where a checkout sends the student back: any query answers the page (a mangled id links to My enrollments instead). */
export const checkoutReturnQuery = z.object({
  enrollmentId: z
    .string()
    .optional()
    .transform((v) => (id.safeParse(v).success ? v : undefined)),
  result: z
    .string()
    .optional()
    .transform((v) => (v === 'paid' ? ('paid' as const) : ('cancelled' as const))),
});

export const withdrawBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() });

// xAPI 1.0.3: the statement and the statement resource's parameters, every rule of the Data part (a module of its own).
export {
  MAX_STATEMENTS_PER_REQUEST,
  xapiActivitiesQuery,
  xapiAgentsQuery,
  xapiGetQuery,
  xapiPutQuery,
  xapiStatement,
  xapiStatementBatch,
  type XapiGetQuery,
  type XapiStatement,
} from './xapi-schemas';

/** The AI tutor: a question about one program (`courseId`) or one of the student's enrollments (`enrollmentId`). */
export const TUTOR_MESSAGE_MAX = 4000;
export const tutorChatBody = z
  .object({
    message: z
      .string({ error: 'required, a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(TUTOR_MESSAGE_MAX, `at most ${TUTOR_MESSAGE_MAX} characters`),
    courseId: id.optional(),
    enrollmentId: id.optional(),
    conversationId: id.optional(),
  })
  .refine((b) => b.courseId || b.enrollmentId, { path: ['courseId'], message: 'courseId or enrollmentId is required' });

// ── Certificates and reports ──────────────────────────────────────────────────────────────────────────

export const revokeBody = z.object({ reason: z.string({ error: 'a reason is required' }).trim().min(1, 'a reason is required').max(2000) });
export const listIdParam = z.object({
  listId: z
    .string()
    .regex(/^\d{1,9}$/, 'a status list number')
    .transform(Number),
});
/** A credential signing key by its RFC 7638 SHA-256 thumbprint (43 base64url characters). */
export const keyThumbprintParam = z.object({
  thumbprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a key thumbprint (RFC 7638, SHA-256, base64url)'),
});

/** `from` and `to` are calendar days (UTC), both included. */
function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
const calendarDate = z.iso.date('a calendar date YYYY-MM-DD');
/** Before any enrollment: a report without `from` covers everything. */
const EARLIEST_DAY = '1900-01-01';

/**
 * A report's period, `from` and `to` (calendar days, both included); without them a report covers everything up to
 * today (UTC).
 */
export const reportPeriodQuery = z
  .object({
    from: calendarDate.default(EARLIEST_DAY),
    to: calendarDate.default(() => new Date().toISOString().slice(0, 10)),
  })
  .refine((q) => !isCalendarDate(q.from) || !isCalendarDate(q.to) || q.to >= q.from, { message: 'must be on or after from', path: ['to'] });
/**
 * The revenue-share ledger of the enrollments whose shares were recorded in the period; `format` chooses JSON or CSV
 * where the request cannot say it with `Accept` (a plain link).
 */
export const revenueShareQuery = reportPeriodQuery.extend({ format: exportFormat });
/** A participant is reported when its program entry or exit falls in the period. */
export const wioaReportQuery = reportPeriodQuery;

export const etpReportQuery = z.object({
  year: z
    .string()
    .regex(/^(20\d\d|2100)$/, 'a year YYYY from 2000 to 2100')
    .transform(Number)
    .pipe(z.number().int().min(2000).max(2100)),
  /** JSON (the default) or CSV, one line per program. */
  format: exportFormat,
});

// ── Outbound webhooks (Standard Webhooks) ───────────────────────────────────────────────────────────────

const webhookEventType = z.enum([ALL_WEBHOOK_EVENTS, ...WEBHOOK_EVENT_TYPES], {
  error: `an event type (${WEBHOOK_EVENT_TYPES.join(', ')}) or "*"`,
});
const distinct = (values: readonly string[]) => new Set(values).size === values.length;

/** An endpoint: where to send (checked against the URL policy by the command), which events, optionally which programs. */
export const webhookEndpointBody = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2000),
  events: z
    .array(webhookEventType, { error: 'an array of event types, or ["*"]' })
    .min(1, 'at least one event type')
    .max(WEBHOOK_EVENT_TYPES.length)
    .refine(distinct, 'each event type once')
    .refine((e) => !e.includes(ALL_WEBHOOK_EVENTS) || e.length === 1, '"*" stands alone'),
  /** Only these programs' events (a holder's own programs); absent: every program the owner may see. */
  programIds: z.array(id).min(1).max(100).refine(distinct, 'each program once').optional(),
  description: z.string().trim().min(1).max(200).optional(),
});
export const webhookEndpointParams = z.object({ id });
export const webhookDeliveryParams = z.object({ id, deliveryId: id });
/** How long the previous secret keeps signing after a rotation (default a day, at most a week; 0: not at all). */
export const rotateWebhookSecretBody = z.object({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400),
});
export const webhookDeliveriesQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  enrollmentId: id.optional(),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

// ── LTI 1.3 platform (1EdTech LTI Core 1.3, AGS 2.0) ─────────────────────────────────────────────────

const ltiUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
const ltiText = z.string().trim().min(1).max(255);
/** An admin registers a partner's LTI tool. */
export const ltiToolBody = z.object({
  clientId: ltiText,
  deploymentId: ltiText,
  oidcLoginUrl: ltiUrl,
  targetLinkUri: ltiUrl,
  jwksUrl: ltiUrl,
  /** Other URLs the tool may receive the id_token at (the target link URI always may). */
  redirectUris: z.array(ltiUrl).max(10).optional(),
});

/** The tool's authentication request (OIDC, third-party initiated login), as query (GET) or form (POST). */
export const ltiAuthorizeRequest = z.object({
  scope: z.literal('openid', 'must be openid'),
  response_type: z.literal('id_token', 'must be id_token'),
  response_mode: z.literal('form_post', 'must be form_post'),
  prompt: z.literal('none', 'must be none'),
  client_id: ltiText,
  redirect_uri: ltiUrl,
  login_hint: z.string().min(1).max(255),
  lti_message_hint: z.string().min(1).max(4000),
  nonce: z.string().min(1).max(255),
  state: z.string().min(1).max(2000),
});

/** OAuth 2 client credentials with a JWT client assertion (RFC 7523 §2.2), form-encoded. */
export const ltiTokenRequest = z.object({
  grant_type: z.literal('client_credentials', 'must be client_credentials'),
  client_assertion_type: z.literal('urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'must be the JWT bearer type'),
  client_assertion: z.string().min(1).max(8000),
  scope: z.string().min(1).max(1000),
});

/** An AGS 2.0 score (`application/vnd.ims.lis.v1.score+json`). */
export const ltiScoreBody = z
  .object({
    userId: z.string().min(1).max(255),
    scoreGiven: z.number().min(0).optional(),
    scoreMaximum: z.number().positive().optional(),
    activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
    gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
    timestamp: z.iso.datetime({ offset: true, error: 'an ISO 8601 instant with its offset' }),
    comment: z.string().max(4000).optional(),
  })
  .refine((s) => s.scoreGiven === undefined || s.scoreMaximum !== undefined, {
    message: 'scoreMaximum is required with scoreGiven',
    path: ['scoreMaximum'],
  });
export const ltiEnrollmentParams = z.object({ enrollmentId: id });

// ── Responses: what each operation answers (documented in /openapi.json, checked against answers in the tests) ──

/** The named response schemas: /openapi.json lists each under components.schemas and refers to it by this id. */
export const responseComponents = z.registry<{ id: string }>();
const named = <S extends z.ZodType>(id: string, schema: S, description?: string): S => {
  const described = description ? schema.describe(description) : schema;
  responseComponents.add(described, { id });
  return described;
};

const uuid = z.guid();
const instant = z.iso.datetime();
const currencyCode = z.string().regex(/^[a-z]{3}$/);
const cents = z.number().int();
const count = z.number().int().min(0);
const page = { limit: count, offset: count };
const httpUrl = z.url();
const enrollmentStatus = z.enum(ENROLLMENT_STATUSES);
const submissionStatus = z.enum(['pending', 'approved', 'rejected']);
/** What an LTI AGS score did (a completing one: applied, or already_complete when completed before). */
const LTI_SCORE_OUTCOMES = ['applied', 'already_complete', 'recorded', 'below_passing'] as const;

/** RFC 9457 problem details; `type` is one of the problem types (each a page at that address). */
export const problemResponse = named(
  'Problem',
  z.object({
    type: z.enum(PROBLEM_SLUGS.map(problemTypeUri) as [string, ...string[]]).describe('A problem type; its page is at this address'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Validation failures: one entry per bad field (body.x, query.x, path.x, header.x)'),
    error: z.string().optional().describe('OAuth 2 (RFC 6749 §5.2) error code: the LTI token endpoint’s problems only'),
    error_description: z.string().optional().describe('OAuth 2 error description: the LTI token endpoint’s problems only'),
  }),
  'RFC 9457 problem details (application/problem+json)',
);

const money = named('Money', z.object({ amountCents: cents, currency: currencyCode }));

export const programResponse = named(
  'Program',
  z.object({
    id: uuid,
    title: z.string(),
    partnerId: z.string(),
    partnerCourseId: z.string().nullable(),
    priceCents: cents,
    currency: currencyCode,
    holderId: z.string(),
    revenueShare: z.object({ platformBps: count, holderBps: count, partnerBps: count }),
    credentialType: z.enum(CREDENTIAL_TYPES),
    deadlineDays: count,
    moveOn: z.enum(MOVE_ON_RULES),
    trainingServiceType: z.enum(TRAINING_SERVICE_TYPES).describe('Its WIOA participants’ PIRL 1303'),
  }),
);
export const programListResponse = named('ProgramList', z.object({ programs: z.array(programResponse) }));
export const partnerListResponse = named('PartnerList', z.object({ partners: z.array(z.object({ id: z.string(), name: z.string() })) }));

export const openedEnrollmentResponse = named(
  'OpenedEnrollment',
  z.object({
    enrollmentId: uuid,
    status: enrollmentStatus,
    checkoutUrl: httpUrl.optional().describe('Where the student pays what the voucher does not cover (pending_payment)'),
    amountDueCents: cents,
  }),
);

const submissionResponse = named(
  'Submission',
  z.object({
    id: uuid,
    status: submissionStatus,
    completedAt: instant,
    submittedAt: instant,
    reviewedAt: instant.nullable(),
    reason: z.string().nullable(),
    fileUrl: httpUrl,
  }),
);

export const enrollmentResponse = named(
  'Enrollment',
  z.object({
    enrollmentId: uuid,
    programId: uuid,
    programTitle: z.string(),
    studentId: z.string(),
    studentName: z.string().nullable(),
    studentEmail: z.string().nullable(),
    status: enrollmentStatus,
    fundingSource: z.enum(FUNDING_SOURCES),
    price: money,
    voucherCents: cents,
    amountDueCents: cents.nullable(),
    checkoutUrl: httpUrl.nullable(),
    paidAt: instant.nullable(),
    launchedAt: instant.nullable(),
    completedAt: instant.nullable(),
    completionMethod: z.enum(COMPLETION_METHODS).nullable(),
    closedAt: instant.nullable(),
    withdrawnAt: instant.nullable(),
    expiredAt: instant.nullable(),
    deadlineAt: instant.nullable(),
    refund: z.object({ amountCents: cents, currency: currencyCode, at: instant }).nullable(),
    createdAt: instant,
    certificate: z.object({ id: uuid, verificationCode: z.string(), revoked: z.boolean(), pdfUrl: httpUrl, verifyUrl: httpUrl }).nullable(),
    submissions: z.array(submissionResponse),
    history: z.array(z.object({ status: enrollmentStatus, at: instant })),
    completionEvidence: z.array(
      z.object({
        method: z.enum(COMPLETION_METHODS),
        outcome: z.enum(['applied', 'already_complete']),
        completedAt: instant,
        reportedBy: z.string(),
        score: z.number().nullable(),
        evidenceUrl: z.string().nullable(),
        notes: z.string().nullable(),
        proofUrl: httpUrl.nullable(),
        receivedAt: instant,
      }),
    ),
    ltiScores: z
      .array(
        z.object({
          scoreGiven: z.number().nullable(),
          scoreMaximum: z.number().nullable(),
          activityProgress: z.string(),
          gradingProgress: z.string(),
          outcome: z.enum(LTI_SCORE_OUTCOMES),
          timestamp: instant,
          receivedAt: instant,
        }),
      )
      .describe('Every score its LTI tool posted (AGS), oldest first'),
  }),
);

export const enrollmentListResponse = named(
  'EnrollmentList',
  z.object({
    enrollments: z.array(
      z.object({
        enrollmentId: uuid,
        programId: uuid,
        programTitle: z.string(),
        studentName: z.string().nullable(),
        studentEmail: z.string().nullable(),
        fundingSource: z.enum(FUNDING_SOURCES),
        status: enrollmentStatus,
        paidAt: instant.nullable(),
        launchedAt: instant.nullable(),
        deadlineAt: instant.nullable(),
        completedAt: instant.nullable(),
        completionMethod: z.enum(COMPLETION_METHODS).nullable(),
        createdAt: instant,
      }),
    ),
    total: count,
    ...page,
  }),
);

export const submissionAcceptedResponse = named(
  'SubmissionAccepted',
  z.object({ submissionId: uuid, status: z.literal('awaiting_review') }),
);

export const reviewQueueResponse = named(
  'ReviewQueue',
  z.object({
    items: z.array(
      z.object({
        id: uuid,
        enrollmentId: uuid,
        programId: uuid,
        programTitle: z.string(),
        studentName: z.string().nullable(),
        studentEmail: z.string().nullable(),
        status: submissionStatus,
        completedAt: instant,
        submittedAt: instant,
        reason: z.string().nullable(),
        contentType: z.enum(['application/pdf', 'image/png', 'image/jpeg']),
        fileUrl: httpUrl,
      }),
    ),
    ...page,
  }),
);

export const reviewedResponse = named('Reviewed', z.object({ submissionId: uuid, enrollmentId: uuid, status: enrollmentStatus }));

export const markedCompleteResponse = named(
  'MarkedComplete',
  z.object({ enrollmentId: uuid, status: enrollmentStatus, completedAt: instant.nullable(), completionMethod: z.enum(COMPLETION_METHODS) }),
);

export const withdrawnResponse = named(
  'Withdrawn',
  z.object({ enrollmentId: uuid, status: enrollmentStatus, refundCents: cents, currency: currencyCode }),
);

export const issuedVoucherResponse = named('IssuedVoucher', z.object({ id: uuid, organizationId: z.string() }));

const importSummary = (outcomes: readonly [string, ...string[]]) => z.object(Object.fromEntries(outcomes.map((o) => [o, count])));
const VOUCHER_ROW_OUTCOMES = ['issued', 'already_issued', 'invalid'] as const;
export const voucherImportResponse = named(
  'VoucherImport',
  z.object({
    dryRun: z.boolean(),
    rows: z.array(
      z.object({ line: z.number().int().min(2), outcome: z.enum(VOUCHER_ROW_OUTCOMES), message: z.string(), voucherId: uuid.optional() }),
    ),
    summary: importSummary(VOUCHER_ROW_OUTCOMES),
  }),
);

export const voucherListResponse = named(
  'VoucherList',
  z.object({
    vouchers: z.array(
      z.object({
        id: uuid,
        organizationId: z.string(),
        number: z.string(),
        fundingSource: z.enum(['wioa_ita', 'sponsor']),
        studentId: z.string().nullable(),
        studentEmail: z.string().nullable(),
        amountCents: cents,
        currency: currencyCode,
        expiresOn: z.iso.date(),
        programId: uuid.nullable(),
        programTitle: z.string().nullable(),
        status: z.enum(['issued', 'used', 'released', 'expired']),
        enrollmentId: uuid.nullable(),
        fundedEnrollment: z
          .object({ id: uuid, status: enrollmentStatus, programTitle: z.string(), studentName: z.string().nullable() })
          .nullable(),
        createdAt: instant,
      }),
    ),
    ...page,
  }),
);

export const fundedEnrollmentListResponse = named(
  'FundedEnrollmentList',
  z.object({
    enrollments: z.array(
      z.object({
        enrollmentId: uuid,
        status: enrollmentStatus,
        fundingSource: z.enum(FUNDING_SOURCES),
        programId: uuid,
        programTitle: z.string(),
        student: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
        voucher: z.object({ id: uuid, number: z.string(), organizationId: z.string(), coveredCents: cents, released: z.boolean() }),
        price: money,
        coPayCents: cents.nullable(),
        enrolledAt: instant,
        launchedAt: instant.nullable(),
        completedAt: instant.nullable(),
        completionMethod: z.enum(COMPLETION_METHODS).nullable(),
        closedAt: instant.nullable(),
        withdrawnAt: instant.nullable(),
        expiredAt: instant.nullable(),
        credential: z.object({ certificateId: uuid, verificationCode: z.string(), issuedAt: instant, revoked: z.boolean() }).nullable(),
        wioa: z.object({
          exitDate: z.iso.date().nullable(),
          credentialType: z.string().nullable(),
          credentialDate: z.iso.date().nullable(),
        }),
      }),
    ),
    ...page,
  }),
);

export const stripeEventReceiptResponse = named(
  'StripeEventReceipt',
  z.object({
    received: z.literal(true),
    applied: z.boolean(),
    reason: z.string().optional().describe('Why the event changed nothing'),
    check: z.string().optional(),
  }),
);

export const revokedCertificateResponse = named(
  'RevokedCertificate',
  z.object({
    certificateId: uuid,
    verificationCode: z.string(),
    status: z.literal('revoked'),
    revokedAt: instant,
    revocationReason: z.string(),
    credentialStatus: z
      .object({
        id: httpUrl.describe('Its 1EdTech Revocation List'),
        type: z.literal('1EdTechRevocationList'),
        statusPurpose: z.literal('revocation'),
        statusListIndex: z.string(),
        statusListCredential: httpUrl.describe('Its Bitstring Status List credential'),
      })
      .describe('The credential’s own credentialStatus'),
  }),
);

export const jwksResponse = named(
  'JsonWebKeySet',
  z.object({
    keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.literal('sig'), crv: z.string().optional() })),
  }),
);

export const verificationResponse = named(
  'CertificateVerification',
  z.object({
    status: z.enum(['valid', 'revoked']),
    verificationCode: z.string(),
    holder: z.string(),
    program: z.string(),
    partner: z.string(),
    credentialType: z.string(),
    completedAt: z.iso.date(),
    issuedAt: instant,
    partnerCertificateUrl: httpUrl.optional(),
    revokedAt: instant.optional(),
    revocationReason: z.string().optional(),
    verifyUrl: httpUrl,
    linkedInAddToProfileUrl: httpUrl.optional().describe('While the certificate is valid'),
  }),
);

export const healthResponse = named('Health', z.object({ status: z.literal('ok') }));
export const readinessResponse = named(
  'Readiness',
  z.object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ postgres: z.string(), temporal: z.string() }).describe('"ok", or "down: <why>"'),
  }),
);

export const createdApiKeyResponse = named(
  'CreatedApiKey',
  z.object({ id: uuid, partnerId: z.string(), apiKey: z.string().describe('Shown once; only its SHA-256 is kept'), createdAt: instant }),
);

export const completionReceiptResponse = named(
  'CompletionReceipt',
  z.object({ enrollmentId: uuid, reportId: z.string(), outcome: z.enum(['applied', 'already_complete']), status: enrollmentStatus }),
);

const COMPLETION_ROW_OUTCOMES = ['matched', 'already_complete', 'unknown', 'invalid'] as const;
export const completionImportResponse = named(
  'CompletionImport',
  z.object({
    partnerId: z.string(),
    dryRun: z.boolean(),
    rows: z.array(
      z.object({
        line: z.number().int().min(2),
        outcome: z.enum(COMPLETION_ROW_OUTCOMES),
        message: z.string(),
        enrollmentId: uuid.optional(),
      }),
    ),
    summary: importSummary(COMPLETION_ROW_OUTCOMES),
  }),
);

export const xapiStatementIdsResponse = named('XapiStatementIds', z.array(uuid), 'The stored statements’ ids, in the order sent');

const tutorUsage = z.object({ promptTokens: count, completionTokens: count });
export const tutorReplyResponse = named('TutorReply', z.object({ conversationId: uuid, reply: z.string(), usage: tutorUsage }));
export const conversationResponse = named(
  'Conversation',
  z.object({
    conversationId: uuid,
    courseId: uuid.nullable(),
    enrollmentId: uuid.nullable(),
    messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string(), createdAt: instant })),
  }),
);

const partyCents = z.object({ platform: cents, holder: cents, partner: cents });
export const revenueShareReportResponse = named(
  'RevenueShareReport',
  z.object({
    from: z.iso.date(),
    to: z.iso.date(),
    entries: z.array(
      z.object({
        enrollmentId: uuid,
        programId: uuid,
        party: z.enum(['platform', 'holder', 'partner']),
        partyId: z.string(),
        entryType: z.enum(['share', 'reversal']),
        amountCents: cents,
        currency: currencyCode,
        createdAt: instant,
      }),
    ),
    totals: z.record(
      z.string(),
      z.object({
        collectedCents: cents,
        paidCents: cents,
        refundedCents: cents,
        sharesCents: cents,
        differenceCents: cents,
        reconciled: z.boolean(),
        byParty: partyCents,
        byProgram: z.array(
          z.object({
            programId: uuid,
            title: z.string(),
            collectedCents: cents,
            sharesCents: cents,
            byParty: partyCents,
            reconciled: z.boolean(),
          }),
        ),
      }),
    ),
    reconciled: z.boolean(),
    reconciliation: z.string(),
  }),
);

const etpCountsResponse = z.object({ enrolled: count, completed: count, credentialAttained: count });
export const etpReportResponse = named(
  'EtpReport',
  z.object({
    year: z.number().int(),
    programs: z.array(
      z.object({ programId: uuid, programTitle: z.string(), allStudents: etpCountsResponse, wioaFunded: etpCountsResponse }),
    ),
  }),
);

/** A problem type's page as JSON (`/problems/{type}` with `Accept: application/json`). */
export const problemTypeResponse = named(
  'ProblemType',
  z.object({ type: z.string(), title: z.string(), status: z.number().int(), meaning: z.string(), whatToDo: z.string() }),
);
export const problemTypeListResponse = named('ProblemTypeList', z.object({ problemTypes: z.array(problemTypeResponse) }));

// Open Badges 3.0: the signing key a credential's kid names, and the 1EdTech Revocation List.

export const publicJwkResponse = named(
  'PublicJwk',
  z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional(), crv: z.string().optional() }),
  'A bare public JSON Web Key (RFC 7517)',
);
export const revocationListResponse = named(
  'RevocationList',
  z.object({
    id: httpUrl,
    issuer: httpUrl,
    revokedCredential: z.array(
      z.object({ id: z.string().describe('urn:uuid:<certificateId>'), revoked: z.literal(true), revocationReason: z.string().optional() }),
    ),
  }),
  '1EdTech Revocation List (VCRL 1.0)',
);

// xAPI 1.0.3: statements as the LRS answers them (the statement as sent, plus what the LRS sets), and the other resources.

const xapiObject = z.looseObject({});
export const xapiStoredStatementResponse = named(
  'XapiStatement',
  z.looseObject({
    id: z.string(),
    actor: xapiObject,
    verb: z.looseObject({ id: z.string() }),
    object: xapiObject,
    timestamp: z.string(),
    stored: instant,
    authority: xapiObject,
    version: z.string(),
  }),
  'A stored statement, with the properties the LRS sets (stored, authority, version); its own properties as sent',
);
export const xapiStatementResultResponse = named(
  'XapiStatementResult',
  z.object({
    statements: z.array(xapiStoredStatementResponse),
    more: z.string().describe('The relative URL of the next page; empty when none'),
  }),
);
export const xapiStatementsAnswerResponse = named(
  'XapiStatementsAnswer',
  z.union([xapiStatementIdsResponse, xapiStoredStatementResponse, xapiStatementResultResponse]),
  'The stored ids (POST); with the alternate request syntax `?method=GET`, a statement or a StatementResult',
);
export const xapiAboutResponse = named('XapiAbout', z.looseObject({ version: z.array(z.string()) }));
export const xapiActivityResponse = named(
  'XapiActivity',
  z.object({ objectType: z.literal('Activity'), id: z.string(), definition: z.looseObject({}).optional() }),
);
export const xapiPersonResponse = named(
  'XapiPerson',
  z.object({
    objectType: z.literal('Person'),
    name: z.array(z.string()).optional(),
    mbox: z.array(z.string()).optional(),
    mbox_sha1sum: z.array(z.string()).optional(),
    openid: z.array(z.string()).optional(),
    account: z.array(z.object({ homePage: z.string(), name: z.string() })).optional(),
  }),
);

// Outbound webhooks.

const webhookEndpointShape = {
  id: uuid,
  url: httpUrl,
  description: z.string().nullable(),
  events: z.array(z.enum([ALL_WEBHOOK_EVENTS, ...WEBHOOK_EVENT_TYPES])),
  programIds: z.array(uuid).nullable(),
  enabled: z.boolean(),
  owner: z.object({ role: z.enum(['admin', 'program_holder']), id: z.string() }),
  signingSecrets: z
    .array(z.object({ createdAt: z.iso.datetime({ offset: true }), expiresAt: z.iso.datetime({ offset: true }).nullable() }))
    .describe('The secrets that sign deliveries now: when each was made and expires, never its value'),
  createdAt: instant,
  updatedAt: instant,
};
export const webhookEndpointResponse = named('WebhookEndpoint', z.object(webhookEndpointShape));
export const createdWebhookEndpointResponse = named(
  'CreatedWebhookEndpoint',
  z.object({ ...webhookEndpointShape, secret: z.string().describe('whsec_…: shown in this answer only') }),
);
export const webhookEndpointListResponse = named('WebhookEndpointList', z.object({ endpoints: z.array(webhookEndpointResponse) }));
export const rotatedWebhookSecretResponse = named(
  'RotatedWebhookSecret',
  z.object({
    id: uuid,
    secret: z.string().describe('The new secret, shown once'),
    previousSecretsExpireAt: instant.nullable(),
  }),
);
const webhookDeliveryStatus = z.enum(['pending', 'delivered', 'failed']);
export const webhookDeliveryListResponse = named(
  'WebhookDeliveryList',
  z.object({
    endpointId: uuid,
    deliveries: z.array(
      z.object({
        id: uuid,
        eventId: uuid,
        webhookId: z.string().describe('The `webhook-id` header of every attempt'),
        type: z.enum(WEBHOOK_EVENT_TYPES),
        enrollmentId: uuid,
        status: webhookDeliveryStatus,
        occurredAt: instant,
        payload: z.looseObject({ type: z.string(), timestamp: z.string(), data: z.looseObject({}) }).describe('The body as sent'),
        createdAt: instant,
        pendingSince: instant,
        deliveredAt: instant.nullable(),
        failedAt: instant.nullable(),
        replays: count,
        attempts: z.array(
          z.object({
            at: z.iso.datetime({ offset: true }),
            statusCode: z.number().int().nullable(),
            durationMs: count,
            error: z.string().nullable(),
          }),
        ),
      }),
    ),
    ...page,
  }),
);
export const replayedWebhookDeliveryResponse = named(
  'ReplayedWebhookDelivery',
  z.object({ deliveryId: uuid, endpointId: uuid, status: z.literal('pending') }),
);

// LTI 1.3 platform.

export const ltiToolResponse = named(
  'LtiTool',
  z.object({
    id: uuid,
    partnerId: z.string(),
    clientId: z.string(),
    deploymentId: z.string(),
    oidcLoginUrl: httpUrl,
    targetLinkUri: httpUrl,
    redirectUris: z.array(httpUrl),
    jwksUrl: httpUrl,
    createdAt: instant,
  }),
);
export const ltiAccessTokenResponse = named(
  'LtiAccessToken',
  z.object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
    scope: z.string().describe('The AGS scopes granted, space-separated'),
  }),
);
export const ltiLineItemResponse = named(
  'LtiLineItem',
  z.object({ id: httpUrl, scoreMaximum: z.number(), label: z.string(), resourceLinkId: z.string(), resourceId: z.string() }),
  'AGS 2.0 line item',
);
export const ltiResultsResponse = named(
  'LtiResults',
  z.array(
    z.object({
      id: httpUrl,
      scoreOf: httpUrl,
      userId: z.string(),
      resultScore: z.number().optional(),
      resultMaximum: z.number().nullable().optional(),
      comment: z.string().optional(),
    }),
  ),
  'AGS 2.0 result container: the learner’s latest result',
);
export const ltiScoreReceiptResponse = named(
  'LtiScoreReceipt',
  z.object({ outcome: z.enum(LTI_SCORE_OUTCOMES), status: enrollmentStatus.optional() }),
);
