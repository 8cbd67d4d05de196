/**
 * One enrollment, start to finish: pay → launch → await completion → certificate → email → WIOA → revenue share.
 * The main function reads top to bottom like the lifecycle; message handlers record facts and move the status.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnrollmentActivities } from '../activities';
import {
  approveSubmissionUpdate,
  type Completion,
  type EnrollmentState,
  type EnrollmentStatus,
  type EnrollmentWorkflowInput,
  type MarkComplete,
  FailureType,
  LAUNCHABLE_STATUSES,
  launchUpdate,
  MARKABLE_STATUSES,
  markCompleteUpdate,
  MAX_SUBMISSIONS,
  openCheckoutUpdate,
  type PaymentConfirmation,
  paymentConfirmedSignal,
  rejectSubmissionUpdate,
  searchAttributes,
  statusQuery,
  submitEvidenceUpdate,
} from './messages';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;

const acts = proxyActivities<EnrollmentActivities>({ startToCloseTimeout: '30s', retry: RETRY });
// A student waits on these answers, so a partner or payment provider that does not answer fails the request
// after a few tries instead of hanging it.
const interactiveActs = proxyActivities<EnrollmentActivities>({ startToCloseTimeout: '10s', retry: { ...RETRY, maximumAttempts: 3 } });

const conflict = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.conflict);
const notFound = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.notFound);
const nowIso = () => new Date().toISOString();

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
  const { enrollmentId } = input;
  const state: EnrollmentState = {
    enrollmentId,
    status: input.fundingSource === 'self_pay' ? 'pending_payment' : 'ready_to_launch',
    fundingSource: input.fundingSource,
    currency: input.currency,
    submissions: [],
    history: [],
  };
  let payment: PaymentConfirmation | undefined;
  let completion: Completion | undefined;
  /** Work started by handlers that the workflow must see finished before it closes (emails, records). */
  const background: Promise<unknown>[] = [];

  // Status changes are projected to the read model one after another, in the order they happened.
  let projection: Promise<void> = Promise.resolve();
  function moveTo(status: EnrollmentStatus): Promise<void> {
    const at = nowIso();
    state.status = status;
    state.history.push({ status, at });
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
    const waiting = WAITING_FOR[status];
    setCurrentDetails(`**${status}** since ${at}${waiting ? `\n\nWaiting for ${waiting}.` : ''}`);
    const change = {
      enrollmentId, seq: state.history.length, status, at,
      checkoutUrl: state.checkoutUrl, paidAt: state.paidAt, launchedAt: state.launchedAt,
      completedAt: state.completedAt, completionMethod: state.completionMethod,
    };
    projection = projection.then(() => acts.recordEnrollmentStatus(change));
    return projection;
  }

  /** The first valid completion wins; the status moves at once so any later report finds the enrollment completed. */
  function complete(c: Completion): Promise<void> {
    completion = c;
    state.completedAt = c.completedAt;
    state.completionMethod = c.method;
    upsertSearchAttributes([{ key: searchAttributes.completionMethod, value: c.method }]);
    return moveTo('completed');
  }

  setHandler(statusQuery, () => state);

  // ── pay ──────────────────────────────────────────────────────────────────────────────────────────────
  // The checkout is opened once, by whichever asks first (the update sent with the start, or the main flow),
  // and the read model shows its URL before the student is answered. If the provider does not answer, the
  // enrollment fails here and the API, which started it, answers 503 and removes it.
  let checkout: Promise<void> | undefined;
  const openCheckout = () =>
    (checkout ??= interactiveActs
      .openCheckout({
        enrollmentId, amountCents: input.priceCents, currency: input.currency,
        expiresAt: new Date(Date.now() + input.paymentWindowMs).toISOString(),
      })
      .then(
        ({ checkoutUrl }) => {
          state.checkoutUrl = checkoutUrl;
          return moveTo('pending_payment');
        },
        (err) => {
          throw ApplicationFailure.nonRetryable(`the payment provider did not answer: ${err.message}`, FailureType.paymentProviderUnavailable);
        },
      ));

  setHandler(openCheckoutUpdate, async () => {
    if (input.fundingSource === 'self_pay' && state.status === 'pending_payment') await openCheckout();
    return { status: state.status, checkoutUrl: state.status === 'pending_payment' ? state.checkoutUrl : undefined };
  });

  setHandler(paymentConfirmedSignal, (p) => {
    if (payment?.providerRef === p.providerRef) return; // a redelivered webhook
    const problem =
      payment ? `the enrollment was already paid by ${payment.providerRef}`
      : state.status !== 'pending_payment' ? `payment arrived while the enrollment was ${state.status}`
      : p.amountCents !== input.priceCents || p.currency !== input.currency
        ? `paid ${p.amountCents} ${p.currency}, the price is ${input.priceCents} ${input.currency}`
        : undefined;
    // A payment that cannot count is kept for ops to refund, never silently dropped.
    if (problem) background.push(acts.recordPayment({ enrollmentId, ...p, status: 'rejected', reason: problem }));
    else payment = p;
  });

  // ── launch ───────────────────────────────────────────────────────────────────────────────────────────
  let launching: Promise<void> | undefined;
  setHandler(
    launchUpdate,
    async () => {
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
      await Promise.all([acts.recordSubmission({ ...s, enrollmentId, submittedAt }), moveTo('awaiting_review')]);
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
        acts.recordSubmissionReview({ submissionId, status: 'approved', reviewerId, reviewedAt: nowIso() }),
        complete({ method: 'student_upload', completedAt: s.completedAt, submissionId, reportedBy: reviewerId }),
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
        acts.recordSubmissionReview({ submissionId, status: 'rejected', reviewerId, reason, reviewedAt: nowIso() }),
        moveTo('in_progress'),
      ]);
      return state;
    },
    { validator: ({ submissionId }) => void pendingSubmission(submissionId) },
  );

  setHandler(
    markCompleteUpdate,
    async (m) => {
      await complete({ method: 'manual', completedAt: m.completedAt, certificateUrl: m.certificateUrl, notes: m.notes, reportedBy: m.markedBy });
      return state;
    },
    {
      validator: (_m: MarkComplete) => {
        if (state.status === 'pending_payment') throw conflict('the enrollment is not paid yet');
        if (!MARKABLE_STATUSES.includes(state.status)) throw conflict(`the enrollment is already ${state.status}`);
      },
    },
  );

  // ── the lifecycle ────────────────────────────────────────────────────────────────────────────────────
  if (input.fundingSource === 'self_pay') {
    await openCheckout();
    const paid = await condition(() => payment !== undefined, input.paymentWindowMs);
    if (!paid) {
      await moveTo('payment_expired');
      return finish();
    }
    state.paidAt = payment!.paidAt;
    state.amountCents = payment!.amountCents;
    await acts.recordPayment({ enrollmentId, ...payment!, status: 'accepted' });
    await moveTo('ready_to_launch');
  } else {
    // A WIOA voucher or a sponsor funds the program's price: no checkout, ready to launch from the start.
    state.paidAt = workflowInfo().startTime.toISOString();
    state.amountCents = input.priceCents;
    await Promise.all([
      moveTo('ready_to_launch'),
      acts.recordPayment({
        enrollmentId, provider: input.fundingSource, providerRef: enrollmentId, voucherNumber: input.voucherNumber,
        amountCents: input.priceCents, currency: input.currency, paidAt: state.paidAt, status: 'accepted',
      }),
    ]);
  }

  await condition(() => completion !== undefined);
  const done = completion!;
  const certificate = await acts.issueCertificate({
    enrollmentId, completedAt: done.completedAt, partnerCertificateUrl: done.certificateUrl,
  });
  state.certificate = certificate;
  await Promise.all([
    acts.sendCompletionEmail({ enrollmentId, certificateId: certificate.id, verificationCode: certificate.verificationCode }),
    acts.recordWioaOutcome({ enrollmentId, completedAt: done.completedAt }),
    acts.recordRevenueShare({ enrollmentId, basisCents: state.amountCents!, currency: input.currency }),
  ]);
  await moveTo('closed');
  return finish();

  async function finish(): Promise<EnrollmentOutcome> {
    await Promise.all(background);
    await projection;
    await condition(allHandlersFinished);
    return { status: state.status, certificateId: state.certificate?.id };
  }
}
