/** How the console says things to people: statuses and codes in words, days, moments and money (templates get `it.fmt`). */
import { STAFF_STATUS_WORDS } from '../lib/status-words';
import type { EnrollmentStatus } from '../workflows/messages';

/** The staff's words for statuses (the student's pages use the student's: lib/status-words.ts). */
export const STATUS_WORDS = STAFF_STATUS_WORDS;

export const COMPLETION_METHOD_WORDS: Record<string, string> = {
  manual: 'marked complete by the program holder',
  student_upload: 'student’s evidence approved',
  partner_api: 'reported by the partner’s system',
  partner_push: 'reported by the partner',
  xapi: 'reported by the course (xAPI)',
  csv_import: 'imported from the partner’s CSV',
  lti_ags: 'graded by the partner’s course (LTI)',
};

const dayFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** A calendar day such as "Mar 5, 2026" (UTC), or an em dash for none. */
export const day = (at: string | Date | null | undefined): string => (at ? dayFormat.format(new Date(at)) : '—');
/** A moment such as "Mar 5, 2026, 2:05 PM UTC", or an em dash for none. */
export const moment = (at: string | Date | null | undefined): string => (at ? `${timeFormat.format(new Date(at))} UTC` : '—');

/** Integer cents as money: `$1,250.00` for USD, `1,250.00 EUR` otherwise (exact: no floating point). */
export function money(cents: number | null | undefined, currency = 'usd'): string {
  if (cents === null || cents === undefined) return '';
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const amount = `${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
  return currency.toLowerCase() === 'usd' ? `${sign}$${amount}` : `${sign}${amount} ${currency.toUpperCase()}`;
}

/** A status or code (`ready_to_launch`, `wioa_ita`) in words: `Ready to launch`, `WIOA ITA`. */
export function words(code: string | null | undefined): string {
  if (!code) return '';
  const known: Record<string, string> = {
    wioa_ita: 'WIOA ITA',
    self_pay: 'Self-pay',
    csv_import: 'CSV import',
    xapi: 'xAPI',
    lti_ags: 'LTI grade passback',
    partner_api: 'Partner API',
    partner_api_key: 'Partner API key',
  };
  if (known[code]) return known[code];
  const spaced = code.replace(/[_.]+/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** What every console view may call to format (passed to templates as `it.fmt`). */
export const fmt = { status: (s: EnrollmentStatus) => STATUS_WORDS[s] ?? s, day, moment, time: moment, money, words };
