/**
 * One enrollment, start to finish: pay → launch → await completion → certificate → email → WIOA → revenue share.
 * The main function reads top to bottom like the lifecycle; message handlers record facts and move the status.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  uuid4,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnrollmentActivities } from '../activities';
import {
  approveSubmissionUpdate,
  type Completion,
  type CompletionReport,
  type EnrollmentState,
  type EnrollmentStatus,
  type EnrollmentWorkflowInput,
  type MarkComplete,
  FailureType,
  interactiveTaskQueue,
  LAUNCHABLE_STATUSES,
  launchUpdate,
  MARKABLE_STATUSES,
  markCompleteUpdate,
  MAX_SUBMISSIONS,
  type OpenedEnrollment,
  openEnrollmentUpdate,
  type PaymentConfirmation,
  type PartnerCompletionCheck,
  paymentConfirmedSignal,
  rejectSubmissionUpdate,
  REPORTABLE_STATUSES,
  reportCompletionUpdate,
  type ReportOutcome,
  searchAttributes,
  statusQuery,
  submitEvidenceUpdate,
  WITHDRAWABLE_STATUSES,
  type WithdrawRequest,
  withdrawUpdate,
} from './messages';
import { completionDateProblem } from './completion-date';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

const acts = proxyActivities<EnrollmentActivities>({ startToCloseTimeout: '30s', retry: RETRY });
/**
 * Writes to the platform's own database (the read model, payments, evidence, reviews, WIOA rows, ledger): short and
 * idempotent, so the workflow's own worker runs them as local activities: no task-queue round trip, one marker event
 * each instead of three events and often a workflow task of their own.
 */
const records = proxyLocalActivities<EnrollmentActivities>({ startToCloseTimeout: '10s', retry: RETRY });

const conflict = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.conflict);
const notFound = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.notFound);
/** A bad value in the request; the detail names the field, so the API's 400 can name it too. */
const invalid = (message: string, field: string) => ApplicationFailure.nonRetryable(message, FailureType.invalid, { field });
const nowIso = () => new Date().toISOString();
const DAY_MS = 86_400_000;
/** A run continues as new well before this many events, so even a year of daily polls keeps each history small. */
const CONTINUE_AS_NEW_AFTER_EVENTS = 1_000;
/** Statuses in which the partner is asked whether the student finished (the course has been launched). */
const POLLED_STATUSES: readonly EnrollmentStatus[] = ['in_progress', 'awaiting_review'];

const WAITING_FOR: Partial<Record<EnrollmentStatus, string>> = {
  pending_payment: 'the student to pay at checkout',
  ready_to_launch: 'the student to launch the course at the partner',
  in_progress: 'completion: a student upload, a partner report or the program holder’s mark',
  awaiting_review: 'the program holder to review the uploaded evidence',
  completed: 'the certificate, email, WIOA record and revenue share',
};

export interface EnrollmentOutcome {
  status: EnrollmentStatus;
  certificateId?: string;
}

export async function enrollmentWorkflow(input: EnrollmentWorkflowInput): Promise<EnrollmentOutcome> {
  const { enrollmentId, carried } = input;
  // Outside calls a caller waits on run on the interactive queue (see interactiveTaskQueue), the rest on the workflow's own.
  const taskQueue = interactiveTaskQueue(workflowInfo().taskQueue);
  const answerActs = proxyActivities<EnrollmentActivities>({ taskQueue, startToCloseTimeout: '30s', retry: RETRY });
  // A student waits on these answers, so a partner or payment provider that does not answer fails the request
  // after a few tries instead of hanging it.
  const interactiveActs = proxyActivities<EnrollmentActivities>({ taskQueue, startToCloseTimeout: '10s', retry: { ...RETRY, maximumAttempts: 3 } });
  const state: EnrollmentState = carried?.state ?? {
    enrollmentId,
    // Until the record is written (the first step below), nothing but its opening and a withdrawal is possible.
    status: 'pending_payment',
    fundingSource: input.fundingSource,
    currency: input.currency,
    submissions: [],
    history: [],
  };
  let payment: PaymentConfirmation | undefined = carried?.payment;
  let completion: Completion | undefined;
  let withdrawal: WithdrawRequest | undefined;
  /** The wait for completion: deadline and reminders count from its start (payment or funding). */
  let waitStartedAt = carried ? Date.parse(carried.waitStartedAt) : undefined;
  const nudgesSent = new Set(carried?.nudgesSent ?? []);
  let pollIntervalMs = carried?.pollIntervalMs ?? input.polling?.intervalMs;
  let nextPollAt = carried?.nextPollAt ? Date.parse(carried.nextPollAt) : undefined;
  let waitingUntil: string | undefined;
  /** Work started by handlers that the workflow must see finished before it closes (emails, records). */
  const background: Promise<unknown>[] = [];

  // ── open: the enrollment's record is written by this workflow, so the two exist together or not at all ──────
  // The database refuses a second open enrollment in the program and a used or unusable voucher; the refusal is the
  // answer of the opening update, and this workflow then ends without an enrollment.
  const opening: Promise<OpenedEnrollment> = carried
    ? Promise.resolve({
      status: 'ready_to_launch', voucherCents: carried.state.voucherCents ?? 0, amountDueCents: carried.state.amountDueCents ?? 0,
    })
    : records.openEnrollmentRecord({
      enrollmentId, programId: input.programId, studentId: input.studentId, fundingSource: input.fundingSource,
      voucherNumber: input.voucherNumber, priceCents: input.priceCents, currency: input.currency,
      openedAt: workflowInfo().startTime.toISOString(),
    }).then(
      (opened) => {
        state.status = opened.status;
        state.voucherCents = opened.voucherCents;
        state.amountDueCents = opened.amountDueCents;
        return opened;
      },
      (err) => {
        throw err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
      },
    );
  let opened = carried !== undefined;
  void opening.then(() => (opened = true), () => undefined);

  // Status changes are projected to the read model one after another, in the order they happened, once the record exists.
  let projection: Promise<void> = opening.then(() => undefined, () => undefined);
  function moveTo(status: EnrollmentStatus): Promise<void> {
    const at = nowIso();
    state.status = status;
    state.history.push({ status, at });
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
    describe();
    const change = {
      enrollmentId, seq: state.history.length, status, at,
      checkoutUrl: state.checkoutUrl, paidAt: state.paidAt, launchedAt: state.launchedAt,
      completedAt: state.completedAt, completionMethod: state.completionMethod,
    };
    projection = projection.then(() => records.recordEnrollmentStatus(change));
    return projection;
  }

  /** The Web UI's current details: the status, what the workflow waits for, and until when. */
  function describe() {
    const last = state.history[state.history.length - 1];
    const waiting = WAITING_FOR[state.status];
    setCurrentDetails([
      `**${state.status}** since ${last?.at ?? nowIso()}`,
      ...(waiting ? [`Waiting for ${waiting}.`] : []),
      ...(waitingUntil && waiting ? [waitingUntil] : []),
    ].join('\n\n'));
  }

  /**
   * The first valid completion wins; the status moves at once so any later report finds the enrollment
   * completed. Every completion, applied or not, is kept as evidence.
   */
  function complete(c: Completion & { reportId: string; score?: number; evidenceUrl?: string }): Promise<void> {
    completion = c;
    state.completedAt = c.completedAt;
    state.completionMethod = c.method;
    upsertSearchAttributes([{ key: searchAttributes.completionMethod, value: c.method }]);
    background.push(records.recordCompletionEvidence({
      enrollmentId, method: c.method, reportId: c.reportId, completedAt: c.completedAt, reportedBy: c.reportedBy,
      score: c.score, evidenceUrl: c.evidenceUrl ?? c.certificateUrl, outcome: 'applied',
    }));
    return moveTo('completed');
  }

  async function applyReport(r: CompletionReport): Promise<ReportOutcome> {
    if (completion) {
      await records.recordCompletionEvidence({ enrollmentId, ...r, outcome: 'already_complete' });
      return { outcome: 'already_complete', status: state.status };
    }
    await complete(r);
    return { outcome: 'applied', status: state.status };
  }

  /**
   * Why a completion date is impossible for this enrollment (see completionDateProblem): the bound is the launch, or
   * the start for channels that need no launch. The first status is carried over a continue-as-new; the run's start
   * is not.
   */
  const completionDateProblemNow = (completedAt: string) => {
    const started = [state.history[0]?.at, workflowInfo().startTime.toISOString()].filter((t): t is string => t !== undefined).sort()[0];
    return completionDateProblem(completedAt, { launchedAt: state.launchedAt, startedAt: started, now: Date.now() });
  };
  const requirePossibleCompletionDate = (completedAt: string) => {
    const problem = completionDateProblemNow(completedAt);
    if (problem) throw invalid(problem, 'completedAt');
  };

  setHandler(statusQuery, () => state);

  // ── pay ──────────────────────────────────────────────────────────────────────────────────────────────
  // The checkout (for the price, or the co-pay a voucher leaves) is opened once, by whichever asks first (the update
  // sent with the start, or the main flow), and the read model shows its URL before the student is answered. If the
  // provider does not answer, the record goes and the enrollment fails here: the API answers 503 and the student may
  // simply try again.
  let checkout: Promise<void> | undefined;
  const openCheckout = () =>
    (checkout ??= interactiveActs
      .openCheckout({
        enrollmentId, amountCents: state.amountDueCents!, currency: input.currency,
        expiresAt: new Date(Date.now() + input.paymentWindowMs).toISOString(),
      })
      .then(
        ({ checkoutUrl }) => {
          state.checkoutUrl = checkoutUrl;
          // A withdrawal while the checkout was opening has the last word.
          return state.status === 'pending_payment' ? moveTo('pending_payment') : undefined;
        },
        async (err) => {
          await records.discardEnrollmentRecord({ enrollmentId });
          throw ApplicationFailure.nonRetryable(`the payment provider did not answer: ${err.message}`, FailureType.paymentProviderUnavailable);
        },
      ));

  setHandler(openEnrollmentUpdate, async () => {
    const { status } = await opening;
    if (status === 'pending_payment' && state.status === 'pending_payment') await openCheckout();
    return {
      status: state.status, checkoutUrl: state.status === 'pending_payment' ? state.checkoutUrl : undefined, amountDueCents: state.amountDueCents!,
    };
  });

  setHandler(paymentConfirmedSignal, async (p) => {
    // A payment is judged against what the record says is due; an enrollment that was never opened takes none.
    if (!(await opening.then(() => true, () => false))) return;
    if (payment?.providerRef === p.providerRef) return; // a redelivered webhook
    const problem =
      payment ? `the enrollment was already paid by ${payment.providerRef}`
      : state.status !== 'pending_payment' ? `payment arrived while the enrollment was ${state.status}`
      : p.amountCents !== state.amountDueCents || p.currency !== input.currency
        ? `paid ${p.amountCents} ${p.currency}, the ${state.voucherCents ? 'amount due after the voucher' : 'price'} is ${state.amountDueCents} ${input.currency}`
        : undefined;
    // A payment that cannot count is kept for ops to refund, never silently dropped.
    if (problem) background.push(records.recordPayment({ enrollmentId, ...p, status: 'rejected', reason: problem }));
    else payment = p;
  });

  // ── launch ───────────────────────────────────────────────────────────────────────────────────────────
  let launching: Promise<void> | undefined;
  setHandler(
    launchUpdate,
    async () => {
      if (!launching && state.launchUrl) return { launchUrl: state.launchUrl, launchedAt: state.launchedAt! };
      launching ??= interactiveActs.launchAtPartner({ enrollmentId }).then(
        async ({ launchUrl }) => {
          state.launchUrl = launchUrl;
          state.launchedAt = nowIso();
          if (state.status === 'ready_to_launch') await moveTo('in_progress');
        },
        (err) => {
          launching = undefined; // let the student try again
          throw ApplicationFailure.nonRetryable(`the partner did not answer: ${err.message}`, FailureType.partnerUnavailable);
        },
      );
      await launching;
      return { launchUrl: state.launchUrl!, launchedAt: state.launchedAt! };
    },
    {
      validator: () => {
        if (!LAUNCHABLE_STATUSES.includes(state.status)) throw conflict(`the course cannot be launched while the enrollment is ${state.status}`);
      },
    },
  );

  // ── await completion: the student's evidence and the program holder's review ─────────────────────────
  setHandler(
    submitEvidenceUpdate,
    async (s) => {
      const submittedAt = nowIso();
      const view = { id: s.submissionId, status: 'pending' as const, completedAt: s.completedAt, submittedAt };
      state.submissions.push(view);
      await Promise.all([records.recordSubmission({ ...s, enrollmentId, submittedAt }), moveTo('awaiting_review')]);
      return view;
    },
    {
      validator: (s) => {
        if (state.status !== 'in_progress') {
          throw conflict(state.status === 'awaiting_review'
            ? 'earlier evidence is still waiting for review'
            : `evidence cannot be submitted while the enrollment is ${state.status}`);
        }
        if (state.submissions.some((x) => x.id === s.submissionId)) throw conflict(`submission ${s.submissionId} exists already`);
        if (state.submissions.length >= MAX_SUBMISSIONS) throw conflict(`at most ${MAX_SUBMISSIONS} submissions per enrollment`);
        // Checked here, at submission: the holder's approval later takes the date as the student gave it.
        requirePossibleCompletionDate(s.completedAt);
      },
    },
  );

  const pendingSubmission = (submissionId: string) => {
    const s = state.submissions.find((x) => x.id === submissionId);
    if (!s) throw notFound(`submission ${submissionId} is not part of this enrollment`);
    if (s.status !== 'pending') throw conflict(`submission ${submissionId} was already ${s.status}`);
    // Another channel may have completed the enrollment meanwhile: the evidence is no longer reviewed.
    if (state.status !== 'awaiting_review') throw conflict(`the enrollment is already ${state.status}`);
    return s;
  };

  setHandler(
    approveSubmissionUpdate,
    async ({ submissionId, reviewerId }) => {
      const s = pendingSubmission(submissionId);
      s.status = 'approved';
      await Promise.all([
        records.recordSubmissionReview({ submissionId, status: 'approved', reviewerId, reviewedAt: nowIso() }),
        complete({ method: 'student_upload', reportId: submissionId, completedAt: s.completedAt, submissionId, reportedBy: reviewerId }),
      ]);
      return state;
    },
    { validator: ({ submissionId }) => void pendingSubmission(submissionId) },
  );

  setHandler(
    rejectSubmissionUpdate,
    async ({ submissionId, reviewerId, reason }) => {
      const s = pendingSubmission(submissionId);
      s.status = 'rejected';
      s.reason = reason;
      background.push(acts.sendSubmissionRejectedEmail({ enrollmentId, submissionId, reason }));
      await Promise.all([
        records.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId, reason, reviewedAt: nowIso() }),
        moveTo('in_progress'),
      ]);
      return state;
    },
    { validator: ({ submissionId }) => void pendingSubmission(submissionId) },
  );

  setHandler(
    markCompleteUpdate,
    async (m) => {
      await complete({
        method: 'manual', reportId: `mark:${uuid4()}`, completedAt: m.completedAt, certificateUrl: m.certificateUrl, notes: m.notes,
        reportedBy: m.markedBy,
      });
      return state;
    },
    {
      validator: (m: MarkComplete) => {
        if (state.status === 'pending_payment') throw conflict('the enrollment is not paid yet');
        if (!MARKABLE_STATUSES.includes(state.status)) throw conflict(`the enrollment is already ${state.status}`);
        requirePossibleCompletionDate(m.completedAt);
      },
    },
  );

  setHandler(reportCompletionUpdate, (r) => applyReport(r), {
    validator: (r: CompletionReport) => {
      if (state.status === 'pending_payment') throw conflict('the enrollment is not paid yet');
      if (!REPORTABLE_STATUSES.includes(state.status)) throw conflict(`the enrollment is ${state.status}`);
      // Also when already complete: an impossible date is bad input, not evidence.
      requirePossibleCompletionDate(r.completedAt);
    },
  });

  // ── withdrawal: the refund follows the program's policy ─────────────────────────────────────────────
  setHandler(
    withdrawUpdate,
    async (w) => {
      withdrawal = w;
      // Before launch everything paid goes back; after it, the program's share of each part (voucher and checkout).
      const refundOf = (cents: number) => (state.launchedAt ? Math.floor((cents * (input.refundAfterLaunchBps ?? 0)) / 10_000) : cents);
      const entered = state.paidAt !== undefined;
      const voucherRefundCents = entered ? refundOf(state.voucherCents ?? 0) : 0;
      const refundCents = entered ? voucherRefundCents + refundOf((state.amountCents ?? 0) - (state.voucherCents ?? 0)) : 0;
      await Promise.all([
        moveTo('withdrawn'),
        // A voucher whose training never started goes back to the student, for another enrollment.
        ...(state.voucherCents && !state.launchedAt ? [records.releaseVoucher({ enrollmentId, at: nowIso() })] : []),
        ...(entered ? [
          answerActs.refundPayment({ enrollmentId, amountCents: refundCents, voucherCents: voucherRefundCents, reason: w.reason }),
          records.reverseRevenueShare({ enrollmentId }),
          answerActs.reverseTransfers({ enrollmentId }),
          records.recordWioaExit({ enrollmentId, exitDate: nowIso() }),
        ] : []),
      ]);
      return { status: state.status, refundCents, currency: input.currency };
    },
    {
      validator: (_w: WithdrawRequest) => {
        if (!opened) throw conflict('the enrollment is still being opened');
        if (!WITHDRAWABLE_STATUSES.includes(state.status)) throw conflict(`the enrollment is already ${state.status}`);
      },
    },
  );

  // ── the lifecycle ────────────────────────────────────────────────────────────────────────────────────
  const voucherPayment = () => records.recordPayment({
    enrollmentId, provider: input.fundingSource, providerRef: enrollmentId, voucherNumber: input.voucherNumber,
    amountCents: state.voucherCents!, currency: input.currency, paidAt: state.paidAt!, status: 'accepted',
  });
  if (carried) {
    // A continued run: paid and waiting for completion already.
  } else if ((await openedOrRefused()).status === 'pending_payment') {
    // The price, or the co-pay a voucher leaves, is paid at checkout.
    await openCheckout();
    const settled = await condition(() => payment !== undefined || withdrawal !== undefined, input.paymentWindowMs);
    if (withdrawal) return finish();
    if (!settled) {
      await Promise.all([
        moveTo('payment_expired'),
        ...(state.voucherCents ? [records.releaseVoucher({ enrollmentId, at: nowIso() })] : []),
      ]);
      return finish();
    }
    state.paidAt = payment!.paidAt;
    state.amountCents = state.voucherCents! + payment!.amountCents;
    await Promise.all([
      records.recordPayment({ enrollmentId, ...payment!, status: 'accepted' }),
      ...(state.voucherCents ? [voucherPayment()] : []),
    ]);
    await moveTo('ready_to_launch');
  } else {
    // A WIOA voucher or a sponsor funds the whole price: no checkout, ready to launch from the start.
    state.paidAt = workflowInfo().startTime.toISOString();
    state.amountCents = state.voucherCents;
    await Promise.all([moveTo('ready_to_launch'), voucherPayment()]);
  }

  waitStartedAt ??= Date.now();

  const waited = await awaitCompletion();
  if (waited === 'continue') {
    return continueAsNew<typeof enrollmentWorkflow>({
      ...input,
      carried: {
        state, payment, waitStartedAt: new Date(waitStartedAt).toISOString(), nudgesSent: [...nudgesSent], pollIntervalMs,
        nextPollAt: nextPollAt === undefined ? undefined : new Date(nextPollAt).toISOString(),
      },
    });
  }
  if (waited !== 'completed') return finish();
  const done = completion!;
  const certificate = await acts.issueCertificate({
    enrollmentId, completedAt: done.completedAt, partnerCertificateUrl: done.certificateUrl,
  });
  state.certificate = certificate;
  await Promise.all([
    acts.sendCompletionEmail({ enrollmentId, certificateId: certificate.id, verificationCode: certificate.verificationCode }),
    records.recordWioaOutcome({ enrollmentId, completedAt: done.completedAt }),
    // The shares are written first; then holders and partners with a Stripe Connect account are paid theirs.
    records.recordRevenueShare({ enrollmentId, basisCents: state.amountCents!, currency: input.currency })
      .then(() => acts.transferShares({ enrollmentId })),
  ]);
  await moveTo('closed');
  return finish();

  /**
   * Waits for the first completion, a withdrawal or the program's deadline; meanwhile asks the partner on a durable
   * timer (backing off while it fails) and reminds the student on the program's schedule.
   */
  async function awaitCompletion(): Promise<'completed' | 'withdrawn' | 'expired' | 'continue'> {
    const started = waitStartedAt!;
    const deadlineAt = input.deadlineDays ? started + input.deadlineDays * DAY_MS : undefined;
    if (deadlineAt !== undefined) state.deadlineAt = new Date(deadlineAt).toISOString();
    const nudgeDays = [...(input.nudgeDays ?? [])].sort((a, b) => a - b);
    // Reminders count from the launch (from the start of the wait while the student has not launched yet).
    const nudgeAt = (day: number) => (state.launchedAt ? Date.parse(state.launchedAt) : started) + day * DAY_MS;
    const polling = input.polling;
    const partner = polling && proxyActivities<{ checkPartnerCompletion(r: { enrollmentId: string }): Promise<PartnerCompletionCheck> }>({
      taskQueue: polling.taskQueue, startToCloseTimeout: '30s', retry: { ...RETRY, maximumAttempts: 2 },
    });
    const pollingNow = () => partner !== undefined && POLLED_STATUSES.includes(state.status);

    for (;;) {
      if (withdrawal) return 'withdrawn';
      if (completion) return 'completed';
      const now = Date.now();
      if (deadlineAt !== undefined && now >= deadlineAt) {
        await moveTo('expired');
        await records.recordWioaExit({ enrollmentId, exitDate: nowIso() });
        return 'expired';
      }
      const dueNudge = nudgeDays.find((day) => !nudgesSent.has(day) && nudgeAt(day) <= now);
      if (dueNudge !== undefined) {
        nudgesSent.add(dueNudge);
        // A student whose evidence waits for review has done their part: no reminder.
        if (state.status !== 'awaiting_review') await acts.sendNudgeEmail({ enrollmentId, day: dueNudge });
        continue;
      }
      if (pollingNow()) {
        nextPollAt ??= now + pollIntervalMs!;
        if (now >= nextPollAt) {
          try {
            const check = await partner!.checkPartnerCompletion({ enrollmentId });
            // A date the enrollment cannot have is an unreadable answer: never applied, asked again later.
            const dateProblem = check.completed ? completionDateProblemNow(check.completedAt) : undefined;
            if (dateProblem) throw new Error(`the partner's answer is unreadable: ${dateProblem}`);
            pollIntervalMs = polling!.intervalMs;
            if (check.completed && !completion && !withdrawal) {
              await applyReport({
                method: 'partner_api', reportId: `poll:${check.completedAt}`, completedAt: check.completedAt,
                reportedBy: `partner:${input.partnerId}`, score: check.score,
              });
            }
          } catch {
            // A partner that is down or answers garbage delays completion; it never fails the enrollment.
            pollIntervalMs = Math.min(pollIntervalMs! * 2, polling!.maxIntervalMs);
          }
          nextPollAt = Date.now() + pollIntervalMs!;
          continue;
        }
      }
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength >= CONTINUE_AS_NEW_AFTER_EVENTS) {
        await condition(allHandlersFinished);
        await Promise.all(background);
        await projection;
        if (!completion && !withdrawal) return 'continue';
        continue;
      }

      const wakeAt = Math.min(
        deadlineAt ?? Infinity,
        ...nudgeDays.filter((day) => !nudgesSent.has(day)).map(nudgeAt),
        pollingNow() ? nextPollAt! : Infinity,
      );
      const nextNudge = nudgeDays.find((day) => !nudgesSent.has(day));
      waitingUntil = [
        deadlineAt !== undefined ? `Deadline ${new Date(deadlineAt).toISOString()}.` : '',
        pollingNow() ? `Next partner check ${new Date(nextPollAt!).toISOString()}.` : '',
        nextNudge !== undefined ? `Next reminder (day ${nextNudge}) ${new Date(nudgeAt(nextNudge)).toISOString()}.` : '',
      ].filter(Boolean).join(' ');
      describe();
      const polledBefore = pollingNow();
      const wake = () => completion !== undefined || withdrawal !== undefined || pollingNow() !== polledBefore;
      if (wakeAt === Infinity) await condition(wake);
      else await condition(wake, Math.max(1, wakeAt - Date.now()));
    }
  }

  /** The opened record, or (refused) the end of this workflow: the refusal already answered the opening update. */
  async function openedOrRefused(): Promise<OpenedEnrollment> {
    try {
      return await opening;
    } catch (err) {
      await condition(allHandlersFinished);
      throw err;
    }
  }

  async function finish(): Promise<EnrollmentOutcome> {
    await Promise.all(background);
    await projection;
    await condition(allHandlersFinished);
    return { status: state.status, certificateId: state.certificate?.id };
  }
}
