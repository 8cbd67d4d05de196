import { Router } from 'express';
import { z } from 'zod';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { parse } from '../problems';

const PARTIES = ['platform', 'holder', 'partner'] as const;
type Party = (typeof PARTIES)[number];
type ByParty = Record<Party, number>;

/** `from` and `to` are calendar days (UTC), both included. */
export const revenueShareQuery = z
  .object({
    from: z.iso.date({ error: 'must be a date YYYY-MM-DD' }),
    to: z.iso.date({ error: 'must be a date YYYY-MM-DD' }),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' });

export interface RevenueShareEntry {
  enrollmentId: string;
  programId: string;
  party: Party;
  partyId: string;
  entryType: 'share' | 'reversal';
  amountCents: number;
  currency: string;
  createdAt: string;
}

interface ProgramTotals {
  programId: string;
  title: string;
  collectedCents: number;
  sharesCents: number;
  byParty: ByParty;
  reconciled: boolean;
}

export interface CurrencyTotals {
  /** Accepted payments minus refunds of the enrollments in the report. */
  collectedCents: number;
  paidCents: number;
  refundedCents: number;
  /** Shares and their reversals. */
  sharesCents: number;
  /** sharesCents − collectedCents: zero when reconciled. */
  differenceCents: number;
  reconciled: boolean;
  byParty: ByParty;
  byProgram: ProgramTotals[];
}

const zeroParties = (): ByParty => ({ platform: 0, holder: 0, partner: 0 });

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The revenue-share ledger for a period, reconciled against what was collected. The report covers every
 * enrollment whose shares were recorded in the period (its completion): all of that enrollment's ledger entries
 * (shares and any reversals) against its accepted payment minus its refund. Amounts are never added across
 * currencies: totals are per currency, and the report is reconciled when, in every currency, the shares sum
 * exactly to what was collected. An admin sees every program; a program holder only its own programs.
 */
export function revenueReportRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/api/reports/revenue-share', requireRole('admin', 'program_holder'), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(revenueShareQuery, req.query, 'query');
    const start = `${q.from}T00:00:00Z`;
    const end = new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000).toISOString();
    const holder = actor.role === 'program_holder' ? actor.id : null;
    const scope = `
      WITH scope AS (
        SELECT DISTINCT l.enrollment_id
          FROM ledger_entries l JOIN programs p ON p.id = l.program_id
         WHERE l.entry_type = 'share' AND l.created_at >= $1 AND l.created_at < $2 AND ($3::text IS NULL OR p.holder_id = $3)
      )`;
    const [entries, collected] = await Promise.all([
      db.query(
        `${scope}
         SELECT l.enrollment_id, l.program_id, p.title, l.party, l.party_id, l.entry_type, l.amount_cents, l.currency, l.created_at
           FROM ledger_entries l JOIN scope s ON s.enrollment_id = l.enrollment_id JOIN programs p ON p.id = l.program_id
          ORDER BY l.created_at, l.enrollment_id, l.entry_type DESC, array_position(ARRAY['platform', 'holder', 'partner'], l.party)`,
        [start, end, holder],
      ),
      db.query(
        `${scope}
         SELECT e.id AS enrollment_id, e.program_id, p.title, pay.amount_cents AS paid_cents, pay.currency,
                COALESCE(r.amount_cents, 0) AS refunded_cents
           FROM scope s JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
           JOIN payments pay ON pay.enrollment_id = e.id AND pay.status = 'accepted'
           LEFT JOIN refunds r ON r.enrollment_id = e.id`,
        [start, end, holder],
      ),
    ]);

    const totals: Record<string, CurrencyTotals> = {};
    const programs = new Map<string, ProgramTotals>();
    const currencyTotals = (currency: string) =>
      (totals[currency] ??= { collectedCents: 0, paidCents: 0, refundedCents: 0, sharesCents: 0, differenceCents: 0, reconciled: true, byParty: zeroParties(), byProgram: [] });
    const programTotals = (currency: string, programId: string, title: string) => {
      const key = `${currency}:${programId}`;
      let p = programs.get(key);
      if (!p) {
        p = { programId, title, collectedCents: 0, sharesCents: 0, byParty: zeroParties(), reconciled: true };
        programs.set(key, p);
        currencyTotals(currency).byProgram.push(p);
      }
      return p;
    };

    for (const c of collected.rows) {
      const t = currencyTotals(c.currency);
      const net = c.paid_cents - c.refunded_cents;
      t.paidCents += c.paid_cents;
      t.refundedCents += c.refunded_cents;
      t.collectedCents += net;
      programTotals(c.currency, c.program_id, c.title).collectedCents += net;
    }
    const list: RevenueShareEntry[] = entries.rows.map((l) => {
      const t = currencyTotals(l.currency);
      t.sharesCents += l.amount_cents;
      t.byParty[l.party as Party] += l.amount_cents;
      const p = programTotals(l.currency, l.program_id, l.title);
      p.sharesCents += l.amount_cents;
      p.byParty[l.party as Party] += l.amount_cents;
      return {
        enrollmentId: l.enrollment_id, programId: l.program_id, party: l.party, partyId: l.party_id, entryType: l.entry_type,
        amountCents: l.amount_cents, currency: l.currency, createdAt: new Date(l.created_at).toISOString(),
      };
    });
    for (const t of Object.values(totals)) {
      t.differenceCents = t.sharesCents - t.collectedCents;
      t.reconciled = t.differenceCents === 0;
      for (const p of t.byProgram) p.reconciled = p.sharesCents === p.collectedCents;
      t.byProgram.sort((a, b) => a.title.localeCompare(b.title) || a.programId.localeCompare(b.programId));
    }
    const currencies = Object.keys(totals).sort();
    const unreconciled = currencies.filter((c) => !totals[c].reconciled);
    const reconciled = unreconciled.length === 0;
    const reconciliation = currencies.length === 0
      ? 'no revenue-share entries in the period'
      : reconciled
        ? `reconciled: the shares equal what was collected in ${currencies.join(', ')}`
        : `not reconciled: ${unreconciled.map((c) => `${c} shares ${totals[c].sharesCents} ≠ collected ${totals[c].collectedCents}`).join('; ')}`;

    res.vary('Accept');
    res.set('Revenue-Share-Reconciled', String(reconciled));
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      const header = ['enrollmentId', 'programId', 'party', 'partyId', 'entryType', 'amountCents', 'currency', 'createdAt'] as const;
      const lines = [header.join(','), ...list.map((e) => header.map((h) => csvField(e[h])).join(','))];
      res
        .type('text/csv; charset=utf-8')
        .attachment(`revenue-share-${q.from}-${q.to}.csv`)
        .send(`${lines.join('\r\n')}\r\n`);
      return;
    }
    res.json({ from: q.from, to: q.to, entries: list, totals, reconciled, reconciliation });
  });

  return router;
}
