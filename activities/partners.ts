import { createTemplatePartnerAdapter } from '../services/partner-adapter';
import type { ActivityDeps } from './deps';
import { loadEnrollmentContext } from './deps';

export function createPartnerActivities({ db, publicBaseUrl }: ActivityDeps) {
  return {
    /** Asks the enrollment's partner where to send the student. */
    async launchAtPartner({ enrollmentId }: { enrollmentId: string }): Promise<{ launchUrl: string }> {
      const ctx = await loadEnrollmentContext(db, enrollmentId);
      const adapter = createTemplatePartnerAdapter({ id: ctx.partnerId, launchUrlTemplate: ctx.launchUrlTemplate }, publicBaseUrl);
      return { launchUrl: await adapter.launchUrl({ enrollmentId, courseId: ctx.partnerCourseId }) };
    },
  };
}
