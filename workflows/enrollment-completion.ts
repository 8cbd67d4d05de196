/**
 * How an enrollment completes, by four channels: a partner's report (pushed, xAPI, imported, or the poll's answer), the
 * student's evidence once the program holder approves it, and the holder's own mark. The first valid completion wins;
 * every one is kept as evidence.
 */
import { upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import { local, viaTaskQueue } from './activity-proxies';
import { completionDateProblem } from './completion-date';
import { conflict, type Enrollment, invalid, notFound, nowIso } from './enrollment-entity';
import {
  type Completion,
  type CompletionReport,
  type EnrollmentState,
  type EvidenceSubmission,
  MARKABLE_STATUSES,
  type MarkComplete,
  MAX_SUBMISSIONS,
  REPORTABLE_STATUSES,
  type ReportOutcome,
  searchAttributes,
  type SubmissionReview,
  type SubmissionView,
} from './messages';

type AppliedCompletion = Completion & { reportId: string; score?: number; evidenceUrl?: string };

/**
 * The first valid completion wins; the status moves at once so any later report finds the enrollment
 * completed. Every completion, applied or not, is kept as evidence.
 */
function complete(enrollment: Enrollment, c: AppliedCompletion): Promise<void> {
  enrollment.completion = c;
  enrollment.state.completedAt = c.completedAt;
  enrollment.state.completionMethod = c.method;
  upsertSearchAttributes([{ key: searchAttributes.completionMethod, value: c.method }]);
  enrollment.background.push(
    local.recordCompletionEvidence({
      enrollmentId: enrollment.enrollmentId,
      method: c.method,
      reportId: c.reportId,
      completedAt: c.completedAt,
      reportedBy: c.reportedBy,
      score: c.score,
      evidenceUrl: c.evidenceUrl ?? c.certificateUrl,
      notes: c.notes,
      proof: c.proof,
      outcome: 'applied',
    }),
  );
  return enrollment.moveTo('completed');
}

// ── a partner's report ──────────────────────────────────────────────────────────────────────────────

export function mayReport(enrollment: Enrollment, r: CompletionReport): void {
  const { status } = enrollment.state;
  if (status === 'pending_payment') throw conflict('the enrollment is not paid yet');
  if (!REPORTABLE_STATUSES.includes(status)) throw conflict(`the enrollment is ${status}`);
  // Also when already complete: an impossible date is bad input, not evidence.
  requirePossibleCompletionDate(enrollment, r.completedAt);
}

/** A partner's report (push, xAPI, import, or the poll's answer): applied when first, else kept as evidence. */
export async function applyReport(enrollment: Enrollment, r: CompletionReport): Promise<ReportOutcome> {
  if (enrollment.completion) {
    await local.recordCompletionEvidence({ enrollmentId: enrollment.enrollmentId, ...r, outcome: 'already_complete' });
    return { outcome: 'already_complete', status: enrollment.state.status };
  }
  await complete(enrollment, r);
  return { outcome: 'applied', status: enrollment.state.status };
}

// ── the student's evidence and the program holder's review ──────────────────────────────────────────

export function maySubmitEvidence(enrollment: Enrollment, s: EvidenceSubmission): void {
  const { state } = enrollment;
  if (state.status !== 'in_progress') {
    throw conflict(
      state.status === 'awaiting_review'
        ? 'earlier evidence is still waiting for review'
        : `evidence cannot be submitted while the enrollment is ${state.status}`,
    );
  }
  if (state.submissions.some((x) => x.id === s.submissionId)) throw conflict(`submission ${s.submissionId} exists already`);
  if (state.submissions.length >= MAX_SUBMISSIONS) throw conflict(`at most ${MAX_SUBMISSIONS} submissions per enrollment`);
  // Checked here, at submission: the holder's approval later takes the date as the student gave it.
  requirePossibleCompletionDate(enrollment, s.completedAt);
}

export async function submitEvidence(enrollment: Enrollment, s: EvidenceSubmission): Promise<SubmissionView> {
  const submittedAt = nowIso();
  const view = { id: s.submissionId, status: 'pending' as const, completedAt: s.completedAt, submittedAt };
  enrollment.state.submissions.push(view);
  await Promise.all([
    local.recordSubmission({ ...s, enrollmentId: enrollment.enrollmentId, submittedAt }),
    enrollment.moveTo('awaiting_review'),
  ]);
  return view;
}

/** The submission a review names, still pending; also the review updates' validator. */
export function pendingSubmission(enrollment: Enrollment, submissionId: string): SubmissionView {
  const { state } = enrollment;
  const s = state.submissions.find((x) => x.id === submissionId);
  if (!s) throw notFound(`submission ${submissionId}`);
  if (s.status !== 'pending') throw conflict(`submission ${submissionId} was already ${s.status}`);
  // Another channel may have completed the enrollment meanwhile: the evidence is no longer reviewed.
  if (state.status !== 'awaiting_review') throw conflict(`the enrollment is already ${state.status}`);
  return s;
}

export async function approveSubmission(enrollment: Enrollment, { submissionId, reviewerId }: SubmissionReview): Promise<EnrollmentState> {
  const s = pendingSubmission(enrollment, submissionId);
  s.status = 'approved';
  await Promise.all([
    local.recordSubmissionReview({ submissionId, status: 'approved', reviewerId, reviewedAt: nowIso() }),
    complete(enrollment, {
      method: 'student_upload',
      reportId: submissionId,
      completedAt: s.completedAt,
      submissionId,
      reportedBy: reviewerId,
    }),
  ]);
  return enrollment.state;
}

export async function rejectSubmission(
  enrollment: Enrollment,
  { submissionId, reviewerId, reason }: SubmissionReview & { reason: string },
): Promise<EnrollmentState> {
  const s = pendingSubmission(enrollment, submissionId);
  s.status = 'rejected';
  s.reason = reason;
  enrollment.background.push(viaTaskQueue.sendSubmissionRejectedEmail({ enrollmentId: enrollment.enrollmentId, submissionId, reason }));
  await Promise.all([
    local.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId, reason, reviewedAt: nowIso() }),
    enrollment.moveTo('in_progress'),
  ]);
  return enrollment.state;
}

// ── the program holder's mark ───────────────────────────────────────────────────────────────────────

export function mayMarkComplete(enrollment: Enrollment, m: MarkComplete): void {
  const { status } = enrollment.state;
  if (status === 'pending_payment') throw conflict('the enrollment is not paid yet');
  if (!MARKABLE_STATUSES.includes(status)) throw conflict(`the enrollment is already ${status}`);
  requirePossibleCompletionDate(enrollment, m.completedAt);
}

export async function markComplete(enrollment: Enrollment, m: MarkComplete): Promise<EnrollmentState> {
  await complete(enrollment, {
    method: 'manual',
    reportId: `mark:${uuid4()}`,
    completedAt: m.completedAt,
    certificateUrl: m.certificateUrl,
    notes: m.notes,
    proof: m.proof,
    reportedBy: m.markedBy,
  });
  return enrollment.state;
}

// ── the completion date ─────────────────────────────────────────────────────────────────────────────

/**
 * Why a completion date is impossible for this enrollment (see completionDateProblem): the bound is the launch, or
 * the start for channels that need no launch. The first status is carried over a continue-as-new; the run's start
 * is not.
 */
export function completionDateProblemNow(enrollment: Enrollment, completedAt: string): string | undefined {
  const { state } = enrollment;
  const started = [state.history[0]?.at, workflowInfo().startTime.toISOString()].filter((t): t is string => t !== undefined).sort()[0];
  return completionDateProblem(completedAt, { launchedAt: state.launchedAt, startedAt: started, now: Date.now() });
}

function requirePossibleCompletionDate(enrollment: Enrollment, completedAt: string): void {
  const problem = completionDateProblemNow(enrollment, completedAt);
  if (problem) throw invalid(problem, 'completedAt');
}
