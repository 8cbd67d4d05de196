/**
 * The retention run: started daily by the `retention` Schedule (worker/schedules.ts), it applies each rule of the
 * policy (capabilities/privacy/retention-policy.ts) in bounded batches, one activity and one transaction each, until
 * a batch finds nothing more, then records the run's counts. Its history holds rule names and counts only.
 *
 * The run's clock is fixed at its start (`now`, carried across continue-as-new), so every batch of a run applies the
 * same cutoffs. A batch that fails is retried; a run that dies is resumed by the next one, since each batch takes only
 * what is still past its period.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RetentionActivities } from '../activities/retention';
import { RETENTION_RULES, type RetentionRuleId } from '../capabilities/privacy/retention-policy';

const retention = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** A backlog (the first run over years of records) continues as new well before Temporal's history limits. */
const MAX_HISTORY_EVENTS = 2_000;

export interface RetentionRunInput {
  /** The run's clock (ISO 8601); unset: when the run starts. */
  now?: string;
  /** Where a continued run picks up, and what it has done so far. */
  from?: RetentionRuleId;
  counts?: Partial<Record<RetentionRuleId, number>>;
}

export interface RetentionReport {
  now: string;
  counts: Record<RetentionRuleId, number>;
}

export async function retentionWorkflow(input: RetentionRunInput = {}): Promise<RetentionReport> {
  const now = input.now ?? new Date().toISOString();
  const counts = Object.fromEntries(RETENTION_RULES.map((rule) => [rule, input.counts?.[rule] ?? 0])) as Record<RetentionRuleId, number>;
  for (const rule of RETENTION_RULES.slice(input.from ? RETENTION_RULES.indexOf(input.from) : 0)) {
    for (let more = true; more;) {
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
        return continueAsNew<typeof retentionWorkflow>({ now, from: rule, counts });
      }
      if (rule === 'personalData') break;
      const batch = await retention.applyRetentionBatch({ rule, now });
      counts[rule] += batch.done;
      more = batch.more;
    }
  }
  await retention.recordRetentionRun({ now, counts });
  return { now, counts };
}
