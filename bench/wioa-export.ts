/**
 * Benchmark (not a test) of the WIOA PIRL export: 100,000 generated enrollments with participant records in a database
 * of its own, exported through the real route on a loopback server, the stream consumed as it arrives. Prints rows
 * per second and peak RSS / heap (sampled every 50 ms), writes bench/results/wioa-export-<date>.json, drops the database.
 *
 *   npm run bench            (TEST_DATABASE_SERVER_URL, default postgres://postgres@127.0.0.1:5432; BENCH_ROWS)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createApp } from '../api/app';
import { createAuthenticator, signDevelopmentToken } from '../api/auth';
import type { EnrollmentClient } from '../api/enrollment-client';
import { ensureDatabase, migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { seed, SEEDED_PROGRAMS } from '../db/seed';
import { loadConfig } from '../lib/config';
import { createLocalFileStore } from '../services/file-store';

const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);

async function main(): Promise<void> {
  const name = `cm_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = `${SERVER_URL}/${name}`;
  await ensureDatabase(url);
  const db = createPool(url, 5);
  let server: import('node:http').Server | undefined;
  try {
    await migrate(url);
    await seed(db);
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
    const seedMs = performance.now() - t0;

    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: path.join(os.tmpdir(), `wioa-bench-${randomUUID()}`) });
    const app = createApp({
      config, db,
      files: createLocalFileStore(path.join(config.dataDir, 'files')),
      enrollments: {} as EnrollmentClient,
      authenticate: createAuthenticator(config.jwt),
      temporalHealth: async () => undefined,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const token = await signDevelopmentToken(config.jwt.secret, { id: 'bench-admin', role: 'admin' });

    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);

    const start = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/reports/wioa?from=2025-01-01&to=2025-12-31`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    let lines = 0;
    let bytes = 0;
    let failing = 0;
    let tail = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      bytes += chunk.byteLength;
      const text = tail + decoder.decode(chunk, { stream: true });
      const parts = text.split('\r\n');
      tail = parts.pop() ?? '';
      lines += parts.length;
      for (const p of parts) if (p.includes(',fail,')) failing += 1;
    }
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
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
      rssBeforeMiB: +(before.rss / 2 ** 20).toFixed(1),
      peakRssMiB: +(peakRss / 2 ** 20).toFixed(1),
      heapBeforeMiB: +(before.heapUsed / 2 ** 20).toFixed(1),
      peakHeapUsedMiB: +(peakHeap / 2 ** 20).toFixed(1),
      note: 'client and server in one process on loopback; RSS and heap are of that process',
    };
    console.log(JSON.stringify(result, null, 2));
    if (rows !== ROWS) throw new Error(`exported ${rows} rows, expected ${ROWS}`);
    const dir = path.join(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `wioa-export-${result.date.slice(0, 10)}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written ${path.relative(process.cwd(), file)}`);
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await db.end();
    const admin = new Client({ connectionString: `${SERVER_URL}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
