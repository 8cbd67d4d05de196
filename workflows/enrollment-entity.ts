/**
 * One enrollment as an entity: its state, the steps of its lifecycle, and the handlers of every message it takes.
 * Handlers record facts and move the status; `enrollmentWorkflow` (enrollment.ts) walks the lifecycle.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { interactive, local, viaTaskQueue } from './activity-proxies';
import { completionDateProblem } from './completion-date';
import {
  approveSubmissionUpdate,
  type CarriedState,
  type Completion,
  type CompletionReport,
  type EnrollmentState,
  type EnrollmentStatus,
  type EnrollmentWorkflowInput,
  type EvidenceSubmission,
  FailureType,
  LAUNCHABLE_STATUSES,
  type LaunchResult,
  launchUpdate,
  MARKABLE_STATUSES,
  type MarkComplete,
  markCompleteUpdate,
  MAX_SUBMISSIONS,
  type OpenedEnrollment,
  openEnrollmentUpdate,
  type OpenResult,
  type PaymentConfirmation,
  paymentConfirmedSignal,
  type Refusal,
  rejectSubmissionUpdate,
  REPORTABLE_STATUSES,
  reportCompletionUpdate,
  type ReportOutcome,
  searchAttributes,
  statusQuery,
  type SubmissionReview,
  submitEvidenceUpdate,
  type SubmissionView,
  WITHDRAWABLE_STATUSES,
  type WithdrawRequest,
  type WithdrawResult,
  withdrawUpdate,
} from './messages';

const conflict = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.conflict);
/** Something the request names that this enrollment does not have; the detail names it for the API's 404. */
const notFound = (item: string) =>
  ApplicationFailure.nonRetryable(`${item} is not part of this enrollment`, FailureType.notFound, { item });
/** A bad value in the request; the detail names the field, so the API's 400 can name it too. */
const invalid = (message: string, field: string) => ApplicationFailure.nonRetryable(message, FailureType.invalid, { field });
const nowIso = () => new Date().toISOString();

/**
 * Patches (see `patched` in the Temporal docs on versioning): emails added while enrollments were running. A history
 * recorded before a patch replays without its activity; every run that reaches the patch live records a marker and
 * sends. `tests/workflow.replay.test.ts` replays histories from before and after each.
 */
export const PATCHES = {
  /** "You are enrolled": once the enrollment is opened (after its checkout, when it has one). */
  enrolledEmail: 'student-enrolled-email',
  /** "Payment received": once the checkout payment is accepted and the enrollment is ready to launch. */
  paymentReceivedEmail: 'student-payment-received-email',
  /**
   * A refused opening (bad input that raced past the API's check) completes the workflow as refused; before, it failed
   * the workflow, so it showed in the Failed list ops read for real failures.
   */
  refusalCompletes: 'opening-refusal-completes',
} as const;

const WAITING_FOR: Partial<Record<EnrollmentStatus, string>> = {
  pending_payment: 'the student to pay at checkout',
  ready_to_launch: 'the student to launch the course at the partner',
  in_progress: 'completion: a student upload, a partner report or the program holder’s mark',
  awaiting_review: 'the program holder to review the uploaded evidence',
  completed: 'the certificate, email, WIOA record and revenue share',
};

export type EnrollmentOutcome =
  | { status: EnrollmentStatus; certificateId?: string }
  /** The opening was refused (its update answered so): no enrollment was recorded. */
  | { status: 'refused'; refusal: Refusal };

/** The opening's refusals: bad input the student is answered about, never a failure of the workflow. */
const REFUSAL_TYPES: readonly string[] = [FailureType.voucherUnusable, FailureType.conflict] satisfies Refusal['type'][];

type AppliedCompletion = Completion & { reportId: string; score?: number; evidenceUrl?: string };

export class Enrollment {
  readonly state: EnrollmentState;
  payment: PaymentConfirmation | undefined;
  completion: Completion | undefined;
  withdrawal: WithdrawRequest | undefined;
  /** The wait for completion: deadline and reminders count from its start (payment or funding). */
  waitStartedAt: number | undefined;
  readonly nudgesSent: Set<number>;
  pollIntervalMs: number | undefined;
  nextPollAt: number | undefined;
  /** Until when the wait for completion lasts, as the Web UI shows it (deadline, next partner check, next reminder). */
  waitingUntil: string | undefined;

  readonly enrollmentId: string;
  private readonly opening: Promise<OpenedEnrollment>;
  private opened: boolean;
  /** Status changes are projected to the read model one after another, in the order they happened, once the record exists. */
  private projection: Promise<void>;
  /** Work started by handlers that the workflow must see finished before it closes (emails, records). */
  private readonly background: Promise<unknown>[] = [];
  private checkout: Promise<void> | undefined;
  private launching: Promise<void> | undefined;
  private readonly waitedOn: ReturnType<typeof interactive>['waitedOn'];
  private readonly waitedOnBriefly: ReturnType<typeof interactive>['waitedOnBriefly'];

  constructor(readonly input: EnrollmentWorkflowInput) {
    const { enrollmentId, carried } = input;
    this.enrollmentId = enrollmentId;
    ({ waitedOn: this.waitedOn, waitedOnBriefly: this.waitedOnBriefly } = interactive(workflowInfo().taskQueue));
    this.state = carried?.state ?? {
      enrollmentId,
      // Until the record is written (below), nothing but its opening and a withdrawal is possible.
      status: 'pending_payment',
      fundingSource: input.fundingSource,
      currency: input.currency,
      submissions: [],
      history: [],
    };
    this.payment = carried?.payment;
    this.waitStartedAt = carried ? Date.parse(carried.waitStartedAt) : undefined;
    this.nudgesSent = new Set(carried?.nudgesSent ?? []);
    this.pollIntervalMs = carried?.pollIntervalMs ?? input.polling?.intervalMs;
    this.nextPollAt = carried?.nextPollAt ? Date.parse(carried.nextPollAt) : undefined;

    // ── open: the enrollment's record is written by this workflow, so the two exist together or not at all ────
    // The database refuses a second open enrollment in the program and a used or unusable voucher; the refusal is the
    // answer of the opening update, and this workflow then ends without an enrollment.
    this.opening = carried
      ? Promise.resolve({
          status: 'ready_to_launch',
          voucherCents: carried.state.voucherCents ?? 0,
          amountDueCents: carried.state.amountDueCents ?? 0,
        })
      : local
          .openEnrollmentRecord({
            enrollmentId,
            programId: input.programId,
            studentId: input.studentId,
            fundingSource: input.fundingSource,
            voucherNumber: input.voucherNumber,
            priceCents: input.priceCents,
            currency: input.currency,
            openedAt: workflowInfo().startTime.toISOString(),
          })
          .then(
            (opened) => {
              this.state.status = opened.status;
              this.state.voucherCents = opened.voucherCents;
              this.state.amountDueCents = opened.amountDueCents;
              return opened;
            },
            (err) => {
              throw err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
            },
          );
    this.opened = carried !== undefined;
    void this.opening.then(
      () => (this.opened = true),
      () => undefined,
    );
    this.projection = this.opening.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Wires every message to its handler and validator. */
  setup(): void {
    setHandler(statusQuery, () => this.state);
    setHandler(openEnrollmentUpdate, () => this.answerOpening());
    setHandler(paymentConfirmedSignal, (p) => this.takePayment(p));
    setHandler(launchUpdate, () => this.launch(), { validator: () => this.mayLaunch() });
    setHandler(submitEvidenceUpdate, (s) => this.submitEvidence(s), { validator: (s: EvidenceSubmission) => this.maySubmitEvidence(s) });
    const reviewable = ({ submissionId }: SubmissionReview) => void this.pendingSubmission(submissionId);
    setHandler(approveSubmissionUpdate, (r) => this.approveSubmission(r), { validator: reviewable });
    setHandler(rejectSubmissionUpdate, (r) => this.rejectSubmission(r), { validator: reviewable });
    setHandler(markCompleteUpdate, (m) => this.markComplete(m), { validator: (m: MarkComplete) => this.mayMarkComplete(m) });
    setHandler(reportCompletionUpdate, (r) => this.applyReport(r), { validator: (r: CompletionReport) => this.mayReport(r) });
    setHandler(withdrawUpdate, (w) => this.withdraw(w), { validator: (_w: WithdrawRequest) => this.mayWithdraw() });
  }

  // ── the lifecycle's steps ───────────────────────────────────────────────────────────────────────────

  /**
   * Paid at checkout (the price, or the co-pay a voucher leaves) or funded in full by a WIOA voucher or a sponsor:
   * true when the enrollment is then ready to launch; false when it ended unpaid (withdrawn, the window passed) or was
   * refused at its opening.
   */
  async pay(): Promise<boolean> {
    const { enrollmentId, input, state } = this;
    const opened = await this.openedOrRefused();
    if (!opened) return false;
    if (opened.status !== 'pending_payment') {
      // Funded: no checkout, ready to launch from the start.
      state.paidAt = workflowInfo().startTime.toISOString();
      state.amountCents = state.voucherCents;
      await Promise.all([this.moveTo('ready_to_launch'), this.recordVoucherPayment()]);
      if (patched(PATCHES.enrolledEmail)) this.emailInBackground('enrollment', viaTaskQueue.sendEnrolledEmail({ enrollmentId }));
      return true;
    }
    await this.openCheckout();
    // The email carries the checkout's URL, so it goes once the checkout is open (and not after a withdrawal meanwhile).
    if (state.status === 'pending_payment' && patched(PATCHES.enrolledEmail)) {
      this.emailInBackground('enrollment', viaTaskQueue.sendEnrolledEmail({ enrollmentId }));
    }
    const settled = await condition(() => this.payment !== undefined || this.withdrawal !== undefined, input.paymentWindowMs);
    if (this.withdrawal) return false;
    if (!settled) {
      await Promise.all([
        this.moveTo('payment_expired'),
        ...(state.voucherCents ? [local.releaseVoucher({ enrollmentId, at: nowIso() })] : []),
      ]);
      return false;
    }
    const payment = this.payment!;
    state.paidAt = payment.paidAt;
    state.amountCents = state.voucherCents! + payment.amountCents;
    await Promise.all([
      local.recordPayment({ enrollmentId, ...payment, status: 'accepted' }),
      ...(state.voucherCents ? [this.recordVoucherPayment()] : []),
    ]);
    await this.moveTo('ready_to_launch');
    if (!this.withdrawal && patched(PATCHES.paymentReceivedEmail)) {
      this.emailInBackground('payment', viaTaskQueue.sendPaymentReceivedEmail({ enrollmentId }));
    }
    return true;
  }

  async issueCertificate() {
    const done = this.completion!;
    const certificate = await viaTaskQueue.issueCertificate({
      enrollmentId: this.enrollmentId,
      completedAt: done.completedAt,
      partnerCertificateUrl: done.certificateUrl,
    });
    this.state.certificate = certificate;
    return certificate;
  }

  emailCertificate(certificate: { id: string; verificationCode: string }) {
    const { enrollmentId } = this;
    return viaTaskQueue.sendCompletionEmail({
      enrollmentId,
      certificateId: certificate.id,
      verificationCode: certificate.verificationCode,
    });
  }

  /**
   * An email the lifecycle does not wait for: the workflow goes on at once, and only its end waits for the email's
   * activity (retried on the task queue while mail is down). A failure that will not be retried is logged, never the
   * enrollment's failure.
   */
  private emailInBackground(kind: string, sending: Promise<unknown>): void {
    this.background.push(
      sending.catch((err: unknown) =>
        log.warn(`the ${kind} email was not sent`, {
          enrollmentId: this.enrollmentId,
          error: err instanceof Error ? err.message : String(err),
        }),
      ),
    );
  }

  recordWioaOutcome() {
    return local.recordWioaOutcome({ enrollmentId: this.enrollmentId, completedAt: this.completion!.completedAt });
  }

  /** The shares are written first; then holders and partners with a Stripe Connect account are paid theirs. */
  shareRevenue() {
    const { enrollmentId } = this;
    return local
      .recordRevenueShare({ enrollmentId, basisCents: this.state.amountCents!, currency: this.input.currency })
      .then(() => viaTaskQueue.transferShares({ enrollmentId }));
  }

  /** The end of the wait without a completion: the program's deadline passed (a WIOA exit, no credential). */
  async expire(): Promise<void> {
    await this.moveTo('expired');
    await local.recordWioaExit({ enrollmentId: this.enrollmentId, exitDate: nowIso() });
  }

  /** Everything a run that continues as new must carry over. */
  carriedOver(): CarriedState {
    return {
      state: this.state,
      payment: this.payment,
      waitStartedAt: new Date(this.waitStartedAt!).toISOString(),
      nudgesSent: [...this.nudgesSent],
      pollIntervalMs: this.pollIntervalMs,
      nextPollAt: this.nextPollAt === undefined ? undefined : new Date(this.nextPollAt).toISOString(),
    };
  }

  /** Before continuing as new: every handler finished, and the work they started and the projection done. */
  async settle(): Promise<void> {
    await condition(allHandlersFinished);
    await Promise.all(this.background);
    await this.projection;
  }

  async finish(): Promise<EnrollmentOutcome> {
    await Promise.all(this.background);
    await this.projection;
    await condition(allHandlersFinished);
    if (this.state.refusal) return { status: 'refused', refusal: this.state.refusal };
    return { status: this.state.status, certificateId: this.state.certificate?.id };
  }

  // ── status, completion and what the Web UI shows ────────────────────────────────────────────────────

  moveTo(status: EnrollmentStatus): Promise<void> {
    const { state } = this;
    const at = nowIso();
    state.status = status;
    state.history.push({ status, at });
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
    this.describe();
    const change = {
      enrollmentId: this.enrollmentId,
      seq: state.history.length,
      status,
      at,
      checkoutUrl: state.checkoutUrl,
      paidAt: state.paidAt,
      launchedAt: state.launchedAt,
      completedAt: state.completedAt,
      completionMethod: state.completionMethod,
    };
    this.projection = this.projection.then(() => local.recordEnrollmentStatus(change));
    return this.projection;
  }

  /** The Web UI's current details: the status, what the workflow waits for, and until when. */
  describe(): void {
    const { state, waitingUntil } = this;
    const last = state.history[state.history.length - 1];
    const waiting = WAITING_FOR[state.status];
    setCurrentDetails(
      [
        `**${state.status}** since ${last?.at ?? nowIso()}`,
        ...(waiting ? [`Waiting for ${waiting}.`] : []),
        ...(waitingUntil && waiting ? [waitingUntil] : []),
      ].join('\n\n'),
    );
  }

  /**
   * The first valid completion wins; the status moves at once so any later report finds the enrollment
   * completed. Every completion, applied or not, is kept as evidence.
   */
  private complete(c: AppliedCompletion): Promise<void> {
    this.completion = c;
    this.state.completedAt = c.completedAt;
    this.state.completionMethod = c.method;
    upsertSearchAttributes([{ key: searchAttributes.completionMethod, value: c.method }]);
    this.background.push(
      local.recordCompletionEvidence({
        enrollmentId: this.enrollmentId,
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
    return this.moveTo('completed');
  }

  /** A partner's report (push, xAPI, import, or the poll's answer): applied when first, else kept as evidence. */
  async applyReport(r: CompletionReport): Promise<ReportOutcome> {
    if (this.completion) {
      await local.recordCompletionEvidence({ enrollmentId: this.enrollmentId, ...r, outcome: 'already_complete' });
      return { outcome: 'already_complete', status: this.state.status };
    }
    await this.complete(r);
    return { outcome: 'applied', status: this.state.status };
  }

  /**
   * Why a completion date is impossible for this enrollment (see completionDateProblem): the bound is the launch, or
   * the start for channels that need no launch. The first status is carried over a continue-as-new; the run's start
   * is not.
   */
  completionDateProblemNow(completedAt: string): string | undefined {
    const started = [this.state.history[0]?.at, workflowInfo().startTime.toISOString()]
      .filter((t): t is string => t !== undefined)
      .sort()[0];
    return completionDateProblem(completedAt, { launchedAt: this.state.launchedAt, startedAt: started, now: Date.now() });
  }

  private requirePossibleCompletionDate(completedAt: string): void {
    const problem = this.completionDateProblemNow(completedAt);
    if (problem) throw invalid(problem, 'completedAt');
  }

  // ── pay ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The opened record, or undefined when it was refused: the refusal already answered the opening update, and the
   * workflow completes as refused, out of the Failed list (filed under EnrollmentStatus `refused`). Anything else
   * that stops the opening (a database that never answers, a bug) fails the workflow: that is for ops to see.
   */
  private async openedOrRefused(): Promise<OpenedEnrollment | undefined> {
    try {
      return await this.opening;
    } catch (err) {
      await condition(allHandlersFinished);
      // Runs recorded before the patch failed here, and replay keeps them so.
      if (!(err instanceof ApplicationFailure && REFUSAL_TYPES.includes(err.type ?? '') && patched(PATCHES.refusalCompletes))) throw err;
      this.state.refusal = { type: err.type as Refusal['type'], message: err.message };
      upsertSearchAttributes([{ key: searchAttributes.status, value: 'refused' }]);
      setCurrentDetails(`**refused** at opening (${err.type}): no enrollment was recorded; the student was answered.`);
      return undefined;
    }
  }

  /**
   * The checkout (for the price, or the co-pay a voucher leaves) is opened once, by whichever asks first (the update
   * sent with the start, or pay()), and the read model shows its URL before the student is answered. If the provider
   * does not answer, the record goes and the enrollment fails here: the API answers 503 and the student may simply
   * try again.
   */
  private openCheckout(): Promise<void> {
    const { enrollmentId, input, state } = this;
    return (this.checkout ??= this.waitedOnBriefly
      .openCheckout({
        enrollmentId,
        amountCents: state.amountDueCents!,
        currency: input.currency,
        expiresAt: new Date(Date.now() + input.paymentWindowMs).toISOString(),
      })
      .then(
        ({ checkoutUrl }) => {
          state.checkoutUrl = checkoutUrl;
          // A withdrawal while the checkout was opening has the last word.
          return state.status === 'pending_payment' ? this.moveTo('pending_payment') : undefined;
        },
        async (err: Error) => {
          await local.discardEnrollmentRecord({ enrollmentId });
          throw ApplicationFailure.nonRetryable(
            `the payment provider did not answer: ${err.message}`,
            FailureType.paymentProviderUnavailable,
          );
        },
      ));
  }

  private async answerOpening(): Promise<OpenResult> {
    const { status } = await this.opening;
    const { state } = this;
    if (status === 'pending_payment' && state.status === 'pending_payment') await this.openCheckout();
    return {
      status: state.status,
      checkoutUrl: state.status === 'pending_payment' ? state.checkoutUrl : undefined,
      amountDueCents: state.amountDueCents!,
    };
  }

  private async takePayment(p: PaymentConfirmation): Promise<void> {
    // A payment is judged against what the record says is due; an enrollment that was never opened takes none.
    if (
      !(await this.opening.then(
        () => true,
        () => false,
      ))
    )
      return;
    const { payment, state, input } = this;
    if (payment?.providerRef === p.providerRef) return; // a redelivered webhook
    const problem = payment
      ? `the enrollment was already paid by ${payment.providerRef}`
      : state.status !== 'pending_payment'
        ? `payment arrived while the enrollment was ${state.status}`
        : p.amountCents !== state.amountDueCents || p.currency !== input.currency
          ? `paid ${p.amountCents} ${p.currency}, the ${state.voucherCents ? 'amount due after the voucher' : 'price'} is ${state.amountDueCents} ${input.currency}`
          : undefined;
    // A payment that cannot count is kept for ops to refund, never silently dropped.
    if (problem) this.background.push(local.recordPayment({ enrollmentId: this.enrollmentId, ...p, status: 'rejected', reason: problem }));
    else this.payment = p;
  }

  private recordVoucherPayment() {
    const { input, state } = this;
    return local.recordPayment({
      enrollmentId: this.enrollmentId,
      provider: input.fundingSource,
      providerRef: this.enrollmentId,
      voucherNumber: input.voucherNumber,
      amountCents: state.voucherCents!,
      currency: input.currency,
      paidAt: state.paidAt!,
      status: 'accepted',
    });
  }

  // ── launch ──────────────────────────────────────────────────────────────────────────────────────────

  private mayLaunch(): void {
    const { status } = this.state;
    if (!LAUNCHABLE_STATUSES.includes(status)) throw conflict(`the course cannot be launched while the enrollment is ${status}`);
  }

  private async launch(): Promise<LaunchResult> {
    const { state } = this;
    if (!this.launching && state.launchUrl) return { launchUrl: state.launchUrl, launchedAt: state.launchedAt! };
    this.launching ??= this.waitedOnBriefly.launchAtPartner({ enrollmentId: this.enrollmentId }).then(
      async ({ launchUrl }) => {
        state.launchUrl = launchUrl;
        state.launchedAt = nowIso();
        if (state.status === 'ready_to_launch') await this.moveTo('in_progress');
      },
      (err: Error) => {
        this.launching = undefined; // let the student try again
        throw ApplicationFailure.nonRetryable(`the partner did not answer: ${err.message}`, FailureType.partnerUnavailable);
      },
    );
    await this.launching;
    return { launchUrl: state.launchUrl!, launchedAt: state.launchedAt! };
  }

  // ── await completion: the student's evidence and the program holder's review ────────────────────────

  private maySubmitEvidence(s: EvidenceSubmission): void {
    const { state } = this;
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
    this.requirePossibleCompletionDate(s.completedAt);
  }

  private async submitEvidence(s: EvidenceSubmission): Promise<SubmissionView> {
    const submittedAt = nowIso();
    const view = { id: s.submissionId, status: 'pending' as const, completedAt: s.completedAt, submittedAt };
    this.state.submissions.push(view);
    await Promise.all([local.recordSubmission({ ...s, enrollmentId: this.enrollmentId, submittedAt }), this.moveTo('awaiting_review')]);
    return view;
  }

  private pendingSubmission(submissionId: string): SubmissionView {
    const { state } = this;
    const s = state.submissions.find((x) => x.id === submissionId);
    if (!s) throw notFound(`submission ${submissionId}`);
    if (s.status !== 'pending') throw conflict(`submission ${submissionId} was already ${s.status}`);
    // Another channel may have completed the enrollment meanwhile: the evidence is no longer reviewed.
    if (state.status !== 'awaiting_review') throw conflict(`the enrollment is already ${state.status}`);
    return s;
  }

  private async approveSubmission({ submissionId, reviewerId }: SubmissionReview): Promise<EnrollmentState> {
    const s = this.pendingSubmission(submissionId);
    s.status = 'approved';
    await Promise.all([
      local.recordSubmissionReview({ submissionId, status: 'approved', reviewerId, reviewedAt: nowIso() }),
      this.complete({ method: 'student_upload', reportId: submissionId, completedAt: s.completedAt, submissionId, reportedBy: reviewerId }),
    ]);
    return this.state;
  }

  private async rejectSubmission({ submissionId, reviewerId, reason }: SubmissionReview & { reason: string }): Promise<EnrollmentState> {
    const s = this.pendingSubmission(submissionId);
    s.status = 'rejected';
    s.reason = reason;
    this.background.push(viaTaskQueue.sendSubmissionRejectedEmail({ enrollmentId: this.enrollmentId, submissionId, reason }));
    await Promise.all([
      local.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId, reason, reviewedAt: nowIso() }),
      this.moveTo('in_progress'),
    ]);
    return this.state;
  }

  private mayMarkComplete(m: MarkComplete): void {
    if (this.state.status === 'pending_payment') throw conflict('the enrollment is not paid yet');
    if (!MARKABLE_STATUSES.includes(this.state.status)) throw conflict(`the enrollment is already ${this.state.status}`);
    this.requirePossibleCompletionDate(m.completedAt);
  }

  private async markComplete(m: MarkComplete): Promise<EnrollmentState> {
    await this.complete({
      method: 'manual',
      reportId: `mark:${uuid4()}`,
      completedAt: m.completedAt,
      certificateUrl: m.certificateUrl,
      notes: m.notes,
      proof: m.proof,
      reportedBy: m.markedBy,
    });
    return this.state;
  }

  private mayReport(r: CompletionReport): void {
    if (this.state.status === 'pending_payment') throw conflict('the enrollment is not paid yet');
    if (!REPORTABLE_STATUSES.includes(this.state.status)) throw conflict(`the enrollment is ${this.state.status}`);
    // Also when already complete: an impossible date is bad input, not evidence.
    this.requirePossibleCompletionDate(r.completedAt);
  }

  // ── withdrawal: the refund follows the program's policy ─────────────────────────────────────────────

  private mayWithdraw(): void {
    if (!this.opened) throw conflict('the enrollment is still being opened');
    if (!WITHDRAWABLE_STATUSES.includes(this.state.status)) throw conflict(`the enrollment is already ${this.state.status}`);
  }

  private async withdraw(w: WithdrawRequest): Promise<WithdrawResult> {
    const { enrollmentId, input, state } = this;
    this.withdrawal = w;
    // Before launch everything paid goes back; after it, the program's share of each part (voucher and checkout).
    const refundOf = (cents: number) => (state.launchedAt ? Math.floor((cents * (input.refundAfterLaunchBps ?? 0)) / 10_000) : cents);
    const entered = state.paidAt !== undefined;
    const voucherRefundCents = entered ? refundOf(state.voucherCents ?? 0) : 0;
    const refundCents = entered ? voucherRefundCents + refundOf((state.amountCents ?? 0) - (state.voucherCents ?? 0)) : 0;
    await Promise.all([
      this.moveTo('withdrawn'),
      // A voucher whose training never started goes back to the student, for another enrollment.
      ...(state.voucherCents && !state.launchedAt ? [local.releaseVoucher({ enrollmentId, at: nowIso() })] : []),
      ...(entered
        ? [
            this.waitedOn.refundPayment({ enrollmentId, amountCents: refundCents, voucherCents: voucherRefundCents, reason: w.reason }),
            local.reverseRevenueShare({ enrollmentId }),
            this.waitedOn.reverseTransfers({ enrollmentId }),
            local.recordWioaExit({ enrollmentId, exitDate: nowIso() }),
          ]
        : []),
    ]);
    return { status: state.status, refundCents, currency: input.currency };
  }
}
