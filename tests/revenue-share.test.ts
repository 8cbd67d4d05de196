/**
 * The revenue-share report (against PostgreSQL and the Express app on an ephemeral port) and Stripe Connect
 * payouts (the real `stripe` client against the Stripe stand-in on loopback).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { PoolClient } from 'pg';
import type { EnrollmentActivities } from '../activities';
import { createApp } from '../api/app';
import { createAuthenticator, signDevelopmentToken } from '../api/auth';
import { type Role } from '../core/actor';
import { parseCsv } from '../core/csv';
import type { EnrollmentClient } from '../core/enrollment-client';
import type { Db } from '../db/pool';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { loadConfig } from '../lib/config';
import { createLocalFileStore } from '../services/file-store';
import { createOutboxMailer } from '../services/mailer';
import { createSimulatedPaymentProvider } from '../services/payment-provider';
import type { Problem, RevenueShareEntry, RevenueShareReport } from './helpers/contract';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { eventually, sleep } from './helpers/eventually';
import { insertShareLedgerSql } from './helpers/ledger-fixtures';
import { localActivities, stripeStandInPayments } from './helpers/local-activities';
import { startStripeStandIn } from './helpers/stripe-stand-in';

const JWT_SECRET = 'revenue-share-test-secret';
const [IC3, BARBERING, , DEMO] = SEEDED_PROGRAMS;
const OTHER_HOLDER = 'holder-other-0001';

let database: TestDatabase;
let db: Db;
let stripe: Awaited<ReturnType<typeof startStripeStandIn>>;
let filesRoot: string;
let acts: EnrollmentActivities;
let server: http.Server;
let baseUrl: string;
let otherProgramId: string;
let euroProgramId: string;
/** The mailer the activities here use: messages written to an outbox folder, never sent. */
const outboxMailer = () => createOutboxMailer(path.join(filesRoot, 'outbox'), 'Test <test@example.com>');

beforeAll(async () => {
  [database, stripe] = await Promise.all([createTestDatabase(), startStripeStandIn()]);
  db = database.db;
  filesRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-revenue-'));
  acts = localActivities(db, filesRoot, { payments: stripeStandInPayments(stripe.apiBase), mailer: outboxMailer() });
  otherProgramId = await insertProgram({
    holderId: OTHER_HOLDER,
    bps: [1000, 4500, 4500],
    currency: 'usd',
    title: 'Other holder, Inc. course',
  });
  euroProgramId = await insertProgram({ holderId: DEMO_HOLDER_ID, bps: [3333, 3333, 3334], currency: 'eur', title: 'Euro course' });
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET, DATA_DIR: filesRoot });
  const app = createApp({
    config,
    db,
    files: createLocalFileStore(filesRoot),
    enrollments: {} as EnrollmentClient,
    authenticate: createAuthenticator(config.jwt),
    temporalHealth: () => Promise.resolve({}),
  });
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await Promise.allSettled([stripe?.close(), new Promise((r) => (server ? server.close(r) : r(undefined)))]);
  await database?.drop();
  if (filesRoot) fs.rmSync(filesRoot, { recursive: true, force: true });
});

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────

async function insertProgram(p: { holderId: string; bps: [number, number, number]; currency: string; title: string }) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO programs (id, title, partner_id, price_cents, currency, holder_id, platform_bps, holder_bps, partner_bps, credential_type, deadline_days)
     VALUES ($1, $2, 'demo', 1000, $3, $4, $5, $6, $7, 'other', 30)`,
    [id, p.title, p.currency, p.holderId, ...p.bps],
  );
  return id;
}

type Funding = 'self_pay' | 'wioa_ita';

/** An enrollment with its accepted payment of `amountCents` and its shares, recorded on `day`. */
async function paidEnrollment(
  programId: string,
  amountCents: number,
  day: string,
  options: { currency?: string; funding?: Funding; basisCents?: number } = {},
) {
  const id = randomUUID();
  const currency = options.currency ?? 'usd';
  const funding = options.funding ?? 'self_pay';
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, funding_source, price_cents, currency, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'closed')`,
    [id, programId, `student-${id.slice(0, 8)}`, funding, amountCents, currency],
  );
  await acts.recordPayment({
    enrollmentId: id,
    provider: funding === 'self_pay' ? 'stripe' : funding,
    providerRef: funding === 'self_pay' ? `cs_test_${id}` : id,
    amountCents,
    currency,
    paidAt: new Date().toISOString(),
    status: 'accepted',
    ...(funding !== 'self_pay' && { voucherNumber: `ITA-${id.slice(0, 6)}` }),
  });
  await acts.recordRevenueShare({ enrollmentId: id, basisCents: options.basisCents ?? amountCents, currency });
  await db.query(`UPDATE ledger_entries SET created_at = $2::date + time '12:00' WHERE enrollment_id = $1`, [id, day]);
  return id;
}

const tokens = new Map<string, string>();
async function token(role: Role, id: string = `${role}-1`) {
  const key = `${role}:${id}`;
  if (!tokens.has(key)) tokens.set(key, await signDevelopmentToken({ secret: JWT_SECRET }, { id, role }));
  return tokens.get(key)!;
}

async function report(query: string, role: Role = 'admin', id?: string, accept = 'application/json') {
  const res = await fetch(`${baseUrl}/api/reports/revenue-share?${query}`, {
    headers: { authorization: `Bearer ${await token(role, id)}`, accept },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * The report's JSON (api.md: Outcomes), as these tests read it; contract.ts has the entry only, without the
 * fields the tests read besides (programId, partyId, entryType, createdAt) and without the totals.
 */
async function reportJson(query: string, role: Role = 'admin', id?: string) {
  const r = await report(query, role, id);
  expect(r.status).toBe(200);
  return JSON.parse(r.text) as RevenueShareReport;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// ── the report ─────────────────────────────────────────────────────────────────────────────────────────

describe('GET /api/reports/revenue-share', () => {
  test('awkward amounts in two currencies: every share entry listed, totals reconcile per currency and per program', async () => {
    const day = '2030-01-15';
    const usd = [
      [DEMO.id, 2_999],
      [DEMO.id, 1],
      [DEMO.id, 7],
      [DEMO.id, 100_001],
      [IC3.id, 14_903],
      [BARBERING.id, 49_901],
      [otherProgramId, 333],
    ] as const;
    const ids: string[] = [];
    for (const [program, amount] of usd) ids.push(await paidEnrollment(program, amount, day));
    const euroIds = [
      await paidEnrollment(euroProgramId, 1_003, day, { currency: 'eur' }),
      await paidEnrollment(euroProgramId, 2, day, { currency: 'eur' }),
    ];
    await paidEnrollment(DEMO.id, 5_000, '2030-01-16'); // the next day: outside the period

    const body = await reportJson(`from=${day}&to=${day}`);
    expect(body.reconciled).toBe(true);
    expect(body.reconciliation).toMatch(/^reconciled/);
    expect(body.entries).toHaveLength(3 * (ids.length + euroIds.length));
    expect(new Set(body.entries.map((e: { enrollmentId: string }) => e.enrollmentId))).toEqual(new Set([...ids, ...euroIds]));
    for (const e of body.entries) {
      expect(e).toEqual(
        expect.objectContaining<Record<string, unknown>>({
          party: expect.stringMatching(/^(platform|holder|partner)$/),
          amountCents: expect.any(Number),
          currency: expect.stringMatching(/^(usd|eur)$/),
        }),
      );
      expect(Number.isInteger(e.amountCents) && e.amountCents >= 0).toBe(true);
    }
    // Each enrollment's shares sum exactly to its payment.
    for (const [i, [, amount]] of usd.entries()) {
      expect(
        sum(
          body.entries
            .filter((e: { enrollmentId: string }) => e.enrollmentId === ids[i])
            .map((e: { amountCents: number }) => e.amountCents),
        ),
      ).toBe(amount);
    }
    const usdCollected = sum(usd.map(([, a]) => a));
    expect(body.totals.usd).toEqual(
      expect.objectContaining({
        collectedCents: usdCollected,
        paidCents: usdCollected,
        refundedCents: 0,
        sharesCents: usdCollected,
        differenceCents: 0,
        reconciled: true,
      }),
    );
    expect(sum(Object.values(body.totals.usd.byParty))).toBe(usdCollected);
    expect(body.totals.eur).toEqual(expect.objectContaining({ collectedCents: 1_005, sharesCents: 1_005, reconciled: true }));
    expect(body.totals.usd.byProgram.map((p: { programId: string }) => p.programId).sort()).toEqual(
      [DEMO.id, IC3.id, BARBERING.id, otherProgramId].sort(),
    );
    for (const p of [...body.totals.usd.byProgram, ...body.totals.eur.byProgram]) {
      expect(p.reconciled).toBe(true);
      expect(sum(Object.values(p.byParty))).toBe(p.collectedCents);
    }
    expect(body.totals.usd.byProgram.find((p: { programId: string }) => p.programId === IC3.id)).toEqual(
      expect.objectContaining({
        collectedCents: 14_903,
        sharesCents: 14_903,
        byParty: { platform: 2_981, holder: 8_942, partner: 2_980 },
      }),
    );
  });

  test('a refund and its reversal keep it reconciled; shares that do not match the payment are reported as not reconciled', async () => {
    const day = '2030-02-01';
    const refunded = await paidEnrollment(DEMO.id, 2_999, day, { funding: 'wioa_ita' });
    const kept = await paidEnrollment(DEMO.id, 1_234, day);
    expect(await acts.refundPayment({ enrollmentId: refunded, amountCents: 2_999, reason: 'withdrew' })).toEqual({
      refundRef: null,
      amountCents: 2_999,
    });
    expect(await acts.reverseRevenueShare({ enrollmentId: refunded })).toBe(3);

    const body = await reportJson(`from=${day}&to=${day}`);
    expect(body.entries.filter((e: { entryType: string }) => e.entryType === 'reversal')).toHaveLength(3);
    expect(body.entries.filter((e: { enrollmentId: string }) => e.enrollmentId === kept)).toHaveLength(3);
    expect(body.totals.usd).toEqual(
      expect.objectContaining({
        paidCents: 2_999 + 1_234,
        refundedCents: 2_999,
        collectedCents: 1_234,
        sharesCents: 1_234,
        reconciled: true,
      }),
    );
    expect(body.reconciled).toBe(true);

    // Shares split from a wrong basis: one cent short of what was collected. The report must say so.
    const badDay = '2030-02-02';
    await paidEnrollment(DEMO.id, 1_000, badDay, { basisCents: 999 });
    const bad = await reportJson(`from=${badDay}&to=${badDay}`);
    expect(bad.reconciled).toBe(false);
    expect(bad.totals.usd).toEqual(
      expect.objectContaining({ collectedCents: 1_000, sharesCents: 999, differenceCents: -1, reconciled: false }),
    );
    expect(bad.reconciliation).toContain('usd shares 999 ≠ collected 1000');
    expect((await report(`from=${badDay}&to=${badDay}`)).headers.get('revenue-share-reconciled')).toBe('false');
  });

  test("a program holder sees only its own programs' entries; an admin sees all", async () => {
    const day = '2030-03-03';
    const mine = await paidEnrollment(DEMO.id, 777, day);
    const theirs = await paidEnrollment(otherProgramId, 555, day);
    const enrollmentsOf = (body: { entries: { enrollmentId: string }[] }) => [...new Set(body.entries.map((e) => e.enrollmentId))].sort();

    const demoHolder = await reportJson(`from=${day}&to=${day}`, 'program_holder', DEMO_HOLDER_ID);
    expect(enrollmentsOf(demoHolder)).toEqual([mine]);
    expect(demoHolder.totals.usd).toEqual(expect.objectContaining({ collectedCents: 777, sharesCents: 777, reconciled: true }));
    const other = await reportJson(`from=${day}&to=${day}`, 'program_holder', OTHER_HOLDER);
    expect(enrollmentsOf(other)).toEqual([theirs]);
    expect(other.entries.map((e: { party: string }) => e.party).sort()).toEqual(['holder', 'partner', 'platform']);
    const nobody = await reportJson(`from=${day}&to=${day}`, 'program_holder', 'holder-without-programs');
    expect(nobody).toEqual(expect.objectContaining({ entries: [], totals: {}, reconciled: true }));
    const admin = await reportJson(`from=${day}&to=${day}`);
    expect(enrollmentsOf(admin)).toEqual([mine, theirs].sort());
    expect(admin.totals.usd.collectedCents).toBe(777 + 555);
  });

  test('CSV with Accept: text/csv', async () => {
    const day = '2030-04-04';
    const id = await paidEnrollment(DEMO.id, 2_999, day);
    const r = await report(`from=${day}&to=${day}`, 'admin', undefined, 'text/csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toContain(`revenue-share-${day}-${day}.csv`);
    expect(r.headers.get('revenue-share-reconciled')).toBe('true');
    const [header, ...rows] = parseCsv(r.text).map((rec) => rec.fields);
    expect(header).toEqual([
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
    ]);
    expect(rows.map((f) => [f[0], f[2], f[4], Number(f[5]), f[6]])).toEqual([
      [id, 'platform', 'share', 1_000, 'usd'],
      [id, 'holder', 'share', 1_000, 'usd'],
      [id, 'partner', 'share', 999, 'usd'],
    ]);
    // What a business office reads in a spreadsheet: the program, the parties by name, the amount in dollars.
    expect(rows.map((f) => [f[8], f[10], f[11]])).toEqual([
      [DEMO.title, 'Credential Marketplace', '10.00'],
      [DEMO.title, 'Demo Program Holder', '10.00'],
      [DEMO.title, 'Demo Partner (local stand-in)', '9.99'],
    ]);
  });

  test('bad dates are 400 naming the field; students 403; no token 401', async () => {
    // Without from or to the report covers everything up to today, so a `from` after today is after its `to`.
    for (const [query, field] of [
      ['from=2030-13-01&to=2030-12-31', 'query.from'],
      ['from=2099-01-01', 'query.to'],
      ['from=yesterday&to=2030-01-01', 'query.from'],
      ['from=2030-02-01&to=2030-01-01', 'query.to'],
    ] as const) {
      const r = await report(query);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((JSON.parse(r.text) as Problem).errors?.map((e: { field: string }) => e.field)).toContain(field);
    }
    const everything = await report('');
    expect(everything.status).toBe(200);
    expect(JSON.parse(everything.text)).toMatchObject({ from: '1900-01-01', to: new Date().toISOString().slice(0, 10) });
    expect((await report('from=2030-01-01&to=2030-01-02', 'student')).status).toBe(403);
    expect((await fetch(`${baseUrl}/api/reports/revenue-share?from=2030-01-01&to=2030-01-02`)).status).toBe(401);
  });
});

// ── the report, streamed ───────────────────────────────────────────────────────────────────────────────

describe('GET /api/reports/revenue-share, streamed over many rows', () => {
  /** Generated enrollments: shares in 2031 Q1 (a day each), spread over five programs of two holders and two currencies. */
  const MANY = 3_000;
  const Q1 = 'from=2031-01-01&to=2031-03-31';
  /** Of the generated enrollments: the partner's share one cent short; refunded (shares reversed after the period); shares before the period. */
  const isShort = (i: number) => i % 101 === 7;
  const isRefunded = (i: number) => i % 50 === 3;
  const isOutside = (i: number) => i % 97 === 5;
  let programs: string[];
  /** Enrollment ids by generation index; the program holder of each program. */
  const enrollmentOf = new Map<number, string>();
  const holderOf = new Map<string, string>();

  beforeAll(async () => {
    programs = [DEMO.id, IC3.id, BARBERING.id, otherProgramId, euroProgramId];
    for (const p of programs) holderOf.set(p, p === otherProgramId ? OTHER_HOLDER : DEMO_HOLDER_ID);
    // Enrollment i: program i mod 5, an odd price, shares recorded on day i mod 90 of 2031 (or on 2030-12-31).
    const { rows } = await db.query<{ id: string; i: number }>(
      `INSERT INTO enrollments (id, program_id, student_id, funding_source, price_cents, currency, status, completed_at)
       SELECT gen_random_uuid(), ($1::uuid[])[1 + i % 5], 'many-' || i, 'self_pay', 1000 + (i * 37) % 9000, p.currency, 'closed',
              CASE WHEN i % 97 = 5 THEN timestamptz '2030-12-31 12:00Z'
                   ELSE timestamptz '2031-01-01 08:00Z' + (i % 90) * interval '1 day' + (i % 3600) * interval '1 second' END
         FROM generate_series(1, $2::int) AS i JOIN programs p ON p.id = ($1::uuid[])[1 + i % 5]
       RETURNING id, split_part(student_id, '-', 2)::int AS i`,
      [programs, MANY],
    );
    for (const r of rows) enrollmentOf.set(r.i, r.id);
    const generated = `e.student_id LIKE 'many-%'`;
    const index = `split_part(e.student_id, '-', 2)::int`;
    await db.query(
      `INSERT INTO payments (enrollment_id, provider, provider_ref, amount_cents, currency, status, paid_at)
       SELECT id, 'simulated', 'many-' || id, price_cents, currency, 'accepted', completed_at FROM enrollments e WHERE ${generated}
       UNION ALL -- a rejected payment beside some: never counted
       SELECT id, 'simulated', 'many-rejected-' || id, 1, currency, 'rejected', completed_at FROM enrollments e WHERE ${generated} AND ${index} % 13 = 0`,
    );
    // Platform and holder rounded down, the partner the rest (one cent less for the short ones).
    await db.query(insertShareLedgerSql({ where: generated, partnerShortBy: `CASE WHEN ${index} % 101 = 7 THEN 1 ELSE 0 END` }));
    await db.query(
      `INSERT INTO refunds (enrollment_id, provider, amount_cents, currency)
       SELECT e.id, 'simulated', e.price_cents, e.currency FROM enrollments e WHERE ${generated} AND ${index} % 50 = 3`,
    );
    await db.query(
      `INSERT INTO ledger_entries (enrollment_id, program_id, party, party_id, entry_type, basis_cents, bps, amount_cents, currency, created_at)
       SELECT l.enrollment_id, l.program_id, l.party, l.party_id, 'reversal', l.basis_cents, l.bps, -l.amount_cents, l.currency, timestamptz '2031-06-15 12:00Z'
         FROM ledger_entries l JOIN enrollments e ON e.id = l.enrollment_id JOIN refunds r ON r.enrollment_id = e.id
        WHERE ${generated} AND l.entry_type = 'share'`,
    );
  });

  type Entry = RevenueShareEntry;

  /** The generated enrollments a report should cover: shares in the period, in `holder`'s programs if given. */
  function expectedEnrollments(holder?: string) {
    const ids: string[] = [];
    for (const [i, id] of enrollmentOf) if (!isOutside(i) && (!holder || holderOf.get(programs[i % 5]) === holder)) ids.push(id);
    return ids.sort();
  }

  /**
   * The totals the report should show, worked out here independently of the report's code: each figure is one filter
   * and one sum, over the entries the report listed (the shares) and over each enrollment's accepted payments and
   * refunds, summed apart in the database (what was collected).
   */
  async function expectedTotals(entries: Entry[]) {
    const { rows: collected } = await db.query<{ program_id: string; currency: string; paid_cents: number; refunded_cents: number }>(
      `SELECT e.program_id, pay.currency, pay.paid_cents, COALESCE(r.refunded_cents, 0) AS refunded_cents
         FROM enrollments e
         JOIN (SELECT enrollment_id, currency, sum(amount_cents) AS paid_cents FROM payments WHERE status = 'accepted'
                GROUP BY enrollment_id, currency) pay ON pay.enrollment_id = e.id
         LEFT JOIN (SELECT enrollment_id, sum(amount_cents) AS refunded_cents FROM refunds GROUP BY enrollment_id) r ON r.enrollment_id = e.id
        WHERE e.id = ANY($1::uuid[])`,
      [[...new Set(entries.map((e) => e.enrollmentId))]],
    );
    const titles = new Map(
      (await db.query<{ id: string; title: string }>('SELECT id, title FROM programs')).rows.map((p) => [p.id, p.title]),
    );
    const shares = (es: Entry[]) => sum(es.map((e) => e.amountCents));
    const byParty = (es: Entry[]) => ({
      platform: shares(es.filter((e) => e.party === 'platform')),
      holder: shares(es.filter((e) => e.party === 'holder')),
      partner: shares(es.filter((e) => e.party === 'partner')),
    });
    const totals: Record<string, unknown> = {};
    for (const currency of new Set([...collected.map((c) => c.currency), ...entries.map((e) => e.currency)])) {
      const inCurrency = entries.filter((e) => e.currency === currency);
      const payments = collected.filter((c) => c.currency === currency);
      const paidCents = sum(payments.map((c) => c.paid_cents));
      const refundedCents = sum(payments.map((c) => c.refunded_cents));
      const programIds = new Set([...payments.map((c) => c.program_id), ...inCurrency.map((e) => e.programId)]);
      const byProgram = [...programIds].map((programId) => {
        const ofProgram = inCurrency.filter((e) => e.programId === programId);
        const collectedCents = sum(payments.filter((c) => c.program_id === programId).map((c) => c.paid_cents - c.refunded_cents));
        return {
          programId,
          title: titles.get(programId)!,
          collectedCents,
          sharesCents: shares(ofProgram),
          byParty: byParty(ofProgram),
          reconciled: shares(ofProgram) === collectedCents,
        };
      });
      byProgram.sort((a, b) => a.title.localeCompare(b.title) || a.programId.localeCompare(b.programId));
      totals[currency] = {
        collectedCents: paidCents - refundedCents,
        paidCents,
        refundedCents,
        sharesCents: shares(inCurrency),
        differenceCents: shares(inCurrency) - (paidCents - refundedCents),
        reconciled: shares(inCurrency) === paidCents - refundedCents,
        byParty: byParty(inCurrency),
        byProgram,
      };
    }
    return totals;
  }

  test('every entry of the period, in order, JSON and CSV alike; the totals are what adding up the entries gives, not reconciled', async () => {
    const body = await reportJson(Q1);
    const entries: Entry[] = body.entries;
    const ids = expectedEnrollments();
    const refunded = [...enrollmentOf].filter(([i]) => !isOutside(i) && isRefunded(i)).length;
    expect(entries).toHaveLength(3 * ids.length + 3 * refunded);
    expect(entries.length).toBeGreaterThan(5_000); // several cursor batches
    expect([...new Set(entries.map((e) => e.enrollmentId))].sort()).toEqual(ids);
    // Ordered by time: the reversals (after the period) come last.
    expect(entries.map((e) => e.createdAt)).toEqual(entries.map((e) => e.createdAt).sort());
    expect(entries.slice(-3 * refunded).every((e) => e.entryType === 'reversal' && e.createdAt === '2031-06-15T12:00:00.000Z')).toBe(true);

    expect(body.totals).toEqual(await expectedTotals(entries));
    // The short shares of enrollments not refunded leave each currency that many cents short.
    const short = (c: string) =>
      -[...enrollmentOf.keys()].filter(
        (i) => !isOutside(i) && isShort(i) && !isRefunded(i) && (programs[i % 5] === euroProgramId ? 'eur' : 'usd') === c,
      ).length;
    expect(short('usd')).toBeLessThan(0);
    expect(body.totals.usd).toEqual(expect.objectContaining({ differenceCents: short('usd'), reconciled: false }));
    expect(body.totals.eur).toEqual(expect.objectContaining({ differenceCents: short('eur'), reconciled: short('eur') === 0 }));
    expect(body.reconciled).toBe(false);
    expect(body.reconciliation).toContain(`usd shares ${body.totals.usd.sharesCents} ≠ collected ${body.totals.usd.collectedCents}`);
    expect(Object.keys(body)).toEqual(['from', 'to', 'entries', 'totals', 'reconciled', 'reconciliation']);

    const csv = await report(Q1, 'admin', undefined, 'text/csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('revenue-share-reconciled')).toBe('false');
    const [header, ...rows] = parseCsv(csv.text).map((r) => r.fields);
    const systemColumns = header.slice(0, 8);
    expect(rows.map((r) => r.slice(0, 8))).toEqual(entries.map((e) => systemColumns.map((h) => String(e[h as keyof Entry]))));
  });

  test("a program holder sees only its own programs' entries, and totals of those alone", async () => {
    const mine = await reportJson(Q1, 'program_holder', OTHER_HOLDER);
    expect([...new Set(mine.entries.map((e: Entry) => e.enrollmentId))].sort()).toEqual(expectedEnrollments(OTHER_HOLDER));
    expect(new Set(mine.entries.map((e: Entry) => e.programId))).toEqual(new Set([otherProgramId]));
    expect(mine.totals).toEqual(await expectedTotals(mine.entries));
    expect(Object.keys(mine.totals)).toEqual(['usd']);

    const demo = await reportJson(Q1, 'program_holder', DEMO_HOLDER_ID);
    expect([...new Set(demo.entries.map((e: Entry) => e.enrollmentId))].sort()).toEqual(expectedEnrollments(DEMO_HOLDER_ID));
    expect(demo.entries.some((e: Entry) => e.programId === otherProgramId)).toBe(false);
    expect(demo.totals).toEqual(await expectedTotals(demo.entries));
    const csv = parseCsv((await report(Q1, 'program_holder', OTHER_HOLDER, 'text/csv')).text);
    expect(csv).toHaveLength(1 + mine.entries.length);
  });

  /**
   * Watches the database clients checked out while on: counts the report cursor's FETCHes (and can slow them, or fail
   * the n-th), can fail a query matching `fail`, and counts the clients released. Each client is restored on release.
   */
  function watchClients(options: { fetchDelayMs?: number; failFetch?: number; fail?: RegExp } = {}) {
    const watch = { fetches: 0, acquired: 0, released: 0, stop };
    const originals = new Map<PoolClient, PoolClient['query']>();
    function onAcquire(client: PoolClient) {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      originals.set(client, client.query.bind(client));
      watch.acquired += 1;
      const watched = async (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : '';
        if (options.fail?.test(text)) throw new Error('the query failed (test)');
        if (!text.startsWith('FETCH')) return query.apply(client, args);
        watch.fetches += 1;
        if (watch.fetches === options.failFetch) throw new Error('the connection broke (test)');
        const result = query.apply(client, args); // queued now, in order; answered late
        if (options.fetchDelayMs) await sleep(options.fetchDelayMs);
        return result;
      };
      Object.assign(client, { query: watched });
    }
    function onRelease(_err: Error | undefined, client: PoolClient) {
      const query = originals.get(client);
      if (!query) return;
      originals.delete(client);
      Object.assign(client, { query });
      watch.released += 1;
    }
    function stop() {
      db.off('acquire', onAcquire);
      db.off('release', onRelease);
    }
    db.on('acquire', onAcquire);
    db.on('release', onRelease);
    return watch;
  }

  /** The pool is as it was: nothing checked out or waiting, no session of this database in a transaction. */
  async function poolAtRest(watch: { acquired: number; released: number }) {
    await eventually(
      () => Promise.resolve(watch.released === watch.acquired && db.idleCount === db.totalCount),
      "the report's client to go back",
      10_000,
    );
    expect(db.waitingCount).toBe(0);
    expect(db.totalCount).toBeLessThanOrEqual(5);
    const { rows } = await db.query(
      `SELECT state, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
    );
    expect(rows).toEqual([]);
  }

  test('a client that goes away mid-stream stops the cursor, and the connection goes back to the pool', async () => {
    const watch = watchClients({ fetchDelayMs: 50 });
    try {
      const aborted = new AbortController();
      const res = await fetch(`${baseUrl}/api/reports/revenue-share?${Q1}`, {
        headers: { authorization: `Bearer ${await token('admin')}` },
        signal: aborted.signal,
      });
      expect(res.status).toBe(200);
      const first = await res.body!.getReader().read();
      expect(new TextDecoder().decode(first.value as Uint8Array | undefined)).toMatch(
        /^\{"from":"2031-01-01","to":"2031-03-31","entries":\[/,
      );
      aborted.abort();
      await poolAtRest(watch);
      // ~9,000 entries are 10 batches: the cursor stopped after the first few.
      expect(watch.fetches).toBeGreaterThanOrEqual(1);
      expect(watch.fetches).toBeLessThanOrEqual(4);
    } finally {
      watch.stop();
    }
    expect((await reportJson(Q1)).entries.length).toBeGreaterThan(5_000);
  });

  test('a failure after the first byte cuts the connection (no valid-looking report); one before it is a problem', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const midStream = watchClients({ failFetch: 2 });
      const res = await fetch(`${baseUrl}/api/reports/revenue-share?${Q1}`, {
        headers: { authorization: `Bearer ${await token('admin')}`, accept: 'text/csv' },
      });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      await poolAtRest(midStream);
      midStream.stop();
      expect(logged).toHaveBeenCalledWith('[api] revenue-share report failed mid-stream:', expect.any(Error));

      const before = watchClients({ fail: /paid_cents/ });
      const problem = await report(Q1);
      await poolAtRest(before);
      before.stop();
      expect(problem.status).toBe(500);
      expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(problem.headers.get('revenue-share-reconciled')).toBeNull();
      expect(JSON.parse(problem.text)).toEqual(expect.objectContaining({ status: 500, type: '/problems/internal' }));
    } finally {
      logged.mockRestore();
    }
  });
});

// ── Stripe Connect ─────────────────────────────────────────────────────────────────────────────────────

describe('Stripe Connect transfers', () => {
  const HOLDER_ACCOUNT = 'acct_1HolderDemo';
  const DEMO_PARTNER_ACCOUNT = 'acct_1PartnerDemo';
  beforeAll(async () => {
    await db.query(`INSERT INTO connect_accounts (party, party_id, stripe_account_id) VALUES ('holder', $1, $2), ('partner', 'demo', $3)`, [
      DEMO_HOLDER_ID,
      HOLDER_ACCOUNT,
      DEMO_PARTNER_ACCOUNT,
    ]);
  });
  const transferCalls = () => stripe.calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers').length;
  const reversalCalls = () => stripe.calls.filter((c) => c.method === 'POST' && /^\/v1\/transfers\/[^/]+\/reversals$/.test(c.path)).length;

  test('transferShares pays holder and partner once (transfer_group, idempotency keys); a repeated attempt makes no second transfer; reverseTransfers reverses once', async () => {
    const id = await paidEnrollment(DEMO.id, 2_999, '2030-05-05');
    const before = { transfers: stripe.transfers.length, calls: transferCalls() };

    const first = await acts.transferShares({ enrollmentId: id });
    expect(first.skipped).toEqual([]);
    expect(first.transfers.map((t) => [t.party, t.destination, t.amountCents, t.currency])).toEqual([
      ['holder', HOLDER_ACCOUNT, 1_000, 'usd'],
      ['partner', DEMO_PARTNER_ACCOUNT, 999, 'usd'],
    ]);
    const made = stripe.transfers.slice(before.transfers);
    expect(made).toEqual([
      {
        id: first.transfers[0].transferId,
        idempotencyKey: `transfer:${id}:holder`,
        amount: 1_000,
        currency: 'usd',
        destination: HOLDER_ACCOUNT,
        transferGroup: id,
        metadata: { enrollmentId: id, party: 'holder', partyId: DEMO_HOLDER_ID },
      },
      {
        id: first.transfers[1].transferId,
        idempotencyKey: `transfer:${id}:partner`,
        amount: 999,
        currency: 'usd',
        destination: DEMO_PARTNER_ACCOUNT,
        transferGroup: id,
        metadata: { enrollmentId: id, party: 'partner', partyId: 'demo' },
      },
    ]);
    expect(transferCalls()).toBe(before.calls + 2);

    // The activity retried (or run again): the recorded transfers are answered, Stripe is not asked again.
    expect(await acts.transferShares({ enrollmentId: id })).toEqual(first);
    expect(transferCalls()).toBe(before.calls + 2);
    const { rows } = await db.query(
      `SELECT party, stripe_transfer_id, amount_cents, status FROM transfers WHERE enrollment_id = $1 ORDER BY party`,
      [id],
    );
    expect(rows).toEqual([
      { party: 'holder', stripe_transfer_id: first.transfers[0].transferId, amount_cents: 1_000, status: 'created' },
      { party: 'partner', stripe_transfer_id: first.transfers[1].transferId, amount_cents: 999, status: 'created' },
    ]);

    // An attempt that died after Stripe answered but before the rows were written: the idempotency key makes Stripe
    // answer with the same transfers, so no money moves twice.
    await db.query('DELETE FROM transfers WHERE enrollment_id = $1', [id]);
    expect(await acts.transferShares({ enrollmentId: id })).toEqual(first);
    expect(transferCalls()).toBe(before.calls + 4);
    expect(stripe.transfers.length).toBe(before.transfers + 2);

    // Refund: each transfer reversed in full, once.
    const reversalsBefore = { made: stripe.transferReversals.length, calls: reversalCalls() };
    const reversed = await acts.reverseTransfers({ enrollmentId: id });
    expect(reversed.map((r) => [r.party, r.transferId, r.amountCents])).toEqual([
      ['holder', first.transfers[0].transferId, 1_000],
      ['partner', first.transfers[1].transferId, 999],
    ]);
    expect(stripe.transferReversals.slice(reversalsBefore.made)).toEqual([
      {
        id: reversed[0].reversalId,
        idempotencyKey: `transfer-reversal:${id}:holder`,
        transferId: first.transfers[0].transferId,
        amount: 1_000,
      },
      {
        id: reversed[1].reversalId,
        idempotencyKey: `transfer-reversal:${id}:partner`,
        transferId: first.transfers[1].transferId,
        amount: 999,
      },
    ]);
    expect(await acts.reverseTransfers({ enrollmentId: id })).toEqual(reversed);
    expect(reversalCalls()).toBe(reversalsBefore.calls + 2);
    expect((await db.query(`SELECT status, reversed_cents FROM transfers WHERE enrollment_id = $1 ORDER BY party`, [id])).rows).toEqual([
      { status: 'reversed', reversed_cents: 1_000 },
      { status: 'reversed', reversed_cents: 999 },
    ]);
    // After the refund, no transfer is made again.
    await db.query(`INSERT INTO refunds (enrollment_id, provider, amount_cents, currency) VALUES ($1, 'stripe', 2999, 'usd')`, [id]);
    await db.query('DELETE FROM transfers WHERE enrollment_id = $1', [id]);
    const calls = transferCalls();
    expect((await acts.transferShares({ enrollmentId: id })).skipped.map((s) => s.reason)).toEqual(['refunded', 'refunded']);
    expect(transferCalls()).toBe(calls);
  });

  test('a party without a connected account is skipped (the platform is never paid out)', async () => {
    const id = await paidEnrollment(IC3.id, 14_903, '2030-05-06'); // partner certiport has no account
    const calls = transferCalls();
    const result = await acts.transferShares({ enrollmentId: id });
    expect(result.transfers.map((t) => [t.party, t.amountCents])).toEqual([['holder', 8_942]]);
    expect(result.skipped).toEqual([{ party: 'partner', reason: 'no_account' }]);
    expect(transferCalls()).toBe(calls + 1);
    expect(stripe.transfers.at(-1)).toEqual(
      expect.objectContaining({ idempotencyKey: `transfer:${id}:holder`, transferGroup: id, destination: HOLDER_ACCOUNT }),
    );
  });

  test('voucher-funded enrollments, the simulated provider, and enrollments without shares make no Stripe call', async () => {
    const calls = stripe.calls.length;
    const voucher = await paidEnrollment(DEMO.id, 2_999, '2030-05-07', { funding: 'wioa_ita' });
    expect(await acts.transferShares({ enrollmentId: voucher })).toEqual({
      transfers: [],
      skipped: [
        { party: 'holder', reason: 'not_stripe_payment' },
        { party: 'partner', reason: 'not_stripe_payment' },
      ],
    });
    expect(await acts.reverseTransfers({ enrollmentId: voucher })).toEqual([]);

    const simulated = localActivities(db, filesRoot, {
      payments: createSimulatedPaymentProvider('https://marketplace.test'),
      mailer: outboxMailer(),
    });
    const stripePaid = await paidEnrollment(DEMO.id, 2_999, '2030-05-07');
    expect((await simulated.transferShares({ enrollmentId: stripePaid })).transfers).toEqual([]);

    const unshared = await paidEnrollment(DEMO.id, 500, '2030-05-07');
    await db.query('DELETE FROM ledger_entries WHERE enrollment_id = $1', [unshared]);
    expect((await acts.transferShares({ enrollmentId: unshared })).skipped.map((s) => s.reason)).toEqual(['no_shares', 'no_shares']);
    expect(stripe.calls.length).toBe(calls);
    expect(
      Number(
        (
          await db.query<{ n: number }>('SELECT count(*) AS n FROM transfers WHERE enrollment_id = ANY($1::uuid[])', [
            [voucher, stripePaid, unshared],
          ])
        ).rows[0].n,
      ),
    ).toBe(0);
  });
});
