import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { enrollmentWorkflow } from '../workflows/enrollment';
import {
  enrollmentWorkflowId,
  launchUpdate,
  markCompleteUpdate,
  openCheckoutUpdate,
  paymentConfirmedSignal,
  statusQuery,
} from '../workflows/messages';
import { fakeActivities } from './helpers/fake-activities';
import { createTestWorker, createTimeSkippingEnv } from './helpers/temporal';
import { workflowInput } from './helpers/workflow-input';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

const statusesProjected = (fake: ReturnType<typeof fakeActivities>) => fake.callsOf('recordEnrollmentStatus').map((c) => c.status);

test('an unpaid self-pay enrollment expires when its payment window passes', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput({ paymentWindowMs: 48 * 3_600_000 });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId: enrollmentWorkflowId(input.enrollmentId), args: [input] });
    const checkout = await handle.executeUpdate(openCheckoutUpdate);
    expect(checkout).toEqual({ status: 'pending_payment', checkoutUrl: `https://checkout.test/${input.enrollmentId}` });
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
    const handle = await env.client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId: enrollmentWorkflowId(input.enrollmentId), args: [input] });
    await env.sleep('71h');
    const paidAt = new Date().toISOString();
    await handle.signal(paymentConfirmedSignal, { provider: 'stripe', providerRef: 'cs_1', amountCents: 14_900, currency: 'usd', paidAt });
    // A redelivered webhook changes nothing; a second, different payment is kept as rejected for a refund.
    await handle.signal(paymentConfirmedSignal, { provider: 'stripe', providerRef: 'cs_1', amountCents: 14_900, currency: 'usd', paidAt });
    await handle.signal(paymentConfirmedSignal, { provider: 'stripe', providerRef: 'cs_2', amountCents: 14_900, currency: 'usd', paidAt });
    await env.sleep('30d'); // a paid enrollment waits for the student without a payment deadline
    const launch = await handle.executeUpdate(launchUpdate);
    expect(launch.launchUrl).toBe(`https://partner.test/launch/${input.enrollmentId}`);
    // A date on the test server's clock, which has skipped ahead of the machine's: the launch day.
    await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: launch.launchedAt.slice(0, 10), markedBy: 'holder-1' }] });
    expect(await handle.result()).toEqual({ status: 'closed', certificateId: `cert-${input.enrollmentId}` });
  });
  expect(statusesProjected(fake)).toEqual(['pending_payment', 'ready_to_launch', 'in_progress', 'completed', 'closed']);
  expect(fake.callsOf('recordPayment')).toEqual(expect.arrayContaining([
    expect.objectContaining({ providerRef: 'cs_1', status: 'accepted', amountCents: 14_900 }),
    expect.objectContaining({ providerRef: 'cs_2', status: 'rejected', reason: 'the enrollment was already paid by cs_1' }),
  ]));
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
    const handle = await env.client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId: enrollmentWorkflowId(input.enrollmentId), args: [input] });
    await handle.signal(paymentConfirmedSignal, { provider: 'stripe', providerRef: 'cs_low', amountCents: 100, currency: 'usd', paidAt: new Date().toISOString() });
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
    const handle = await env.client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId: enrollmentWorkflowId(input.enrollmentId), args: [input] });
    expect(await handle.executeUpdate(openCheckoutUpdate)).toEqual({ status: 'ready_to_launch' });
    await env.sleep('400d'); // no payment window applies
    expect((await handle.query(statusQuery)).status).toBe('ready_to_launch');
  });
  expect(fake.callsOf('openCheckout')).toHaveLength(0);
  expect(fake.callsOf('recordPayment')).toEqual([
    expect.objectContaining({ provider: 'wioa_ita', providerRef: input.enrollmentId, voucherNumber: 'ITA-2026-0042', amountCents: 14_900, status: 'accepted' }),
  ]);
});
