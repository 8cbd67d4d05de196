import type { EnrollmentStatus } from '../workflows/messages';

/** Each enrollment status as people say it: the one mapping every page and email uses. */
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

export const statusWords = (status: EnrollmentStatus): string => STATUS_WORDS[status];
