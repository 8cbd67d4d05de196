/**
 * One enrollment, start to finish: pay → launch → await completion → certificate → email → WIOA → revenue share.
 * The enrollment entity (enrollment-entity.ts) holds the state and answers every message; the wait for completion
 * has its own module (await-completion.ts).
 */
import { continueAsNew } from '@temporalio/workflow';
import { awaitCompletion } from './await-completion';
import { Enrollment, type EnrollmentOutcome } from './enrollment-entity';
import type { EnrollmentWorkflowInput } from './messages';

export type { EnrollmentOutcome } from './enrollment-entity';

export async function enrollmentWorkflow(input: EnrollmentWorkflowInput): Promise<EnrollmentOutcome> {
  // Opens the enrollment's record (a continued run has it already); a refused one ends the workflow, completed as refused.
  const enrollment = new Enrollment(input);
  enrollment.setup();

  // A continued run was paid and is waiting for completion already.
  if (!input.carried && !(await enrollment.pay())) return enrollment.finish();

  // The student launches the course at the partner (the launch update) whenever they like: before or during the wait.
  const waited = await awaitCompletion(enrollment);
  if (waited === 'continue') return continueAsNew<typeof enrollmentWorkflow>({ ...input, carried: enrollment.carriedOver() });
  if (waited !== 'completed') return enrollment.finish();

  const certificate = await enrollment.issueCertificate();
  await Promise.all([enrollment.emailCertificate(certificate), enrollment.recordWioaOutcome(), enrollment.shareRevenue()]);
  await enrollment.moveTo('closed');
  return enrollment.finish();
}
