/**
 * The enrollment's first stage, from its opening to ready to launch: the answer to the opening update, the checkout,
 * the payment the provider's webhook confirms, or the funding (a WIOA voucher, a sponsor) that needs none.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { local, viaTaskQueue } from './activity-proxies';
import { type Enrollment, nowIso, PATCHES } from './enrollment-entity';
import { FailureType, type OpenedEnrollment, type OpenResult, type PaymentConfirmation, type Refusal, searchAttributes } from './messages';

/** The opening's refusals: bad input the student is answered about, never a failure of the workflow. */
const REFUSAL_TYPES: readonly string[] = [FailureType.voucherUnusable, FailureType.conflict] satisfies Refusal['type'][];

/**
 * Paid at checkout (the price, or the co-pay a voucher leaves) or funded in full by a WIOA voucher or a sponsor:
 * true when the enrollment is then ready to launch; false when it ended unpaid (withdrawn, the window passed) or was
 * refused at its opening.
 */
export async function pay(enrollment: Enrollment): Promise<boolean> {
  const { enrollmentId, input, state } = enrollment;
  const opened = await openedOrRefused(enrollment);
  if (!opened) return false;
  if (opened.status !== 'pending_payment') {
    // Funded: no checkout, ready to launch from the start.
    state.paidAt = workflowInfo().startTime.toISOString();
    state.amountCents = state.voucherCents;
    await Promise.all([enrollment.moveTo('ready_to_launch'), recordVoucherPayment(enrollment)]);
    if (patched(PATCHES.enrolledEmail)) enrollment.emailInBackground('enrollment', viaTaskQueue.sendEnrolledEmail({ enrollmentId }));
    return true;
  }
  await openCheckout(enrollment);
  // The email carries the checkout's URL, so it goes once the checkout is open (and not after a withdrawal meanwhile).
  if (state.status === 'pending_payment' && patched(PATCHES.enrolledEmail)) {
    enrollment.emailInBackground('enrollment', viaTaskQueue.sendEnrolledEmail({ enrollmentId }));
  }
  const settled = await condition(() => enrollment.payment !== undefined || enrollment.withdrawal !== undefined, input.paymentWindowMs);
  if (enrollment.withdrawal) return false;
  if (!settled) {
    await Promise.all([
      enrollment.moveTo('payment_expired'),
      ...(state.voucherCents ? [local.releaseVoucher({ enrollmentId, at: nowIso() })] : []),
    ]);
    return false;
  }
  const payment = enrollment.payment!;
  state.paidAt = payment.paidAt;
  state.amountCents = state.voucherCents! + payment.amountCents;
  await Promise.all([
    local.recordPayment({ enrollmentId, ...payment, status: 'accepted' }),
    ...(state.voucherCents ? [recordVoucherPayment(enrollment)] : []),
  ]);
  await enrollment.moveTo('ready_to_launch');
  if (!enrollment.withdrawal && patched(PATCHES.paymentReceivedEmail)) {
    enrollment.emailInBackground('payment', viaTaskQueue.sendPaymentReceivedEmail({ enrollmentId }));
  }
  return true;
}

/**
 * The opened record, or undefined when it was refused: the refusal already answered the opening update, and the
 * workflow completes as refused, out of the Failed list (filed under EnrollmentStatus `refused`). Anything else
 * that stops the opening (a database that never answers, a bug) fails the workflow: that is for ops to see.
 */
async function openedOrRefused(enrollment: Enrollment): Promise<OpenedEnrollment | undefined> {
  try {
    return await enrollment.opening;
  } catch (err) {
    await condition(allHandlersFinished);
    // Runs recorded before the patch failed here, and replay keeps them so.
    if (!(err instanceof ApplicationFailure && REFUSAL_TYPES.includes(err.type ?? '') && patched(PATCHES.refusalCompletes))) throw err;
    enrollment.state.refusal = { type: err.type as Refusal['type'], message: err.message };
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
function openCheckout(enrollment: Enrollment): Promise<void> {
  const { enrollmentId, input, state } = enrollment;
  return (enrollment.checkout ??= enrollment.waitedOnBriefly
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
        return state.status === 'pending_payment' ? enrollment.moveTo('pending_payment') : undefined;
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

/** The opening update: the status the record opened in and, when the student pays, the checkout's URL. */
export async function answerOpening(enrollment: Enrollment): Promise<OpenResult> {
  const { status } = await enrollment.opening;
  const { state } = enrollment;
  if (status === 'pending_payment' && state.status === 'pending_payment') await openCheckout(enrollment);
  return {
    status: state.status,
    checkoutUrl: state.status === 'pending_payment' ? state.checkoutUrl : undefined,
    amountDueCents: state.amountDueCents!,
  };
}

/** The payment-confirmed signal: the payment counts when it is the first and pays what is due. */
export async function takePayment(enrollment: Enrollment, p: PaymentConfirmation): Promise<void> {
  // A payment is judged against what the record says is due; an enrollment that was never opened takes none.
  if (
    !(await enrollment.opening.then(
      () => true,
      () => false,
    ))
  )
    return;
  const { payment, state, input } = enrollment;
  if (payment?.providerRef === p.providerRef) return; // a redelivered webhook
  const problem = payment
    ? `the enrollment was already paid by ${payment.providerRef}`
    : state.status !== 'pending_payment'
      ? `payment arrived while the enrollment was ${state.status}`
      : p.amountCents !== state.amountDueCents || p.currency !== input.currency
        ? `paid ${p.amountCents} ${p.currency}, the ${state.voucherCents ? 'amount due after the voucher' : 'price'} is ${state.amountDueCents} ${input.currency}`
        : undefined;
  // A payment that cannot count is kept for ops to refund, never silently dropped.
  if (problem)
    enrollment.background.push(local.recordPayment({ enrollmentId: enrollment.enrollmentId, ...p, status: 'rejected', reason: problem }));
  else enrollment.payment = p;
}

function recordVoucherPayment(enrollment: Enrollment) {
  const { enrollmentId, input, state } = enrollment;
  return local.recordPayment({
    enrollmentId,
    provider: input.fundingSource,
    providerRef: enrollmentId,
    voucherNumber: input.voucherNumber,
    amountCents: state.voucherCents!,
    currency: input.currency,
    paidAt: state.paidAt!,
    status: 'accepted',
  });
}
