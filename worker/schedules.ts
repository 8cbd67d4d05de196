import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { reviewDigestsWorkflow } from '../workflows/review-digests';
import { webhookSweepWorkflow } from '../workflows/webhook-delivery';

export const REVIEW_DIGEST_SCHEDULE_ID = 'review-digests';
/** How often the digests are looked for: an upload's first notice comes within this (later ones at most hourly). */
export const REVIEW_DIGEST_EVERY = '5 minutes';

/**
 * The platform's Schedules, made (or brought up to date) by every worker at start: the Temporal service keeps them,
 * so they run whichever worker replica is up, and a restart neither loses nor doubles them. Replicas starting at once
 * (`WORKERS=2`, several containers) race harmlessly: the id is fixed, so one create wins, the others are told it
 * exists (ScheduleAlreadyRunning) and write the same spec and action over it.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<void> {
  const spec: ScheduleSpec = { intervals: [{ every: REVIEW_DIGEST_EVERY }] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: reviewDigestsWorkflow,
    workflowId: 'review-digests',
    taskQueue,
    // A run that cannot finish (say, the database is down) ends and the next one tries again.
    workflowExecutionTimeout: '1 hour',
  };
  try {
    await client.schedule.create({
      scheduleId: REVIEW_DIGEST_SCHEDULE_ID,
      spec,
      action,
      // A run still going when the next is due: the next is skipped; runs missed in an outage of up to an hour are caught up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { what: 'emails each program holder the uploads awaiting review, at most hourly (activities/reviewDigests.ts)' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(REVIEW_DIGEST_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action }));
  }
}

export const WEBHOOK_SWEEP_SCHEDULE_ID = 'webhook-sweep';
export const WEBHOOK_SWEEP_EVERY = '1 minute';

/**
 * The `webhook-sweep` Schedule: every minute, wakes the webhook deliveries no workflow was woken for (the process
 * that recorded them died before it could, or Temporal did not answer), so every recorded event is delivered even
 * after a crash (db/webhook-outbox.ts). Made or updated like the review digests' Schedule.
 */
export async function ensureWebhookSweepSchedule(client: Client, taskQueue: string): Promise<void> {
  const spec: ScheduleSpec = { intervals: [{ every: WEBHOOK_SWEEP_EVERY }] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: webhookSweepWorkflow,
    workflowId: WEBHOOK_SWEEP_SCHEDULE_ID,
    taskQueue,
    workflowExecutionTimeout: '10 minutes',
  };
  try {
    await client.schedule.create({
      scheduleId: WEBHOOK_SWEEP_SCHEDULE_ID,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      memo: { what: 'wakes webhook deliveries whose wake was lost (activities/webhooks.ts, sweepWebhookDeliveries)' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(WEBHOOK_SWEEP_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action }));
  }
}
