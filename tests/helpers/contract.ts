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
  reason: string | null;
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

export interface ProgramList {
  programs: Program[];
}

export interface PartnerList {
  partners: { id: string; name: string }[];
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, unknown>;
}

/** A partner's completion push (202). */
export interface CompletionReceipt {
  enrollmentId: string;
  reportId: string;
  outcome: string;
  status: string;
}

/** What `POST /api/webhooks/stripe` answers an event it verified. */
export interface WebhookReceipt {
  received: boolean;
  applied: boolean;
  reason?: string;
}

/** A submission approved or rejected: the enrollment's status after it. */
export interface Reviewed {
  submissionId: string;
  enrollmentId: string;
  status: string;
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

/** `POST /api/vouchers`: api.md names `{ id }`; the organization it was issued for comes with it. */
export type IssuedVoucher = Created & { organizationId: string };

export interface VoucherList {
  vouchers: Voucher[];
  limit: number;
  offset: number;
}

export interface FundedEnrollmentList {
  enrollments: FundedEnrollment[];
  limit: number;
  offset: number;
}

export interface FundedEnrollment {
  enrollmentId: string;
  status: string;
  [field: string]: unknown;
}

export interface RevenueShareEntry {
  enrollmentId: string;
  programId: string;
  party: 'platform' | 'holder' | 'partner';
  partyId: string;
  entryType: string;
  amountCents: number;
  currency: string;
  createdAt: string;
}

type PartyCents = Record<RevenueShareEntry['party'], number>;

/** `GET /api/reports/revenue-share` as JSON: the entries, and per currency totals that reconcile with what was collected. */
export interface RevenueShareReport {
  from: string;
  to: string;
  entries: RevenueShareEntry[];
  totals: Record<
    string,
    {
      collectedCents: number;
      paidCents: number;
      refundedCents: number;
      sharesCents: number;
      differenceCents: number;
      reconciled: boolean;
      byParty: PartyCents;
      byProgram: {
        programId: string;
        title: string;
        collectedCents: number;
        sharesCents: number;
        byParty: PartyCents;
        reconciled: boolean;
      }[];
    }
  >;
  reconciled: boolean;
  reconciliation: string;
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
  holder: string;
  partnerCertificateUrl?: string;
  revocationReason?: string;
  revokedAt?: string;
  [field: string]: unknown;
}

/** The name a certificate's public verification shows, as its student chose (GET/PUT /api/certificates/:id/public-name). */
export interface CertificatePublicName {
  certificateId: string;
  show: 'full' | 'initials';
  holder: string;
  options: { full: string; initials: string };
  setAt: string | null;
  verifyUrl: string;
}

/** A student's consent to sending tutor messages to the model provider (GET /api/me/tutor-consent). */
export interface TutorConsent {
  consented: boolean;
  givenAt: string | null;
  noticeVersion: string | null;
  withdrawnAt: string | null;
  notice: { version: string; provider: string; sent: string[]; notSent: string[] };
}

export interface Readiness {
  status: string;
  checks: Record<string, unknown>;
}

/** xAPI 1.0.3: a statement as the LRS serves it (what was sent, with `id`, `stored`, `authority`, `version` and `timestamp`). */
export interface XapiStatement {
  id: string;
  actor: Record<string, unknown>;
  verb: { id: string; display?: Record<string, string> };
  object: Record<string, unknown>;
  stored: string;
  timestamp: string;
  version: string;
  authority: Record<string, unknown>;
  [property: string]: unknown;
}

/** xAPI 1.0.3: GET /xapi/statements without an id; `more` is the relative URL of the next page, empty when none. */
export interface XapiStatementResult {
  statements: XapiStatement[];
  more: string;
}

/** xAPI 1.0.3: GET /xapi/about. */
export interface XapiAbout {
  version: string[];
}

// ── Webhooks (the contract's "Webhooks"; more fields are ours) ───────────────────────────────────────────

/** `POST /api/webhook-endpoints` → 201: the id and the Standard Webhooks secret, shown once. */
export interface WebhookEndpointCreated {
  id: string;
  secret: string;
  [field: string]: unknown;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  [field: string]: unknown;
}

export interface WebhookAttempt {
  at: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** `GET /api/webhook-endpoints/:id/deliveries`: each event and every attempt. */
export interface WebhookDeliveryList {
  deliveries: {
    id: string;
    eventId: string;
    webhookId: string;
    type: string;
    enrollmentId: string;
    status: 'pending' | 'delivered' | 'failed';
    payload: { type: string; timestamp: string; data: { enrollmentId: string; status: string } & Record<string, unknown> };
    replays: number;
    attempts: WebhookAttempt[];
  }[];
}

/** One entry of `GET /api/me/disclosures` and `GET /api/students/:studentId/disclosures` (api.md, "Privacy"). */
export interface Disclosure {
  at: string;
  actor: { id: string; role: string; name: string; organizationId?: string };
  /** What was read. */
  record: unknown;
  purpose: string;
  /** True when it left the platform. */
  disclosure: boolean;
}

/** A page of a student's access and disclosure log, newest first (paged with `limit` and `offset`). */
export interface DisclosureList {
  items: Disclosure[];
  limit: number;
  offset: number;
}

/** api.md, Privacy: a student's data export. */
export interface DataExport {
  id: string;
  status: 'pending' | 'ready' | 'expired';
  downloadUrl?: string;
  expiresAt?: string;
}

/** api.md, Privacy: an erasure request; once completed, what was erased and what is kept (basis, until). */
export interface ErasureRequest {
  id: string;
  studentId: string;
  status: 'requested' | 'rejected' | 'approved' | 'completed';
  reason?: string;
  erased?: { what: string; count: number }[];
  kept?: { what: string; count: number; basis: string; until: string | null }[];
}

export interface ErasureRequestList {
  requests: ErasureRequest[];
  total: number;
}
