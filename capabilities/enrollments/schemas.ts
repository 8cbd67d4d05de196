import { z } from 'zod';
import { COMPLETION_METHODS, ENROLLMENT_STATUSES, FUNDING_SOURCES } from '../../workflows/messages';
import {
  LTI_SCORE_OUTCOMES,
  cents,
  count,
  currencyCode,
  enrollmentStatus,
  httpUrl,
  id,
  instant,
  money,
  named,
  page,
  queryInteger,
  submissionStatus,
  uuid,
} from '../../core/schemas';

/** When an enrollment reached each of its milestones (null until it has), as every answer about an enrollment says it. */
export const enrollmentMilestones = {
  launchedAt: instant.nullable(),
  completedAt: instant.nullable(),
  completionMethod: z.enum(COMPLETION_METHODS).nullable(),
  closedAt: instant.nullable(),
  withdrawnAt: instant.nullable(),
  expiredAt: instant.nullable(),
};

export const createEnrollmentBody = z
  .object({
    programId: id,
    fundingSource: z.enum(FUNDING_SOURCES),
    voucherNumber: z.string().trim().min(1).max(100).optional(),
  })
  .refine((b) => b.fundingSource === 'self_pay' || b.voucherNumber, {
    path: ['voucherNumber'],
    message: 'required when the enrollment is funded',
  });

export const listEnrollmentsQuery = z.object({
  status: z.enum(ENROLLMENT_STATUSES).optional(),
  programId: id.optional(),
  /** Part of the student's name or email, any case. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

/** Where a checkout sends the student back: Stripe's success and cancel URLs carry both. */
/** Where a checkout sends the student back: any query answers the page (a mangled id links to My enrollments instead). */
export const checkoutReturnQuery = z.object({
  enrollmentId: z
    .string()
    .optional()
    .transform((v) => (id.safeParse(v).success ? v : undefined)),
  result: z
    .string()
    .optional()
    .transform((v) => (v === 'paid' ? ('paid' as const) : ('cancelled' as const))),
});

export const withdrawBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() });

export const openedEnrollmentResponse = named(
  'OpenedEnrollment',
  z.object({
    enrollmentId: uuid,
    status: enrollmentStatus,
    checkoutUrl: httpUrl.optional().describe('Where the student pays what the voucher does not cover (pending_payment)'),
    amountDueCents: cents,
  }),
);

const submissionResponse = named(
  'Submission',
  z.object({
    id: uuid,
    status: submissionStatus,
    completedAt: instant,
    submittedAt: instant,
    reviewedAt: instant.nullable(),
    reason: z.string().nullable(),
    fileUrl: httpUrl,
    fileDeletedAt: instant
      .nullable()
      .describe('When the retention policy or an erasure deleted the file (its link then answers 404); null while it is kept'),
  }),
);

export const enrollmentResponse = named(
  'Enrollment',
  z.object({
    enrollmentId: uuid,
    programId: uuid,
    programTitle: z.string(),
    studentId: z.string(),
    studentName: z.string().nullable(),
    studentEmail: z.string().nullable(),
    status: enrollmentStatus,
    fundingSource: z.enum(FUNDING_SOURCES),
    price: money,
    voucherCents: cents,
    amountDueCents: cents.nullable(),
    checkoutUrl: httpUrl.nullable(),
    paidAt: instant.nullable(),
    ...enrollmentMilestones,
    deadlineAt: instant.nullable(),
    refund: z.object({ amountCents: cents, currency: currencyCode, at: instant }).nullable(),
    createdAt: instant,
    certificate: z.object({ id: uuid, verificationCode: z.string(), revoked: z.boolean(), pdfUrl: httpUrl, verifyUrl: httpUrl }).nullable(),
    submissions: z.array(submissionResponse),
    history: z.array(z.object({ status: enrollmentStatus, at: instant })),
    completionEvidence: z.array(
      z.object({
        method: z.enum(COMPLETION_METHODS),
        outcome: z.enum(['applied', 'already_complete']),
        completedAt: instant,
        reportedBy: z.string(),
        score: z.number().nullable(),
        evidenceUrl: z.string().nullable(),
        notes: z.string().nullable(),
        proofUrl: httpUrl.nullable(),
        proofDeletedAt: instant
          .nullable()
          .describe('When the retention policy or an erasure deleted the proof file; null while it is kept or there is none'),
        receivedAt: instant,
      }),
    ),
    ltiScores: z
      .array(
        z.object({
          scoreGiven: z.number().nullable(),
          scoreMaximum: z.number().nullable(),
          activityProgress: z.string(),
          gradingProgress: z.string(),
          outcome: z.enum(LTI_SCORE_OUTCOMES),
          timestamp: instant,
          receivedAt: instant,
        }),
      )
      .describe('Every score its LTI tool posted (AGS), oldest first'),
  }),
);

export const enrollmentListResponse = named(
  'EnrollmentList',
  z.object({
    enrollments: z.array(
      z.object({
        enrollmentId: uuid,
        programId: uuid,
        programTitle: z.string(),
        studentName: z.string().nullable(),
        studentEmail: z.string().nullable(),
        fundingSource: z.enum(FUNDING_SOURCES),
        status: enrollmentStatus,
        paidAt: instant.nullable(),
        launchedAt: instant.nullable(),
        deadlineAt: instant.nullable(),
        completedAt: instant.nullable(),
        completionMethod: z.enum(COMPLETION_METHODS).nullable(),
        createdAt: instant,
      }),
    ),
    total: count,
    ...page,
  }),
);

export const withdrawnResponse = named(
  'Withdrawn',
  z.object({ enrollmentId: uuid, status: enrollmentStatus, refundCents: cents, currency: currencyCode }),
);

export const stripeEventReceiptResponse = named(
  'StripeEventReceipt',
  z.object({
    received: z.literal(true),
    applied: z.boolean(),
    reason: z.string().optional().describe('Why the event changed nothing'),
    check: z.string().optional(),
  }),
);
