/**
 * Bulk ledger rows for generated enrollments, in SQL (tests and the revenue-share benchmark): three shares per
 * enrollment of the program's agreement, platform and holder rounded down and the partner the rest, so the shares
 * sum to the price unless `partnerShortBy` (an SQL expression, cents) takes some off.
 */
export function insertShareLedgerSql({ where = 'true', partnerShortBy = '0' }: { where?: string; partnerShortBy?: string } = {}): string {
  return `INSERT INTO ledger_entries (enrollment_id, program_id, party, party_id, entry_type, basis_cents, bps, amount_cents, currency, created_at)
       SELECT e.id, e.program_id, s.party, s.party_id, 'share', e.price_cents, s.bps, s.amount, e.currency, e.completed_at
         FROM enrollments e JOIN programs p ON p.id = e.program_id
         CROSS JOIN LATERAL (VALUES
           ('platform', 'platform', p.platform_bps, e.price_cents * p.platform_bps / 10000),
           ('holder', p.holder_id, p.holder_bps, e.price_cents * p.holder_bps / 10000),
           ('partner', p.partner_id, p.partner_bps,
              e.price_cents - e.price_cents * p.platform_bps / 10000 - e.price_cents * p.holder_bps / 10000 - (${partnerShortBy}))
         ) AS s(party, party_id, bps, amount)
        WHERE ${where}`;
}
