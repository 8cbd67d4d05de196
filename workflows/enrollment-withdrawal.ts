/**
 * The withdraw update: the student leaves at any stage before completion, and the refund follows the program's
 * policy; the voucher, the revenue share, the partners' transfers and the WIOA record are undone with it.
 */
import { local } from './activity-proxies';
import { conflict, type Enrollment, nowIso } from './enrollment-entity';
import { WITHDRAWABLE_STATUSES, type WithdrawRequest, type WithdrawResult } from './messages';

export function mayWithdraw(enrollment: Enrollment): void {
  if (!enrollment.opened) throw conflict('the enrollment is still being opened');
  if (!WITHDRAWABLE_STATUSES.includes(enrollment.state.status)) throw conflict(`the enrollment is already ${enrollment.state.status}`);
}

export async function withdraw(enrollment: Enrollment, w: WithdrawRequest): Promise<WithdrawResult> {
  const { enrollmentId, input, state } = enrollment;
  enrollment.withdrawal = w;
  // Before launch everything paid goes back; after it, the program's share of each part (voucher and checkout).
  const refundOf = (cents: number) => (state.launchedAt ? Math.floor((cents * (input.refundAfterLaunchBps ?? 0)) / 10_000) : cents);
  const entered = state.paidAt !== undefined;
  const voucherRefundCents = entered ? refundOf(state.voucherCents ?? 0) : 0;
  const refundCents = entered ? voucherRefundCents + refundOf((state.amountCents ?? 0) - (state.voucherCents ?? 0)) : 0;
  await Promise.all([
    enrollment.moveTo('withdrawn'),
    // A voucher whose training never started goes back to the student, for another enrollment.
    ...(state.voucherCents && !state.launchedAt ? [local.releaseVoucher({ enrollmentId, at: nowIso() })] : []),
    ...(entered
      ? [
          enrollment.waitedOn.refundPayment({ enrollmentId, amountCents: refundCents, voucherCents: voucherRefundCents, reason: w.reason }),
          local.reverseRevenueShare({ enrollmentId }),
          enrollment.waitedOn.reverseTransfers({ enrollmentId }),
          local.recordWioaExit({ enrollmentId, exitDate: nowIso() }),
        ]
      : []),
  ]);
  return { status: state.status, refundCents, currency: input.currency };
}
