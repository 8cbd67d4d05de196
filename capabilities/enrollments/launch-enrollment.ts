import type { Actor } from '../../core/actor';
import type { CoreDeps } from '../../core/deps';
import { loadAuthorizedEnrollment } from './queries';
import { ltiLoginRedirect } from '../completion/lti/launch';
import { ltiToolReader, partnerReader, READS, recordReads } from '../privacy/disclosures';

/**
 * The student opens the course at the partner: only their own enrollment (404 for anyone else's); the workflow
 * records the first launch and answers where the partner's course is (409 before payment). When the program's partner
 * is an LTI tool, the launch goes to the tool's OIDC login initiation URL instead (LTI 1.3 third-party initiated login).
 */
export async function launchEnrollment(deps: Pick<CoreDeps, 'db' | 'enrollments' | 'config'>, student: Actor, enrollmentId: string) {
  const enrollment = await loadAuthorizedEnrollment(deps.db, student, enrollmentId, ['student']);
  const launched = await deps.enrollments.launch(enrollmentId);
  const lti = await ltiLoginRedirect(deps, enrollmentId);
  // What the partner, or its LTI tool, receives when the student follows the redirect: recorded before it is answered
  // (the tool's id_token needs this launch's single-use hint, so the entry covers it too).
  await recordReads(
    deps.db,
    lti ? ltiToolReader(lti.tool) : partnerReader({ id: enrollment.partner_id }),
    lti ? READS.ltiLaunch : READS.partnerLaunch,
    [{ enrollmentId }],
  );
  return lti ? { ...launched, launchUrl: lti.url } : launched;
}
