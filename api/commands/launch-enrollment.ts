import type { Db } from '../../db/pool';
import type { Actor } from '../auth';
import type { EnrollmentClient } from '../enrollment-client';
import { loadAuthorizedEnrollment } from '../read-model/enrollments';

/**
 * The student opens the course at the partner: only their own enrollment (404 for anyone else's); the workflow
 * records the first launch and answers where the partner's course is (409 before payment).
 */
export async function launchEnrollment(deps: { db: Db; enrollments: EnrollmentClient }, student: Actor, enrollmentId: string) {
  await loadAuthorizedEnrollment(deps.db, student, enrollmentId, ['student']);
  return deps.enrollments.launch(enrollmentId);
}
