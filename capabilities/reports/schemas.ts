import { z } from 'zod';
import { cents, count, currencyCode, exportFormat, instant, named, uuid } from '../../core/schemas';

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
