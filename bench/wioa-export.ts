/**
 * Benchmark (not a test) of the WIOA PIRL export: 100,000 generated enrollments with participant records in a database
 * of its own, exported through the real route on a loopback server, the stream consumed as it arrives. Prints rows
 * per second and peak RSS / heap (sampled every 50 ms), writes bench/results/wioa-export-<date>.json, drops the database.
 *
 *   npm run bench            (TEST_DATABASE_SERVER_URL, default postgres://postgres@127.0.0.1:5432; BENCH_ROWS)
 */
import os from 'node:os';
import { SEEDED_PROGRAMS } from '../db/seed';
import { readText, sampleMemory, withApp, withBenchDatabase, writeResult } from './harness';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);

async function main(): Promise<void> {
  await withBenchDatabase(async (db) => {
    const programIds = SEEDED_PROGRAMS.map((p) => p.id);
    const t0 = performance.now();
    // Enrollments spread over 2025; two in three completed with a credential, the rest withdrawn or expired.
    await db.query(
      `INSERT INTO enrollments (id, program_id, student_id, funding_source, price_cents, currency, status, paid_at, launched_at, completed_at)
       SELECT gen_random_uuid(), ($2::uuid[])[1 + i % array_length($2::uuid[], 1)], 'bench-student-' || i,
              CASE WHEN i % 3 = 0 THEN 'self_pay' ELSE 'wioa_ita' END, 5000, 'usd',
              CASE WHEN i % 3 = 2 THEN 'withdrawn' ELSE 'completed' END,
              timestamptz '2025-01-01' + (i % 300) * interval '1 day',
              timestamptz '2025-01-02' + (i % 300) * interval '1 day',
              CASE WHEN i % 3 = 2 THEN NULL ELSE timestamptz '2025-02-01' + (i % 300) * interval '1 day' END
         FROM generate_series(1, $1::int) AS i`,
      [ROWS, programIds],
    );
    await db.query(
      `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date, received_training,
                                  training_entry_date, training_service_code, training_completed, completion_date, credential_type, credential_date)
       SELECT e.id, e.program_id, e.funding_source, e.launched_at::date, COALESCE(e.completed_at, e.launched_at + interval '20 days')::date, true,
              e.launched_at::date, '06', e.completed_at IS NOT NULL, e.completed_at::date,
              CASE WHEN e.completed_at IS NOT NULL THEN p.credential_type END, e.completed_at::date
         FROM enrollments e JOIN programs p ON p.id = e.program_id`,
    );
    await db.query('ANALYZE enrollments; ANALYZE wioa_outcomes');
    // The PIRL holds the WIOA-funded participants only (two in three here); the self-paid have records for the ETP counts.
    const {
      rows: [{ n: wioaParticipants }],
    } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM wioa_outcomes WHERE funding_source = 'wioa_ita'");
    const seedMs = performance.now() - t0;

    await withApp(db, async (app) => {
      const sampler = sampleMemory();
      const start = performance.now();
      const res = await fetch(`${app.baseUrl}/api/reports/wioa?from=2025-01-01&to=2025-12-31`, {
        headers: { authorization: `Bearer ${app.adminToken}` },
      });
      if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
      let lines = 0;
      let failing = 0;
      let tail = '';
      const bytes = await readText(res.body, (piece) => {
        const parts = (tail + piece).split('\r\n');
        tail = parts.pop() ?? '';
        lines += parts.length;
        for (const p of parts) if (p.includes(',fail,')) failing += 1;
      });
      const seconds = (performance.now() - start) / 1000;
      const memory = sampler.stop();
      const rows = lines - 1;

      const result = {
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        generatedEnrollments: ROWS,
        seedSeconds: +(seedMs / 1000).toFixed(2),
        exportedRows: rows,
        failingEditChecks: failing,
        bytes,
        seconds: +seconds.toFixed(3),
        rowsPerSecond: Math.round(rows / seconds),
        ...memory,
        note: 'client and server in one process on loopback; RSS and heap are of that process',
      };
      console.log(JSON.stringify(result, null, 2));
      if (rows !== wioaParticipants) throw new Error(`exported ${rows} rows, expected ${wioaParticipants} (the WIOA-funded)`);
      writeResult('wioa-export', result);
    });
  });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
