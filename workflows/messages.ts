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

export const COMPLETION_METHODS = ['manual', 'student_upload', 'partner_api', 'partner_push', 'xapi', 'csv_import', 'lti_ags'] as const;
export type CompletionMethod = (typeof COMPLETION_METHODS)[number];

/**
 * Statuses of an open enrollment: a student has at most one per program (a unique index in the database holds the same
 * list, and a test checks that the two agree).
 */
export const OPEN_STATUSES: readonly EnrollmentStatus[] = [
  'pending_payment',
  'ready_to_launch',
  'in_progress',
  'awaiting_review',
  'completed',
];
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
  /** A voucher that cannot fund this enrollment (unknown, another student's, expired, another program's). */
  voucherUnusable: 'VoucherUnusable',
  partnerUnavailable: 'PartnerUnavailable',
  /** A partner's answer that cannot be read; the workflow retries later, like an outage. */
  partnerGarbage: 'PartnerAnswerUnreadable',
  paymentProviderUnavailable: 'PaymentProviderUnavailable',
} as const;

/**
 * Why an enrollment cannot be opened: a voucher that cannot fund it (unknown, another student's, expired, another
 * program's or currency: `voucherUnusable`; used: `conflict`) or a second open enrollment in the program (`conflict`).
 * Bad input, answered to the student; never a failure of the workflow.
 */
export interface Refusal {
  type: typeof FailureType.voucherUnusable | typeof FailureType.conflict;
  message: string;
}

/**
 * The task queue of the outside calls someone waits on (launch at the partner, checkout, a withdrawal's refund and
 * transfer reversals): its own queue and slots, so an answer never queues behind the closing work (certificates,
 * emails, payouts) of other enrollments. The same worker process serves both queues. (The database writes an answer
 * waits for, such as the status projection, are local activities and need no queue.)
 */
export const interactiveTaskQueue = (taskQueue: string): string => `${taskQueue}-interactive`;

/** The task queue of a partner's API calls; its workers cap the rate at the partner's limit. */
export const partnerTaskQueue = (partnerId: string): string => `partner-${partnerId}`;

export interface PartnerPolling {
  taskQueue: string;
  intervalMs: number;
  /** After failed polls the interval doubles up to this. */
  maxIntervalMs: number;
}

export interface EnrollmentWorkflowInput {
  enrollmentId: string;
  programId: string;
  partnerId: string;
  /** The student's user id (their name and email stay in the database). */
  studentId: string;
  fundingSource: FundingSource;
  /** The program's price when the student enrolled: what the voucher and the checkout together must cover. */
  priceCents: number;
  currency: string;
  /** A funded enrollment's voucher, as the student typed it; the workflow's first step checks it against the registry. */
  voucherNumber?: string;
  paymentWindowMs: number;
  /** Days from the start of the wait for completion (payment or funding) until the enrollment expires. */
  deadlineDays?: number;
  /** Days from the start of the wait at which the student is reminded, while no completion has arrived. */
  nudgeDays?: number[];
  /** Share of the payment refunded on a withdrawal after launch (before launch: all of it). */
  refundAfterLaunchBps?: number;
  /** Absent when the partner has no completion API. */
  polling?: PartnerPolling;
  /** Present when the workflow continues as new: everything it had learned so far. */
  carried?: CarriedState;
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

/** A proof file in the file store: only its key and facts travel through the workflow, never the bytes. */
export interface ProofFile {
  fileKey: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

export interface MarkComplete {
  completedAt: string;
  markedBy: string;
  certificateUrl?: string;
  notes?: string;
  /** The certificate proof the holder uploaded, kept as the evidence of this completion. */
  proof?: ProofFile;
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
  proof?: ProofFile;
  reportedBy: string;
}

/** What the status query answers: the workflow's live view of one enrollment (ids and facts, no personal data). */
export interface EnrollmentState {
  enrollmentId: string;
  status: EnrollmentStatus;
  fundingSource: FundingSource;
  /** What the voucher covers of the price, and what the student pays at checkout (price minus voucher). */
  voucherCents?: number;
  amountDueCents?: number;
  checkoutUrl?: string;
  paidAt?: string;
  amountCents?: number;
  currency: string;
  launchedAt?: string;
  launchUrl?: string;
  completedAt?: string;
  completionMethod?: CompletionMethod;
  certificate?: { id: string; verificationCode: string };
  /** When the enrollment expires without a completion (set once the wait for completion starts). */
  deadlineAt?: string;
  submissions: SubmissionView[];
  history: StatusChange[];
  /** Set when the opening was refused: the workflow ended without an enrollment (no record, no status history). */
  refusal?: Refusal;
}

/** A completion reported by a partner (poll, push, xAPI) or an import; the first valid one is applied. */
export interface CompletionReport {
  method: Extract<CompletionMethod, 'partner_api' | 'partner_push' | 'xapi' | 'csv_import' | 'lti_ags'>;
  /** The channel's own id of the report (push id, statement id, CSV file and line): a retry is the same report. */
  reportId: string;
  completedAt: string;
  reportedBy: string;
  score?: number;
  evidenceUrl?: string;
}

export interface ReportOutcome {
  outcome: 'applied' | 'already_complete';
  status: EnrollmentStatus;
}

export interface WithdrawRequest {
  requestedBy: string;
  reason?: string;
}

export interface WithdrawResult {
  status: EnrollmentStatus;
  refundCents: number;
  currency: string;
}

/** What a workflow that continues as new carries over. */
export interface CarriedState {
  state: EnrollmentState;
  payment?: PaymentConfirmation;
  /** When the wait for completion began (ISO): deadline and nudges count from it. */
  waitStartedAt: string;
  nudgesSent: number[];
  pollIntervalMs?: number;
  nextPollAt?: string;
}

/** What a partner's completion API says about one enrollment. */
export type PartnerCompletionCheck = { completed: false } | { completed: true; completedAt: string; score?: number };

/** Statuses in which a withdrawal is possible, and those in which a completion report is taken. */
export const WITHDRAWABLE_STATUSES: readonly EnrollmentStatus[] = ['pending_payment', 'ready_to_launch', 'in_progress', 'awaiting_review'];
export const REPORTABLE_STATUSES: readonly EnrollmentStatus[] = [
  'ready_to_launch',
  'in_progress',
  'awaiting_review',
  'completed',
  'closed',
];

/** What the enrollment's record says once it is written: how it is funded and what the student still pays. */
export interface OpenedEnrollment {
  status: Extract<EnrollmentStatus, 'pending_payment' | 'ready_to_launch'>;
  voucherId?: string;
  voucherCents: number;
  amountDueCents: number;
}

export interface OpenResult {
  status: EnrollmentStatus;
  checkoutUrl?: string;
  amountDueCents: number;
}

export interface LaunchResult {
  launchUrl: string;
  launchedAt: string;
}

export const paymentConfirmedSignal = defineSignal<[PaymentConfirmation]>('paymentConfirmed');

/**
 * Sent with the workflow's start (update-with-start): answers once the enrollment's record is written (or refused:
 * a second open enrollment, a used or unusable voucher) and its checkout, if anything is due, is open.
 */
export const openEnrollmentUpdate = defineUpdate<OpenResult>('openEnrollment');
/** The update id of the opening update: a retried create of the same enrollment gets the same answer. */
export const openEnrollmentUpdateId = (enrollmentId: string): string => `open:${enrollmentId}`;
export const launchUpdate = defineUpdate<LaunchResult>('launch');
export const submitEvidenceUpdate = defineUpdate<SubmissionView, [EvidenceSubmission]>('submitEvidence');
export const approveSubmissionUpdate = defineUpdate<EnrollmentState, [SubmissionReview]>('approveSubmission');
export const rejectSubmissionUpdate = defineUpdate<EnrollmentState, [SubmissionReview & { reason: string }]>('rejectSubmission');
export const markCompleteUpdate = defineUpdate<EnrollmentState, [MarkComplete]>('markComplete');
/** Partner push, xAPI and CSV import: applied when first, kept as evidence when the enrollment is already complete. */
export const reportCompletionUpdate = defineUpdate<ReportOutcome, [CompletionReport]>('reportCompletion');
export const withdrawUpdate = defineUpdate<WithdrawResult, [WithdrawRequest]>('withdraw');

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
