/**
 * The retention periods (README, Privacy: Retention; capabilities/privacy/retention-policy.ts says what each applies
 * to and why its default): part of lib/config.ts's one schema over the environment, kept here so the policy's
 * variables read as one list.
 */
import { z } from 'zod';

/** A period as PostgreSQL counts it: calendar years and days, so "6 years after" is the same date six years on. */
export interface RetentionPeriod {
  /** As written in the environment: `6y`, `400d`, `12h`. */
  text: string;
  /** As a PostgreSQL interval: `6 years`. */
  interval: string;
}

const UNITS = { h: 'hours', d: 'days', y: 'years' } as const;

/** `<whole number><h|d|y>`: hours, days or calendar years. */
const retentionPeriod = z
  .string()
  .trim()
  .regex(/^\d+[hdy]$/, 'a period such as 6y (years), 30d (days) or 12h (hours)')
  .transform((text): RetentionPeriod => {
    const unit = text.slice(-1) as keyof typeof UNITS;
    return { text, interval: `${Number(text.slice(0, -1))} ${UNITS[unit]}` };
  });

/** The workflow histories' period: what the Temporal namespace keeps closed workflows for (its retention, in days). */
const historyPeriod = z
  .string()
  .trim()
  .regex(/^\d+d$/, 'whole days, such as 30d (the Temporal namespace retention counts in days)')
  .transform((text) => ({ text, days: Number(text.slice(0, -1)) }))
  .refine((p) => p.days >= 1, 'at least 1d');

/** The variables (their defaults are argued in capabilities/privacy/retention-policy.ts and the README's table). */
export const retentionVariables = {
  RETENTION_EVIDENCE_FILES: retentionPeriod.prefault('3y'),
  RETENTION_PERSONAL_DATA: retentionPeriod.prefault('6y'),
  RETENTION_TUTOR_CONVERSATIONS: retentionPeriod.prefault('1y'),
  RETENTION_REQUEST_TRACES: retentionPeriod.prefault('1d'),
  RETENTION_EXPORTS: retentionPeriod.prefault('7d'),
  RETENTION_AUDIT_LOG: retentionPeriod.prefault('6y'),
  RETENTION_DISCLOSURE_LOG: retentionPeriod.prefault('6y'),
  RETENTION_WORKFLOW_HISTORIES: historyPeriod.prefault('30d'),
  /** Rows (or students, for the pseudonymization) one retention batch, one transaction, handles at most. */
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
};

type RetentionEnv = z.output<z.ZodObject<typeof retentionVariables>>;

/** The retention settings as the configuration hands them out (`config.retention`). */
export function retentionSettings(e: RetentionEnv) {
  return {
    periods: {
      evidenceFiles: e.RETENTION_EVIDENCE_FILES,
      personalData: e.RETENTION_PERSONAL_DATA,
      tutorConversations: e.RETENTION_TUTOR_CONVERSATIONS,
      requestTraces: e.RETENTION_REQUEST_TRACES,
      exports: e.RETENTION_EXPORTS,
      auditLog: e.RETENTION_AUDIT_LOG,
      disclosureLog: e.RETENTION_DISCLOSURE_LOG,
    },
    /** What the Temporal namespace must keep closed workflow histories for (deploy/temporal/setup.sh sets it). */
    workflowHistories: e.RETENTION_WORKFLOW_HISTORIES,
    batchSize: e.RETENTION_BATCH_SIZE,
  };
}

export type RetentionSettings = ReturnType<typeof retentionSettings>;
export type RetentionPeriods = RetentionSettings['periods'];

/** The settings from these variables alone (unset: the defaults); activities and tests without a whole configuration. */
export function retentionFromEnv(env: Record<string, string | undefined> = {}): RetentionSettings {
  return retentionSettings(z.object(retentionVariables).parse(env));
}

/** `at` plus the period, as PostgreSQL adds it (calendar years; days and hours as elapsed time). */
export function afterPeriod(at: Date, period: RetentionPeriod): Date {
  const amount = Number(period.text.slice(0, -1));
  const d = new Date(at);
  if (period.text.endsWith('y')) d.setUTCFullYear(d.getUTCFullYear() + amount);
  else d.setTime(d.getTime() + amount * (period.text.endsWith('d') ? 86_400_000 : 3_600_000));
  return d;
}
