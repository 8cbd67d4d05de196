/**
 * A worker killed with SIGKILL in the middle of the lifecycle (while the completion email is being sent) and
 * started again: the enrollment still closes, with exactly one certificate, one email and one set of ledger rows.
 */
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { waitFor } from '../lib/wait';
import type { OpenedEnrollment } from './helpers/contract';
import { httpClient, startSystem, type System, waitForStatus } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

/** A completion date that is possible for an enrollment launched today (not before its launch, not in the future). */
const TODAY = new Date().toISOString().slice(0, 10);

const PROGRAM = SEEDED_PROGRAMS.find((p) => p.partnerId === 'milady')!;

let system: System;
beforeAll(async () => {
  // Each SMTP session waits 3 s at MAIL FROM: the kill lands inside the email activity, before any message is handed over.
  system = await startSystem({ smtpMailFromDelayMs: 3_000 });
}, 180_000);
afterAll(() => system?.stop(), 60_000);

test('SIGKILL of the worker mid-lifecycle, then a restart: the enrollment closes with every outcome exactly once', async () => {
  const request = httpClient(system.baseUrl);
  const student = await system.token('student', { name: 'Katherine Johnson' });
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });

  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: await fundedEnrollmentBody(system, student.actor, PROGRAM.id, { fundingSource: 'sponsor' }),
  });
  expect(created.status).toBe(201);
  const { enrollmentId } = created.body;
  // The enrollment email goes out beside the lifecycle; once it is out, the kill below lands in the completion email only.
  const sent = async (dedupeKey: string) =>
    (await system.db.query<{ status: string }>(`SELECT status FROM emails_sent WHERE dedupe_key = $1`, [dedupeKey])).rows[0]?.status;
  await waitFor('the enrollment email sent', async () => (await sent(`enrolled:${enrollmentId}`)) === 'sent', 30_000);
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
  const marked = await request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId, completedAt: TODAY },
  });
  expect(marked.status).toBe(200);

  // The certificate is issued and the email activity has claimed its row: the worker is inside the SMTP exchange.
  await waitFor('the completion email in flight', async () => (await sent(`completion:${enrollmentId}`)) === 'sending', 30_000);
  await system.killWorker();
  const enrolled = `You are enrolled in ${PROGRAM.title}`;
  expect(system.smtp.messages.map((m) => m.subject)).toEqual([enrolled]);

  system.startWorker();
  // The lost activity is retried once its 30 s start-to-close timeout passes on the server.
  const view = await waitForStatus(system, student.token, enrollmentId, 'closed', 90_000);
  expect(view.completionMethod).toBe('manual');

  const counts = await system.db.query(
    `SELECT (SELECT count(*) FROM certificates WHERE enrollment_id = $1) AS certificates,
            (SELECT count(*) FROM emails_sent WHERE enrollment_id = $1 AND kind = 'completion') AS emails,
            (SELECT count(*) FROM ledger_entries WHERE enrollment_id = $1) AS ledger_rows,
            (SELECT sum(amount_cents) FROM ledger_entries WHERE enrollment_id = $1) AS ledger_sum,
            (SELECT count(*) FROM wioa_outcomes WHERE enrollment_id = $1) AS wioa_rows`,
    [enrollmentId],
  );
  expect(counts.rows[0]).toEqual({ certificates: 1, emails: 1, ledger_rows: 3, ledger_sum: PROGRAM.priceCents, wioa_rows: 1 });
  expect(system.smtp.to(student.actor.email!).map((m) => m.subject)).toEqual([enrolled, `Congratulations: you completed ${PROGRAM.title}`]);
  expect(view.history.map((h: { status: string }) => h.status)).toEqual(['ready_to_launch', 'in_progress', 'completed', 'closed']);
}, 150_000);
