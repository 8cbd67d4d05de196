/**
 * The enrollment workflow's contract: ids, statuses, inputs and every signal, update and query.
 * The API, the workflow and the tests import these same definitions.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const enrollmentWorkflowId = (enrollmentId: string): string => `enrollment:${enrollmentId}`;

export const ENROLLMENT_STATUSES = [
  'pending_payment',
  'payment_expired',
  'ready_to_launch',
  'in_progress',
  'awaiting_review',
  'completed',
  'closed',
  'withdrawn',
  'expired',
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export const FUNDING_SOURCES = ['self_pay', 'wioa_ita', 'sponsor'] as const;
export type FundingSource = (typeof FUNDING_SOURCES)[number];

export const COMPLETION_METHODS = ['manual', 'student_upload', 'partner_api', 'partner_push', 'xapi', 'csv_import'] as const;
export type CompletionMethod = (typeof COMPLETION_METHODS)[number];

/** Statuses from which a student may open the partner's course. */
export const LAUNCHABLE_STATUSES: readonly EnrollmentStatus[] = ['ready_to_launch', 'in_progress', 'awaiting_review', 'completed'];
/** Statuses in which a program holder may mark the enrollment complete. */
export const MARKABLE_STATUSES: readonly EnrollmentStatus[] = ['ready_to_launch', 'in_progress', 'awaiting_review'];
export const MAX_SUBMISSIONS = 20;

/** Failure types raised by update validators; the API maps each to one HTTP status. */
export const FailureType = {
  conflict: 'EnrollmentStateConflict',
  notFound: 'EnrollmentItemNotFound',
  invalid: 'EnrollmentInvalidRequest',
  partnerUnavailable: 'PartnerUnavailable',
  paymentProviderUnavailable: 'PaymentProviderUnavailable',
} as const;

export interface EnrollmentWorkflowInput {
  enrollmentId: string;
  programId: string;
  partnerId: string;
  fundingSource: FundingSource;
  /** The program's price when the student enrolled: what a checkout must collect, or what a voucher funds. */
  priceCents: number;
  currency: string;
  voucherNumber?: string;
  paymentWindowMs: number;
}

export interface PaymentConfirmation {
  provider: 'stripe' | 'simulated';
  /** The provider's id of the payment (a Checkout Session id); retries of the same confirmation carry the same id. */
  providerRef: string;
  amountCents: number;
  currency: string;
  paidAt: string;
}

export interface EvidenceSubmission {
  submissionId: string;
  fileKey: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  completedAt: string;
  studentId: string;
}

export interface SubmissionReview {
  submissionId: string;
  reviewerId: string;
}

export interface MarkComplete {
  completedAt: string;
  markedBy: string;
  certificateUrl?: string;
  notes?: string;
}

export interface SubmissionView {
  id: string;
  status: 'pending' | 'approved' | 'rejected';
  completedAt: string;
  submittedAt: string;
  reason?: string;
}

export interface StatusChange {
  status: EnrollmentStatus;
  at: string;
}

export interface Completion {
  method: CompletionMethod;
  completedAt: string;
  submissionId?: string;
  certificateUrl?: string;
  notes?: string;
  reportedBy: string;
}

/** What the status query answers: the workflow's live view of one enrollment (ids and facts, no personal data). */
export interface EnrollmentState {
  enrollmentId: string;
  status: EnrollmentStatus;
  fundingSource: FundingSource;
  checkoutUrl?: string;
  paidAt?: string;
  amountCents?: number;
  currency: string;
  launchedAt?: string;
  launchUrl?: string;
  completedAt?: string;
  completionMethod?: CompletionMethod;
  certificate?: { id: string; verificationCode: string };
  submissions: SubmissionView[];
  history: StatusChange[];
}

export interface CheckoutResult {
  status: EnrollmentStatus;
  checkoutUrl?: string;
}

export interface LaunchResult {
  launchUrl: string;
  launchedAt: string;
}

export const paymentConfirmedSignal = defineSignal<[PaymentConfirmation]>('paymentConfirmed');

/** Sent with the workflow's start (update-with-start) so the API can answer with the checkout URL. */
export const openCheckoutUpdate = defineUpdate<CheckoutResult>('openCheckout');
export const launchUpdate = defineUpdate<LaunchResult>('launch');
export const submitEvidenceUpdate = defineUpdate<SubmissionView, [EvidenceSubmission]>('submitEvidence');
export const approveSubmissionUpdate = defineUpdate<EnrollmentState, [SubmissionReview]>('approveSubmission');
export const rejectSubmissionUpdate = defineUpdate<EnrollmentState, [SubmissionReview & { reason: string }]>('rejectSubmission');
export const markCompleteUpdate = defineUpdate<EnrollmentState, [MarkComplete]>('markComplete');

export const statusQuery = defineQuery<EnrollmentState>('status');

export const searchAttributes = {
  status: defineSearchAttributeKey('EnrollmentStatus', SearchAttributeType.KEYWORD),
  programId: defineSearchAttributeKey('ProgramId', SearchAttributeType.KEYWORD),
  partnerId: defineSearchAttributeKey('PartnerId', SearchAttributeType.KEYWORD),
  fundingSource: defineSearchAttributeKey('FundingSource', SearchAttributeType.KEYWORD),
  completionMethod: defineSearchAttributeKey('CompletionMethod', SearchAttributeType.KEYWORD),
};
/** The names the Temporal server must know (`--search-attribute Name=Keyword`). */
export const SEARCH_ATTRIBUTE_NAMES = Object.values(searchAttributes).map((k) => k.name);
