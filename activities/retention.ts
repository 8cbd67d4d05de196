/**
 * The retention run's activities (workflows/retention.ts): one bounded batch of one rule per call
 * (capabilities/privacy/retention.ts), and the run's record in the audit log. Every call names the run's `now`, so a
 * retried or resumed batch applies the same cutoffs.
 */
import { audit } from '../core/audit';
import { applyRetentionBatch, type RetentionBatch, type RetentionBatchRule } from '../capabilities/privacy/retention';
import { fileRetentionErasures, type RetentionErasures } from '../capabilities/privacy/retention-erasure';
import type { RetentionRuleId } from '../capabilities/privacy/retention-policy';
import { retentionFromEnv } from '../lib/retention-config';
import type { ActivityDeps } from './deps';

/** Who the audit log names for a retention run. */
export const RETENTION_ACTOR = { id: 'system:retention', role: 'system' } as const;

export function createRetentionActivities({ db, files, retention = retentionFromEnv() }: Pick<ActivityDeps, 'db' | 'files' | 'retention'>) {
  const context = (now: string) => ({ db, files, periods: retention.periods, now: new Date(now), limit: retention.batchSize });
  return {
    /** One batch of `rule`: at most RETENTION_BATCH_SIZE records, one transaction. */
    async applyRetentionBatch({ rule, now }: { rule: RetentionBatchRule; now: string }): Promise<RetentionBatch> {
      return applyRetentionBatch(context(now), rule);
    },

    /** Files the erasure requests of a batch of students past RETENTION_PERSONAL_DATA; the workflow runs each erasure. */
    async fileRetentionErasures({ now }: { now: string }): Promise<RetentionErasures> {
      return fileRetentionErasures(context(now));
    },

    /** The run's counts per rule, with the periods it applied, in the audit log (GDPR Art. 5(2): shown, not just done). */
    async recordRetentionRun({ now, counts }: { now: string; counts: Record<RetentionRuleId, number> }): Promise<void> {
      const periods = Object.fromEntries(Object.entries(retention.periods).map(([rule, p]) => [rule, p.text]));
      await audit(db, RETENTION_ACTOR, 'retention.run', { type: 'retention_run', id: now }, { counts, periods });
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
