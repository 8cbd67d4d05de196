import { createCertificateActivities } from './certificates';
import { createCompletionActivities } from './completions';
import type { ActivityDeps } from './deps';
import { createEnrollmentActivities } from './enrollments';
import { createFundingActivities } from './funding';
import { createNotificationActivities } from './notifications';
import { createPartnerActivities } from './partners';
import { createPaymentActivities } from './payments';
import { createPrivacyActivities } from './privacy';
import { createRevenueShareActivities } from './revenueShare';
import { createReviewDigestActivities } from './reviewDigests';
import { createSubmissionActivities } from './submissions';
import { createWioaActivities } from './wioa';

export type { ActivityDeps } from './deps';

/** Every activity of the enrollment workflow (and of the review digests, the data exports and erasures), bound to its dependencies. The workflows proxy this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEnrollmentActivities(deps),
    ...createFundingActivities(deps),
    ...createPaymentActivities(deps),
    ...createPartnerActivities(deps),
    ...createSubmissionActivities(deps),
    ...createCompletionActivities(deps),
    ...createCertificateActivities(deps),
    ...createNotificationActivities(deps),
    ...createWioaActivities(deps),
    ...createRevenueShareActivities(deps),
    ...createReviewDigestActivities(deps),
    ...createPrivacyActivities(deps),
  };
}

export type EnrollmentActivities = ReturnType<typeof createActivities>;
