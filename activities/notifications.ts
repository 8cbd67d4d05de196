import { type Db, writeAfterEffect } from '../db/pool';
import { hasTutorConsent } from '../db/tutor-consent';
import type { Email, Mailer } from '../services/mailer';
import { certificatePdfFilename, verificationUrl } from '../lib/certificate-links';
import { translator } from '../lib/i18n';
import { moneyInWords } from '../lib/money';
import { studentEnrollmentUrl } from '../lib/student-links';
import { certificateFileKey } from './certificates';
import { describeEnrollment, type EnrollmentFacts } from '../services/tutor-prompt';
import type { TutorModel } from '../services/tutor-model';
import type { ActivityDeps, EnrollmentContext } from './deps';
import { loadEnrollmentContext } from './deps';

/**
 * Sends an email at most once per fact (its dedupe key). The row is claimed before sending and marked after;
 * only a crash between the SMTP hand-off and the mark (or a database out of reach for all of writeAfterEffect's tries) can
 * resend, and then with the same Message-ID.
 */
export async function sendOnce(
  db: Db,
  mailer: Mailer,
  fact: { dedupeKey: string; kind: string; enrollmentId: string | null },
  email: Omit<Email, 'messageId'>,
): Promise<'sent' | 'already_sent'> {
  const messageId = `<${fact.dedupeKey.replace(/[^a-zA-Z0-9.-]/g, '.')}@credential-marketplace>`;
  await db.query(
    `INSERT INTO emails_sent (enrollment_id, kind, dedupe_key, message_id, to_address, subject, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'sending') ON CONFLICT (dedupe_key) DO NOTHING`,
    [fact.enrollmentId, fact.kind, fact.dedupeKey, messageId, email.to, email.subject],
  );
  const { rows } = await db.query<{ status: 'sending' | 'sent' }>('SELECT status FROM emails_sent WHERE dedupe_key = $1', [fact.dedupeKey]);
  if (rows[0]?.status === 'sent') return 'already_sent';
  await mailer.send({ ...email, messageId });
  await writeAfterEffect(db, `UPDATE emails_sent SET status = 'sent', sent_at = now() WHERE dedupe_key = $1`, [fact.dedupeKey]);
  return 'sent';
}

/**
 * A student whose sign-in gave no email address gets no enrollment or payment email: nothing to retry, and nothing that
 * holds up the enrollment.
 */
function noAddress(what: string, enrollmentId: string): 'no_address' {
  console.warn(`[worker] no ${what} email for enrollment ${enrollmentId}: the student has no email address`);
  return 'no_address';
}

function recipient(ctx: EnrollmentContext): string {
  if (!ctx.studentEmail) throw new Error(`enrollment ${ctx.enrollmentId} has no student email`);
  return ctx.studentEmail;
}

/** What the enrollment and payment emails say about the money and the next step, from the enrollment's record. */
interface EnrollmentMoneyRow {
  status: string;
  checkout_url: string | null;
  price_cents: number;
  currency: string;
  voucher_cents: number;
  amount_due_cents: number | null;
}

async function enrollmentMoney(db: Db, enrollmentId: string): Promise<EnrollmentMoneyRow> {
  const { rows } = await db.query<EnrollmentMoneyRow>(
    'SELECT status, checkout_url, price_cents, currency, voucher_cents, amount_due_cents FROM enrollments WHERE id = $1',
    [enrollmentId],
  );
  if (!rows[0]) throw new Error(`enrollment ${enrollmentId} is not in the database`);
  return rows[0];
}

/**
 * An email's words in the student's language (the one kept from their pages): the catalog's `email.*`, and money
 * with its currency spelled out. The same stored language always gives the same email.
 */
function speak(ctx: EnrollmentContext) {
  const { t } = translator(ctx.locale);
  return { t, words: (cents: number, currency: string) => moneyInWords(cents, currency, ctx.locale) };
}

/** Statuses in which the course has been launched and is being taken. */
const TAKING = new Set(['in_progress', 'awaiting_review']);

/** Where an enrollment is, as the read model has it. */
interface EnrollmentStageRow {
  status: string;
  launched_at: Date | null;
  completed_at: Date | null;
}

/** The enrollment's stage from the read model, as the tutor is told it (no ids, no personal data). */
async function nudgeFacts(db: Db, enrollmentId: string): Promise<EnrollmentFacts> {
  const [e, rejected] = await Promise.all([
    db.query<EnrollmentStageRow>('SELECT status, launched_at, completed_at FROM enrollments WHERE id = $1', [enrollmentId]),
    db.query<{ reason: string | null }>(
      `SELECT reason FROM completion_submissions WHERE enrollment_id = $1 AND status = 'rejected' ORDER BY reviewed_at DESC NULLS LAST LIMIT 1`,
      [enrollmentId],
    ),
  ]);
  return {
    status: e.rows[0]?.status ?? 'in_progress',
    launchedAt: e.rows[0]?.launched_at?.toISOString(),
    completedAt: e.rows[0]?.completed_at?.toISOString(),
    lastRejection: rejected.rows[0]?.reason ? { reason: rejected.rows[0].reason } : undefined,
    source: 'read_model',
  };
}

/** A short encouraging paragraph written by the tutor for this program and stage; `undefined` to use the template. */
async function tutorNudge(
  tutor: TutorModel,
  timeoutMs: number,
  ctx: EnrollmentContext,
  facts: EnrollmentFacts,
  day: number,
): Promise<string | undefined> {
  try {
    const { text } = await tutor.complete(
      [
        {
          role: 'system',
          content:
            'You are the AI tutor of a workforce-training marketplace. Write one short, warm, encouraging paragraph (at most 90 words) ' +
            'for a reminder email to a student who has not finished their course yet, suited to where they stand. Plain text only: ' +
            'no greeting, no sign-off, no links, no placeholders. Do not invent dates, grades or decisions.' +
            (ctx.locale === 'es' ? ' Write it in Spanish, plain and warm, addressing the student as "usted".' : ''),
        },
        {
          role: 'user',
          content: [
            `Program: ${ctx.programTitle}, delivered by the training partner ${ctx.partnerName} (credential type: ${ctx.credentialType.replace(/_/g, ' ')}).`,
            `This reminder goes out ${day} days after the student started.`,
            ...describeEnrollment(facts),
          ].join('\n'),
        },
      ],
      { signal: AbortSignal.timeout(timeoutMs) },
    );
    const paragraph = text.trim();
    return paragraph && paragraph.length <= 2_000 ? paragraph : undefined;
  } catch (err) {
    console.warn(
      `[worker] the tutor could not write the nudge for enrollment ${ctx.enrollmentId}; using the template: ${(err as Error).message}`,
    );
    return undefined;
  }
}

export function createNotificationActivities({ db, mailer, files, publicBaseUrl, tutor, tutorTimeoutMs = 15_000 }: ActivityDeps) {
  return {
    /**
     * "You are enrolled": sent once the enrollment is opened (after the checkout, when there is one). What happens next
     * follows the record at sending: pay at checkout while payment is pending, else launch the course.
     */
    async sendEnrolledEmail(r: { enrollmentId: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      if (!ctx.studentEmail) return noAddress('enrollment', r.enrollmentId);
      const e = await enrollmentMoney(db, r.enrollmentId);
      const { t, words } = speak(ctx);
      const page = studentEnrollmentUrl(publicBaseUrl, r.enrollmentId);
      const partner = ctx.partnerName;
      const voucher = e.voucher_cents
        ? e.voucher_cents >= e.price_cents
          ? t('email.enrolled.voucherAll', { price: words(e.price_cents, e.currency) })
          : t('email.enrolled.voucherPart', { voucher: words(e.voucher_cents, e.currency), price: words(e.price_cents, e.currency) })
        : undefined;
      const due = words(e.amount_due_cents ?? e.price_cents, e.currency);
      const next =
        e.status === 'pending_payment'
          ? [
              e.checkout_url
                ? t('email.enrolled.payAt', { amount: due, url: e.checkout_url })
                : t('email.enrolled.payFromPage', { amount: due }),
              t('email.enrolled.afterPay'),
            ]
          : e.status === 'ready_to_launch'
            ? [t('email.enrolled.launch', { partner })]
            : TAKING.has(e.status)
              ? [t('email.enrolled.taking', { partner })]
              : [t('email.enrolled.other')];
      return sendOnce(
        db,
        mailer,
        { dedupeKey: `enrolled:${r.enrollmentId}`, kind: 'enrolled', enrollmentId: r.enrollmentId },
        {
          to: ctx.studentEmail,
          subject: t('email.enrolled.subject', { program: ctx.programTitle }),
          text: [
            t('email.hello', { name: ctx.studentName }),
            '',
            t('email.enrolled.intro', { program: ctx.programTitle, partner }),
            ...(voucher ? [voucher] : []),
            '',
            ...next,
            '',
            t('email.enrolled.page', { url: page }),
            t('email.enrolled.pageWhat'),
          ].join('\n'),
        },
      );
    },

    /** "Payment received": sent once the checkout payment is confirmed and accepted; the next step is the launch. */
    async sendPaymentReceivedEmail(r: { enrollmentId: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      if (!ctx.studentEmail) return noAddress('payment', r.enrollmentId);
      const [e, paid] = await Promise.all([
        enrollmentMoney(db, r.enrollmentId),
        db.query<{ amount_cents: number; currency: string }>(
          `SELECT amount_cents, currency FROM payments
            WHERE enrollment_id = $1 AND status = 'accepted' AND provider IN ('stripe', 'simulated')`,
          [r.enrollmentId],
        ),
      ]);
      const payment = paid.rows[0];
      if (!payment) throw new Error(`enrollment ${r.enrollmentId} has no accepted checkout payment yet`);
      const { t, words } = speak(ctx);
      const page = studentEnrollmentUrl(publicBaseUrl, r.enrollmentId);
      return sendOnce(
        db,
        mailer,
        { dedupeKey: `payment-received:${r.enrollmentId}`, kind: 'payment_received', enrollmentId: r.enrollmentId },
        {
          to: ctx.studentEmail,
          subject: t('email.paid.subject', { program: ctx.programTitle }),
          text: [
            t('email.hello', { name: ctx.studentName }),
            '',
            t('email.paid.thanks', { amount: words(payment.amount_cents, payment.currency), program: ctx.programTitle }),
            ...(e.voucher_cents
              ? [t('email.paid.withVoucher', { voucher: words(e.voucher_cents, e.currency), price: words(e.price_cents, e.currency) })]
              : []),
            '',
            t('email.paid.next', { partner: ctx.partnerName, url: page }),
          ].join('\n'),
        },
      );
    },

    async sendCompletionEmail(r: { enrollmentId: string; certificateId: string; verificationCode: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const pdf = await files.get(certificateFileKey(r.certificateId));
      if (!pdf) throw new Error(`certificate ${r.certificateId} has no PDF yet`);
      const link = verificationUrl(publicBaseUrl, r.verificationCode);
      const page = studentEnrollmentUrl(publicBaseUrl, r.enrollmentId);
      const { t } = speak(ctx);
      return sendOnce(
        db,
        mailer,
        { dedupeKey: `completion:${r.enrollmentId}`, kind: 'completion', enrollmentId: r.enrollmentId },
        {
          to: recipient(ctx),
          subject: t('email.completion.subject', { program: ctx.programTitle }),
          text: [
            t('email.hello', { name: ctx.studentName }),
            '',
            t('email.completion.text', { program: ctx.programTitle, partner: ctx.partnerName }),
            t('email.completion.verify', { url: link, code: r.verificationCode }),
            t('email.completion.page', { url: page }),
            '',
            t('email.completion.wellDone'),
          ].join('\n'),
          attachments: [{ filename: certificatePdfFilename(r.verificationCode), content: pdf, contentType: 'application/pdf' }],
        },
      );
    },

    /** A reminder while no completion has arrived; one per scheduled day. */
    async sendNudgeEmail(r: { enrollmentId: string; day: number }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const dedupeKey = `nudge:${r.enrollmentId}:${r.day}`;
      // A nudge sent before is not written again (nor is the model asked).
      const earlier = await db.query(`SELECT 1 FROM emails_sent WHERE dedupe_key = $1 AND status = 'sent'`, [dedupeKey]);
      if (earlier.rowCount) return 'already_sent' as const;
      // The model writes the paragraph only for a student who consented to the tutor sending their enrollment facts.
      const written =
        tutor && (await hasTutorConsent(db, ctx.studentId))
          ? await tutorNudge(tutor, tutorTimeoutMs, ctx, await nudgeFacts(db, r.enrollmentId), r.day)
          : undefined;
      const page = studentEnrollmentUrl(publicBaseUrl, r.enrollmentId);
      const { t } = speak(ctx);
      return sendOnce(
        db,
        mailer,
        { dedupeKey, kind: 'nudge', enrollmentId: r.enrollmentId },
        {
          to: recipient(ctx),
          subject: t('email.nudge.subject', { program: ctx.programTitle }),
          text: [
            t('email.hello', { name: ctx.studentName }),
            '',
            ...(written ? [written, ''] : [t('email.nudge.days', { days: r.day, program: ctx.programTitle, partner: ctx.partnerName })]),
            t('email.nudge.pickUp', { url: page }),
            t('email.nudge.finish'),
          ].join('\n'),
        },
      );
    },

    async sendSubmissionRejectedEmail(r: { enrollmentId: string; submissionId: string; reason: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const { t } = speak(ctx);
      return sendOnce(
        db,
        mailer,
        { dedupeKey: `submission-rejected:${r.submissionId}`, kind: 'submission_rejected', enrollmentId: r.enrollmentId },
        {
          to: recipient(ctx),
          subject: t('email.rejected.subject', { program: ctx.programTitle }),
          text: [
            t('email.hello', { name: ctx.studentName }),
            '',
            t('email.rejected.text', { program: ctx.programTitle }),
            '',
            `  ${r.reason}`,
            '',
            t('email.rejected.again', { url: studentEnrollmentUrl(publicBaseUrl, r.enrollmentId) }),
          ].join('\n'),
        },
      );
    },
  };
}
