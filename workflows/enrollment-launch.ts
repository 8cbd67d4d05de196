/**
 * The launch update: the student opens the course at the partner whenever they like once paid, completed or not; the
 * first launch moves an enrollment that is ready to launch in progress.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { conflict, type Enrollment, nowIso } from './enrollment-entity';
import { FailureType, LAUNCHABLE_STATUSES, type LaunchResult } from './messages';

export function mayLaunch(enrollment: Enrollment): void {
  const { status } = enrollment.state;
  if (!LAUNCHABLE_STATUSES.includes(status)) throw conflict(`the course cannot be launched while the enrollment is ${status}`);
}

export async function launch(enrollment: Enrollment): Promise<LaunchResult> {
  const { state } = enrollment;
  if (!enrollment.launching && state.launchUrl) return { launchUrl: state.launchUrl, launchedAt: state.launchedAt! };
  enrollment.launching ??= enrollment.waitedOnBriefly.launchAtPartner({ enrollmentId: enrollment.enrollmentId }).then(
    async ({ launchUrl }) => {
      state.launchUrl = launchUrl;
      state.launchedAt = nowIso();
      if (state.status === 'ready_to_launch') await enrollment.moveTo('in_progress');
    },
    (err: Error) => {
      enrollment.launching = undefined; // let the student try again
      throw ApplicationFailure.nonRetryable(`the partner did not answer: ${err.message}`, FailureType.partnerUnavailable);
    },
  );
  await enrollment.launching;
  return { launchUrl: state.launchUrl!, launchedAt: state.launchedAt! };
}
