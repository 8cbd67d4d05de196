/**
 * Where a student follows an enrollment in the web console: the one URL builder for pages, emails, the checkout's
 * return page and the partner's finish page (never concatenated anywhere else).
 */
export const STUDENT_ENROLLMENTS_PATH = '/student/enrollments';
export const studentEnrollmentPath = (enrollmentId: string) => `${STUDENT_ENROLLMENTS_PATH}/${encodeURIComponent(enrollmentId)}`;
export const studentEnrollmentUrl = (publicBaseUrl: string, enrollmentId: string) =>
  `${publicBaseUrl.replace(/\/+$/, '')}${studentEnrollmentPath(enrollmentId)}`;
/** The form where a student chooses the name a certificate's public verification page shows. */
export const studentPublicNamePath = (certificateId: string) => `/student/certificates/${encodeURIComponent(certificateId)}/public-name`;
