import { splitByBasisPoints } from '../lib/money';
import type { TransferParty } from '../services/payment-provider';
import type { ActivityDeps } from './deps';
import { loadEnrollmentContext } from './deps';

/** A share paid to a party's Stripe Connect account. */
export interface ShareTransfer {
  party: TransferParty;
  partyId: string;
  destination: string;
  transferId: string;
  amountCents: number;
  currency: string;
}

export type TransferSkipReason =
  /** Funded by a voucher or sponsor, or paid through the simulated checkout: no Stripe charge to transfer from. */
  | 'not_stripe_payment'
  /** The enrollment was refunded (or its shares reversed) before the transfer. */
  | 'refunded'
  /** No share entries yet (recordRevenueShare has not run). */
  | 'no_shares'
  /** The party has no Stripe Connect account configured. */
  | 'no_account'
  | 'zero_share'
  /** The payment provider cannot transfer (simulated). */
  | 'provider_cannot_transfer';

export interface TransferSharesResult {
  /** Every transfer of the enrollment, made now or by an earlier attempt. */
  transfers: ShareTransfer[];
  skipped: { party: TransferParty; reason: TransferSkipReason }[];
}

export interface TransferReversalOutcome {
  party: TransferParty;
  transferId: string;
  reversalId: string;
  amountCents: number;
}

const PAID_PARTIES: readonly TransferParty[] = ['holder', 'partner'];

/** How an enrollment was paid for, and whether it was refunded (or its shares reversed) since. */
interface PaidEnrollmentRow {
  /** Null when no payment was accepted. */
  provider: string | null;
  funding_source: string;
  refunded: boolean;
  reversed: boolean;
}

/** A paid party's share entry, its connected account, and the transfer already made for it (when one was). */
type ShareEntryRow = {
  party: TransferParty;
  party_id: string;
  amount_cents: number;
  currency: string;
  stripe_account_id: string | null;
} & (
  | { stripe_transfer_id: string; transferred_to: string; transferred_cents: number; transferred_currency: string }
  | { stripe_transfer_id: null; transferred_to: null; transferred_cents: null; transferred_currency: null }
);

/** A transfer made to a party; its reversal's id and amount are written together with the `reversed` status. */
type TransferRow = { party: TransferParty; stripe_transfer_id: string; amount_cents: number } & (
  { status: 'created'; reversal_id: null; reversed_cents: null } | { status: 'reversed'; reversal_id: string; reversed_cents: number }
);

export function createRevenueShareActivities({ db, payments }: ActivityDeps) {
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
        [
          r.enrollmentId,
          ctx.programId,
          r.basisCents,
          r.currency,
          parties.map((p) => p.party),
          parties.map((p) => p.partyId),
          parties.map((p) => ctx.bps[p.party]),
          parties.map((p) => shares[p.party]),
        ],
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

    /**
     * Stripe Connect, separate charges and transfers: after completion, pays the holder's and the partner's shares
     * (from the ledger) to their connected accounts, the enrollment as `transfer_group`. Only for a self-paid Stripe
     * payment; the platform keeps its share; a party without a connected account is skipped. At most one transfer
     * per enrollment and party: a recorded transfer is never requested again, and the idempotency key
     * `transfer:<enrollmentId>:<party>` covers an attempt that failed between Stripe's answer and the row.
     */
    async transferShares({ enrollmentId }: { enrollmentId: string }): Promise<TransferSharesResult> {
      const skipAll = (reason: TransferSkipReason): TransferSharesResult => ({
        transfers: [],
        skipped: PAID_PARTIES.map((party) => ({ party, reason })),
      });
      const {
        rows: [paid],
      } = await db.query<PaidEnrollmentRow>(
        `SELECT p.provider, e.funding_source,
                EXISTS (SELECT 1 FROM refunds r WHERE r.enrollment_id = e.id) AS refunded,
                EXISTS (SELECT 1 FROM ledger_entries l WHERE l.enrollment_id = e.id AND l.entry_type = 'reversal') AS reversed
           FROM enrollments e LEFT JOIN payments p ON p.enrollment_id = e.id AND p.status = 'accepted'
          WHERE e.id = $1`,
        [enrollmentId],
      );
      if (!paid) throw new Error(`enrollment ${enrollmentId} is not in the database`);
      if (paid.provider !== 'stripe' || paid.funding_source !== 'self_pay' || payments.name !== 'stripe')
        return skipAll('not_stripe_payment');
      if (paid.refunded || paid.reversed) return skipAll('refunded');

      const { rows } = await db.query<ShareEntryRow>(
        `SELECT l.party, l.party_id, l.amount_cents, l.currency, a.stripe_account_id,
                t.stripe_transfer_id, t.destination AS transferred_to, t.amount_cents AS transferred_cents, t.currency AS transferred_currency
           FROM ledger_entries l
           LEFT JOIN connect_accounts a ON a.party = l.party AND a.party_id = l.party_id
           LEFT JOIN transfers t ON t.enrollment_id = l.enrollment_id AND t.party = l.party
          WHERE l.enrollment_id = $1 AND l.entry_type = 'share' AND l.party = ANY($2::text[])
          ORDER BY array_position($2::text[], l.party)`,
        [enrollmentId, PAID_PARTIES],
      );
      if (rows.length === 0) return skipAll('no_shares');

      const result: TransferSharesResult = { transfers: [], skipped: [] };
      for (const row of rows) {
        const party = row.party;
        if (row.stripe_transfer_id) {
          result.transfers.push({
            party,
            partyId: row.party_id,
            destination: row.transferred_to,
            transferId: row.stripe_transfer_id,
            amountCents: row.transferred_cents,
            currency: row.transferred_currency,
          });
          continue;
        }
        if (!row.stripe_account_id) {
          result.skipped.push({ party, reason: 'no_account' });
          continue;
        }
        if (row.amount_cents <= 0) {
          result.skipped.push({ party, reason: 'zero_share' });
          continue;
        }
        const made = await payments.createTransfer({
          enrollmentId,
          party,
          partyId: row.party_id,
          destination: row.stripe_account_id,
          amountCents: row.amount_cents,
          currency: row.currency,
        });
        if (!made) {
          result.skipped.push({ party, reason: 'provider_cannot_transfer' });
          continue;
        }
        await db.query(
          `INSERT INTO transfers (enrollment_id, party, party_id, destination, stripe_transfer_id, amount_cents, currency, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'created') ON CONFLICT (enrollment_id, party) DO NOTHING`,
          [enrollmentId, party, row.party_id, row.stripe_account_id, made.transferId, row.amount_cents, row.currency],
        );
        result.transfers.push({
          party,
          partyId: row.party_id,
          destination: row.stripe_account_id,
          transferId: made.transferId,
          amountCents: row.amount_cents,
          currency: row.currency,
        });
      }
      return result;
    },

    /**
     * On a refund: takes back every transfer of the enrollment, in full, once (idempotency key
     * `transfer-reversal:<enrollmentId>:<party>`; a reversed row is not reversed again). Nothing to do when no
     * transfer was made (vouchers, parties without an account, a withdrawal before completion).
     */
    async reverseTransfers({ enrollmentId }: { enrollmentId: string }): Promise<TransferReversalOutcome[]> {
      const { rows } = await db.query<TransferRow>(
        `SELECT party, stripe_transfer_id, amount_cents, status, reversal_id, reversed_cents
           FROM transfers WHERE enrollment_id = $1 ORDER BY array_position($2::text[], party)`,
        [enrollmentId, PAID_PARTIES],
      );
      const outcomes: TransferReversalOutcome[] = [];
      for (const t of rows) {
        const party = t.party;
        if (t.status === 'reversed') {
          outcomes.push({ party, transferId: t.stripe_transfer_id, reversalId: t.reversal_id, amountCents: t.reversed_cents });
          continue;
        }
        const made = await payments.reverseTransfer({ enrollmentId, party, transferId: t.stripe_transfer_id, amountCents: t.amount_cents });
        if (!made) continue;
        await db.query(
          `UPDATE transfers SET status = 'reversed', reversal_id = $3, reversed_cents = $4, reversed_at = now()
            WHERE enrollment_id = $1 AND party = $2 AND status = 'created'`,
          [enrollmentId, party, made.reversalId, t.amount_cents],
        );
        outcomes.push({ party, transferId: t.stripe_transfer_id, reversalId: made.reversalId, amountCents: t.amount_cents });
      }
      return outcomes;
    },
  };
}
