/**
 * One enrollment as an entity: its state, its opening, the status it moves through and projects to the read model, and
 * the work its handlers leave running. The handlers of its messages are in a module per stage (enrollment-payment.ts,
 * enrollment-launch.ts, enrollment-completion.ts, enrollment-withdrawal.ts); `enrollmentWorkflow` (enrollment.ts) wires
 * them and walks the lifecycle.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { interactive, local, viaTaskQueue } from './activity-proxies';
import {
  type CarriedState,
  type Completion,
  type EnrollmentState,
  type EnrollmentStatus,
  type EnrollmentWorkflowInput,
  FailureType,
  type OpenedEnrollment,
  type PaymentConfirmation,
  type Refusal,
  searchAttributes,
  type WithdrawRequest,
} from './messages';

// How a handler refuses a message: FailureType tells the API which problem to answer.
export const conflict = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.conflict);
/** Something the request names that this enrollment does not have; the detail names it for the API's 404. */
export const notFound = (item: string) =>
  ApplicationFailure.nonRetryable(`${item} is not part of this enrollment`, FailureType.notFound, { item });
/** A bad value in the request; the detail names the field, so the API's 400 can name it too. */
export const invalid = (message: string, field: string) => ApplicationFailure.nonRetryable(message, FailureType.invalid, { field });
export const nowIso = () => new Date().toISOString();

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
  /** The record's opening: its answer (the amounts) or the refusal that ends the workflow. */
  readonly opening: Promise<OpenedEnrollment>;
  /** True once the record is written (from the start in a continued run). */
  opened: boolean;
  /** Status changes are projected to the read model one after another, in the order they happened, once the record exists. */
  private projection: Promise<void>;
  /** Work started by handlers that the workflow must see finished before it closes (emails, records). */
  readonly background: Promise<unknown>[] = [];
  /** The checkout, opened once by whichever asks first (see openCheckout in enrollment-payment.ts). */
  checkout: Promise<void> | undefined;
  /** The launch at the partner, once asked for; cleared when it fails, so the student may try again. */
  launching: Promise<void> | undefined;
  readonly waitedOn: ReturnType<typeof interactive>['waitedOn'];
  readonly waitedOnBriefly: ReturnType<typeof interactive>['waitedOnBriefly'];

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

  // ── work the handlers leave running ─────────────────────────────────────────────────────────────────

  /**
   * An email the lifecycle does not wait for: the workflow goes on at once, and only its end waits for the email's
   * activity (retried on the task queue while mail is down). A failure that will not be retried is logged, never the
   * enrollment's failure.
   */
  emailInBackground(kind: string, sending: Promise<unknown>): void {
    this.background.push(
      sending.catch((err: unknown) =>
        log.warn(`the ${kind} email was not sent`, {
          enrollmentId: this.enrollmentId,
          error: err instanceof Error ? err.message : String(err),
        }),
      ),
    );
  }

  // ── the lifecycle's steps after completion, and the deadline ────────────────────────────────────────

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

  // ── the end of a run ────────────────────────────────────────────────────────────────────────────────

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

  // ── status and what the Web UI shows ────────────────────────────────────────────────────────────────

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
}
