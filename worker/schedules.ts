import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { retentionWorkflow } from '../workflows/retention';
import { reviewDigestsWorkflow } from '../workflows/review-digests';
import { webhookSweepWorkflow } from '../workflows/webhook-delivery';

export const REVIEW_DIGEST_SCHEDULE_ID = 'review-digests';
/** How often the digests are looked for: an upload's first notice comes within this (later ones at most hourly). */
export const REVIEW_DIGEST_EVERY = '5 minutes';

/**
 * Makes the Schedule, or brings the one made earlier up to date: the Temporal service keeps them, so they run
 * whichever worker replica is up, and a restart neither loses nor doubles them. Replicas starting at once
 * (`WORKERS=2`, several containers) race harmlessly: the id is fixed, so one create wins, the others are told it
 * exists (ScheduleAlreadyRunning) and write the same spec and action over it.
 */
async function ensureSchedule(client: Client, options: ScheduleOptions & { spec: ScheduleSpec; action: ScheduleOptionsAction }) {
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const { spec, action } = options;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}

/** The review digests' Schedule, made (or brought up to date) by every worker at start. */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, {
    scheduleId: REVIEW_DIGEST_SCHEDULE_ID,
    spec: { intervals: [{ every: REVIEW_DIGEST_EVERY }] },
    action: {
      type: 'startWorkflow',
      workflowType: reviewDigestsWorkflow,
      workflowId: 'review-digests',
      taskQueue,
      // A run that cannot finish (say, the database is down) ends and the next one tries again.
      workflowExecutionTimeout: '1 hour',
    },
    // A run still going when the next is due: the next is skipped; runs missed in an outage of up to an hour are caught up.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    memo: { what: 'emails each program holder the uploads awaiting review, at most hourly (activities/reviewDigests.ts)' },
  });
}

export const WEBHOOK_SWEEP_SCHEDULE_ID = 'webhook-sweep';
export const WEBHOOK_SWEEP_EVERY = '1 minute';

/**
 * The `webhook-sweep` Schedule: every minute, wakes the webhook deliveries no workflow was woken for (the process
 * that recorded them died before it could, or Temporal did not answer), so every recorded event is delivered even
 * after a crash (db/webhook-outbox.ts). Made or updated like the review digests' Schedule.
 */
export async function ensureWebhookSweepSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, {
    scheduleId: WEBHOOK_SWEEP_SCHEDULE_ID,
    spec: { intervals: [{ every: WEBHOOK_SWEEP_EVERY }] },
    action: {
      type: 'startWorkflow',
      workflowType: webhookSweepWorkflow,
      workflowId: WEBHOOK_SWEEP_SCHEDULE_ID,
      taskQueue,
      workflowExecutionTimeout: '10 minutes',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    memo: { what: 'wakes webhook deliveries whose wake was lost (activities/webhooks.ts, sweepWebhookDeliveries)' },
  });
}

export const RETENTION_SCHEDULE_ID = 'retention';
/** Daily at this hour and minute, UTC: night in the Americas, away from the day's enrollments. */
export const RETENTION_AT = { hour: 7, minute: 30 } as const;

/**
 * The `retention` Schedule: once a day, the retention run applies the policy (workflows/retention.ts,
 * capabilities/privacy/retention-policy.ts). A run still going at the next one's time (a first run over years of
 * records) is left to finish, and the next is skipped; a day missed in an outage is caught up once. Made or updated
 * like the review digests' Schedule.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, {
    scheduleId: RETENTION_SCHEDULE_ID,
    spec: { calendars: [{ hour: RETENTION_AT.hour, minute: RETENTION_AT.minute }] },
    action: {
      type: 'startWorkflow',
      workflowType: retentionWorkflow,
      workflowId: RETENTION_SCHEDULE_ID,
      taskQueue,
      // A run that cannot finish in a day ends; the next one resumes where it stopped (each batch takes what is due).
      workflowExecutionTimeout: '23 hours',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { what: 'applies the retention policy (capabilities/privacy/retention-policy.ts; README, Privacy: Retention)' },
  });
}
