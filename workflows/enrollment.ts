/**
 * One enrollment, start to finish: pay → launch → await completion → certificate → email → WIOA → revenue share.
 * The enrollment entity (enrollment-entity.ts) holds the state; each stage's messages are answered by its own module
 * (enrollment-payment.ts, enrollment-launch.ts, enrollment-completion.ts, enrollment-withdrawal.ts), wired below; the
 * wait for completion has its own module (await-completion.ts).
 */
import { continueAsNew, setHandler } from '@temporalio/workflow';
import { awaitCompletion } from './await-completion';
import {
  applyReport,
  approveSubmission,
  markComplete,
  mayMarkComplete,
  mayReport,
  maySubmitEvidence,
  pendingSubmission,
  rejectSubmission,
  submitEvidence,
} from './enrollment-completion';
import { Enrollment, type EnrollmentOutcome } from './enrollment-entity';
import { launch, mayLaunch } from './enrollment-launch';
import { answerOpening, pay, takePayment } from './enrollment-payment';
import { mayWithdraw, withdraw } from './enrollment-withdrawal';
import {
  approveSubmissionUpdate,
  type CompletionReport,
  type EnrollmentWorkflowInput,
  type EvidenceSubmission,
  launchUpdate,
  type MarkComplete,
  markCompleteUpdate,
  openEnrollmentUpdate,
  paymentConfirmedSignal,
  rejectSubmissionUpdate,
  reportCompletionUpdate,
  statusQuery,
  type SubmissionReview,
  submitEvidenceUpdate,
  type WithdrawRequest,
  withdrawUpdate,
} from './messages';

export type { EnrollmentOutcome } from './enrollment-entity';

export async function enrollmentWorkflow(input: EnrollmentWorkflowInput): Promise<EnrollmentOutcome> {
  // Opens the enrollment's record (a continued run has it already); a refused one ends the workflow, completed as refused.
  const enrollment = new Enrollment(input);
  answerMessages(enrollment);

  // A continued run was paid and is waiting for completion already.
  if (!input.carried && !(await pay(enrollment))) return enrollment.finish();

  // The student launches the course at the partner (the launch update) whenever they like: before or during the wait.
  const waited = await awaitCompletion(enrollment);
  if (waited === 'continue') return continueAsNew<typeof enrollmentWorkflow>({ ...input, carried: enrollment.carriedOver() });
  if (waited !== 'completed') return enrollment.finish();

  const certificate = await enrollment.issueCertificate();
  await Promise.all([enrollment.emailCertificate(certificate), enrollment.recordWioaOutcome(), enrollment.shareRevenue()]);
  await enrollment.moveTo('closed');
  return enrollment.finish();
}

/** Wires every message the enrollment takes to its handler and validator. */
function answerMessages(enrollment: Enrollment): void {
  setHandler(statusQuery, () => enrollment.state);
  setHandler(openEnrollmentUpdate, () => answerOpening(enrollment));
  setHandler(paymentConfirmedSignal, (p) => takePayment(enrollment, p));
  setHandler(launchUpdate, () => launch(enrollment), { validator: () => mayLaunch(enrollment) });
  setHandler(submitEvidenceUpdate, (s) => submitEvidence(enrollment, s), {
    validator: (s: EvidenceSubmission) => maySubmitEvidence(enrollment, s),
  });
  const reviewable = ({ submissionId }: SubmissionReview) => void pendingSubmission(enrollment, submissionId);
  setHandler(approveSubmissionUpdate, (r) => approveSubmission(enrollment, r), { validator: reviewable });
  setHandler(rejectSubmissionUpdate, (r) => rejectSubmission(enrollment, r), { validator: reviewable });
  setHandler(markCompleteUpdate, (m) => markComplete(enrollment, m), { validator: (m: MarkComplete) => mayMarkComplete(enrollment, m) });
  setHandler(reportCompletionUpdate, (r) => applyReport(enrollment, r), { validator: (r: CompletionReport) => mayReport(enrollment, r) });
  setHandler(withdrawUpdate, (w) => withdraw(enrollment, w), { validator: (_w: WithdrawRequest) => mayWithdraw(enrollment) });
}
