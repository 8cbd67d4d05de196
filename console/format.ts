/** How the console says things to people: statuses in words, dates and money. Presentation only, no rules. */
import type { EnrollmentStatus } from '../workflows/messages';

export const STATUS_WORDS: Record<EnrollmentStatus, string> = {
  pending_payment: 'Waiting for payment',
  payment_expired: 'Not paid in time',
  ready_to_launch: 'Paid, course not started',
  in_progress: 'In progress',
  awaiting_review: 'Awaiting review',
  completed: 'Completed',
  closed: 'Completed, certificate issued',
  withdrawn: 'Withdrawn',
  expired: 'Deadline passed',
};

export const COMPLETION_METHOD_WORDS: Record<string, string> = {
  manual: 'marked complete by the program holder',
  student_upload: 'student’s evidence approved',
  partner_api: 'reported by the partner’s system',
  partner_push: 'reported by the partner',
  xapi: 'reported by the course (xAPI)',
  csv_import: 'imported from the partner’s CSV',
};

const dayFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** A calendar day such as "Mar 5, 2026" (UTC), or an em dash for none. */
export const day = (at: string | null | undefined): string => (at ? dayFormat.format(new Date(at)) : '—');
/** A moment such as "Mar 5, 2026, 2:05 PM UTC", or an em dash for none. */
export const moment = (at: string | null | undefined): string => (at ? `${timeFormat.format(new Date(at))} UTC` : '—');

/** Integer cents in their currency, such as "$1,234.50". */
export const money = (cents: number, currency: string): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);

/** What every console view may call to format (passed to templates as `it.fmt`). */
export const fmt = { status: (s: EnrollmentStatus) => STATUS_WORDS[s] ?? s, day, moment, money };
