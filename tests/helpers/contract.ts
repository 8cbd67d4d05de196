/**
 * The HTTP contract's response bodies as the tests read them, written from `../shared/docs/api.md` and not imported
 * from the API's code: when the API and this file disagree, the tests' expectations say which is right. Only the
 * fields the tests read are here; a body may carry more.
 */

/** An RFC 9457 problem (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export interface Created {
  id: string;
}

export interface OpenedEnrollment {
  enrollmentId: string;
  status: string;
  checkoutUrl?: string | null;
}

export interface Submission {
  id: string;
  status: string;
  completedAt: string | null;
  submittedAt?: string | null;
  reviewedAt?: string | null;
  reason?: string | null;
  fileUrl: string;
}

export interface EnrollmentState {
  enrollmentId: string;
  programId: string;
  studentId: string;
  status: string;
  fundingSource: string;
  price: { amountCents: number; currency: string };
  voucherCents: number | null;
  amountDueCents: number | null;
  checkoutUrl: string | null;
  paidAt: string | null;
  launchedAt: string | null;
  completedAt: string | null;
  completionMethod: string | null;
  closedAt: string | null;
  withdrawnAt: string | null;
  expiredAt: string | null;
  refund: { amountCents: number; currency: string; at: string } | null;
  createdAt: string;
  certificate: { id: string; verificationCode: string; revoked: boolean; pdfUrl: string; verifyUrl: string } | null;
  submissions: Submission[];
  history: { status: string; at: string }[];
  completionEvidence: {
    method: string;
    outcome: string;
    completedAt: string | null;
    reportedBy: string | null;
    score: number | null;
    evidenceUrl: string | null;
    receivedAt: string;
  }[];
}

export interface EnrollmentList {
  enrollments: (Pick<EnrollmentState, 'enrollmentId' | 'programId' | 'status'> & Record<string, unknown>)[];
  limit: number;
  offset: number;
}

export interface ReviewQueue {
  items: (Submission & { enrollmentId: string })[];
  limit: number;
  offset: number;
}

export interface SubmissionAccepted {
  submissionId: string;
  status: string;
}

/** The answer of a CSV import (completions or vouchers). */
export interface ImportReport {
  dryRun: boolean;
  rows: { line: number; outcome: string; message: string }[];
  summary: Record<string, number>;
}

export interface ApiKey {
  id: string;
  apiKey: string;
}

export interface Program {
  id: string;
  title: string;
  partnerId: string;
  priceCents: number;
  currency: string;
  holderId: string;
  credentialType: string;
  deadlineDays: number;
  moveOn: string;
}

export interface Voucher {
  id: string;
  number: string;
  status: string;
  organizationId: string;
  enrollmentId: string | null;
  [field: string]: unknown;
}

export interface FundedEnrollment {
  enrollmentId: string;
  status: string;
  [field: string]: unknown;
}

export interface RevenueShareEntry {
  enrollmentId: string;
  party: 'platform' | 'holder' | 'partner';
  amountCents: number;
  currency: string;
  [field: string]: unknown;
}

export interface TutorReply {
  conversationId: string;
  reply: string;
  usage?: unknown;
}

export interface Conversation {
  id: string;
  messages: { role: string; content: string }[];
  [field: string]: unknown;
}

export interface Verification {
  status: 'valid' | 'revoked';
  revocationReason?: string;
  revokedAt?: string;
  [field: string]: unknown;
}

export interface Readiness {
  status: string;
  checks: Record<string, unknown>;
}
