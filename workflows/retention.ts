/**
 * The retention run: started daily by the `retention` Schedule (worker/schedules.ts), it applies each rule of the
 * policy (capabilities/privacy/retention-policy.ts) in bounded batches, one activity and one transaction each, until
 * a batch finds nothing more, then records the run's counts. Personal data past its period is pseudonymized by the
 * erasure itself: a batch files the students' erasure requests and runs their erasure workflows as children. The
 * history holds rule names, counts and request ids only.
 *
 * The run's clock is fixed at its start (`now`, carried across continue-as-new), so every batch of a run applies the
 * same cutoffs. A batch that fails is retried; a run that dies is resumed by the next one, since each batch takes only
 * what is still past its period.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ChildWorkflowFailure, continueAsNew, executeChild, ParentClosePolicy, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RetentionActivities } from '../activities/retention';
import { RETENTION_RULES, type RetentionRuleId } from '../capabilities/privacy/retention-policy';
import { erasureWorkflow } from './privacy';
import { erasureWorkflowId } from './privacy-messages';

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

/**
 * Carries out one erasure request the policy filed; answers whether it completed. One still running (a previous run
 * was cut short) finishes on its own; one the erasure sent back (the student enrolled again) is withdrawn by the next
 * batch. Either way the run goes on.
 */
async function erase(requestId: string): Promise<boolean> {
  try {
    await executeChild(erasureWorkflow, {
      workflowId: erasureWorkflowId(requestId),
      args: [{ requestId }],
      // A retention run that ends (its day is over) leaves an erasure under way to finish.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof ChildWorkflowFailure) return false;
    throw err;
  }
}

/** One batch of the personal-data rule: the erasures of up to a batch of students, side by side. */
async function pseudonymizeBatch(now: string): Promise<{ done: number; more: boolean }> {
  const { requestIds, more } = await retention.fileRetentionErasures({ now });
  const completed = await Promise.all(requestIds.map(erase));
  return { done: completed.filter(Boolean).length, more };
}

export async function retentionWorkflow(input: RetentionRunInput = {}): Promise<RetentionReport> {
  const now = input.now ?? new Date().toISOString();
  const counts = Object.fromEntries(RETENTION_RULES.map((rule) => [rule, input.counts?.[rule] ?? 0])) as Record<RetentionRuleId, number>;
  for (const rule of RETENTION_RULES.slice(input.from ? RETENTION_RULES.indexOf(input.from) : 0)) {
    for (let more = true; more;) {
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
        return continueAsNew<typeof retentionWorkflow>({ now, from: rule, counts });
      }
      const batch = rule === 'personalData' ? await pseudonymizeBatch(now) : await retention.applyRetentionBatch({ rule, now });
      counts[rule] += batch.done;
      more = batch.more;
    }
  }
  await retention.recordRetentionRun({ now, counts });
  return { now, counts };
}
