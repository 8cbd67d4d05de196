import type { Db } from '../db/pool';
import type { Email, Mailer } from '../services/mailer';
import { certificateFileKey, verifyUrl } from './certificates';
import type { ActivityDeps, EnrollmentContext } from './deps';
import { loadEnrollmentContext } from './deps';

/**
 * Sends an email at most once per fact (its dedupe key). The row is claimed before sending and marked after;
 * only a crash between the SMTP hand-off and the mark can resend, and then with the same Message-ID.
 */
async function sendOnce(
  db: Db,
  mailer: Mailer,
  fact: { dedupeKey: string; kind: string; enrollmentId: string },
  email: Omit<Email, 'messageId'>,
): Promise<'sent' | 'already_sent'> {
  const messageId = `<${fact.dedupeKey.replace(/[^a-zA-Z0-9.-]/g, '.')}@credential-marketplace>`;
  await db.query(
    `INSERT INTO emails_sent (enrollment_id, kind, dedupe_key, message_id, to_address, subject, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'sending') ON CONFLICT (dedupe_key) DO NOTHING`,
    [fact.enrollmentId, fact.kind, fact.dedupeKey, messageId, email.to, email.subject],
  );
  const { rows } = await db.query('SELECT status FROM emails_sent WHERE dedupe_key = $1', [fact.dedupeKey]);
  if (rows[0]?.status === 'sent') return 'already_sent';
  await mailer.send({ ...email, messageId });
  await db.query(`UPDATE emails_sent SET status = 'sent', sent_at = now() WHERE dedupe_key = $1`, [fact.dedupeKey]);
  return 'sent';
}

function recipient(ctx: EnrollmentContext): string {
  if (!ctx.studentEmail) throw new Error(`enrollment ${ctx.enrollmentId} has no student email`);
  return ctx.studentEmail;
}

export function createNotificationActivities({ db, mailer, files, publicBaseUrl }: ActivityDeps) {
  return {
    async sendCompletionEmail(r: { enrollmentId: string; certificateId: string; verificationCode: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      const pdf = await files.get(certificateFileKey(r.certificateId));
      if (!pdf) throw new Error(`certificate ${r.certificateId} has no PDF yet`);
      const link = verifyUrl(publicBaseUrl, r.verificationCode);
      return sendOnce(db, mailer, { dedupeKey: `completion:${r.enrollmentId}`, kind: 'completion', enrollmentId: r.enrollmentId }, {
        to: recipient(ctx),
        subject: `Congratulations: you completed ${ctx.programTitle}`,
        text: [
          `Hello ${ctx.studentName},`,
          '',
          `You completed ${ctx.programTitle} with ${ctx.partnerName}. Your certificate is attached.`,
          `Anyone can verify it at ${link} (code ${r.verificationCode}).`,
          '',
          'Well done!',
        ].join('\n'),
        attachments: [{ filename: `certificate-${r.verificationCode}.pdf`, content: pdf, contentType: 'application/pdf' }],
      });
    },

    /** A reminder while no completion has arrived; one per scheduled day. */
    async sendNudgeEmail(r: { enrollmentId: string; day: number }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      return sendOnce(db, mailer, { dedupeKey: `nudge:${r.enrollmentId}:${r.day}`, kind: 'nudge', enrollmentId: r.enrollmentId }, {
        to: recipient(ctx),
        subject: `How is ${ctx.programTitle} going?`,
        text: [
          `Hello ${ctx.studentName},`,
          '',
          `It has been ${r.day} days since you started ${ctx.programTitle} with ${ctx.partnerName}.`,
          'Pick up where you left off from your enrollment page. When you finish, upload your certificate there, or',
          'your program holder will confirm your completion with the partner.',
        ].join('\n'),
      });
    },

    async sendSubmissionRejectedEmail(r: { enrollmentId: string; submissionId: string; reason: string }) {
      const ctx = await loadEnrollmentContext(db, r.enrollmentId);
      return sendOnce(db, mailer, { dedupeKey: `submission-rejected:${r.submissionId}`, kind: 'submission_rejected', enrollmentId: r.enrollmentId }, {
        to: recipient(ctx),
        subject: `Your completion evidence for ${ctx.programTitle} needs another look`,
        text: [
          `Hello ${ctx.studentName},`,
          '',
          `Your program holder reviewed the completion evidence you uploaded for ${ctx.programTitle} and could not accept it:`,
          '',
          `  ${r.reason}`,
          '',
          'You can upload new evidence from your enrollment page at any time.',
        ].join('\n'),
      });
    },
  };
}
