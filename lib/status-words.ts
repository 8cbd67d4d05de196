import type { EnrollmentStatus } from '../workflows/messages';
import { translator, type Translator } from './i18n';

/**
 * Each enrollment status as people say it, in one place for every page and email: to the student (what it means
 * for them, in their language: the catalog's `status.*`) and to the staff who run the programs (program holders,
 * funders, admins; English).
 */
export const statusWordsIn = (i18n: Translator, status: EnrollmentStatus): string => i18n.t(`status.${status}`);

const english = translator('en');
export const STATUS_WORDS: Record<EnrollmentStatus, string> = {
  pending_payment: statusWordsIn(english, 'pending_payment'),
  payment_expired: statusWordsIn(english, 'payment_expired'),
  ready_to_launch: statusWordsIn(english, 'ready_to_launch'),
  in_progress: statusWordsIn(english, 'in_progress'),
  awaiting_review: statusWordsIn(english, 'awaiting_review'),
  completed: statusWordsIn(english, 'completed'),
  closed: statusWordsIn(english, 'closed'),
  withdrawn: statusWordsIn(english, 'withdrawn'),
  expired: statusWordsIn(english, 'expired'),
};

export const STAFF_STATUS_WORDS: Record<EnrollmentStatus, string> = {
  ...STATUS_WORDS,
  payment_expired: 'Not paid in time',
  ready_to_launch: 'Paid, course not started',
  awaiting_review: 'Awaiting review',
  closed: 'Completed, certificate issued',
};

export const statusWords = (status: EnrollmentStatus): string => STATUS_WORDS[status];
