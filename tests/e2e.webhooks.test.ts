/**
 * Webhooks over the running system (dev server, worker and API as processes): a program holder subscribes over HTTP,
 * a real enrollment goes from funded to closed and its credential is revoked, and every event reaches a receiver on
 * loopback that was down at first, signed (verified with `standardwebhooks`), once each, in order.
 */
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { WEBHOOK_EVENT_TYPES } from '../lib/webhook-events';
import type { OpenedEnrollment, WebhookDeliveryList, WebhookEndpointCreated } from './helpers/contract';
import { eventually } from './helpers/eventually';
import { httpClient, startSystem, type System, waitForStatus } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

const NRF = SEEDED_PROGRAMS.find((p) => p.partnerId === 'nrf')!;

let system: System;
let receiver: WebhookReceiver;
let request: ReturnType<typeof httpClient>;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // A quick back-off, so the receiver's outage costs the test seconds.
  system = await startSystem({ env: { WEBHOOK_RETRY_INITIAL: '200ms', WEBHOOK_RETRY_MAX_INTERVAL: '1s', WEBHOOK_TIMEOUT: '2s' } });
  request = httpClient(system.baseUrl);
}, 180_000);
afterAll(async () => {
  await system?.stop();
  await receiver?.close();
}, 60_000);

test('a holder’s endpoint gets every event of a real enrollment, signed, once each and in order, after an outage', async () => {
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
  const admin = await system.token('admin');
  const registered = await request<WebhookEndpointCreated>('POST', '/api/webhook-endpoints', {
    token: holder.token,
    json: { url: receiver.url, events: [...WEBHOOK_EVENT_TYPES], programIds: [NRF.id] },
  });
  expect(registered.status).toBe(201);
  receiver.secrets.push(registered.body.secret);
  await receiver.down();

  const student = await system.token('student', { name: 'Katherine Johnson', email: 'katherine@example.com' });
  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: await fundedEnrollmentBody(system, student.actor, NRF.id),
  });
  expect(created.status).toBe(201);
  const { enrollmentId } = created.body;
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
  const marked = await request('POST', '/api/program-holder/mark-complete', {
    token: holder.token,
    json: { enrollmentId, completedAt: new Date().toISOString().slice(0, 10) },
  });
  expect(marked.status).toBe(200);
  const closed = await waitForStatus(system, student.token, enrollmentId, 'closed');
  const revoked = await request('POST', `/api/certificates/${closed.certificate!.id}/revoke`, {
    token: admin.token,
    json: { reason: 'test of the webhook' },
  });
  expect(revoked.status).toBe(200);

  // The outage is on record: attempts refused while the receiver was down.
  const deliveries = () =>
    request<WebhookDeliveryList>('GET', `/api/webhook-endpoints/${registered.body.id}/deliveries`, { token: holder.token });
  await eventually(
    async () => (await deliveries()).body.deliveries.some((d) => d.attempts.some((a) => /connection refused/.test(a.error ?? ''))),
    'an attempt refused while the receiver is down',
  );
  await receiver.up();

  const expected = [
    'enrollment.created',
    'enrollment.funded',
    'enrollment.launched',
    'enrollment.completed',
    'credential.issued',
    'credential.revoked',
  ];
  await eventually(() => Promise.resolve(receiver.eventsOf(enrollmentId).length === expected.length), 'every event', 60_000);
  const events = receiver.eventsOf(enrollmentId);
  expect(events.map((e) => e.type)).toEqual(expected);
  expect(events.map((e) => e.data.status)).toEqual(['ready_to_launch', 'ready_to_launch', 'in_progress', 'completed', 'valid', 'revoked']);
  expect(events[3].data).toEqual(expect.objectContaining({ completionMethod: 'manual', programId: NRF.id }));
  expect(events[4].data.certificateId).toBe(closed.certificate!.id);
  expect(receiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
  for (const personal of ['Katherine', 'katherine@example.com', student.actor.id]) {
    expect(JSON.stringify(events)).not.toContain(personal);
  }
  const list = (await deliveries()).body.deliveries;
  expect(list.map((d) => [d.type, d.status])).toEqual([...expected].reverse().map((type) => [type, 'delivered']));
});
