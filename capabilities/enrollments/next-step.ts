import type { Translator } from '../../lib/i18n';
import type { EnrollmentStatus } from '../../workflows/messages';

/** What the next step is decided from: the enrollment's status, money, certificate and its latest upload. */
export interface NextStepFacts {
  status: EnrollmentStatus;
  priceCents: number;
  voucherCents: number;
  certificate: { revoked: boolean } | null;
  /** The uploads, oldest first. */
  submissions: { status: string; reason: string | null; submittedAt: string | null }[];
}

/**
 * The student's next step for the latest event (the enrollment page's region **What to do next**): pay while payment
 * is pending; launch once ready (a voucher that covers the price says so: nothing is paid); after a rejection, the
 * reviewer's reason and the upload form; while a proof is under review, when to expect the answer (an email as soon
 * as it is decided: the platform has no review deadline to promise); then the certificate.
 */
export function nextStep(i18n: Translator, e: NextStepFacts, partner: string) {
  const covered = e.voucherCents > 0 && e.voucherCents >= e.priceCents;
  const latest = e.submissions.at(-1);
  const finished = e.status === 'completed' || e.status === 'closed';
  if (finished && e.certificate) {
    return { text: i18n.t(e.certificate.revoked ? 'student.next.revoked' : 'student.next.certificate') };
  }
  if (e.status === 'in_progress' && latest?.status === 'rejected') {
    return {
      text: i18n.t('student.next.rejected', { date: i18n.date(latest.submittedAt) }),
      reason: latest.reason ?? '',
      after: i18n.t('student.next.rejected.after'),
      rejected: true,
    };
  }
  if (e.status === 'ready_to_launch') {
    return { text: i18n.t(covered ? 'student.next.ready_to_launch.voucher' : 'student.next.ready_to_launch', { partner }) };
  }
  if (e.status === 'in_progress') return { text: i18n.t('student.next.in_progress', { partner }) };
  // What changes in seconds (a payment being confirmed, a certificate being issued): the page says it waits, and updates itself.
  if (e.status === 'pending_payment') return { text: i18n.t('student.next.pending_payment'), waiting: i18n.t('student.live.payment') };
  if (e.status === 'completed') return { text: i18n.t('student.next.completed'), waiting: i18n.t('student.live.certificate') };
  return { text: i18n.t(`student.next.${e.status}`) };
}

/** The script a waiting page updates itself with (console/assets/live-status.js). */
export const LIVE_STATUS_SCRIPT = '/assets/live-status.js';

/** Whether the voucher paid the whole price (the page then never says "Paid"). */
export const coveredByVoucher = (e: { priceCents: number; voucherCents: number }) => e.voucherCents > 0 && e.voucherCents >= e.priceCents;
