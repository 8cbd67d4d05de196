import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { enrollmentWorkflow } from '../workflows/enrollment';
import {
  enrollmentWorkflowId,
  type EnrollmentWorkflowInput,
  FailureType,
  launchUpdate,
  markCompleteUpdate,
  openEnrollmentUpdate,
  paymentConfirmedSignal,
  searchAttributes,
  statusQuery,
  withdrawUpdate,
} from '../workflows/messages';
import { coPaidRecord, fakeActivities, secondOpenEnrollmentRecord, unusableVoucherRecord } from './helpers/fake-activities';
import { createTestWorker, createTimeSkippingEnv, waitForWorkflowStatus } from './helpers/temporal';
import { stripePayment, workflowInput } from './helpers/workflow-input';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

/** Starts an enrollment's workflow without its opening update (the tests send it, or not, themselves). */
const start = (taskQueue: string, input: EnrollmentWorkflowInput) =>
  env.client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId: enrollmentWorkflowId(input.enrollmentId), args: [input] });

const statusesProjected = (fake: ReturnType<typeof fakeActivities>) => fake.callsOf('recordEnrollmentStatus').map((c) => c.status);

test('an unpaid self-pay enrollment expires when its payment window passes', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput({ paymentWindowMs: 48 * 3_600_000 });
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    const checkout = await handle.executeUpdate(openEnrollmentUpdate);
    expect(checkout).toEqual({
      status: 'pending_payment',
      checkoutUrl: `https://checkout.test/${input.enrollmentId}`,
      amountDueCents: 14_900,
    });
    await env.sleep('47h');
    expect((await handle.query(statusQuery)).status).toBe('pending_payment');
    expect(await handle.result()).toEqual({ status: 'payment_expired' });
  });
  expect(statusesProjected(fake)).toEqual(['pending_payment', 'payment_expired']);
  expect(fake.callsOf('openCheckout')).toHaveLength(1);
  expect(fake.callsOf('recordPayment')).toHaveLength(0);
});

test('a payment inside the window, a launch and a manual mark close the enrollment with every outcome once', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput();
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    await env.sleep('71h');
    const paidAt = new Date().toISOString();
    await handle.signal(paymentConfirmedSignal, stripePayment('cs_1', 14_900, 'usd', paidAt));
    // A redelivered webhook changes nothing; a second, different payment is kept as rejected for a refund.
    await handle.signal(paymentConfirmedSignal, stripePayment('cs_1', 14_900, 'usd', paidAt));
    await handle.signal(paymentConfirmedSignal, stripePayment('cs_2', 14_900, 'usd', paidAt));
    await env.sleep('30d'); // a paid enrollment waits for the student without a payment deadline
    const launch = await handle.executeUpdate(launchUpdate);
    expect(launch.launchUrl).toBe(`https://partner.test/launch/${input.enrollmentId}`);
    // A date on the test server's clock, which has skipped ahead of the machine's: the launch day.
    await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: launch.launchedAt.slice(0, 10), markedBy: 'holder-1' }] });
    expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });
  });
  expect(statusesProjected(fake)).toEqual(['pending_payment', 'ready_to_launch', 'in_progress', 'completed', 'closed']);
  expect(fake.callsOf('recordPayment')).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ providerRef: 'cs_1', status: 'accepted', amountCents: 14_900 }),
      expect.objectContaining({ providerRef: 'cs_2', status: 'rejected', reason: 'the enrollment was already paid by cs_1' }),
    ]),
  );
  expect(fake.callsOf('recordPayment')).toHaveLength(2);
  for (const once of ['issueCertificate', 'sendCompletionEmail', 'recordWioaOutcome', 'recordRevenueShare'] as const) {
    expect(fake.callsOf(once)).toHaveLength(1);
  }
  expect(fake.callsOf('recordRevenueShare')[0]).toEqual({ enrollmentId: input.enrollmentId, basisCents: 14_900, currency: 'usd' });
});

test('a payment of the wrong amount is kept as rejected and does not count', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput({ paymentWindowMs: 3_600_000 });
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    await handle.signal(paymentConfirmedSignal, stripePayment('cs_low', 100));
    expect(await handle.result()).toEqual({ status: 'payment_expired' });
  });
  expect(fake.callsOf('recordPayment')).toEqual([
    expect.objectContaining({ providerRef: 'cs_low', status: 'rejected', reason: 'paid 100 usd, the price is 14900 usd' }),
  ]);
});

test('a voucher-funded enrollment skips checkout and is ready to launch at once', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-2026-0042' });
  await worker.runUntil(async () => {
    const handle = await start(taskQueue, input);
    expect(await handle.executeUpdate(openEnrollmentUpdate)).toEqual({ status: 'ready_to_launch', amountDueCents: 0 });
    await env.sleep('400d'); // no payment window applies
    expect((await handle.query(statusQuery)).status).toBe('ready_to_launch');
  });
  expect(fake.callsOf('openCheckout')).toHaveLength(0);
  expect(fake.callsOf('recordPayment')).toEqual([
    expect.objectContaining({
      provider: 'wioa_ita',
      providerRef: input.enrollmentId,
      voucherNumber: 'ITA-2026-0042',
      amountCents: 14_900,
      status: 'accepted',
    }),
  ]);
});

describe('funding: the record the workflow opens decides the way in', () => {
  const coPaid = () => fakeActivities({ openEnrollmentRecord: coPaidRecord(10_000) });

  test('a voucher that covers part of the price leaves a co-pay: the checkout asks for the rest, both parts are recorded', async () => {
    const fake = coPaid();
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput({ fundingSource: 'sponsor', voucherNumber: 'SP-1' });
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      expect(await handle.executeUpdate(openEnrollmentUpdate)).toEqual({
        status: 'pending_payment',
        checkoutUrl: `https://checkout.test/${input.enrollmentId}`,
        amountDueCents: 4_900,
      });
      // The whole price is not what is due: kept for a refund, not counted.
      await handle.signal(paymentConfirmedSignal, stripePayment('cs_full', 14_900));
      await handle.signal(paymentConfirmedSignal, stripePayment('cs_rest', 4_900));
      await env.sleep('1h');
      expect((await handle.query(statusQuery)).status).toBe('ready_to_launch');
      await handle.executeUpdate(markCompleteUpdate, {
        args: [{ completedAt: new Date(await env.currentTimeMs()).toISOString(), markedBy: 'holder-1' }],
      });
      expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });
    });
    expect(fake.callsOf('openCheckout')).toEqual([expect.objectContaining({ amountCents: 4_900 })]);
    expect(fake.callsOf('recordPayment')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          providerRef: 'cs_full',
          status: 'rejected',
          reason: 'paid 14900 usd, the amount due after the voucher is 4900 usd',
        }),
        expect.objectContaining({ providerRef: 'cs_rest', status: 'accepted', amountCents: 4_900 }),
        expect.objectContaining({
          provider: 'sponsor',
          providerRef: input.enrollmentId,
          voucherNumber: 'SP-1',
          amountCents: 10_000,
          status: 'accepted',
        }),
      ]),
    );
    expect(fake.callsOf('recordPayment')).toHaveLength(3);
    // The revenue share is of everything collected: voucher and co-pay.
    expect(fake.callsOf('recordRevenueShare')).toEqual([{ enrollmentId: input.enrollmentId, basisCents: 14_900, currency: 'usd' }]);
  });

  test('a co-pay never paid ends the enrollment and gives the voucher back', async () => {
    const fake = coPaid();
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput({ fundingSource: 'sponsor', voucherNumber: 'SP-2', paymentWindowMs: 3_600_000 });
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      expect(await handle.result()).toEqual({ status: 'payment_expired' });
    });
    expect(fake.callsOf('releaseVoucher')).toEqual([expect.objectContaining({ enrollmentId: input.enrollmentId })]);
    expect(fake.callsOf('recordPayment')).toHaveLength(0);
  });

  test('a withdrawal before launch gives the voucher back and returns the funding; after launch the voucher stays used', async () => {
    for (const launched of [false, true]) {
      const fake = fakeActivities();
      const { worker, taskQueue } = await createTestWorker(env, fake.activities);
      const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-W', refundAfterLaunchBps: 5_000 });
      await worker.runUntil(async () => {
        const handle = await start(taskQueue, input);
        await handle.executeUpdate(openEnrollmentUpdate);
        if (launched) await handle.executeUpdate(launchUpdate);
        const result = await handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'student-1' }] });
        expect(result.refundCents).toBe(launched ? 7_450 : 14_900);
        expect(await handle.result()).toEqual({ status: 'withdrawn' });
      });
      expect(fake.callsOf('releaseVoucher')).toHaveLength(launched ? 0 : 1);
      expect(fake.callsOf('refundPayment')).toEqual([expect.objectContaining({ voucherCents: launched ? 7_450 : 14_900 })]);
    }
  });

  test.each([
    ['an unusable voucher', unusableVoucherRecord, FailureType.voucherUnusable, 'no usable voucher with this number is registered for you'],
    [
      'a second open enrollment',
      secondOpenEnrollmentRecord,
      FailureType.conflict,
      'you already have an open enrollment in this program: e-first',
    ],
  ])(
    'a refused record (%s) is the answer, and the workflow completes as refused (not failed) without an enrollment',
    async (_what, openEnrollmentRecord, type, message) => {
      const fake = fakeActivities({ openEnrollmentRecord });
      const { worker, taskQueue } = await createTestWorker(env, fake.activities);
      const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'NOPE' });
      await worker.runUntil(async () => {
        const handle = await start(taskQueue, input);
        const refused = await handle.executeUpdate(openEnrollmentUpdate).catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type, message });
        expect(await handle.result()).toEqual({ status: 'refused', refusal: { type, message } });
        const described = await handle.describe();
        expect(described.status.name).toBe('COMPLETED');
        expect(described.typedSearchAttributes.get(searchAttributes.status)).toBe('refused');
        expect(await handle.query(statusQuery)).toMatchObject({ history: [], refusal: { type, message } });
      });
      expect(fake.callsOf('recordEnrollmentStatus')).toHaveLength(0);
      expect(fake.callsOf('recordPayment')).toHaveLength(0);
      expect(fake.callsOf('openCheckout')).toHaveLength(0);
      expect(fake.callsOf('sendEnrolledEmail')).toHaveLength(0);
    },
  );

  test('a checkout that cannot be opened removes the record, so the student can simply try again', async () => {
    const fake = fakeActivities({
      openCheckout: () => Promise.reject(new Error('provider down')),
    });
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput();
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      const refused = await handle.executeUpdate(openEnrollmentUpdate).catch((err: unknown) => err);
      expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: FailureType.paymentProviderUnavailable });
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
    expect(fake.callsOf('discardEnrollmentRecord')).toEqual([{ enrollmentId: input.enrollmentId }]);
  });
});

describe('the student’s emails: enrolled and payment received, once each, at their step, never holding the enrollment up', () => {
  /** What the workflow asked for, in order: statuses projected, payments recorded, emails and the other steps. */
  const steps = (fake: ReturnType<typeof fakeActivities>) =>
    fake.calls.map(({ name, arg }) =>
      name === 'recordEnrollmentStatus'
        ? `status:${(arg as { status: string }).status}`
        : name === 'recordPayment'
          ? `payment:${(arg as { providerRef: string }).providerRef}:${(arg as { status: string }).status}`
          : name,
    );
  const at = (list: string[], step: string) => {
    expect(list).toContain(step);
    return list.indexOf(step);
  };

  test('self-pay: enrolled once the checkout is open, payment received once after the accepted payment, before the launch', async () => {
    const fake = fakeActivities();
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput();
    const payment = (providerRef: string, amountCents: number) =>
      ({ provider: 'stripe', providerRef, amountCents, currency: 'usd', paidAt: new Date().toISOString() }) as const;
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      await handle.executeUpdate(openEnrollmentUpdate);
      await env.sleep('1h');
      expect(fake.callsOf('sendEnrolledEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
      expect(fake.callsOf('sendPaymentReceivedEmail')).toHaveLength(0);
      // A wrong amount is no payment; a redelivered webhook is the same payment.
      await handle.signal(paymentConfirmedSignal, payment('cs_low', 100));
      await env.sleep('1h');
      expect(fake.callsOf('sendPaymentReceivedEmail')).toHaveLength(0);
      await handle.signal(paymentConfirmedSignal, payment('cs_ok', 14_900));
      await handle.signal(paymentConfirmedSignal, payment('cs_ok', 14_900));
      await env.sleep('1h');
      expect(fake.callsOf('sendPaymentReceivedEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
      const launch = await handle.executeUpdate(launchUpdate);
      await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: launch.launchedAt.slice(0, 10), markedBy: 'holder-1' }] });
      expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });
    });
    // Once each over the whole lifecycle, by enrollment id only (the activity reads the rest from the record).
    expect(fake.callsOf('sendEnrolledEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
    expect(fake.callsOf('sendPaymentReceivedEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
    expect(fake.callsOf('sendCompletionEmail')).toHaveLength(1);
    const order = steps(fake);
    expect(at(order, 'sendEnrolledEmail')).toBeGreaterThan(at(order, 'openCheckout'));
    expect(at(order, 'sendEnrolledEmail')).toBeGreaterThan(at(order, 'status:pending_payment')); // the checkout URL is on the record
    expect(at(order, 'sendEnrolledEmail')).toBeLessThan(at(order, 'payment:cs_low:rejected'));
    expect(at(order, 'sendPaymentReceivedEmail')).toBeGreaterThan(at(order, 'payment:cs_ok:accepted')); // the amount is on the record
    expect(at(order, 'sendPaymentReceivedEmail')).toBeGreaterThan(at(order, 'status:ready_to_launch'));
    expect(at(order, 'sendPaymentReceivedEmail')).toBeLessThan(at(order, 'launchAtPartner'));
    expect(at(order, 'sendCompletionEmail')).toBeGreaterThan(at(order, 'issueCertificate'));
  });

  test('funded by a voucher: enrolled once it is ready to launch, and no payment email (nothing was paid at checkout)', async () => {
    const fake = fakeActivities();
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-MAIL' });
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      await handle.executeUpdate(openEnrollmentUpdate);
      await handle.executeUpdate(launchUpdate);
      await handle.executeUpdate(markCompleteUpdate, {
        args: [{ completedAt: new Date(await env.currentTimeMs()).toISOString(), markedBy: 'holder-1' }],
      });
      expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });
    });
    expect(fake.callsOf('sendEnrolledEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
    expect(fake.callsOf('sendPaymentReceivedEmail')).toHaveLength(0);
    const order = steps(fake);
    expect(at(order, 'sendEnrolledEmail')).toBeGreaterThan(at(order, 'status:ready_to_launch'));
    expect(at(order, 'sendEnrolledEmail')).toBeGreaterThan(at(order, `payment:${input.enrollmentId}:accepted`));
  });

  test('a co-pay: enrolled with the checkout, payment received once for the accepted co-pay', async () => {
    const fake = fakeActivities({
      openEnrollmentRecord: (r) =>
        Promise.resolve({ status: 'pending_payment', voucherId: 'v-1', voucherCents: 10_000, amountDueCents: r.priceCents - 10_000 }),
    });
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput({ fundingSource: 'sponsor', voucherNumber: 'SP-MAIL' });
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      await handle.signal(paymentConfirmedSignal, {
        provider: 'stripe',
        providerRef: 'cs_rest',
        amountCents: 4_900,
        currency: 'usd',
        paidAt: new Date().toISOString(),
      });
      await env.sleep('1h');
      await handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'student-1' }] });
      expect(await handle.result()).toEqual({ status: 'withdrawn' });
    });
    expect(fake.callsOf('sendEnrolledEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
    expect(fake.callsOf('sendPaymentReceivedEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
    const order = steps(fake);
    expect(at(order, 'sendPaymentReceivedEmail')).toBeGreaterThan(at(order, 'payment:cs_rest:accepted'));
  });

  test('never paid: enrolled once, no payment email, and the window still closes on time', async () => {
    const fake = fakeActivities();
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput({ paymentWindowMs: 3_600_000 });
    await worker.runUntil(async () => {
      expect(await (await start(taskQueue, input)).result()).toEqual({ status: 'payment_expired' });
    });
    expect(fake.callsOf('sendEnrolledEmail')).toEqual([{ enrollmentId: input.enrollmentId }]);
    expect(fake.callsOf('sendPaymentReceivedEmail')).toHaveLength(0);
  });

  test('mail trouble holds nothing up: a failing payment email is retried while the student launches, a refused one is dropped', async () => {
    let paymentTries = 0;
    const fake = fakeActivities({
      sendEnrolledEmail: () => Promise.reject(ApplicationFailure.nonRetryable('the mail server refused the address')),
      sendPaymentReceivedEmail: () => (++paymentTries < 4 ? Promise.reject(new Error('SMTP down')) : Promise.resolve('sent' as const)),
    });
    const { worker, taskQueue } = await createTestWorker(env, fake.activities);
    const input = workflowInput();
    await worker.runUntil(async () => {
      const handle = await start(taskQueue, input);
      await handle.executeUpdate(openEnrollmentUpdate);
      await handle.signal(paymentConfirmedSignal, {
        provider: 'stripe',
        providerRef: 'cs_1',
        amountCents: 14_900,
        currency: 'usd',
        paidAt: new Date().toISOString(),
      });
      // The payment is recorded before the course may be launched; the failing email does not hold that up.
      await waitForWorkflowStatus(handle, 'ready_to_launch');
      const launch = await handle.executeUpdate(launchUpdate);
      await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: launch.launchedAt.slice(0, 10), markedBy: 'holder-1' }] });
      expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });
    });
    expect(fake.callsOf('sendEnrolledEmail')).toHaveLength(1); // not retried, and not the enrollment's failure
    expect(paymentTries).toBe(4); // retried until it went out, before the workflow ended
    expect(statusesProjected(fake)).toEqual(['pending_payment', 'ready_to_launch', 'in_progress', 'completed', 'closed']);
  });
});
