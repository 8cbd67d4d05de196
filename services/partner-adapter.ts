/** A partner platform where students take their course (Certiport, Milady, NRF RISE Up, the local demo). */
export interface PartnerAdapter {
  readonly partnerId: string;
  /** Where to send the student to start or resume the course. */
  launchUrl(launch: { enrollmentId: string; courseId: string }): Promise<string>;
}

export interface PartnerRecord {
  id: string;
  launchUrlTemplate: string;
}

/**
 * None of the partners publishes a launch API, so each is configured with a URL template that carries the
 * enrollment id as the registration the partner reports back with.
 */
export function createTemplatePartnerAdapter(partner: PartnerRecord, publicBaseUrl: string): PartnerAdapter {
  return {
    partnerId: partner.id,
    async launchUrl({ enrollmentId, courseId }) {
      const values: Record<string, string> = { enrollmentId, courseId, publicBaseUrl };
      return partner.launchUrlTemplate.replace(/\{(\w+)\}/g, (match, name: string) =>
        name === 'publicBaseUrl' ? publicBaseUrl : name in values ? encodeURIComponent(values[name]) : match,
      );
    },
  };
}
