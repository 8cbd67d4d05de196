/**
 * The revenue-share report's read model: the ledger entries of the enrollments whose shares were recorded in a period,
 * and the totals that reconcile them, per currency and program, against what was collected.
 */
import type { PoolClient } from 'pg';
import { type Db, inTransaction } from '../../db/pool';
import { translator } from '../../lib/i18n';

const PARTIES = ['platform', 'holder', 'partner'] as const;
type Party = (typeof PARTIES)[number];
type ByParty = Record<Party, number>;

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

/**
 * What the report sums, per currency and program: one row of what was collected (party null: the accepted payments
 * and refunds of the enrollments, under the enrollment's program and the payment's currency), and one row per party of
 * the shares (under the ledger entry's program and currency).
 */
interface SumRow {
  currency: string;
  program_id: string;
  title: string;
  party: Party | null;
  paid_cents: number;
  refunded_cents: number;
  shares_cents: number;
}

export interface RevenueShareSummary {
  totals: Record<string, CurrencyTotals>;
  reconciled: boolean;
  reconciliation: string;
}

/** The totals of the report, from its sums: the currencies in order, each one's programs by title. */
function summarize(sums: readonly SumRow[]): RevenueShareSummary {
  const totals: Record<string, CurrencyTotals> = {};
  const programs = new Map<string, ProgramTotals>();
  const currencyTotals = (currency: string) =>
    (totals[currency] ??= {
      collectedCents: 0,
      paidCents: 0,
      refundedCents: 0,
      sharesCents: 0,
      differenceCents: 0,
      reconciled: true,
      byParty: zeroParties(),
      byProgram: [],
    });
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

  for (const s of sums) {
    const t = currencyTotals(s.currency);
    const p = programTotals(s.currency, s.program_id, s.title);
    if (s.party === null) {
      const net = s.paid_cents - s.refunded_cents;
      t.paidCents += s.paid_cents;
      t.refundedCents += s.refunded_cents;
      t.collectedCents += net;
      p.collectedCents += net;
    } else {
      t.sharesCents += s.shares_cents;
      t.byParty[s.party] += s.shares_cents;
      p.sharesCents += s.shares_cents;
      p.byParty[s.party] += s.shares_cents;
    }
  }
  for (const t of Object.values(totals)) {
    t.differenceCents = t.sharesCents - t.collectedCents;
    t.reconciled = t.differenceCents === 0;
    for (const p of t.byProgram) p.reconciled = p.sharesCents === p.collectedCents;
    t.byProgram.sort((a, b) => a.title.localeCompare(b.title) || a.programId.localeCompare(b.programId));
  }
  const currencies = Object.keys(totals).sort();
  const unreconciled = currencies.filter((c) => !totals[c].reconciled);
  const reconciled = unreconciled.length === 0;
  const reconciliation =
    currencies.length === 0
      ? 'no revenue-share entries in the period'
      : reconciled
        ? `reconciled: the shares equal what was collected in ${currencies.join(', ')}`
        : `not reconciled: ${unreconciled.map((c) => `${c} shares ${totals[c].sharesCents} ≠ collected ${totals[c].collectedCents}`).join('; ')}`;
  return { totals: Object.fromEntries(currencies.map((c) => [c, totals[c]])), reconciled, reconciliation };
}

/**
 * The enrollments of the report: those with a share recorded in the period ($1 ≤ created_at < $2), in the holder's
 * programs when $3 is a holder. Inlined where it is used (`IN (SELECT enrollment_id FROM scope)`), so the planner
 * may run it as a (parallel) semi-join.
 */
const SCOPE = `
  WITH scope AS NOT MATERIALIZED (
    SELECT l.enrollment_id
      FROM ledger_entries l JOIN programs p ON p.id = l.program_id
     WHERE l.entry_type = 'share' AND l.created_at >= $1 AND l.created_at < $2 AND ($3::text IS NULL OR p.holder_id = $3)
  )`;

/** All the ledger entries (shares and reversals, whenever recorded) of the enrollments in scope: the streamed part. */
export const REVENUE_SHARE_ENTRIES_SQL = `${SCOPE}
  SELECT l.enrollment_id, l.program_id, l.party, l.party_id, l.entry_type, l.amount_cents, l.currency, l.created_at,
         p.title AS program_title, e.student_name,
         CASE l.party WHEN 'holder' THEN COALESCE(h.name, h.email) WHEN 'partner' THEN pa.name END AS party_name
    FROM ledger_entries l
    JOIN programs p ON p.id = l.program_id
    JOIN enrollments e ON e.id = l.enrollment_id
    LEFT JOIN program_holders h ON l.party = 'holder' AND h.id = l.party_id
    LEFT JOIN partners pa ON l.party = 'partner' AND pa.id = l.party_id
   WHERE l.enrollment_id IN (SELECT enrollment_id FROM scope)
   ORDER BY l.created_at, l.enrollment_id, l.entry_type DESC, array_position(ARRAY[${PARTIES.map((p) => `'${p}'`).join(', ')}], l.party)`;

/** The sums behind the totals (a few rows per currency and program), see SumRow. */
const SUMS_SQL = `${SCOPE}
  SELECT c.currency, c.program_id, p.title, NULL::text AS party, c.paid_cents, c.refunded_cents, 0::bigint AS shares_cents
    FROM (SELECT pay.currency, e.program_id, sum(pay.amount_cents) AS paid_cents, sum(COALESCE(r.amount_cents, 0)) AS refunded_cents
            FROM enrollments e JOIN payments pay ON pay.enrollment_id = e.id AND pay.status = 'accepted'
            LEFT JOIN refunds r ON r.enrollment_id = e.id
           WHERE e.id IN (SELECT enrollment_id FROM scope)
           GROUP BY pay.currency, e.program_id) c
    JOIN programs p ON p.id = c.program_id
  UNION ALL
  SELECT s.currency, s.program_id, p.title, s.party, 0, 0, s.shares_cents
    FROM (SELECT l.currency, l.program_id, l.party, sum(l.amount_cents) AS shares_cents
            FROM ledger_entries l
           WHERE l.enrollment_id IN (SELECT enrollment_id FROM scope)
           GROUP BY l.currency, l.program_id, l.party) s
    JOIN programs p ON p.id = s.program_id`;

export interface RevenueShareEntryRow {
  enrollment_id: string;
  program_id: string;
  party: Party;
  party_id: string;
  entry_type: 'share' | 'reversal';
  amount_cents: number;
  currency: string;
  created_at: Date;
  /** For people reading the CSV: the program's title, the student's name, the party's name. */
  program_title: string;
  student_name: string | null;
  party_name: string | null;
}

export const toEntry = (l: RevenueShareEntryRow): RevenueShareEntry => ({
  enrollmentId: l.enrollment_id,
  programId: l.program_id,
  party: l.party,
  partyId: l.party_id,
  entryType: l.entry_type,
  amountCents: l.amount_cents,
  currency: l.currency,
  createdAt: l.created_at.toISOString(),
});

export const REVENUE_SHARE_CSV_HEADER = [
  'enrollmentId',
  'programId',
  'party',
  'partyId',
  'entryType',
  'amountCents',
  'currency',
  'createdAt',
  'program',
  'student',
  'partyName',
  'amount',
] as const;

/**
 * A ledger entry as a CSV line: the entry's fields (ids and integer cents, for systems), then what a business office
 * reads in a spreadsheet: the program's title, the student, the party by name and the amount in the currency's units.
 */
export function revenueShareCsvRow(l: RevenueShareEntryRow): (string | number)[] {
  const e = toEntry(l);
  const amount = `${e.amountCents < 0 ? '-' : ''}${Math.floor(Math.abs(e.amountCents) / 100)}.${String(Math.abs(e.amountCents) % 100).padStart(2, '0')}`;
  return [
    e.enrollmentId,
    e.programId,
    e.party,
    e.partyId,
    e.entryType,
    e.amountCents,
    e.currency,
    e.createdAt,
    l.program_title,
    l.student_name ?? '',
    l.party === 'platform' ? translator().t('layout.brand') : (l.party_name ?? l.party_id),
    amount,
  ];
}

/** The report's parameters: the period's days as instants ($1 ≤ created_at < $2), and the holder it is narrowed to ($3). */
export function revenueShareParams(period: { from: string; to: string }, holderId: string | undefined): unknown[] {
  const start = `${period.from}T00:00:00Z`;
  const end = new Date(Date.parse(`${period.to}T00:00:00Z`) + 86_400_000).toISOString();
  return [start, end, holderId ?? null];
}

/** The report's totals, in the snapshot of `client` (the one the entries are streamed from). */
export async function revenueShareSummary(client: PoolClient, params: unknown[]): Promise<RevenueShareSummary> {
  return summarize((await client.query<SumRow>(SUMS_SQL, params)).rows);
}

/**
 * One page of the report's entries with its totals, read in one snapshot (the console's page; the API streams all of
 * them): `hasMore` says whether entries follow the page.
 */
export async function revenueShareReportPage(db: Db, params: unknown[], page: { limit: number; offset: number }) {
  return inTransaction(db, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const summary = await revenueShareSummary(client, params);
    const { rows } = await client.query<RevenueShareEntryRow>(`${REVENUE_SHARE_ENTRIES_SQL} LIMIT $4 OFFSET $5`, [
      ...params,
      page.limit + 1,
      page.offset,
    ]);
    const entries = rows.slice(0, page.limit);
    // Whom each entry is about, for people reading the page (the report itself names enrollments by id only).
    const students = await client.query<{ id: string; student_name: string | null; student_email: string | null }>(
      'SELECT id, student_name, student_email FROM enrollments WHERE id = ANY($1::uuid[])',
      [[...new Set(entries.map((l) => l.enrollment_id))]],
    );
    return {
      ...summary,
      entries: entries.map(toEntry),
      studentNames: Object.fromEntries(students.rows.map((e) => [e.id, e.student_name ?? e.student_email ?? 'Unnamed student'])),
      hasMore: rows.length > page.limit,
    };
  });
}
