/**
 * Splits an amount of integer cents by basis points (summing to 10,000) with the largest-remainder method:
 * every share is the floor of its exact value, and the cents left over go one each to the largest remainders
 * (ties to the earlier party), so the shares always sum exactly to the amount.
 */
export const MAX_SPLIT_CENTS = Math.floor(Number.MAX_SAFE_INTEGER / 10_000);

export function splitByBasisPoints<K extends string>(amountCents: number, bps: Record<K, number>): Record<K, number> {
  // amount × 10,000 must stay an exact integer in a double.
  if (!Number.isInteger(amountCents) || amountCents < 0 || amountCents > MAX_SPLIT_CENTS) {
    throw new RangeError(`amount must be integer cents from 0 to ${MAX_SPLIT_CENTS}, got ${amountCents}`);
  }
  const parties = Object.keys(bps) as K[];
  const total = parties.reduce((sum, p) => sum + bps[p], 0);
  if (total !== 10_000 || parties.some((p) => !Number.isInteger(bps[p]) || bps[p] < 0)) {
    throw new RangeError(`basis points must be non-negative integers summing to 10000, got ${total}`);
  }
  const shares = parties.map((party, index) => {
    const exact = amountCents * bps[party];
    return { party, index, cents: Math.floor(exact / 10_000), remainder: exact % 10_000 };
  });
  let left = amountCents - shares.reduce((sum, s) => sum + s.cents, 0);
  for (const s of [...shares].sort((a, b) => b.remainder - a.remainder || a.index - b.index)) {
    if (left === 0) break;
    s.cents += 1;
    left -= 1;
  }
  return Object.fromEntries(shares.map((s) => [s.party, s.cents])) as Record<K, number>;
}

/**
 * An amount of integer minor units (cents) as people read it, the currency spelled out: 14900 usd → "149.00 US dollars",
 * 2999 eur → "29.99 euros", 500 jpy → "500 Japanese yen"; in `locale`'s words (es: "149,00 dólares estadounidenses"). The
 * currency's own number of decimals says where the point goes.
 */
export function moneyInWords(amountCents: number, currency: string, locale = 'en-US'): string {
  if (!Number.isSafeInteger(amountCents)) throw new RangeError(`amount must be integer minor units, got ${amountCents}`);
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase(), currencyDisplay: 'name' });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountCents / 10 ** decimals);
}
