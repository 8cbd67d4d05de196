import { ApplicationFailure } from '@temporalio/common';
import type { EnrollmentActivities } from '../../activities';
import { FailureType } from '../../workflows/messages';
import { ERASURE_STEPS, type ErasureStep } from '../../workflows/privacy-messages';

export interface Call {
  name: keyof EnrollmentActivities;
  arg: unknown;
}

/**
 * Activities of the same type the factory builds, answering like the real ones without any outside service,
 * recording every call so tests can assert what the workflow asked for and how often.
 */
export function fakeActivities(overrides: Partial<EnrollmentActivities> = {}) {
  const calls: Call[] = [];
  const base: EnrollmentActivities = {
    recordEnrollmentStatus: () => Promise.resolve(undefined),
    // Like the database: a funded enrollment's voucher covers the whole price unless a test says otherwise.
    openEnrollmentRecord: (r) =>
      Promise.resolve(
        r.fundingSource === 'self_pay'
          ? { status: 'pending_payment', voucherCents: 0, amountDueCents: r.priceCents }
          : { status: 'ready_to_launch', voucherId: `voucher-${r.voucherNumber}`, voucherCents: r.priceCents, amountDueCents: 0 },
      ),
    discardEnrollmentRecord: () => Promise.resolve(undefined),
    releaseVoucher: () => Promise.resolve(undefined),
    openCheckout: (r) =>
      Promise.resolve({ providerRef: `cs_test_${r.enrollmentId}`, checkoutUrl: `https://checkout.test/${r.enrollmentId}` }),
    recordPayment: () => Promise.resolve(undefined),
    launchAtPartner: ({ enrollmentId }) => Promise.resolve({ launchUrl: `https://partner.test/launch/${enrollmentId}` }),
    checkPartnerCompletion: () => Promise.resolve({ completed: false as const }),
    recordSubmission: () => Promise.resolve(undefined),
    recordSubmissionReview: () => Promise.resolve(undefined),
    issueCertificate: ({ enrollmentId }) => Promise.resolve({ id: `cert-${enrollmentId}`, verificationCode: 'TEST-CODE-0001' }),
    sendEnrolledEmail: () => Promise.resolve('sent' as const),
    sendPaymentReceivedEmail: () => Promise.resolve('sent' as const),
    sendCompletionEmail: () => Promise.resolve('sent' as const),
    sendSubmissionRejectedEmail: () => Promise.resolve('sent' as const),
    recordWioaOutcome: () => Promise.resolve(undefined),
    recordRevenueShare: ({ basisCents }) => Promise.resolve({ platform: basisCents, holder: 0, partner: 0 }),
    reverseRevenueShare: () => Promise.resolve(0),
    transferShares: () => Promise.resolve({ transfers: [], skipped: [] }),
    reverseTransfers: () => Promise.resolve([]),
    recordCompletionEvidence: () => Promise.resolve(undefined),
    sendNudgeEmail: () => Promise.resolve('sent' as const),
    recordWioaExit: () => Promise.resolve(undefined),
    refundPayment: ({ amountCents }) => Promise.resolve({ refundRef: 'refund-test', amountCents }),
    sendReviewDigests: () => Promise.resolve({ sent: 0, failed: 0 }),
    buildDataExport: () => Promise.resolve({ status: 'ready' as const, expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() }),
    sendDataExportReadyEmail: () => Promise.resolve('sent' as const),
    expireDataExport: () => Promise.resolve({ removed: true }),
    beginErasure: () => Promise.resolve({ status: 'under_way' }),
    ...(Object.fromEntries(ERASURE_STEPS.map((step) => [step, () => Promise.resolve({ step, records: 0 })])) as Record<
      ErasureStep,
      () => Promise<{ step: ErasureStep; records: number }>
    >),
    completeErasure: ({ requestId }) => Promise.resolve({ requestId, erased: 0, kept: 0 }),
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(base).map(([name, fn]) => [
      name,
      (arg: unknown) => {
        calls.push({ name: name as keyof EnrollmentActivities, arg });
        return (fn as (a: unknown) => unknown)(arg);
      },
    ]),
  ) as unknown as EnrollmentActivities;
  const callsOf = <K extends keyof EnrollmentActivities>(name: K) =>
    calls.filter((c) => c.name === name).map((c) => c.arg as Parameters<EnrollmentActivities[K]>[0]);
  return { activities: recorded, calls, callsOf };
}

/** An enrollment record whose voucher covers `voucherCents` of the price: the rest is a co-pay, due at checkout. */
export const coPaidRecord =
  (voucherCents: number): EnrollmentActivities['openEnrollmentRecord'] =>
  (r) =>
    Promise.resolve({ status: 'pending_payment', voucherId: 'v-1', voucherCents, amountDueCents: r.priceCents - voucherCents });

/** An enrollment record refused as the database refuses an unknown voucher: a non-retryable voucherUnusable failure. */
export const unusableVoucherRecord: EnrollmentActivities['openEnrollmentRecord'] = () =>
  Promise.reject(ApplicationFailure.nonRetryable('no usable voucher with this number is registered for you', FailureType.voucherUnusable));

/** An enrollment record refused by the unique index of open enrollments, as when two creates race past the API's check. */
export const secondOpenEnrollmentRecord: EnrollmentActivities['openEnrollmentRecord'] = () =>
  Promise.reject(ApplicationFailure.nonRetryable('you already have an open enrollment in this program: e-first', FailureType.conflict));
