import { z } from 'zod';
import {
  CREDENTIAL_TYPES,
  DEFAULT_MOVE_ON,
  DEFAULT_TRAINING_SERVICE_TYPE,
  MOVE_ON_RULES,
  TRAINING_SERVICE_TYPES,
} from '../../lib/program-rules';
import { cents, count, currencyCode, dollarsAsCents, hundredths, named, uuid, withoutBlanks } from '../../core/schemas';

/** A percentage as typed in a form → basis points, exactly. */
const percentAsBps = hundredths('a percentage such as 20 or 12.5', { suffix: '%' });
/** A whole number typed in a form. */
const wholeNumber = (message: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, message)
    .transform(Number);

export const createProgramBody = z.object({
  title: z.string().trim().min(1).max(200),
  partnerId: z.string().min(1).max(64),
  partnerCourseId: z.string().min(1).max(200).optional(),
  priceCents: z.number().int().min(0).max(10_000_000),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as usd')
    .transform((c) => c.toLowerCase()),
  holderId: z.string().min(1).max(200),
  revenueShare: z
    .object({ platformBps: z.number().int().min(0), holderBps: z.number().int().min(0), partnerBps: z.number().int().min(0) })
    .refine((r) => r.platformBps + r.holderBps + r.partnerBps === 10_000, 'basis points must sum to 10000'),
  credentialType: z.enum(CREDENTIAL_TYPES),
  deadlineDays: z.number().int().min(1).max(3650),
  moveOn: z.enum(MOVE_ON_RULES).default(DEFAULT_MOVE_ON),
  /** The type of training service the program is: its WIOA participants' PIRL 1303 (lib/pirl.ts). */
  trainingServiceType: z.enum(TRAINING_SERVICE_TYPES).default(DEFAULT_TRAINING_SERVICE_TYPE),

  /** The score (percent of the maximum) an LTI AGS score must reach to complete an enrollment; absent: any graded one. */
  passingScorePercent: z.number().min(0).max(100).optional(),
});

/**
 * The console's program form: the same fields as strings, the price in dollars and each share in percent (exact
 * cents and basis points); every rule is `createProgramBody`'s.
 */
export const createProgramForm = z.preprocess(
  withoutBlanks,
  z
    .looseObject({
      price: dollarsAsCents.optional(),
      platformShare: percentAsBps.optional(),
      holderShare: percentAsBps.optional(),
      partnerShare: percentAsBps.optional(),
      deadlineDays: wholeNumber('a whole number of days').optional(),
    })
    // Unknown until createProgramBody has read it: every field's rule is there.
    .transform((f): unknown => ({
      title: f.title,
      partnerId: f.partnerId,
      partnerCourseId: f.partnerCourseId,
      priceCents: f.price,
      currency: f.currency,
      holderId: f.holderId,
      revenueShare: { platformBps: f.platformShare, holderBps: f.holderShare, partnerBps: f.partnerShare },
      credentialType: f.credentialType,
      deadlineDays: f.deadlineDays,
      moveOn: f.moveOn,
      trainingServiceType: f.trainingServiceType,
    }))
    .pipe(createProgramBody),
);

/**
 * What an admin may change of a program once students enroll: its title, the partner's course id, the price of new
 * enrollments (each enrollment keeps the price it opened at), and how it is reported (credential, training service).
 * Its holder, shares, deadline and partner stay: open enrollments run on them.
 */
export const editProgramForm = z.preprocess(
  withoutBlanks,
  z
    .looseObject({ price: dollarsAsCents.optional() })
    .transform((f): unknown => ({
      title: f.title,
      partnerCourseId: f.partnerCourseId,
      priceCents: f.price,
      credentialType: f.credentialType,
      trainingServiceType: f.trainingServiceType,
    }))
    .pipe(
      createProgramBody.pick({ title: true, partnerCourseId: true, priceCents: true, credentialType: true, trainingServiceType: true }),
    ),
);
export type ProgramEdit = z.output<typeof editProgramForm>;

export const programResponse = named(
  'Program',
  z.object({
    id: uuid,
    title: z.string(),
    partnerId: z.string(),
    partnerCourseId: z.string().nullable(),
    priceCents: cents,
    currency: currencyCode,
    holderId: z.string(),
    revenueShare: z.object({ platformBps: count, holderBps: count, partnerBps: count }),
    credentialType: z.enum(CREDENTIAL_TYPES),
    deadlineDays: count,
    moveOn: z.enum(MOVE_ON_RULES),
    trainingServiceType: z.enum(TRAINING_SERVICE_TYPES).describe('Its WIOA participants’ PIRL 1303'),
  }),
);
export const programListResponse = named('ProgramList', z.object({ programs: z.array(programResponse) }));
export const partnerListResponse = named('PartnerList', z.object({ partners: z.array(z.object({ id: z.string(), name: z.string() })) }));
