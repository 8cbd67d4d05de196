import type { EnrollmentActivities } from '../../activities';

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
    recordEnrollmentStatus: async () => undefined,
    // Like the database: a funded enrollment's voucher covers the whole price unless a test says otherwise.
    openEnrollmentRecord: async (r) =>
      r.fundingSource === 'self_pay'
        ? { status: 'pending_payment', voucherCents: 0, amountDueCents: r.priceCents }
        : { status: 'ready_to_launch', voucherId: `voucher-${r.voucherNumber}`, voucherCents: r.priceCents, amountDueCents: 0 },
    discardEnrollmentRecord: async () => undefined,
    releaseVoucher: async () => undefined,
    openCheckout: async (r) => ({ providerRef: `cs_test_${r.enrollmentId}`, checkoutUrl: `https://checkout.test/${r.enrollmentId}` }),
    recordPayment: async () => undefined,
    launchAtPartner: async ({ enrollmentId }) => ({ launchUrl: `https://partner.test/launch/${enrollmentId}` }),
    checkPartnerCompletion: async () => ({ completed: false as const }),
    recordSubmission: async () => undefined,
    recordSubmissionReview: async () => undefined,
    issueCertificate: async ({ enrollmentId }) => ({ id: `cert-${enrollmentId}`, verificationCode: 'TEST-CODE-0001' }),
    sendCompletionEmail: async () => 'sent' as const,
    sendSubmissionRejectedEmail: async () => 'sent' as const,
    recordWioaOutcome: async () => undefined,
    recordRevenueShare: async ({ basisCents }) => ({ platform: basisCents, holder: 0, partner: 0 }),
    reverseRevenueShare: async () => 0,
    transferShares: async () => ({ transfers: [], skipped: [] }),
    reverseTransfers: async () => [],
    recordCompletionEvidence: async () => undefined,
    sendNudgeEmail: async () => 'sent' as const,
    recordWioaExit: async () => undefined,
    refundPayment: async ({ amountCents }) => ({ refundRef: 'refund-test', amountCents }),
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
