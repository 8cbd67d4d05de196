import { splitByBasisPoints } from '../lib/money';
import type { ActivityDeps } from './deps';
import { loadEnrollmentContext } from './deps';

export function createRevenueShareActivities({ db }: ActivityDeps) {
  return {
    /** Splits what was collected among platform, holder and partner; one set of rows per enrollment, written at once. */
    async recordRevenueShare(r: { enrollmentId: string; basisCents: number; currency: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const shares = splitByBasisPoints(r.basisCents, ctx.bps);
      const parties = [
        { party: 'platform', partyId: 'platform' },
        { party: 'holder', partyId: ctx.holderId },
        { party: 'partner', partyId: ctx.partnerId },
      ] as const;
      await db.query(
        `INSERT INTO ledger_entries (enrollment_id, program_id, party, party_id, entry_type, basis_cents, bps, amount_cents, currency)
         SELECT $1, $2, party, party_id, 'share', $3, bps, amount, $4
           FROM unnest($5::text[], $6::text[], $7::int[], $8::int[]) AS s(party, party_id, bps, amount)
         ON CONFLICT (enrollment_id, party, entry_type) DO NOTHING`,
        [r.enrollmentId, ctx.programId, r.basisCents, r.currency,
          parties.map((p) => p.party), parties.map((p) => p.partyId), parties.map((p) => ctx.bps[p.party]),
          parties.map((p) => shares[p.party])],
      );
      return shares;
    },

    /** On a refund: each share entry of the enrollment gets its opposite, once. Nothing to do before shares exist. */
    async reverseRevenueShare({ enrollmentId }: { enrollmentId: string }): Promise<number> {
      const { rowCount } = await db.query(
        `INSERT INTO ledger_entries (enrollment_id, program_id, party, party_id, entry_type, basis_cents, bps, amount_cents, currency)
         SELECT enrollment_id, program_id, party, party_id, 'reversal', basis_cents, bps, -amount_cents, currency
           FROM ledger_entries WHERE enrollment_id = $1 AND entry_type = 'share'
         ON CONFLICT (enrollment_id, party, entry_type) DO NOTHING`,
        [enrollmentId],
      );
      return rowCount ?? 0;
    },
  };
}
