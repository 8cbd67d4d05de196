import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EnrollmentActivities } from '../activities';
import { certificateFileKey } from '../activities/certificates';
import type { Db } from '../db/pool';
import { DEMO_HOLDER_ID, SEEDED_PARTNERS, SEEDED_PROGRAMS } from '../db/seed';
import { simpleParser } from 'mailparser';
import { MAX_SPLIT_CENTS, moneyInWords, splitByBasisPoints } from '../lib/money';
import { createOutboxMailer, createSmtpMailer } from '../services/mailer';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { localActivities, stripeStandInPayments } from './helpers/local-activities';
import { startSmtpServer } from './helpers/smtp';
import { startStripeStandIn } from './helpers/stripe-stand-in';

const PUBLIC_BASE_URL = 'https://marketplace.test';
const MAIL_FROM = 'Credential Marketplace <no-reply@marketplace.test>';
const [IC3, BARBERING, , DEMO] = SEEDED_PROGRAMS;

let database: TestDatabase;
let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let stripe: Awaited<ReturnType<typeof startStripeStandIn>>;
let filesRoot: string;
let acts: EnrollmentActivities;

beforeAll(async () => {
  [database, smtp, stripe] = await Promise.all([createTestDatabase(), startSmtpServer(), startStripeStandIn()]);
  db = database.db;
  filesRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-activities-'));
  acts = localActivities(db, filesRoot, {
    payments: stripeStandInPayments(stripe.apiBase),
    mailer: createSmtpMailer(smtp.url, MAIL_FROM),
    publicBaseUrl: PUBLIC_BASE_URL,
  });
});

afterAll(async () => {
  await Promise.allSettled([smtp?.close(), stripe?.close()]);
  await database?.drop();
  if (filesRoot) fs.rmSync(filesRoot, { recursive: true, force: true });
});

interface EnrollmentRow {
  id: string;
  programId: string;
  studentName: string;
  studentEmail: string;
  fundingSource: 'self_pay' | 'wioa_ita' | 'sponsor';
}

/** One enrollment row, as the workflow's first activity writes it (the tests of outcomes need no voucher). */
async function insertEnrollment(
  options: Partial<EnrollmentRow> & { program?: (typeof SEEDED_PROGRAMS)[number]; launchedAt?: string } = {},
) {
  const program = options.program ?? IC3;
  const id = options.id ?? randomUUID();
  const row: EnrollmentRow = {
    id,
    programId: program.id,
    studentName: options.studentName ?? `Grace Hopper ${id.slice(0, 4)}`,
    studentEmail: options.studentEmail ?? `student-${id.slice(0, 8)}@example.com`,
    fundingSource: options.fundingSource ?? 'self_pay',
  };
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, voucher_number,
                              price_cents, currency, status, launched_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'usd', $9, $10)`,
    [
      row.id,
      row.programId,
      `student-${id.slice(0, 8)}`,
      row.studentEmail,
      row.studentName,
      row.fundingSource,
      row.fundingSource === 'wioa_ita' ? `ITA-${id.slice(0, 6)}` : null,
      program.priceCents,
      row.fundingSource === 'self_pay' ? 'pending_payment' : 'ready_to_launch',
      options.launchedAt ?? null,
    ],
  );
  return { ...row, program };
}

const count = async (sql: string, params: unknown[]) => Number((await db.query<{ n: number }>(sql, params)).rows[0].n);

describe('recordEnrollmentStatus', () => {
  test('is monotonic: an older change arriving late does not roll the status back, and history rows stay unique', async () => {
    const e = await insertEnrollment();
    const paidAt = '2026-03-01T10:00:00.000Z';
    const launchedAt = '2026-03-02T09:00:00.000Z';
    await acts.recordEnrollmentStatus({
      enrollmentId: e.id,
      seq: 1,
      status: 'pending_payment',
      at: '2026-03-01T09:00:00.000Z',
      checkoutUrl: 'https://checkout.test/a',
    });
    await acts.recordEnrollmentStatus({
      enrollmentId: e.id,
      seq: 2,
      status: 'ready_to_launch',
      at: paidAt,
      checkoutUrl: 'https://checkout.test/a',
      paidAt,
    });
    await acts.recordEnrollmentStatus({ enrollmentId: e.id, seq: 3, status: 'in_progress', at: launchedAt, paidAt, launchedAt });
    await acts.recordEnrollmentStatus({ enrollmentId: e.id, seq: 3, status: 'in_progress', at: launchedAt, paidAt, launchedAt }); // a retry
    // Retries of seq 2 and seq 1 arriving last (with different facts) must change nothing.
    await acts.recordEnrollmentStatus({
      enrollmentId: e.id,
      seq: 2,
      status: 'ready_to_launch',
      at: '2026-03-05T00:00:00.000Z',
      paidAt: '2026-03-05T00:00:00.000Z',
    });
    await acts.recordEnrollmentStatus({ enrollmentId: e.id, seq: 1, status: 'pending_payment', at: '2026-03-05T00:00:00.000Z' });

    const {
      rows: [row],
    } = await db.query<{
      status: string;
      status_seq: number;
      checkout_url: string | null;
      paid_at: Date | null;
      launched_at: Date | null;
      closed_at: Date | null;
    }>('SELECT status, status_seq, checkout_url, paid_at, launched_at, closed_at FROM enrollments WHERE id = $1', [e.id]);
    expect(row).toEqual({
      status: 'in_progress',
      status_seq: 3,
      checkout_url: 'https://checkout.test/a',
      paid_at: new Date(paidAt),
      launched_at: new Date(launchedAt),
      closed_at: null,
    });
    const history = await db.query('SELECT seq, status, at FROM enrollment_status_history WHERE enrollment_id = $1 ORDER BY seq', [e.id]);
    expect(history.rows).toEqual([
      { seq: 1, status: 'pending_payment', at: new Date('2026-03-01T09:00:00.000Z') },
      { seq: 2, status: 'ready_to_launch', at: new Date(paidAt) },
      { seq: 3, status: 'in_progress', at: new Date(launchedAt) },
    ]);
  });

  test('closing sets closed_at once; a late "completed" (older seq) fills its facts but leaves the enrollment closed', async () => {
    const e = await insertEnrollment({ fundingSource: 'wioa_ita' });
    await acts.recordEnrollmentStatus({ enrollmentId: e.id, seq: 1, status: 'ready_to_launch', at: '2026-04-01T00:00:00.000Z' });
    await acts.recordEnrollmentStatus({ enrollmentId: e.id, seq: 3, status: 'closed', at: '2026-04-03T00:00:00.000Z' });
    await acts.recordEnrollmentStatus({ enrollmentId: e.id, seq: 3, status: 'closed', at: '2026-04-09T00:00:00.000Z' }); // a retry
    await acts.recordEnrollmentStatus({
      enrollmentId: e.id,
      seq: 2,
      status: 'completed',
      at: '2026-04-02T00:00:00.000Z',
      completedAt: '2026-04-02T00:00:00.000Z',
      completionMethod: 'manual',
    });

    const {
      rows: [row],
    } = await db.query<{
      status: string;
      status_seq: number;
      completed_at: Date | null;
      completion_method: string | null;
      closed_at: Date | null;
    }>('SELECT status, status_seq, completed_at, completion_method, closed_at FROM enrollments WHERE id = $1', [e.id]);
    expect(row).toEqual({
      status: 'closed',
      status_seq: 3,
      completed_at: new Date('2026-04-02T00:00:00.000Z'),
      completion_method: 'manual',
      closed_at: new Date('2026-04-03T00:00:00.000Z'),
    });
    expect(await count('SELECT count(*) AS n FROM enrollment_status_history WHERE enrollment_id = $1', [e.id])).toBe(3);
  });
});

describe('payments', () => {
  test('recordPayment with the same provider_ref twice keeps one row', async () => {
    const e = await insertEnrollment();
    const payment = {
      enrollmentId: e.id,
      provider: 'stripe',
      providerRef: `cs_test_${e.id}`,
      amountCents: IC3.priceCents,
      currency: 'usd',
      paidAt: '2026-05-01T12:00:00.000Z',
      status: 'accepted' as const,
    };
    await acts.recordPayment(payment);
    await acts.recordPayment(payment);
    const { rows } = await db.query(
      'SELECT provider, provider_ref, amount_cents, currency, status, reason, paid_at FROM payments WHERE enrollment_id = $1',
      [e.id],
    );
    expect(rows).toEqual([
      {
        provider: 'stripe',
        provider_ref: `cs_test_${e.id}`,
        amount_cents: 14_900,
        currency: 'usd',
        status: 'accepted',
        reason: null,
        paid_at: new Date('2026-05-01T12:00:00.000Z'),
      },
    ]);
  });

  test('a rejected payment is kept with its reason next to the accepted one', async () => {
    const e = await insertEnrollment();
    const base = { enrollmentId: e.id, provider: 'stripe', currency: 'usd', paidAt: '2026-05-01T12:00:00.000Z' };
    await acts.recordPayment({ ...base, providerRef: `cs_ok_${e.id}`, amountCents: 14_900, status: 'accepted' });
    for (let i = 0; i < 2; i++) {
      await acts.recordPayment({
        ...base,
        providerRef: `cs_low_${e.id}`,
        amountCents: 100,
        status: 'rejected',
        reason: 'paid 100 usd, the price is 14900 usd',
      });
    }
    const { rows } = await db.query('SELECT provider_ref, status, reason FROM payments WHERE enrollment_id = $1 ORDER BY status', [e.id]);
    expect(rows).toEqual([
      { provider_ref: `cs_ok_${e.id}`, status: 'accepted', reason: null },
      { provider_ref: `cs_low_${e.id}`, status: 'rejected', reason: 'paid 100 usd, the price is 14900 usd' },
    ]);
  });

  test('openCheckout twice opens one Stripe Checkout Session (same idempotency key, same URL)', async () => {
    const e = await insertEnrollment();
    const request = { enrollmentId: e.id, amountCents: 14_900, currency: 'usd', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const first = await acts.openCheckout(request);
    const second = await acts.openCheckout(request);
    expect(second).toEqual(first);
    expect(first.checkoutUrl).toBe(`https://checkout.stripe.test/c/pay/${first.providerRef}`);
    const mine = stripe.sessions.filter((s) => s.params.get('client_reference_id') === e.id);
    expect(mine).toHaveLength(1);
    expect(mine[0].idempotencyKey).toBe(`checkout-session:${e.id}`);
    expect(mine[0].params.get('line_items[0][price_data][unit_amount]')).toBe('14900');
    expect(mine[0].params.get('line_items[0][price_data][product_data][name]')).toBe(IC3.title);
  });
});

describe('submissions', () => {
  test('recordSubmission twice keeps one pending row; reviews are applied once and never overwrite a decision', async () => {
    const e = await insertEnrollment();
    const approvedId = randomUUID();
    const rejectedId = randomUUID();
    const submission = (submissionId: string) => ({
      submissionId,
      enrollmentId: e.id,
      studentId: `student-${e.id.slice(0, 8)}`,
      fileKey: `evidence/${submissionId}.pdf`,
      contentType: 'application/pdf',
      sizeBytes: 1234,
      sha256: 'a'.repeat(64),
      completedAt: '2026-06-01T00:00:00.000Z',
      submittedAt: '2026-06-02T00:00:00.000Z',
    });
    await acts.recordSubmission(submission(rejectedId));
    await acts.recordSubmission(submission(rejectedId));
    expect(
      (await db.query('SELECT id, status, size_bytes, file_key FROM completion_submissions WHERE enrollment_id = $1', [e.id])).rows,
    ).toEqual([{ id: rejectedId, status: 'pending', size_bytes: 1234, file_key: `evidence/${rejectedId}.pdf` }]);

    const rejection = {
      submissionId: rejectedId,
      status: 'rejected' as const,
      reviewerId: 'holder-1',
      reason: 'the scan is unreadable',
      reviewedAt: '2026-06-03T00:00:00.000Z',
    };
    await acts.recordSubmissionReview(rejection);
    await acts.recordSubmissionReview({ ...rejection, reason: 'a retry with other words', reviewedAt: '2026-06-04T00:00:00.000Z' });

    await acts.recordSubmission(submission(approvedId));
    const approval = {
      submissionId: approvedId,
      status: 'approved' as const,
      reviewerId: 'holder-2',
      reviewedAt: '2026-06-05T00:00:00.000Z',
    };
    await acts.recordSubmissionReview(approval);
    await acts.recordSubmissionReview(approval);
    // A late, contradicting review of an approved submission changes nothing.
    await acts.recordSubmissionReview({ ...approval, status: 'rejected', reason: 'too late', reviewerId: 'holder-3' });

    const { rows } = await db.query(
      'SELECT id, status, reason, reviewed_by, reviewed_at FROM completion_submissions WHERE enrollment_id = $1 ORDER BY reviewed_at',
      [e.id],
    );
    expect(rows).toEqual([
      {
        id: rejectedId,
        status: 'rejected',
        reason: 'the scan is unreadable',
        reviewed_by: 'holder-1',
        reviewed_at: new Date('2026-06-03T00:00:00.000Z'),
      },
      { id: approvedId, status: 'approved', reason: null, reviewed_by: 'holder-2', reviewed_at: new Date('2026-06-05T00:00:00.000Z') },
    ]);
  });
});

describe('certificates and emails', () => {
  test('issueCertificate twice returns the same certificate, keeps one row and writes a PDF naming student, program and code', async () => {
    const e = await insertEnrollment({ studentName: 'Katherine Johnson' });
    const request = { enrollmentId: e.id, completedAt: '2026-07-04T15:00:00.000Z', partnerCertificateUrl: 'https://partner.test/cert/1' };
    const first = await acts.issueCertificate(request);
    const second = await acts.issueCertificate({ ...request, completedAt: '2026-07-09T15:00:00.000Z' });
    expect(second).toEqual(first);
    expect(first.verificationCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

    const { rows } = await db.query(
      'SELECT id, verification_code, file_key, completed_at, partner_certificate_url FROM certificates WHERE enrollment_id = $1',
      [e.id],
    );
    expect(rows).toEqual([
      {
        id: first.id,
        verification_code: first.verificationCode,
        file_key: certificateFileKey(first.id),
        completed_at: new Date('2026-07-04T15:00:00.000Z'),
        partner_certificate_url: 'https://partner.test/cert/1',
      },
    ]);
    const pdfPath = path.join(filesRoot, certificateFileKey(first.id));
    expect(fs.readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
    expect(fs.readdirSync(path.dirname(pdfPath)).filter((f) => f.startsWith(first.id))).toEqual([`${first.id}.pdf`]);
    const text = execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' });
    expect(text).toContain('Katherine Johnson');
    expect(text).toContain(IC3.title);
    expect(text).toContain(`Verification code: ${first.verificationCode}`);
    expect(text).toContain('Completed on July 4, 2026');
    expect(text).toContain(`${PUBLIC_BASE_URL}/verify/${first.verificationCode}`);
  });

  test('sendCompletionEmail twice delivers one message with the certificate and records one sent email', async () => {
    const e = await insertEnrollment({ studentName: 'Dorothy Vaughan' });
    const cert = await acts.issueCertificate({ enrollmentId: e.id, completedAt: '2026-07-04T15:00:00.000Z' });
    const request = { enrollmentId: e.id, certificateId: cert.id, verificationCode: cert.verificationCode };
    expect(await acts.sendCompletionEmail(request)).toBe('sent');
    expect(await acts.sendCompletionEmail(request)).toBe('already_sent');

    const messages = smtp.to(e.studentEmail);
    expect(messages).toHaveLength(1);
    const [mail] = messages;
    expect(mail.subject).toBe(`Congratulations: you completed ${IC3.title}`);
    expect(mail.from?.value).toEqual([{ name: 'Credential Marketplace', address: 'no-reply@marketplace.test' }]);
    expect(mail.messageId).toBe(`<completion.${e.id}@credential-marketplace>`);
    expect(mail.text).toContain('Hello Dorothy Vaughan,');
    expect(mail.text).toContain(`${PUBLIC_BASE_URL}/verify/${cert.verificationCode} (code ${cert.verificationCode})`);
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      [`certificate-${cert.verificationCode}.pdf`, 'application/pdf'],
    ]);
    expect(mail.attachments[0].content.equals(fs.readFileSync(path.join(filesRoot, certificateFileKey(cert.id))))).toBe(true);

    const { rows } = await db.query(
      'SELECT kind, dedupe_key, to_address, status, sent_at IS NOT NULL AS sent FROM emails_sent WHERE enrollment_id = $1',
      [e.id],
    );
    expect(rows).toEqual([
      { kind: 'completion', dedupe_key: `completion:${e.id}`, to_address: e.studentEmail, status: 'sent', sent: true },
    ]);
  });

  test('sendSubmissionRejectedEmail tells the student the reason, once per submission', async () => {
    const e = await insertEnrollment({ studentName: 'Mary Jackson' });
    const submissionId = randomUUID();
    const request = { enrollmentId: e.id, submissionId, reason: 'The certificate shows a different name (page 2).' };
    expect(await acts.sendSubmissionRejectedEmail(request)).toBe('sent');
    expect(await acts.sendSubmissionRejectedEmail(request)).toBe('already_sent');

    const messages = smtp.to(e.studentEmail);
    expect(messages).toHaveLength(1);
    expect(messages[0].subject).toBe(`Your completion evidence for ${IC3.title} needs another look`);
    expect(messages[0].text).toContain('Hello Mary Jackson,');
    expect(messages[0].text).toContain('  The certificate shows a different name (page 2).');
    const { rows } = await db.query('SELECT kind, dedupe_key, status FROM emails_sent WHERE enrollment_id = $1', [e.id]);
    expect(rows).toEqual([{ kind: 'submission_rejected', dedupe_key: `submission-rejected:${submissionId}`, status: 'sent' }]);
  });
});

describe('the enrollment and payment emails (outbox mailer)', () => {
  let outboxDir: string;
  let mail: EnrollmentActivities;
  beforeAll(() => {
    outboxDir = path.join(filesRoot, 'outbox');
    mail = localActivities(db, filesRoot, {
      payments: stripeStandInPayments(stripe.apiBase),
      mailer: createOutboxMailer(outboxDir, MAIL_FROM),
      publicBaseUrl: PUBLIC_BASE_URL,
    });
  });

  /** The .eml files of one enrollment in the outbox, parsed. */
  const outbox = async (enrollmentId: string) => {
    const files = fs.existsSync(outboxDir) ? fs.readdirSync(outboxDir).filter((f) => f.includes(enrollmentId)) : [];
    return Promise.all(files.sort().map(async (file) => ({ file, mail: await simpleParser(fs.readFileSync(path.join(outboxDir, file))) })));
  };
  const pageOf = (enrollmentId: string) => `${PUBLIC_BASE_URL}/student/enrollments/${enrollmentId}`;
  const sentRows = async (enrollmentId: string) =>
    (
      await db.query<{ kind: string; dedupe_key: string; message_id: string; to_address: string; status: string }>(
        'SELECT kind, dedupe_key, message_id, to_address, status FROM emails_sent WHERE enrollment_id = $1 ORDER BY kind',
        [enrollmentId],
      )
    ).rows;
  /** What the workflow writes before the email: the status with the checkout's URL, and the voucher's share. */
  const opened = async (
    enrollmentId: string,
    o: { status: 'pending_payment' | 'ready_to_launch'; checkoutUrl?: string; voucherCents?: number },
  ) => {
    await db.query('UPDATE enrollments SET voucher_cents = $2, amount_due_cents = price_cents - $2 WHERE id = $1', [
      enrollmentId,
      o.voucherCents ?? 0,
    ]);
    await mail.recordEnrollmentStatus({ enrollmentId, seq: 1, status: o.status, at: new Date().toISOString(), checkoutUrl: o.checkoutUrl });
  };
  const paid = (enrollmentId: string, amountCents: number, provider = 'stripe') =>
    mail.recordPayment({
      enrollmentId,
      provider,
      providerRef: provider === 'stripe' ? `cs_test_${enrollmentId}` : enrollmentId,
      amountCents,
      currency: 'usd',
      paidAt: '2026-05-01T12:00:00.000Z',
      status: 'accepted',
    });

  test('sendEnrolledEmail twice sends one "You are enrolled": the program, the amount to pay in words, the checkout and the enrollment page', async () => {
    const e = await insertEnrollment({ studentName: 'Annie Easley' });
    const checkoutUrl = `https://checkout.stripe.test/c/pay/cs_test_${e.id}`;
    await opened(e.id, { status: 'pending_payment', checkoutUrl });
    expect(await mail.sendEnrolledEmail({ enrollmentId: e.id })).toBe('sent');
    expect(await mail.sendEnrolledEmail({ enrollmentId: e.id })).toBe('already_sent');

    const sent = await outbox(e.id);
    expect(sent.map((m) => m.file)).toEqual([`enrolled.${e.id}@credential-marketplace.eml`]);
    const [{ mail: m }] = sent;
    expect(m.subject).toBe(`You are enrolled in ${IC3.title}`);
    expect(m.messageId).toBe(`<enrolled.${e.id}@credential-marketplace>`);
    expect(JSON.stringify(m.to)).toContain(e.studentEmail);
    expect(m.text).toContain('Hello Annie Easley,');
    expect(m.text).toContain(`You are enrolled in ${IC3.title}`);
    expect(m.text).toContain(`Next, pay 149.00 US dollars at checkout: ${checkoutUrl}`);
    expect(m.text).toContain('As soon as the payment is confirmed you can launch the course.');
    expect(m.text).toContain(`Your enrollment page: ${pageOf(e.id)}`);
    expect(await sentRows(e.id)).toEqual([
      {
        kind: 'enrolled',
        dedupe_key: `enrolled:${e.id}`,
        message_id: `<enrolled.${e.id}@credential-marketplace>`,
        to_address: e.studentEmail,
        status: 'sent',
      },
    ]);
  });

  test('sendEnrolledEmail of a funded enrollment: the voucher covers the price, the next step is the launch', async () => {
    const e = await insertEnrollment({ program: BARBERING, fundingSource: 'wioa_ita' });
    await opened(e.id, { status: 'ready_to_launch', voucherCents: BARBERING.priceCents });
    await paid(e.id, BARBERING.priceCents, 'wioa_ita');
    expect(await mail.sendEnrolledEmail({ enrollmentId: e.id })).toBe('sent');
    const [{ mail: m }] = await outbox(e.id);
    expect(m.subject).toBe(`You are enrolled in ${BARBERING.title}`);
    expect(m.text).toContain('Your voucher covers the whole price, 499.00 US dollars: there is nothing for you to pay.');
    expect(m.text).toContain('Next, launch the course at');
    expect(m.text).not.toContain('checkout');
    expect(m.text).toContain(`Your enrollment page: ${pageOf(e.id)}`);
  });

  test('sendEnrolledEmail of a co-pay: what the voucher covers and what is left to pay at checkout', async () => {
    const e = await insertEnrollment({ fundingSource: 'sponsor' });
    await opened(e.id, { status: 'pending_payment', checkoutUrl: 'https://checkout.test/co-pay', voucherCents: 10_000 });
    expect(await mail.sendEnrolledEmail({ enrollmentId: e.id })).toBe('sent');
    const [{ mail: m }] = await outbox(e.id);
    expect(m.text).toContain('Your voucher covers 100.00 US dollars of the price of 149.00 US dollars.');
    expect(m.text).toContain('Next, pay 49.00 US dollars at checkout: https://checkout.test/co-pay');
  });

  test('sendPaymentReceivedEmail twice sends one "Payment received": the amount in words, the launch as next step, the enrollment page', async () => {
    const e = await insertEnrollment({ studentName: 'Christine Darden' });
    await opened(e.id, { status: 'pending_payment', checkoutUrl: 'https://checkout.test/x' });
    await paid(e.id, IC3.priceCents);
    await mail.recordEnrollmentStatus({ enrollmentId: e.id, seq: 2, status: 'ready_to_launch', at: new Date().toISOString() });
    expect(await mail.sendPaymentReceivedEmail({ enrollmentId: e.id })).toBe('sent');
    expect(await mail.sendPaymentReceivedEmail({ enrollmentId: e.id })).toBe('already_sent');

    const sent = await outbox(e.id);
    expect(sent.map((m) => m.file)).toEqual([`payment-received.${e.id}@credential-marketplace.eml`]);
    const [{ mail: m }] = sent;
    expect(m.subject).toBe(`Payment received for ${IC3.title}`);
    expect(m.messageId).toBe(`<payment-received.${e.id}@credential-marketplace>`);
    expect(m.text).toContain('Hello Christine Darden,');
    expect(m.text).toContain(`We received your payment of 149.00 US dollars for ${IC3.title}.`);
    const partner = SEEDED_PARTNERS.find((p) => p.id === IC3.partnerId)!.name;
    expect(m.text).toContain(`Next, launch the course at ${partner} from your enrollment page whenever you are ready: ${pageOf(e.id)}`);
    expect(await sentRows(e.id)).toEqual([
      {
        kind: 'payment_received',
        dedupe_key: `payment-received:${e.id}`,
        message_id: `<payment-received.${e.id}@credential-marketplace>`,
        to_address: e.studentEmail,
        status: 'sent',
      },
    ]);
  });

  test('sendPaymentReceivedEmail of a co-pay: the co-pay paid, and that with the voucher the price is paid in full', async () => {
    const e = await insertEnrollment({ fundingSource: 'sponsor' });
    await opened(e.id, { status: 'pending_payment', checkoutUrl: 'https://checkout.test/co', voucherCents: 10_000 });
    await paid(e.id, 10_000, 'sponsor');
    await paid(e.id, 4_900);
    expect(await mail.sendPaymentReceivedEmail({ enrollmentId: e.id })).toBe('sent');
    const [{ mail: m }] = await outbox(e.id);
    expect(m.text).toContain(`We received your payment of 49.00 US dollars for ${IC3.title}.`);
    expect(m.text).toContain("With your voucher's 100.00 US dollars, the price of 149.00 US dollars is paid in full.");
  });

  test('no email address: nothing is sent and nothing is retried; no checkout payment yet: retried until there is one', async () => {
    const e = await insertEnrollment();
    await db.query('UPDATE enrollments SET student_email = NULL WHERE id = $1', [e.id]);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(await mail.sendEnrolledEmail({ enrollmentId: e.id })).toBe('no_address');
      expect(await mail.sendPaymentReceivedEmail({ enrollmentId: e.id })).toBe('no_address');
      expect(warn.mock.calls.map(([line]) => String(line))).toEqual([
        `[worker] no enrollment email for enrollment ${e.id}: the student has no email address`,
        `[worker] no payment email for enrollment ${e.id}: the student has no email address`,
      ]);
    } finally {
      warn.mockRestore();
    }
    expect(await outbox(e.id)).toEqual([]);
    expect(await sentRows(e.id)).toEqual([]);

    const unpaid = await insertEnrollment();
    await expect(mail.sendPaymentReceivedEmail({ enrollmentId: unpaid.id })).rejects.toThrow('has no accepted checkout payment yet');
    expect(await sentRows(unpaid.id)).toEqual([]);
  });
});

describe('moneyInWords', () => {
  test.each([
    [14_900, 'usd', '149.00 US dollars'],
    [2_999, 'eur', '29.99 euros'],
    [1, 'usd', '0.01 US dollars'],
    [123_456_789, 'gbp', '1,234,567.89 British pounds'],
    [500, 'jpy', '500 Japanese yen'],
  ])('%i %s is "%s"', (cents, currency, words) => {
    expect(moneyInWords(cents, currency)).toBe(words);
  });
});

describe('outcomes', () => {
  test('recordWioaOutcome twice keeps one row: training completed and the program’s credential type', async () => {
    const e = await insertEnrollment({ program: BARBERING, fundingSource: 'wioa_ita', launchedAt: '2026-02-10T12:00:00.000Z' });
    await acts.recordWioaOutcome({ enrollmentId: e.id, completedAt: '2026-08-15T12:00:00.000Z' });
    await acts.recordWioaOutcome({ enrollmentId: e.id, completedAt: '2026-08-20T12:00:00.000Z' });
    const { rows } = await db.query(
      `SELECT program_id, funding_source, program_entry_date::text AS entry, exit_date::text AS exit, training_completed,
              completion_date::text AS completion, credential_type, credential_date::text AS credential
         FROM wioa_outcomes WHERE enrollment_id = $1`,
      [e.id],
    );
    expect(rows).toEqual([
      {
        program_id: BARBERING.id,
        funding_source: 'wioa_ita',
        entry: '2026-02-10',
        exit: '2026-08-15',
        training_completed: true,
        completion: '2026-08-15',
        credential_type: 'occupational_licensure',
        credential: '2026-08-15',
      },
    ]);
  });

  test('recordRevenueShare twice writes exactly three ledger rows summing to the basis (2999 cents at 3333/3334/3333 bps)', async () => {
    const e = await insertEnrollment({ program: DEMO });
    const request = { enrollmentId: e.id, basisCents: 2999, currency: 'usd' };
    const expected = { platform: 1000, holder: 1000, partner: 999 };
    expect(await acts.recordRevenueShare(request)).toEqual(expected);
    expect(await acts.recordRevenueShare(request)).toEqual(expected);

    const { rows } = await db.query<{
      party: string;
      party_id: string;
      entry_type: string;
      basis_cents: number;
      bps: number;
      amount_cents: number;
      currency: string;
      program_id: string;
    }>(
      `SELECT party, party_id, entry_type, basis_cents, bps, amount_cents, currency, program_id
         FROM ledger_entries WHERE enrollment_id = $1 ORDER BY party`,
      [e.id],
    );
    expect(rows).toEqual([
      {
        party: 'holder',
        party_id: DEMO_HOLDER_ID,
        entry_type: 'share',
        basis_cents: 2999,
        bps: 3334,
        amount_cents: 1000,
        currency: 'usd',
        program_id: DEMO.id,
      },
      {
        party: 'partner',
        party_id: 'demo',
        entry_type: 'share',
        basis_cents: 2999,
        bps: 3333,
        amount_cents: 999,
        currency: 'usd',
        program_id: DEMO.id,
      },
      {
        party: 'platform',
        party_id: 'platform',
        entry_type: 'share',
        basis_cents: 2999,
        bps: 3333,
        amount_cents: 1000,
        currency: 'usd',
        program_id: DEMO.id,
      },
    ]);
    expect(rows.reduce((sum, r) => sum + r.amount_cents, 0)).toBe(2999);
  });
});

describe('waiting and withdrawal', () => {
  test("refundPayment twice: one Stripe refund of the session's payment intent, one refunds row", async () => {
    const e = await insertEnrollment({ program: DEMO });
    const { checkoutUrl } = await acts.openCheckout({
      enrollmentId: e.id,
      amountCents: DEMO.priceCents,
      currency: 'usd',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const sessionId = checkoutUrl.split('/').pop()!;
    await acts.recordPayment({
      enrollmentId: e.id,
      provider: 'stripe',
      providerRef: sessionId,
      amountCents: DEMO.priceCents,
      currency: 'usd',
      paidAt: new Date().toISOString(),
      status: 'accepted',
    });
    const before = stripe.refunds.length;
    const first = await acts.refundPayment({ enrollmentId: e.id, amountCents: 1_500, reason: 'withdrew' });
    const second = await acts.refundPayment({ enrollmentId: e.id, amountCents: 1_500, reason: 'withdrew' });
    expect(second).toEqual(first);
    expect(stripe.refunds.slice(before)).toEqual([
      { id: first.refundRef, idempotencyKey: `refund:${e.id}`, paymentIntent: `pi_${sessionId}`, amount: 1_500 },
    ]);
    const { rows } = await db.query('SELECT provider, provider_ref, amount_cents, reason FROM refunds WHERE enrollment_id = $1', [e.id]);
    expect(rows).toEqual([{ provider: 'stripe', provider_ref: first.refundRef, amount_cents: 1_500, reason: 'withdrew' }]);
  });

  test('a voucher-funded refund goes back to the funder: a row, no Stripe call', async () => {
    const e = await insertEnrollment({ program: DEMO, fundingSource: 'wioa_ita' });
    await acts.recordPayment({
      enrollmentId: e.id,
      provider: 'wioa_ita',
      providerRef: e.id,
      voucherNumber: 'ITA-9',
      amountCents: DEMO.priceCents,
      currency: 'usd',
      paidAt: new Date().toISOString(),
      status: 'accepted',
    });
    const before = stripe.refunds.length;
    expect(await acts.refundPayment({ enrollmentId: e.id, amountCents: DEMO.priceCents })).toEqual({
      refundRef: null,
      amountCents: DEMO.priceCents,
    });
    expect(stripe.refunds.length).toBe(before);
    expect(await count('SELECT count(*) AS n FROM refunds WHERE enrollment_id = $1 AND provider = $2', [e.id, 'wioa_ita'])).toBe(1);
  });

  test('reverseRevenueShare twice: one opposite entry per share, so the ledger nets to zero', async () => {
    const e = await insertEnrollment({ program: DEMO });
    expect(await acts.reverseRevenueShare({ enrollmentId: e.id })).toBe(0); // nothing to reverse before shares exist
    await acts.recordRevenueShare({ enrollmentId: e.id, basisCents: 2_999, currency: 'usd' });
    expect(await acts.reverseRevenueShare({ enrollmentId: e.id })).toBe(3);
    expect(await acts.reverseRevenueShare({ enrollmentId: e.id })).toBe(0);
    const { rows } = await db.query(
      `SELECT entry_type, sum(amount_cents)::int AS total FROM ledger_entries WHERE enrollment_id = $1 GROUP BY entry_type ORDER BY entry_type`,
      [e.id],
    );
    expect(rows).toEqual([
      { entry_type: 'reversal', total: -2_999 },
      { entry_type: 'share', total: 2_999 },
    ]);
  });

  test('recordWioaExit twice: one row, training not completed, no credential', async () => {
    const e = await insertEnrollment({ program: BARBERING, fundingSource: 'wioa_ita', launchedAt: '2026-01-10T09:00:00Z' });
    await acts.recordWioaExit({ enrollmentId: e.id, exitDate: '2026-07-01T00:00:00Z' });
    await acts.recordWioaExit({ enrollmentId: e.id, exitDate: '2026-08-01T00:00:00Z' });
    const { rows } = await db.query(
      "SELECT training_completed, credential_type, credential_date, to_char(program_entry_date, 'YYYY-MM-DD') AS entry, to_char(exit_date, 'YYYY-MM-DD') AS exit FROM wioa_outcomes WHERE enrollment_id = $1",
      [e.id],
    );
    expect(rows).toEqual([
      { training_completed: false, credential_type: null, credential_date: null, entry: '2026-01-10', exit: '2026-07-01' },
    ]);
  });

  test('sendNudgeEmail sends each scheduled reminder once', async () => {
    const e = await insertEnrollment({ program: DEMO });
    expect(await acts.sendNudgeEmail({ enrollmentId: e.id, day: 7 })).toBe('sent');
    expect(await acts.sendNudgeEmail({ enrollmentId: e.id, day: 7 })).toBe('already_sent');
    expect(await acts.sendNudgeEmail({ enrollmentId: e.id, day: 21 })).toBe('sent');
    const mails = smtp.to(e.studentEmail);
    expect(mails.map((m) => m.subject)).toEqual([`How is ${DEMO.title} going?`, `How is ${DEMO.title} going?`]);
    expect(mails.map((m) => m.text?.match(/It has been (\d+) days/)?.[1])).toEqual(['7', '21']);
  });

  test('recordCompletionEvidence keeps each report once, applied or not', async () => {
    const e = await insertEnrollment({ program: DEMO });
    const report = {
      enrollmentId: e.id,
      method: 'xapi' as const,
      reportId: 'stmt-1',
      completedAt: '2026-11-01T00:00:00Z',
      reportedBy: 'partner:demo',
      score: 88,
    };
    await acts.recordCompletionEvidence({ ...report, outcome: 'applied' });
    await acts.recordCompletionEvidence({ ...report, outcome: 'applied' });
    await acts.recordCompletionEvidence({ ...report, method: 'csv_import', reportId: 'row-2', outcome: 'already_complete' });
    const { rows } = await db.query(
      'SELECT method, outcome, score FROM completion_evidence WHERE enrollment_id = $1 ORDER BY received_at, method',
      [e.id],
    );
    expect(rows).toEqual([
      { method: 'xapi', outcome: 'applied', score: 88 },
      { method: 'csv_import', outcome: 'already_complete', score: 88 },
    ]);
  });
});

describe('splitByBasisPoints', () => {
  /** A small seeded generator (mulberry32), so a failure names the case that reproduces it. */
  function random(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  test('shares are non-negative integers, sum exactly to the amount and are each within a cent of exact (5000 random cases)', () => {
    const rand = random(20_260_101);
    const int = (max: number) => Math.floor(rand() * (max + 1));
    const failures: string[] = [];
    for (let i = 0; i < 5000; i++) {
      // Mostly everyday prices, some tiny amounts, some up to $100M.
      const amount = i % 5 === 0 ? int(10) : i % 5 === 1 ? int(10_000_000_000) : int(200_000);
      const [x, y] = [int(10_000), int(10_000)];
      const [lo, hi] = [Math.min(x, y), Math.max(x, y)];
      const bps = { platform: lo, holder: hi - lo, partner: 10_000 - hi };
      const shares = splitByBasisPoints(amount, bps);
      const parties = Object.keys(bps) as (keyof typeof bps)[];
      const ok =
        Object.keys(shares).join() === 'platform,holder,partner' &&
        parties.every((p) => Number.isInteger(shares[p]) && shares[p] >= 0 && Math.abs(shares[p] - (amount * bps[p]) / 10_000) < 1) &&
        parties.reduce((sum, p) => sum + shares[p], 0) === amount;
      if (!ok) failures.push(JSON.stringify({ amount, bps, shares }));
    }
    expect(failures).toEqual([]);
  });

  test('known splits: leftover cents go to the largest remainders, ties to the earlier party', () => {
    expect(splitByBasisPoints(2999, { platform: 3333, holder: 3334, partner: 3333 })).toEqual({
      platform: 1000,
      holder: 1000,
      partner: 999,
    });
    expect(splitByBasisPoints(1, { platform: 3333, holder: 3334, partner: 3333 })).toEqual({ platform: 0, holder: 1, partner: 0 });
    expect(splitByBasisPoints(1, { a: 5000, b: 5000 })).toEqual({ a: 1, b: 0 });
    expect(splitByBasisPoints(0, { platform: 2000, holder: 6000, partner: 2000 })).toEqual({ platform: 0, holder: 0, partner: 0 });
    expect(splitByBasisPoints(14_900, { platform: 2000, holder: 6000, partner: 2000 })).toEqual({
      platform: 2980,
      holder: 8940,
      partner: 2980,
    });
    expect(splitByBasisPoints(7, { platform: 0, holder: 10_000, partner: 0 })).toEqual({ platform: 0, holder: 7, partner: 0 });
  });

  test.each([
    ['a negative amount', -1],
    ['fractional cents', 10.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['one cent above the exact limit', MAX_SPLIT_CENTS + 1],
  ])('rejects %s with a RangeError', (_name, amount) => {
    expect(() => splitByBasisPoints(amount, { platform: 2000, holder: 6000, partner: 2000 })).toThrow(
      new RangeError(`amount must be integer cents from 0 to ${MAX_SPLIT_CENTS}, got ${amount}`),
    );
  });

  test('splits exactly up to the limit', () => {
    const shares = splitByBasisPoints(MAX_SPLIT_CENTS, { platform: 3333, holder: 3334, partner: 3333 });
    expect(shares.platform + shares.holder + shares.partner).toBe(MAX_SPLIT_CENTS);
    expect(Math.abs(shares.holder - (MAX_SPLIT_CENTS * 3334) / 10_000)).toBeLessThanOrEqual(1);
  });

  test.each([
    ['summing to 9999', { platform: 3333, holder: 3333, partner: 3333 }, 9999],
    ['summing to 10001', { platform: 3334, holder: 3334, partner: 3333 }, 10_001],
    ['with a negative share', { platform: -1, holder: 5001, partner: 5000 }, 10_000],
    ['with a fractional share', { platform: 3333.5, holder: 3333.5, partner: 3333 }, 10_000],
    ['empty', {}, 0],
  ])('rejects basis points %s with a RangeError', (_name, bps, total) => {
    expect(() => splitByBasisPoints(100, bps as Record<string, number>)).toThrow(
      new RangeError(`basis points must be non-negative integers summing to 10000, got ${total}`),
    );
  });
});

describe('openEnrollmentRecord: the record the workflow writes first', () => {
  const open = (o: {
    studentId: string;
    fundingSource?: 'self_pay' | 'wioa_ita' | 'sponsor';
    voucherNumber?: string;
    program?: (typeof SEEDED_PROGRAMS)[number];
    enrollmentId?: string;
  }) =>
    acts.openEnrollmentRecord({
      enrollmentId: o.enrollmentId ?? randomUUID(),
      programId: (o.program ?? DEMO).id,
      studentId: o.studentId,
      fundingSource: o.fundingSource ?? 'self_pay',
      voucherNumber: o.voucherNumber,
      priceCents: (o.program ?? DEMO).priceCents,
      currency: 'usd',
      openedAt: new Date().toISOString(),
    });
  const issue = async (studentId: string, number: string, amountCents: number, expiresOn = '2099-12-31') => {
    await db.query(
      `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, issued_by)
       VALUES ($1, 'board', $2, 'sponsor', $3, $4, 'usd', $5, 'test')`,
      [randomUUID(), number, studentId, amountCents, expiresOn],
    );
  };

  test('copies the student from their profile, splits voucher and co-pay, and a retry answers the same without a second row', async () => {
    const studentId = `student-${randomUUID()}`;
    await db.query(`INSERT INTO students (id, email, name) VALUES ($1, 'ada@example.com', 'Ada Lovelace')`, [studentId]);
    await issue(studentId, 'SP-COPAY', 1_000);
    const enrollmentId = randomUUID();
    const first = await open({ studentId, fundingSource: 'sponsor', voucherNumber: 'sp-copay', enrollmentId });
    expect(first).toEqual<Record<string, unknown>>({
      status: 'pending_payment',
      voucherId: expect.any(String),
      voucherCents: 1_000,
      amountDueCents: DEMO.priceCents - 1_000,
    });
    expect(await open({ studentId, fundingSource: 'sponsor', voucherNumber: 'sp-copay', enrollmentId })).toEqual(first);
    const { rows } = await db.query(
      'SELECT student_email, student_name, status, voucher_cents, amount_due_cents FROM enrollments WHERE student_id = $1',
      [studentId],
    );
    expect(rows).toEqual([
      {
        student_email: 'ada@example.com',
        student_name: 'Ada Lovelace',
        status: 'pending_payment',
        voucher_cents: 1_000,
        amount_due_cents: DEMO.priceCents - 1_000,
      },
    ]);
  });

  test('refusals are non-retryable failures of the type the API maps: unusable (422), used or a second open enrollment (409)', async () => {
    const studentId = `student-${randomUUID()}`;
    await issue(studentId, 'SP-OLD', 100_000, '2020-01-01');
    await issue(studentId, 'SP-OK', 100_000);
    await expect(open({ studentId, fundingSource: 'sponsor', voucherNumber: 'SP-OLD' })).rejects.toMatchObject({
      type: 'VoucherUnusable',
      nonRetryable: true,
    });
    await expect(open({ studentId: 'someone-else', fundingSource: 'sponsor', voucherNumber: 'SP-OK' })).rejects.toMatchObject({
      type: 'VoucherUnusable',
    });
    expect(await open({ studentId, fundingSource: 'sponsor', voucherNumber: 'SP-OK' })).toMatchObject({
      status: 'ready_to_launch',
      amountDueCents: 0,
    });
    await expect(open({ studentId, fundingSource: 'sponsor', voucherNumber: 'SP-OK', program: IC3 })).rejects.toMatchObject({
      type: 'EnrollmentStateConflict',
      message: 'voucher SP-OK already funds an enrollment',
    });
    await expect(open({ studentId })).rejects.toMatchObject<Record<string, unknown>>({
      type: 'EnrollmentStateConflict',
      message: expect.stringMatching(/^you already have an open enrollment in this program: /),
    });
  });

  test('refundPayment of a co-paid enrollment: the card part back through Stripe, the voucher part recorded for the funder, each once', async () => {
    const e = await insertEnrollment({ program: DEMO, fundingSource: 'sponsor' });
    const { checkoutUrl } = await acts.openCheckout({
      enrollmentId: e.id,
      amountCents: 999,
      currency: 'usd',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const sessionId = checkoutUrl.split('/').pop()!;
    const paidAt = new Date().toISOString();
    await acts.recordPayment({
      enrollmentId: e.id,
      provider: 'stripe',
      providerRef: sessionId,
      amountCents: 999,
      currency: 'usd',
      paidAt,
      status: 'accepted',
    });
    await acts.recordPayment({
      enrollmentId: e.id,
      provider: 'sponsor',
      providerRef: e.id,
      amountCents: 2_000,
      currency: 'usd',
      paidAt,
      status: 'accepted',
    });
    const before = stripe.refunds.length;
    const first = await acts.refundPayment({ enrollmentId: e.id, amountCents: 2_999, voucherCents: 2_000 });
    expect(await acts.refundPayment({ enrollmentId: e.id, amountCents: 2_999, voucherCents: 2_000 })).toEqual(first);
    expect(stripe.refunds.slice(before)).toEqual([expect.objectContaining({ amount: 999 })]);
    const { rows } = await db.query('SELECT provider, amount_cents FROM refunds WHERE enrollment_id = $1 ORDER BY provider', [e.id]);
    expect(rows).toEqual([
      { provider: 'sponsor', amount_cents: 2_000 },
      { provider: 'stripe', amount_cents: 999 },
    ]);
  });
});
