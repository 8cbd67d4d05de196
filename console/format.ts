/** How the console's pages write money, days, times and codes for people (templates get these as `it.fmt`). */

/** Integer cents as money: `$1,250.00` for USD, `1,250.00 EUR` otherwise. */
export function money(cents: number | null | undefined, currency = 'usd'): string {
  if (cents === null || cents === undefined) return '';
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100).toLocaleString('en-US');
  const amount = `${units}.${String(abs % 100).padStart(2, '0')}`;
  return currency.toLowerCase() === 'usd' ? `${sign}$${amount}` : `${sign}${amount} ${currency.toUpperCase()}`;
}

/** A day (`YYYY-MM-DD`, or the day of an ISO timestamp), or empty. */
export const day = (value: string | Date | null | undefined): string =>
  value ? (value instanceof Date ? value.toISOString() : value).slice(0, 10) : '';

/** A moment to the minute, UTC, as `2026-05-04 13:07 UTC`. */
export const time = (value: string | Date | null | undefined): string =>
  value ? `${(value instanceof Date ? value.toISOString() : value).slice(0, 16).replace('T', ' ')} UTC` : '';

/** A status or code (`ready_to_launch`, `wioa_ita`) in words: `Ready to launch`, `WIOA ITA`. */
export function words(code: string | null | undefined): string {
  if (!code) return '';
  const known: Record<string, string> = {
    wioa_ita: 'WIOA ITA',
    self_pay: 'Self-pay',
    csv_import: 'CSV import',
    xapi: 'xAPI',
    partner_api: 'Partner API',
    partner_api_key: 'Partner API key',
  };
  if (known[code]) return known[code];
  const spaced = code.replace(/[_.]+/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export const fmt = { money, day, time, words };
