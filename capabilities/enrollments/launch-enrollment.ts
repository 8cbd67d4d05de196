import type { Actor } from '../../core/actor';
import type { CoreDeps } from '../../core/deps';
import { loadAuthorizedEnrollment } from './queries';
import { ltiLoginRedirect } from '../completion/lti/launch';

/**
 * The student opens the course at the partner: only their own enrollment (404 for anyone else's); the workflow
 * records the first launch and answers where the partner's course is (409 before payment). When the program's partner
 * is an LTI tool, the launch goes to the tool's OIDC login initiation URL instead (LTI 1.3 third-party initiated login).
 */
export async function launchEnrollment(deps: Pick<CoreDeps, 'db' | 'enrollments' | 'config'>, student: Actor, enrollmentId: string) {
  await loadAuthorizedEnrollment(deps.db, student, enrollmentId, ['student']);
  const launched = await deps.enrollments.launch(enrollmentId);
  const lti = await ltiLoginRedirect(deps, enrollmentId);
  return lti ? { ...launched, launchUrl: lti } : launched;
}
