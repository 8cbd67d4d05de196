/**
 * The whole system over HTTP only: the real Temporal dev server, worker and API processes, a real SMTP server
 * and a Stripe stand-in. Two enrollments go from start to `closed`; then every outcome is checked where it lives.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import type { OpenedEnrollment, Problem, ReviewQueue, Reviewed, SubmissionAccepted } from './helpers/contract';
import { signedCheckoutCompleted, webhookDelivery } from './helpers/stripe-stand-in';
import { evidenceForm, httpClient, samplePdf, startSystem, STRIPE_WEBHOOK_SECRET, type System, waitForStatus } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

/** A completion date that is possible for an enrollment launched today (not before its launch, not in the future). */
const TODAY = new Date().toISOString().slice(0, 10);

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const NRF = SEEDED_PROGRAMS.find((p) => p.partnerId === 'nrf')!;

let system: System;
let request: ReturnType<typeof httpClient>;
beforeAll(async () => {
  system = await startSystem();
  request = httpClient(system.baseUrl);
}, 180_000);
afterAll(() => system?.stop(), 60_000);

function pdfText(pdf: Buffer): string {
  const file = path.join(os.tmpdir(), `cert-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function ledgerOf(enrollmentId: string) {
  const { rows } = await system.db.query<{ party: string; amount_cents: number }>(
    'SELECT party, amount_cents FROM ledger_entries WHERE enrollment_id = $1 ORDER BY party',
    [enrollmentId],
  );
  return rows;
}

async function checkOutcomes(
  enrollmentId: string,
  student: { token: string; actor: { name?: string; email?: string } },
  program: (typeof SEEDED_PROGRAMS)[number],
) {
  const view = await waitForStatus(system, student.token, enrollmentId, 'closed');
  const certificate = view.certificate!;
  expect(certificate).toEqual(
    expect.objectContaining<Record<string, unknown>>({
      id: expect.any(String),
      verificationCode: expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/),
    }),
  );

  const pdf = await request<Buffer>('GET', `/api/certificates/${certificate.id}.pdf`, { token: student.token });
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  const text = pdfText(pdf.body).replace(/\s+/g, ' ');
  expect(text).toContain(student.actor.name);
  expect(text).toContain(program.title);
  expect(text).toContain(certificate.verificationCode);

  const verified = await request('GET', `/verify/${certificate.verificationCode}`, { headers: { accept: 'application/json' } });
  expect(verified.status).toBe(200);
  expect(verified.body).toEqual(
    expect.objectContaining({
      status: 'valid',
      holder: student.actor.name,
      program: program.title,
      verificationCode: certificate.verificationCode,
    }),
  );
  const verifyPage = await request('GET', `/verify/${certificate.verificationCode}`, { headers: { accept: 'text/html' } });
  expect(verifyPage.body).toContain('Valid certificate');

  const completionMails = system.smtp.to(student.actor.email!).filter((m) => m.subject?.startsWith('Congratulations'));
  expect(completionMails).toHaveLength(1);
  expect(completionMails[0].text).toContain(certificate.verificationCode);
  expect(completionMails[0].attachments.map((a) => a.contentType)).toEqual(['application/pdf']);

  const wioa = await system.db.query(
    'SELECT training_completed, credential_type, completion_date, funding_source FROM wioa_outcomes WHERE enrollment_id = $1',
    [enrollmentId],
  );
  expect(wioa.rows).toEqual([
    expect.objectContaining({ training_completed: true, credential_type: program.credentialType, funding_source: view.fundingSource }),
  ]);

  const ledger = await ledgerOf(enrollmentId);
  expect(ledger.map((r) => r.party)).toEqual(['holder', 'partner', 'platform']);
  expect(ledger.reduce((sum, r) => sum + r.amount_cents, 0)).toBe(program.priceCents);
  return view;
}

test('a self-paid enrollment: Stripe checkout and signed webhook, launch, upload, reject with reason, upload again, approve, closed', async () => {
  const student = await system.token('student', { name: 'Ada Lovelace' });
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });

  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  expect(created.status).toBe(201);
  expect(created.body).toEqual<Record<string, unknown>>({
    enrollmentId: expect.any(String),
    status: 'pending_payment',
    amountDueCents: DEMO.priceCents,
    checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//),
  });
  const { enrollmentId } = created.body;
  // The read model already shows what the student was just told.
  const pending = await request('GET', `/api/enrollments/${enrollmentId}`, { token: student.token });
  expect(pending.body).toEqual(expect.objectContaining({ status: 'pending_payment', checkoutUrl: created.body.checkoutUrl, paidAt: null }));
  const session = system.stripe.sessions.find((s) => s.params.get('client_reference_id') === enrollmentId)!;
  expect(session.idempotencyKey).toBe(`checkout-session:${enrollmentId}`);
  expect(session.params.get('line_items[0][price_data][unit_amount]')).toBe(String(DEMO.priceCents));

  // Launch before payment is refused.
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(409);

  const paid = signedCheckoutCompleted(STRIPE_WEBHOOK_SECRET, {
    id: session.id,
    enrollmentId,
    amountTotal: DEMO.priceCents,
    currency: 'usd',
  });
  const webhook = await request('POST', '/api/webhooks/stripe', webhookDelivery(paid));
  expect(webhook.status).toBe(200);
  expect(webhook.body).toEqual(expect.objectContaining({ received: true, applied: true }));
  // Stripe redelivers: nothing happens twice.
  expect((await request('POST', '/api/webhooks/stripe', webhookDelivery(paid))).status).toBe(200);
  await waitForStatus(system, student.token, enrollmentId, 'ready_to_launch');

  const launch = await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token });
  expect(launch.status).toBe(302);
  expect(launch.headers.get('location')).toBe(
    `${system.baseUrl}/partners/demo/launch?enrollmentId=${enrollmentId}&courseId=${DEMO.partnerCourseId}`,
  );

  const first = await request<SubmissionAccepted>('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
    token: student.token,
    body: evidenceForm(await samplePdf(), 'partner-certificate.pdf', TODAY),
  });
  expect(first.status).toBe(202);
  expect(first.body).toEqual<Record<string, unknown>>({ submissionId: expect.any(String), status: 'awaiting_review' });

  const queue = await request<ReviewQueue>('GET', '/api/program-holder/submissions?status=pending', { token: holder.token });
  const item = queue.body.items.find((i) => i.id === first.body.submissionId);
  expect(item).toEqual(
    expect.objectContaining({
      enrollmentId,
      status: 'pending',
      fileUrl: `${system.baseUrl}/api/submissions/${first.body.submissionId}/file`,
    }),
  );
  const file = await request<Buffer>('GET', `/api/submissions/${first.body.submissionId}/file`, { token: holder.token });
  expect(file.status).toBe(200);
  expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');

  const reason = 'The certificate shows another course; please upload the one for Workplace Safety.';
  const rejected = await request<Reviewed>('POST', `/api/program-holder/submissions/${first.body.submissionId}/reject`, {
    token: holder.token,
    json: { reason },
  });
  expect(rejected.status).toBe(200);
  expect(rejected.body.status).toBe('in_progress');
  await waitForStatus(system, student.token, enrollmentId, 'in_progress');

  const second = await request<SubmissionAccepted>('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
    token: student.token,
    body: evidenceForm(await samplePdf('Workplace Safety: passed'), 'safety.pdf', TODAY),
  });
  expect(second.status).toBe(202);
  const approved = await request<Reviewed>('POST', `/api/program-holder/submissions/${second.body.submissionId}/approve`, {
    token: holder.token,
  });
  expect(approved.status).toBe(200);
  expect(approved.body.status).toBe('completed');

  const view = await checkOutcomes(enrollmentId, student, DEMO);
  expect(view).toEqual(
    expect.objectContaining<Record<string, unknown>>({
      completionMethod: 'student_upload',
      completedAt: `${TODAY}T00:00:00.000Z`,
      paidAt: expect.any(String),
      launchedAt: expect.any(String),
    }),
  );
  expect(view.submissions.map((s) => [s.status, s.reason])).toEqual([
    ['rejected', reason],
    ['approved', null],
  ]);
  expect(view.history.map((h) => h.status)).toEqual([
    'pending_payment',
    'ready_to_launch',
    'in_progress',
    'awaiting_review',
    'in_progress',
    'awaiting_review',
    'completed',
    'closed',
  ]);

  const rejectionMail = system.smtp.to(student.actor.email!).find((m) => m.subject?.includes('needs another look'));
  expect(rejectionMail?.text).toContain(reason);
  const payments = await system.db.query('SELECT provider, provider_ref, amount_cents, status FROM payments WHERE enrollment_id = $1', [
    enrollmentId,
  ]);
  expect(payments.rows).toEqual([{ provider: 'stripe', provider_ref: session.id, amount_cents: DEMO.priceCents, status: 'accepted' }]);
});

test('a WIOA-voucher enrollment: no checkout, launch, the program holder marks it complete, closed', async () => {
  const student = await system.token('student', { name: 'Grace Hopper' });
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });

  const body = await fundedEnrollmentBody(system, student.actor, NRF.id, { number: 'ITA-2026-00017' });
  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', { token: student.token, json: body });
  expect(created.status).toBe(201);
  expect(created.body).toEqual<Record<string, unknown>>({ enrollmentId: expect.any(String), status: 'ready_to_launch', amountDueCents: 0 });
  const { enrollmentId } = created.body;
  // A voucher funds one enrollment: the student's own second try is told it is used; another student's try learns
  // nothing about it (the same answer as for a number that does not exist).
  const again = await request('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: NRF.id, fundingSource: 'wioa_ita', voucherNumber: 'ita-2026-00017' },
  });
  expect(again.status).toBe(409);
  const other = await system.token('student');
  const stolen = await request<Problem>('POST', '/api/enrollments', {
    token: other.token,
    json: { ...body, voucherNumber: 'ita-2026-00017' },
  });
  const unknown = await request<Problem>('POST', '/api/enrollments', {
    token: other.token,
    json: { ...body, voucherNumber: 'ITA-NEVER-ISSUED' },
  });
  expect([stolen.status, unknown.status]).toEqual([422, 422]);
  expect(stolen.body.detail).toBe(unknown.body.detail);
  expect(system.stripe.sessions.some((s) => s.params.get('client_reference_id') === enrollmentId)).toBe(false);

  const launch = await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token });
  expect(launch.status).toBe(302);
  expect(launch.headers.get('location')).toBe(
    `https://riseup.nrffoundation.org/?course=${NRF.partnerCourseId}&registration=${enrollmentId}`,
  );

  const marked = await request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId, completedAt: TODAY, notes: 'Confirmed by the partner by phone' },
  });
  expect(marked.status).toBe(200);
  expect(marked.body).toEqual({ enrollmentId, status: 'completed', completedAt: `${TODAY}T00:00:00.000Z`, completionMethod: 'manual' });

  const view = await checkOutcomes(enrollmentId, student, NRF);
  expect(view.completionMethod).toBe('manual');
  expect(view.history.map((h) => h.status)).toEqual(['ready_to_launch', 'in_progress', 'completed', 'closed']);
  const payments = await system.db.query(
    'SELECT provider, provider_ref, voucher_number, amount_cents FROM payments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  expect(payments.rows).toEqual([
    { provider: 'wioa_ita', provider_ref: enrollmentId, voucher_number: 'ITA-2026-00017', amount_cents: NRF.priceCents },
  ]);
  // Used once is used: a closed enrollment keeps its voucher.
  expect((await request('POST', '/api/enrollments', { token: student.token, json: body })).status).toBe(409);
});
