/**
 * Benchmark (not a test) of the revenue-share report: 100,000 generated completed enrollments, each with an accepted
 * payment and three ledger share rows (platform, holder, partner; summing to the payment), in a database of its own,
 * read through the real route GET /api/reports/revenue-share on a loopback server, once as JSON and once as CSV
 * (Accept: text/csv), the body consumed as it arrives. Prints rows (ledger entries) per second, time to first byte and
 * peak RSS / heap per format (sampled every 50 ms after a full GC), writes bench/results/revenue-export-<date>.json.
 *
 * The route streams: in one read-only snapshot PostgreSQL sums the totals first (they decide the
 * Revenue-Share-Reconciled header: the time to first byte is that query), then the entries come from a server-side
 * cursor a batch at a time, written as the socket takes them, so the peak heap should not grow with the period
 * (`BENCH_ROWS=200000 node --max-old-space-size=30 dist/bench/revenue-export.js` shows it). This benchmark measures,
 * never changes it.
 *
 *   npm run bench            (TEST_DATABASE_SERVER_URL, default postgres://postgres@127.0.0.1:5432; BENCH_ROWS = enrollments)
 */
import { insertShareLedgerSql } from '../tests/helpers/ledger-fixtures';
import { machine, readText, sampleMemory, withApp, withBenchDatabase, writeResult, type BenchApp, type MemoryPeak } from './harness';

const ENROLLMENTS = Number(process.env.BENCH_ROWS ?? 100_000);
const FROM = '2025-01-01';
const TO = '2025-12-31';

interface FormatRun extends MemoryPeak {
  format: 'json' | 'csv';
  status: number;
  reconciledHeader: string | null;
  entries: number;
  bytes: number;
  ttfbMs: number;
  seconds: number;
  entriesPerSecond: number;
  enrollmentsPerSecond: number;
}

async function exportOnce(app: BenchApp, format: 'json' | 'csv'): Promise<FormatRun> {
  const memory = sampleMemory(50);
  const start = performance.now();
  const res = await fetch(`${app.baseUrl}/api/reports/revenue-share?from=${FROM}&to=${TO}`, {
    headers: { authorization: `Bearer ${app.adminToken}`, accept: format === 'csv' ? 'text/csv' : 'application/json' },
  });
  const ttfbMs = performance.now() - start;
  if (res.status !== 200 || !res.body) throw new Error(`${format} export answered ${res.status}: ${await res.text()}`);
  // Count without keeping the body: CSV lines (CRLF), or JSON entries (each has one "enrollmentId" key).
  const needle = format === 'csv' ? '\r\n' : '"enrollmentId"';
  let hits = 0;
  let tail = '';
  const bytes = await readText(res.body, (piece) => {
    const text = tail + piece;
    for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) hits += 1;
    const keep = needle.length - 1;
    // Keep an incomplete needle at the end for the next chunk, never a complete one (it was counted).
    tail = keep > 0 && !text.endsWith(needle) ? text.slice(-keep) : '';
  });
  const seconds = (performance.now() - start) / 1000;
  const peak = memory.stop();
  const entries = format === 'csv' ? hits - 1 : hits;
  return {
    format,
    status: res.status,
    reconciledHeader: res.headers.get('revenue-share-reconciled'),
    entries,
    bytes,
    ttfbMs: Math.round(ttfbMs),
    seconds: +seconds.toFixed(3),
    entriesPerSecond: Math.round(entries / seconds),
    enrollmentsPerSecond: Math.round(ENROLLMENTS / seconds),
    ...peak,
  };
}

async function main(): Promise<void> {
  await withBenchDatabase(async (db) => {
    const t0 = performance.now();
    // Completed self-paid enrollments over 2025 at the program's price, one accepted payment each.
    await db.query(
      `INSERT INTO enrollments (id, program_id, student_id, funding_source, price_cents, currency, status, paid_at, launched_at, completed_at)
       SELECT gen_random_uuid(), p.id, 'bench-student-' || i, 'self_pay', p.price_cents, p.currency, 'completed',
              timestamptz '2025-01-01' + (i % 300) * interval '1 day',
              timestamptz '2025-01-02' + (i % 300) * interval '1 day',
              timestamptz '2025-02-01' + (i % 300) * interval '1 day' + (i % 86400) * interval '1 second'
         FROM generate_series(1, $1::int) AS i
         JOIN LATERAL (SELECT * FROM programs ORDER BY id OFFSET i % (SELECT count(*) FROM programs) LIMIT 1) p ON true`,
      [ENROLLMENTS],
    );
    await db.query(
      `INSERT INTO payments (enrollment_id, provider, provider_ref, amount_cents, currency, status, paid_at)
       SELECT id, 'simulated', 'bench-' || id, price_cents, currency, 'accepted', paid_at FROM enrollments`,
    );
    // Three shares per enrollment: platform and holder rounded down, the partner gets the rest, so they sum to the payment.
    await db.query(insertShareLedgerSql());
    await db.query('ANALYZE enrollments; ANALYZE payments; ANALYZE ledger_entries');
    const seedMs = performance.now() - t0;
    const {
      rows: [{ n: ledgerRows }],
    } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries');

    await withApp(db, async (app) => {
      const json = await exportOnce(app, 'json');
      console.log(JSON.stringify(json));
      const csv = await exportOnce(app, 'csv');
      console.log(JSON.stringify(csv));
      const result = {
        benchmark: 'revenue-export',
        date: new Date().toISOString(),
        machine: machine(),
        generatedEnrollments: ENROLLMENTS,
        ledgerRows,
        seedSeconds: +(seedMs / 1000).toFixed(2),
        runs: { json, csv },
        streaming:
          'the totals are summed by PostgreSQL before the first byte (time to first byte ≈ that query), then the ' +
          'entries stream from a server-side cursor 1,000 rows at a time with backpressure: memory flat in the period',
        note: 'client and server in one process on loopback; RSS and heap are of that process; JSON then CSV, a full GC before each',
      };
      console.log(JSON.stringify({ ...result, machine: undefined }, null, 2));
      for (const r of [json, csv]) {
        if (r.entries !== ledgerRows) throw new Error(`${r.format}: exported ${r.entries} entries, expected ${ledgerRows}`);
        if (r.reconciledHeader !== 'true') throw new Error(`${r.format}: Revenue-Share-Reconciled: ${r.reconciledHeader}`);
      }
      writeResult('revenue-export', result);
    });
  });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
