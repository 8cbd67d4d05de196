import { z } from 'zod';
import { FUNDING_SOURCES } from '../../workflows/messages';
import { enrollmentMilestones } from '../enrollments/schemas';
import {
  calendarDay,
  cents,
  currencyCode,
  dollarsAsCents,
  enrollmentStatus,
  exportFormat,
  id,
  importSummary,
  instant,
  listQuery,
  money,
  named,
  page,
  uuid,
  withoutBlanks,
} from '../../core/schemas';

const today = () => new Date().toISOString().slice(0, 10);

/** What a voucher may cover, in cents. */
export const VOUCHER_MAX_CENTS = 10_000_000;

/** A voucher's fields but its amount: shared by the JSON body, a CSV row and the console's form. */
const voucherShape = {
  number: z.string().trim().min(1).max(100),
  fundingSource: z.enum(['wioa_ita', 'sponsor']),
  studentEmail: z
    .email()
    .transform((e) => e.toLowerCase())
    .optional(),
  studentId: z.string().trim().min(1).max(200).optional(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as usd')
    .transform((c) => c.toLowerCase()),
  expiresOn: calendarDay.refine((d) => d >= today(), 'is in the past'),
  programId: id.optional(),
  /** Only an admin names the organization; a funder's is its own. */
  organizationId: z.string().trim().min(1).max(200).optional(),
};
/** A voucher names its student by email or by user id. */
const namesItsStudent = (v: { studentEmail?: string; studentId?: string }) => v.studentEmail !== undefined || v.studentId !== undefined;
const studentRequired = {
  path: ['studentEmail'],
  message: 'studentEmail or studentId is required',
  // Checked even when other fields are bad, so one answer names every missing field.
  when: ({ value }: { value: unknown }) => typeof value === 'object' && value !== null,
};

/** A voucher as a funder issues it (JSON body or CSV row). */
export const voucherFields = z
  .object({ ...voucherShape, amountCents: z.number().int().min(1).max(VOUCHER_MAX_CENTS) })
  .refine(namesItsStudent, studentRequired);
export type VoucherFields = z.output<typeof voucherFields>;

/**
 * The console's Issue voucher form: the same fields, blank ones absent, the amount in dollars (`amount`, converted
 * to cents exactly).
 */
export const voucherForm = z.preprocess(
  withoutBlanks,
  z
    .object({
      ...voucherShape,
      amount: dollarsAsCents.pipe(
        z
          .number()
          .min(1, 'must be at least 0.01')
          .max(VOUCHER_MAX_CENTS, `at most ${(VOUCHER_MAX_CENTS / 100).toLocaleString('en-US')}.00`),
      ),
    })
    // The form has one field for the student: say what to type there.
    .refine(namesItsStudent, {
      path: studentRequired.path,
      message: 'enter the email address of the student the voucher is for',
      when: studentRequired.when,
    })
    .transform(({ amount, ...v }): VoucherFields => ({ ...v, amountCents: amount })),
);

/** The funded enrollments: a page of them as JSON, or (`format=csv`) all of them as a CSV download. */
export const fundedEnrollmentsQuery = listQuery.extend({ format: exportFormat });

export const issuedVoucherResponse = named('IssuedVoucher', z.object({ id: uuid, organizationId: z.string() }));
const VOUCHER_ROW_OUTCOMES = ['issued', 'already_issued', 'invalid'] as const;
export const voucherImportResponse = named(
  'VoucherImport',
  z.object({
    dryRun: z.boolean(),
    rows: z.array(
      z.object({ line: z.number().int().min(2), outcome: z.enum(VOUCHER_ROW_OUTCOMES), message: z.string(), voucherId: uuid.optional() }),
    ),
    summary: importSummary(VOUCHER_ROW_OUTCOMES),
  }),
);

export const voucherListResponse = named(
  'VoucherList',
  z.object({
    vouchers: z.array(
      z.object({
        id: uuid,
        organizationId: z.string(),
        number: z.string(),
        fundingSource: z.enum(['wioa_ita', 'sponsor']),
        studentId: z.string().nullable(),
        studentEmail: z.string().nullable(),
        amountCents: cents,
        currency: currencyCode,
        expiresOn: z.iso.date(),
        programId: uuid.nullable(),
        programTitle: z.string().nullable(),
        status: z.enum(['issued', 'used', 'released', 'expired']),
        enrollmentId: uuid.nullable(),
        fundedEnrollment: z
          .object({ id: uuid, status: enrollmentStatus, programTitle: z.string(), studentName: z.string().nullable() })
          .nullable(),
        createdAt: instant,
      }),
    ),
    ...page,
  }),
);

export const fundedEnrollmentListResponse = named(
  'FundedEnrollmentList',
  z.object({
    enrollments: z.array(
      z.object({
        enrollmentId: uuid,
        status: enrollmentStatus,
        fundingSource: z.enum(FUNDING_SOURCES),
        programId: uuid,
        programTitle: z.string(),
        student: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
        voucher: z.object({ id: uuid, number: z.string(), organizationId: z.string(), coveredCents: cents, released: z.boolean() }),
        price: money,
        coPayCents: cents.nullable(),
        enrolledAt: instant,
        ...enrollmentMilestones,
        credential: z.object({ certificateId: uuid, verificationCode: z.string(), issuedAt: instant, revoked: z.boolean() }).nullable(),
        wioa: z.object({
          exitDate: z.iso.date().nullable(),
          credentialType: z.string().nullable(),
          credentialDate: z.iso.date().nullable(),
        }),
      }),
    ),
    ...page,
  }),
);
