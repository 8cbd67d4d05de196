import { z } from 'zod';
import { COMPLETION_METHODS, ENROLLMENT_STATUSES, FUNDING_SOURCES, type SubmissionView } from '../workflows/messages';
import { completionDateProblem } from '../workflows/completion-date';
import { CREDENTIAL_TYPES, DEFAULT_MOVE_ON, MOVE_ON_RULES } from '../lib/program-rules';
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

export const listEnrollmentsQuery = z.object({
  status: z.enum(ENROLLMENT_STATUSES).optional(),
  programId: id.optional(),
  /** Part of the student's name or email, any case. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const submissionFields = z.object({ completedAt });

export const reviewQueueQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected'] as const satisfies readonly SubmissionView['status'][]).default('pending'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
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
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  /** An admin may narrow to one organization. */
  organizationId: z.string().trim().min(1).max(200).optional(),
});

/** How a report or an export is sent when a plain link asks (a link cannot send `Accept`). */
export const exportFormat = z.enum(['json', 'csv']).optional();

/** The funded enrollments: a page of them as JSON, or (`format=csv`) all of them as a CSV download. */
export const fundedEnrollmentsQuery = listQuery.extend({ format: exportFormat });

export const withdrawBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() });

// xAPI 1.0.3 statements (the parts this LRS reads; the statement is kept as it was sent).

const isAbsoluteIri = (v: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(v) && URL.canParse(v);
export const xapiIri = z
  .string()
  .max(2048)
  .refine(isAbsoluteIri, 'must be an absolute IRI such as http://adlnet.gov/expapi/verbs/completed');
export const xapiUuid = z.uuid({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a UUID') });
const languageMap = z.record(z.string().min(1), z.string());
const agentIdentifiers = {
  name: z.string().max(500).optional(),
  mbox: z
    .string()
    .regex(/^mailto:[^\s@]+@[^\s@]+$/i, 'must be a mailto: IRI')
    .optional(),
  mbox_sha1sum: z
    .string()
    .regex(/^[0-9a-f]{40}$/i, 'must be a SHA-1 hex digest')
    .optional(),
  openid: xapiIri.optional(),
  account: z.object({ homePage: xapiIri, name: z.string().min(1) }).optional(),
};
const identifierCount = (a: Record<string, unknown>) =>
  ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter((k) => a[k] !== undefined).length;
const xapiAgent = z
  .object({ objectType: z.literal('Agent').optional(), ...agentIdentifiers })
  .refine((a) => identifierCount(a) === 1, 'an Agent needs exactly one of mbox, mbox_sha1sum, openid or account');
const xapiGroup = z
  .object({ objectType: z.literal('Group'), ...agentIdentifiers, member: z.array(xapiAgent).optional() })
  .refine(
    (g) => identifierCount(g) === 1 || (identifierCount(g) === 0 && (g.member?.length ?? 0) > 0),
    'a Group needs one identifier, or members when it has none',
  );
const isoDuration =
  /^P(?=.)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=.)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

export const xapiStatement = z.strictObject({
  id: xapiUuid.optional(),
  actor: z.discriminatedUnion('objectType', [xapiAgent, xapiGroup], { error: 'an Agent or a Group' }),
  verb: z.object({ id: xapiIri, display: languageMap.optional() }),
  object: z.object({
    objectType: z.literal('Activity', { error: 'this LRS accepts Activity objects only' }).optional(),
    id: xapiIri,
    definition: z.record(z.string(), z.unknown()).optional(),
  }),
  result: z
    .object({
      success: z.boolean().optional(),
      completion: z.boolean().optional(),
      score: z
        .object({
          scaled: z.number().min(-1).max(1).optional(),
          raw: z.number().optional(),
          min: z.number().optional(),
          max: z.number().optional(),
        })
        .optional(),
      response: z.string().optional(),
      duration: z.string().regex(isoDuration, 'must be an ISO 8601 duration').optional(),
      extensions: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  // The cmi5 registration is the enrollment id: a statement without one cannot count for any enrollment.
  context: z.looseObject({ registration: xapiUuid }, { error: 'required, with registration (the enrollment id)' }),
  // A completed or passed statement's timestamp is its completion's date: the same rule (the launch half in xapi.ts).
  timestamp: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' })
    .superRefine(notInTheFuture)
    .optional(),
  stored: z.unknown().optional(),
  authority: z.unknown().optional(),
  version: z
    .string()
    .regex(/^1\.0(\.\d+)?$/, 'must be 1.0.x')
    .optional(),
  attachments: z.array(z.unknown()).optional(),
});
export type XapiStatement = z.output<typeof xapiStatement>;
export const MAX_STATEMENTS_PER_REQUEST = 500;
export const xapiStatementBatch = z.array(xapiStatement).min(1, 'at least one statement').max(MAX_STATEMENTS_PER_REQUEST);
export const xapiPutQuery = z.object({ statementId: xapiUuid });

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

/** `from` and `to` are calendar days (UTC), both included. */
function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
const calendarDate = z.string().refine(isCalendarDate, 'a calendar date YYYY-MM-DD');
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
    .regex(/^\d{4}$/, 'a year YYYY')
    .transform(Number)
    .pipe(z.number().int().min(2000).max(2100)),
  /** JSON (the default) or CSV, one line per program. */
  format: exportFormat,
});

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
    credentialStatus: z.object({ statusPurpose: z.literal('revocation'), statusListIndex: z.string(), statusListCredential: httpUrl }),
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
