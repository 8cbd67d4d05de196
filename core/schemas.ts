import { z } from 'zod';
import { ENROLLMENT_STATUSES } from '../workflows/messages';
import { completionDateProblem } from '../workflows/completion-date';

/**
 * What every capability's schemas share: ids, the console's form fields (typed amounts, blank fields), list and export
 * parameters, and the pieces of response schemas. Each capability keeps its own request and response schemas beside it.
 */
export const id = z.guid('must be a UUID');
export const idParam = (name: string) => z.object({ [name]: id });

// ── Form fields of the console: what people type, turned into what the JSON API takes ─────────────────────

/**
 * A decimal with at most two places as typed in a form ("1250", "1,250.00", "$1250.5", "12.5%") → its integer
 * hundredths, computed from the digits (never through a binary float, which would turn 1250.10 into 125009.99…).
 */
export const hundredths = (message: string, symbols: { prefix?: string; suffix?: string } = {}) =>
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

/**
 * A whole number in a query string: digits only, so `offset=` or `limit=1e2` is a 400 rather than read as 0 or 100
 * (what `z.coerce.number()` alone would do); at most PostgreSQL's largest integer unless `max` says less.
 */
export function queryInteger(min: number, max = 2_147_483_647) {
  return z.preprocess(
    (v) => (typeof v === 'string' && !/^\d+$/.test(v) ? Number.NaN : v),
    z.coerce
      .number({ error: (issue) => (issue.code === 'invalid_type' ? 'a whole number (digits only)' : undefined) })
      .int()
      .min(min)
      .max(max),
  );
}
export const evidenceUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);

export const csvImportQuery = z.object({
  dryRun: z
    .enum(['true', 'false'], { error: 'true or false' })
    .default('false')
    .transform((v) => v === 'true'),
});

/** A calendar day (YYYY-MM-DD) that exists. */
export const calendarDay = z.iso.date('must be a date YYYY-MM-DD');

export const listQuery = z.object({
  limit: queryInteger(1, 500).default(100),
  offset: queryInteger(0).default(0),
  /** An admin may narrow to one organization. */
  organizationId: z.string().trim().min(1).max(200).optional(),
});

/** How a report or an export is sent when a plain link asks (a link cannot send `Accept`). */
export const exportFormat = z.enum(['json', 'csv']).optional();

// ── Responses: what each operation answers (documented in /openapi.json, checked against answers in the tests) ──

/**
 * A named response schema: /openapi.json lists it under components.schemas by this id and refers to it there (zod's
 * own metadata, which zod-openapi reads).
 */
export const named = <S extends z.ZodType>(id: string, schema: S, description?: string): S =>
  schema.meta({ id, ...(description && { description }) });

export const uuid = z.guid();
export const instant = z.iso.datetime();
export const currencyCode = z.string().regex(/^[a-z]{3}$/);
export const cents = z.number().int();
export const count = z.number().int().min(0);
export const page = { limit: count, offset: count };
export const httpUrl = z.url();
export const enrollmentStatus = z.enum(ENROLLMENT_STATUSES);
export const submissionStatus = z.enum(['pending', 'approved', 'rejected']);
/** What an LTI AGS score did (a completing one: applied, or already_complete when completed before). */
export const LTI_SCORE_OUTCOMES = ['applied', 'already_complete', 'recorded', 'below_passing'] as const;

export const money = named('Money', z.object({ amountCents: cents, currency: currencyCode }));

export const importSummary = (outcomes: readonly [string, ...string[]]) => z.object(Object.fromEntries(outcomes.map((o) => [o, count])));
