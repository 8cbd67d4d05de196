import { randomUUID } from 'node:crypto';
import type { EnrollmentWorkflowInput, EvidenceSubmission, PaymentConfirmation } from '../../workflows/messages';

export function workflowInput(overrides: Partial<EnrollmentWorkflowInput> = {}): EnrollmentWorkflowInput {
  return {
    enrollmentId: randomUUID(),
    programId: randomUUID(),
    partnerId: 'demo',
    studentId: randomUUID(),
    fundingSource: 'self_pay',
    priceCents: 14_900,
    currency: 'usd',
    paymentWindowMs: 72 * 3_600_000,
    ...overrides,
  };
}

/** What the Stripe webhook signals for a paid Checkout Session: `amountCents` in `currency`, paid now unless `paidAt`. */
export function stripePayment(
  providerRef: string,
  amountCents: number,
  currency = 'usd',
  paidAt = new Date().toISOString(),
): PaymentConfirmation {
  return { provider: 'stripe', providerRef, amountCents, currency, paidAt };
}

/** A student's upload as the API passes it to the workflow: a PDF completed now, a new submission id; `overrides` win. */
export function evidenceSubmission(overrides: Partial<EvidenceSubmission> = {}): EvidenceSubmission {
  const submissionId = overrides.submissionId ?? randomUUID();
  return {
    submissionId,
    fileKey: `evidence/${submissionId}.pdf`,
    contentType: 'application/pdf',
    sizeBytes: 2048,
    sha256: 'b'.repeat(64),
    completedAt: new Date().toISOString(),
    studentId: 'student-1',
    ...overrides,
  };
}
