/**
 * Benchmark (not a test) of the web console's pages with a marketplace of 10,000 enrollments: every main page of
 * each role, served by the real express app (sessions in PostgreSQL, the read-model queries, the templates) on a
 * loopback server, requested one at a time by a signed-in browser stand-in. The target: each page's server time
 * under 50 ms at the 95th percentile. Measured as the round trip on loopback (an upper bound of the server time),
 * after a warm-up.
 *
 * Writes bench/results/console-pages-<date>.json and .md.
 *
 *   node dist/bench/console-pages.js     (BENCH_ENROLLMENTS=10000, BENCH_REQUESTS=200 per page)
 */
import { DEMO_FUNDER_ORGANIZATION_ID, DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { consoleClient, type ConsoleClient } from '../tests/helpers/console-client';
import { machine, percentile, withApp, withBenchDatabase, writeResult } from './harness';
import type { Pool } from 'pg';

const ENROLLMENTS = Number(process.env.BENCH_ENROLLMENTS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const WARM_UP = 20;
const TARGET_P95_MS = 50;

/** A marketplace's worth of records, written straight into the read model (the workflow would write the same rows). */
async function seedMarketplace(db: Pool): Promise<{ enrollmentId: string; studentId: string }> {
  const programIds = SEEDED_PROGRAMS.map((p) => p.id);
  const statuses = [
    'pending_payment',
    'ready_to_launch',
    'in_progress',
    'in_progress',
    'awaiting_review',
    'completed',
    'closed',
    'closed',
    'withdrawn',
    'expired',
  ];
  await db.query(
    `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, student_email, amount_cents, currency, expires_on, issued_by)
     SELECT gen_random_uuid(), $2, 'BENCH-' || lpad(i::text, 6, '0'), 'wioa_ita', 'bench-student-' || i, 'student' || i || '@bench.example',
            500000, 'usd', current_date + 365, 'bench-funder'
       FROM generate_series(1, $1::int) AS i WHERE i % 5 = 0`,
    [ENROLLMENTS, DEMO_FUNDER_ORGANIZATION_ID],
  );
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, voucher_id, price_cents, currency, status,
                              status_seq, paid_at, launched_at, completed_at, completion_method, created_at)
     SELECT gen_random_uuid(), ($2::uuid[])[1 + i % array_length($2::uuid[], 1)], 'bench-student-' || i,
            'student' || i || '@bench.example', 'Student Number ' || i,
            CASE WHEN i % 5 = 0 THEN 'wioa_ita' ELSE 'self_pay' END, v.id, 4900, 'usd', s.status, 3,
            CASE WHEN s.status NOT IN ('pending_payment', 'expired') THEN now() - (i % 90) * interval '1 day' END,
            CASE WHEN s.status IN ('in_progress', 'awaiting_review', 'completed', 'closed') THEN now() - (i % 90) * interval '1 day' END,
            CASE WHEN s.status IN ('completed', 'closed') THEN now() - (i % 30) * interval '1 day' END,
            CASE WHEN s.status IN ('completed', 'closed') THEN 'manual' END,
            now() - (i % 120) * interval '1 day'
       FROM generate_series(1, $1::int) AS i
       CROSS JOIN LATERAL (SELECT ($3::text[])[1 + i % array_length($3::text[], 1)] AS status) s
       LEFT JOIN vouchers v ON v.organization_id = $4 AND v.number = 'BENCH-' || lpad(i::text, 6, '0')`,
    [ENROLLMENTS, programIds, statuses, DEMO_FUNDER_ORGANIZATION_ID],
  );
  await db.query(
    `INSERT INTO enrollment_status_history (enrollment_id, seq, status, at)
     SELECT e.id, n, CASE n WHEN 1 THEN 'pending_payment' WHEN 2 THEN 'ready_to_launch' ELSE e.status END, e.created_at + n * interval '1 hour'
       FROM enrollments e CROSS JOIN generate_series(1, 3) AS n WHERE e.student_id LIKE 'bench-student-%'`,
  );
  await db.query(
    `INSERT INTO completion_submissions (id, enrollment_id, student_id, file_key, content_type, size_bytes, sha256, completed_at, status, submitted_at)
     SELECT gen_random_uuid(), e.id, e.student_id, 'bench/' || e.id, 'application/pdf', 1024, repeat('0', 64), now() - interval '1 day',
            CASE WHEN e.status = 'awaiting_review' THEN 'pending' ELSE 'approved' END, now() - interval '1 day'
       FROM enrollments e WHERE e.status IN ('awaiting_review', 'completed', 'closed') AND e.student_id LIKE 'bench-student-%'`,
  );
  await db.query(
    `INSERT INTO certificates (id, enrollment_id, verification_code, file_key, completed_at)
     SELECT gen_random_uuid(), e.id, upper(substr(md5(e.id::text), 1, 4) || '-' || substr(md5(e.id::text), 5, 4) || '-' || substr(md5(e.id::text), 9, 4)),
            'bench/cert/' || e.id, e.completed_at
       FROM enrollments e WHERE e.status = 'closed' AND e.student_id LIKE 'bench-student-%'`,
  );
  await db.query(
    `INSERT INTO audit_log (at, actor_id, actor_role, action, target_type, target_id)
     SELECT now() - i * interval '1 minute', $2, 'program_holder',
            (ARRAY['enrollment.mark_complete', 'submission.approve', 'submission.reject', 'voucher.issue'])[1 + i % 4], 'enrollment', gen_random_uuid()::text
       FROM generate_series(1, $1::int * 2) AS i`,
    [ENROLLMENTS, DEMO_HOLDER_ID],
  );
  await db.query('ANALYZE');
  const {
    rows: [one],
  } = await db.query<{ id: string; student_id: string }>(
    "SELECT id, student_id FROM enrollments WHERE status = 'in_progress' AND student_id LIKE 'bench-student-%' ORDER BY id LIMIT 1",
  );
  return { enrollmentId: one.id, studentId: one.student_id };
}

interface PageTiming {
  role: string;
  page: string;
  bytes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  withinTarget: boolean;
}

async function timePage(browser: ConsoleClient, role: string, page: string): Promise<PageTiming> {
  const durations: number[] = [];
  let bytes = 0;
  for (let i = 0; i < WARM_UP + REQUESTS; i++) {
    const started = performance.now();
    const res = await browser.get(page);
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${role} ${page} answered ${res.status}: ${res.html.slice(0, 300)}`);
    bytes = res.html.length;
    if (i >= WARM_UP) durations.push(ms);
  }
  durations.sort((a, b) => a - b);
  const p95 = percentile(durations, 95);
  return {
    role,
    page,
    bytes,
    p50Ms: +percentile(durations, 50).toFixed(1),
    p95Ms: +p95.toFixed(1),
    maxMs: +durations[durations.length - 1].toFixed(1),
    withinTarget: p95 < TARGET_P95_MS,
  };
}

async function main(): Promise<void> {
  await withBenchDatabase(async (db) => {
    const t0 = performance.now();
    const sample = await seedMarketplace(db);
    const seedSeconds = +((performance.now() - t0) / 1000).toFixed(1);
    await withApp(
      db,
      async (app) => {
        const signedIn = async (role: string, fields: Record<string, string> = {}) => {
          const browser = consoleClient(app.baseUrl);
          await browser.signIn(role, fields);
          return browser;
        };
        const spanish = async (studentId: string) => {
          const browser = await signedIn('student', { userId: studentId, email: 'bench@example.com' });
          await browser.get('/student/enrollments?lang=es');
          return browser;
        };
        const pages: [string, ConsoleClient, string[]][] = [
          [
            'program_holder',
            await signedIn('program_holder'),
            [
              '/holder',
              '/holder/enrollments',
              '/holder/enrollments?status=in_progress',
              '/holder/enrollments?q=Student%20Number%204321',
              `/holder/enrollments/${sample.enrollmentId}`,
              '/holder/review',
              '/holder/revenue',
              '/holder/outcomes',
            ],
          ],
          ['funder', await signedIn('funder'), ['/funder/vouchers', '/funder/enrollments', '/funder/outcomes']],
          [
            'admin',
            await signedIn('admin'),
            ['/admin/reports', '/admin/outcomes', '/admin/partners', '/admin/programs', '/admin/certificates', '/admin/audit'],
          ],
          [
            'student',
            await signedIn('student', { userId: sample.studentId, email: 'bench@example.com' }),
            ['/student/enrollments', `/student/enrollments/${sample.enrollmentId}`, '/student/vouchers', '/student/my-data'],
          ],
          // The same student's pages in Spanish (the switch's cookie): the catalog's words, dates and money.
          ['student (es)', await spanish(sample.studentId), ['/student/enrollments', `/student/enrollments/${sample.enrollmentId}`]],
        ];
        const timings: PageTiming[] = [];
        for (const [role, browser, paths] of pages) for (const page of paths) timings.push(await timePage(browser, role, page));

        const result = {
          date: new Date().toISOString(),
          machine: machine(),
          enrollments: ENROLLMENTS,
          requestsPerPage: REQUESTS,
          seedSeconds,
          targetP95Ms: TARGET_P95_MS,
          allWithinTarget: timings.every((t) => t.withinTarget),
          pages: timings,
          note: 'sequential requests on loopback from the same process; the round trip bounds the server time from above',
        };
        const markdown = [
          `# Console pages, ${ENROLLMENTS.toLocaleString('en-US')} enrollments (${result.date.slice(0, 10)})`,
          '',
          `${REQUESTS} requests per page after ${WARM_UP} to warm up, one at a time; target p95 < ${TARGET_P95_MS} ms.`,
          '',
          '| role | page | p50 ms | p95 ms | max ms | KB | within target |',
          '|---|---|---|---|---|---|---|',
          ...timings.map(
            (t) =>
              `| ${t.role} | \`${t.page}\` | ${t.p50Ms} | ${t.p95Ms} | ${t.maxMs} | ${(t.bytes / 1024).toFixed(1)} | ${t.withinTarget ? 'yes' : 'NO'} |`,
          ),
          '',
        ].join('\n');
        writeResult('console-pages', result, markdown);
        // One browser stand-in sends thousands of requests a minute: above a person's rate limit, which is not measured here.
      },
      { RATE_LIMIT_CLIENT: '1000000' },
    );
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
