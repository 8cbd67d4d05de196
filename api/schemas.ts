import { z } from 'zod';
import { COMPLETION_METHODS, ENROLLMENT_STATUSES, FUNDING_SOURCES } from '../workflows/messages';

/** Request schemas, shared by the routes (validation) and /openapi.json (documentation). */
export const id = z.guid('must be a UUID');
export const idParam = (name: string) => z.object({ [name]: id });

/** A calendar date or an instant, not in the future (a completion cannot be reported ahead of time). */
export const completedAt = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO 8601 date or date-time' })
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v).toISOString())
  .refine((v) => new Date(v).getTime() <= Date.now() + 24 * 3_600_000, 'cannot be in the future');

export const createProgramBody = z.object({
  title: z.string().trim().min(1).max(200),
  partnerId: z.string().min(1).max(64),
  partnerCourseId: z.string().min(1).max(200).optional(),
  priceCents: z.number().int().min(0).max(10_000_000),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as usd').transform((c) => c.toLowerCase()),
  holderId: z.string().min(1).max(200),
  revenueShare: z
    .object({ platformBps: z.number().int().min(0), holderBps: z.number().int().min(0), partnerBps: z.number().int().min(0) })
    .refine((r) => r.platformBps + r.holderBps + r.partnerBps === 10_000, 'basis points must sum to 10000'),
  credentialType: z.enum(['occupational_certification', 'occupational_certificate', 'occupational_licensure', 'other']),
  deadlineDays: z.number().int().min(1).max(3650),
  moveOn: z.enum(['Completed', 'Passed', 'CompletedAndPassed', 'CompletedOrPassed']).default('CompletedOrPassed'),
});

export const createEnrollmentBody = z
  .object({
    programId: id,
    fundingSource: z.enum(FUNDING_SOURCES),
    voucherNumber: z.string().trim().min(1).max(100).optional(),
  })
  .refine((b) => b.fundingSource === 'self_pay' || b.voucherNumber, { path: ['voucherNumber'], message: 'required when the enrollment is funded' });

export const listEnrollmentsQuery = z.object({
  status: z.enum(ENROLLMENT_STATUSES).optional(),
  programId: id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const submissionFields = z.object({ completedAt });

export const reviewQueueQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected']).default('pending'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const rejectBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) });

export const markCompleteBody = z.object({
  enrollmentId: id,
  completedAt,
  certificateUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  notes: z.string().max(2000).optional(),
});

export { COMPLETION_METHODS };
