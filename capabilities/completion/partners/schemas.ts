import { z } from 'zod';
import { completedAt, enrollmentStatus, evidenceUrl, id, importSummary, instant, named, uuid } from '../../../core/schemas';

// ── Partners: their API keys, completions they push and the CSV import ─────────────────────────────

export const partnerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a partner id such as demo');
export const partnerParams = z.object({ partnerId });
export const apiKeyParams = z.object({ partnerId, id });

export const completionScore = z.number().min(0, 'a score from 0 to 100').max(100, 'a score from 0 to 100');
/** The partner's id of the learner or enrollment (`enrollments.partner_external_id`). */
export const externalId = z.string().trim().min(1).max(200);

export const partnerCompletionBody = z
  .object({
    enrollmentId: id.optional(),
    externalId: externalId.optional(),
    completedAt,
    score: completionScore.optional(),
    evidenceUrl: evidenceUrl.optional(),
    /** The partner's own id of this report; a retry with the same id is the same report. */
    reportId: z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/, '1 to 200 visible ASCII characters')
      .optional(),
  })
  .refine((b) => (b.enrollmentId === undefined) !== (b.externalId === undefined), {
    path: ['enrollmentId'],
    message: 'give exactly one of enrollmentId and externalId',
  });

export const createdApiKeyResponse = named(
  'CreatedApiKey',
  z.object({ id: uuid, partnerId: z.string(), apiKey: z.string().describe('Shown once; only its SHA-256 is kept'), createdAt: instant }),
);

export const completionReceiptResponse = named(
  'CompletionReceipt',
  z.object({ enrollmentId: uuid, reportId: z.string(), outcome: z.enum(['applied', 'already_complete']), status: enrollmentStatus }),
);

const COMPLETION_ROW_OUTCOMES = ['matched', 'already_complete', 'unknown', 'invalid'] as const;
export const completionImportResponse = named(
  'CompletionImport',
  z.object({
    partnerId: z.string(),
    dryRun: z.boolean(),
    rows: z.array(
      z.object({
        line: z.number().int().min(2),
        outcome: z.enum(COMPLETION_ROW_OUTCOMES),
        message: z.string(),
        enrollmentId: uuid.optional(),
      }),
    ),
    summary: importSummary(COMPLETION_ROW_OUTCOMES),
  }),
);
