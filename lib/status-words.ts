import type { EnrollmentStatus } from '../workflows/messages';

/**
 * Each enrollment status as people say it, in one place for every page and email: to the student (what it means
 * for them) and to the staff who run the programs (program holders, funders, admins).
 */
export const STATUS_WORDS: Record<EnrollmentStatus, string> = {
  pending_payment: 'Waiting for payment',
  payment_expired: 'Payment window closed',
  ready_to_launch: 'Ready to launch',
  in_progress: 'In progress',
  awaiting_review: 'Proof under review',
  completed: 'Completed',
  closed: 'Completed and closed',
  withdrawn: 'Withdrawn',
  expired: 'Deadline passed',
};

export const STAFF_STATUS_WORDS: Record<EnrollmentStatus, string> = {
  ...STATUS_WORDS,
  payment_expired: 'Not paid in time',
  ready_to_launch: 'Paid, course not started',
  awaiting_review: 'Awaiting review',
  closed: 'Completed, certificate issued',
};

export const statusWords = (status: EnrollmentStatus): string => STATUS_WORDS[status];
