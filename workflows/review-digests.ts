/**
 * The review digests' run: started every few minutes by the `review-digests` Schedule (worker/schedules.ts); the
 * activity sends each program holder whose uploads await review at most one digest an hour (see
 * activities/reviewDigests.ts for why it is built this way).
 */
import { scheduledJob } from './activity-proxies';

export async function reviewDigestsWorkflow(): Promise<{ sent: number; failed: number }> {
  return scheduledJob.sendReviewDigests();
}
