/**
 * Outbound webhooks at the API level: the app in-process (the fake enrollment client; facts recorded through the real
 * activities, as the workflow records them) and the delivery workflows on a Temporal dev server, sending to a
 * receiver on loopback that verifies every signature with the `standardwebhooks` library and deduplicates by
 * `webhook-id`.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { DEMO_STUDENT_ID } from '../../db/seed';
import { createLocalFileStore } from '../../services/file-store';
import { createOutboxMailer } from '../../services/mailer';
import { createSimulatedPaymentProvider } from '../../services/payment-provider';
import { ensureWebhookSweepSchedule, WEBHOOK_SWEEP_SCHEDULE_ID } from '../../worker/schedules';
import { WEBHOOK_EVENT_TYPES } from '../../lib/webhook-events';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type { OpenedEnrollment, WebhookDeliveryList, WebhookEndpoint, WebhookEndpointCreated } from '../helpers/contract';
import { eventually, sleep } from '../helpers/eventually';
import { expectProblem } from '../helpers/problems';
import { PRODUCTION_STAND_INS } from '../helpers/production-env';
import { createTestProgram } from '../helpers/programs';
import { createDevServerEnv } from '../helpers/temporal';
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { webhookDelivery } from '../helpers/webhook-workers';

let env: TestWorkflowEnvironment;
let app: ApiApp;
let workers: { stop(): Promise<void> };
let delivery: ReturnType<typeof webhookDelivery>;
let admin: Session;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  env = await createDevServerEnv();
  // Attempts time out after 500 ms; back-off from 100 ms to 1 s.
  delivery = webhookDelivery(env, { timeoutMs: 500 });
  app = await startApiApp({}, { webhooks: { dispatcher: delivery.dispatcher } });
  workers = await delivery.start(app.db);
  admin = await app.token('admin');
});
afterAll(async () => {
  await workers?.stop();
  await Promise.allSettled(receivers.map((r) => r.close()));
  await app?.close();
  await env?.teardown();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

/** A program of a new holder: each test's enrollments are its own. */
async function holderWithProgram(): Promise<{ holder: Session; programId: string }> {
  const holder = await app.token('program_holder');
  const programId = await createTestProgram(app.request, admin.token, {
    title: `Program of ${holder.actor.id}`,
    holderId: holder.actor.id,
  });
  return { holder, programId };
}

/** Registers an endpoint (201) and gives its receiver the secret shown once. */
async function register(owner: Session, r: WebhookReceiver, body: Record<string, unknown>): Promise<string> {
  const res = await app.request<WebhookEndpointCreated>('POST', '/api/webhook-endpoints', {
    token: owner.token,
    json: { url: r.url, ...body },
  });
  expect(res.status).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  r.secrets.push(res.body.secret);
  return res.body.id;
}

const deliveries = async (owner: Session, endpointId: string, query = '') => {
  const res = await app.request<WebhookDeliveryList>('GET', `/api/webhook-endpoints/${endpointId}/deliveries${query}`, {
    token: owner.token,
  });
  expect(res.status).toBe(200);
  return res.body.deliveries;
};

/** A student's self-paid enrollment in the program, opened through the API (records `enrollment.created`). */
async function enrollment(programId: string, student?: Session): Promise<{ id: string; student: Session }> {
  const s = student ?? (await app.token('student', { name: 'Ada Lovelace-Webhook', email: `ada-${randomUUID()}@example.com` }));
  const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: s.token,
    json: { programId, fundingSource: 'self_pay' },
  });
  expect(res.status).toBe(201);
  return { id: res.body.enrollmentId, student: s };
}

const now = () => new Date().toISOString();

/**
 * The rest of an enrollment's life, recorded as the workflow records it: paid, launched, evidence received and
 * approved, completed, its credential issued, then revoked by an admin over HTTP. Answers the event types in order.
 */
async function throughRevocation(id: string): Promise<string[]> {
  await app.advance(id, 'ready_to_launch', { paidAt: now() });
  const launchedAt = now();
  await app.advance(id, 'in_progress', { launchedAt });
  const submissionId = randomUUID();
  await app.activities.recordSubmission({
    enrollmentId: id,
    submissionId,
    studentId: 'unused',
    fileKey: `evidence/${submissionId}.pdf`,
    contentType: 'application/pdf',
    sizeBytes: 100,
    sha256: 'ab'.repeat(32),
    completedAt: now(),
    submittedAt: now(),
  });
  await app.advance(id, 'awaiting_review');
  await app.activities.recordSubmissionReview({ submissionId, status: 'approved', reviewerId: 'holder', reviewedAt: now() });
  await app.advance(id, 'completed', { completedAt: now(), completionMethod: 'manual' });
  const certificate = await app.activities.issueCertificate({ enrollmentId: id, completedAt: now() });
  await app.advance(id, 'closed');
  const revoked = await app.request('POST', `/api/certificates/${certificate.id}/revoke`, {
    token: admin.token,
    json: { reason: 'issued in error' },
  });
  expect(revoked.status).toBe(200);
  return [
    'enrollment.created',
    'enrollment.paid',
    'enrollment.launched',
    'submission.received',
    'submission.reviewed',
    'enrollment.completed',
    'credential.issued',
    'credential.revoked',
  ];
}

describe('delivery', () => {
  test('every event once, in order, signed, with ids and statuses and never a name or email; each owner hears its own', async () => {
    const a = await holderWithProgram();
    const b = await holderWithProgram();
    const [adminReceiver, holderReceiver, otherReceiver] = [await receiver(), await receiver(), await receiver()];
    const adminEndpoint = await register(admin, adminReceiver, { events: ['*'], programIds: [a.programId, b.programId] });
    const holderEndpoint = await register(a.holder, holderReceiver, { events: ['enrollment.completed', 'credential.issued'] });
    const otherEndpoint = await register(b.holder, otherReceiver, { events: [...WEBHOOK_EVENT_TYPES] });

    const { id, student } = await enrollment(a.programId);
    const expected = await throughRevocation(id);
    // A funded enrollment (the demo student's seeded WIOA voucher), then withdrawn; another that expires.
    const funded = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: (await app.token('student', { id: DEMO_STUDENT_ID })).token,
      json: { programId: a.programId, fundingSource: 'wioa_ita', voucherNumber: 'WIOA-DEMO-0001' },
    });
    expect(funded.body.status).toBe('ready_to_launch');
    await app.advance(funded.body.enrollmentId, 'withdrawn');
    const expiring = await enrollment(b.programId);
    await app.advance(expiring.id, 'expired');

    await eventually(() => Promise.resolve(adminReceiver.accepted.size === expected.length + 5), 'every event at the admin’s receiver');
    expect(adminReceiver.eventsOf(id).map((e) => e.type)).toEqual(expected);
    expect(adminReceiver.eventsOf(funded.body.enrollmentId).map((e) => e.type)).toEqual([
      'enrollment.created',
      'enrollment.funded',
      'enrollment.withdrawn',
    ]);
    expect(adminReceiver.eventsOf(expiring.id).map((e) => e.type)).toEqual(['enrollment.created', 'enrollment.expired']);
    // Together: all eleven types.
    expect(new Set([...adminReceiver.accepted.values()].map((e) => e.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));

    // Every request verified with the endpoint's secret; nothing was sent twice.
    expect(adminReceiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
    expect(adminReceiver.requests).toHaveLength(adminReceiver.accepted.size);
    for (const event of adminReceiver.accepted.values()) {
      expect(event).toEqual({
        type: expect.stringMatching(/^(enrollment|submission|credential)\.[a-z]+$/) as unknown,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        data: expect.objectContaining({ enrollmentId: expect.any(String) as unknown, status: expect.any(String) as unknown }) as unknown,
      });
      const text = JSON.stringify(event);
      for (const personal of [student.actor.name!, student.actor.email!, student.actor.id, DEMO_STUDENT_ID, 'student@example.com']) {
        expect(text).not.toContain(personal);
      }
    }
    const completed = adminReceiver.eventsOf(id).find((e) => e.type === 'enrollment.completed')!;
    expect(completed.data).toEqual(
      expect.objectContaining({ enrollmentId: id, programId: a.programId, status: 'completed', completionMethod: 'manual' }),
    );
    const issued = adminReceiver.eventsOf(id).find((e) => e.type === 'credential.issued')!;
    expect(issued.data).toEqual(expect.objectContaining({ status: 'valid', certificateId: expect.any(String) as unknown }));

    // The holder's endpoint hears the two types it asked for, of its own program only.
    await eventually(() => Promise.resolve(holderReceiver.accepted.size === 2), 'the holder’s two events');
    expect([...holderReceiver.accepted.values()].map((e) => [e.type, e.data.enrollmentId])).toEqual([
      ['enrollment.completed', id],
      ['credential.issued', id],
    ]);
    // The other holder's endpoint hears only its own program's enrollment (deliveries are recorded with each fact).
    expect((await deliveries(b.holder, otherEndpoint)).map((d) => [d.type, d.enrollmentId])).toEqual([
      ['enrollment.expired', expiring.id],
      ['enrollment.created', expiring.id],
    ]);

    // The owner's view: each event as sent and its attempt, the webhook-id the receiver saw.
    const list = await deliveries(admin, adminEndpoint, `?enrollmentId=${id}`);
    expect(list.map((d) => d.type)).toEqual([...expected].reverse());
    for (const d of list) {
      expect(d.status).toBe('delivered');
      expect(d.attempts).toEqual([expect.objectContaining({ statusCode: 204, error: null })]);
      expect(adminReceiver.accepted.get(d.webhookId)).toEqual(d.payload);
    }
    expect((await deliveries(a.holder, holderEndpoint)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });

  test('a receiver that is down, then answers garbage, then slowly, gets every event once it is back, in order per enrollment', async () => {
    const { programId } = await holderWithProgram();
    const r = await receiver();
    const endpointId = await register(admin, r, { events: ['*'], programIds: [programId] });
    await r.down();
    const first = await enrollment(programId);
    const second = await enrollment(programId);
    await app.advance(first.id, 'ready_to_launch', { paidAt: now() });
    await app.advance(second.id, 'ready_to_launch', { paidAt: now() });
    await app.advance(first.id, 'in_progress', { launchedAt: now() });
    await app.advance(second.id, 'withdrawn');
    await app.advance(first.id, 'completed', { completedAt: now(), completionMethod: 'manual' });

    const attemptsOfFirstEvents = async () =>
      (await deliveries(admin, endpointId)).filter((d) => d.type === 'enrollment.created').flatMap((d) => d.attempts);
    await eventually(
      async () => (await attemptsOfFirstEvents()).filter((a) => /connection refused/.test(a.error ?? '')).length >= 4,
      'failed attempts while the receiver is down',
    );
    await r.up();
    r.behave({ kind: 'garbage' });
    await eventually(
      async () => (await attemptsOfFirstEvents()).some((a) => /not valid HTTP/.test(a.error ?? '')),
      'an attempt answered with garbage',
    );
    r.behave({ kind: 'slow', delayMs: 1_500 });
    await eventually(async () => (await attemptsOfFirstEvents()).some((a) => /no answer within 500 ms/.test(a.error ?? '')), 'a timeout');
    r.behave({ kind: 'ok' });

    await eventually(() => Promise.resolve(r.accepted.size === 7), 'all seven events');
    expect(r.eventsOf(first.id).map((e) => e.type)).toEqual([
      'enrollment.created',
      'enrollment.paid',
      'enrollment.launched',
      'enrollment.completed',
    ]);
    expect(r.eventsOf(second.id).map((e) => e.type)).toEqual(['enrollment.created', 'enrollment.paid', 'enrollment.withdrawn']);
    // The same webhook-id on every attempt of an event (the same body, each signed): the receiver saw the garbage and
    // slow attempts again and kept each event once.
    expect(r.requests.length).toBeGreaterThan(r.accepted.size);
    const sentById = new Map<string, ReceivedRequest[]>();
    for (const q of r.requests) sentById.set(q.id, [...(sentById.get(q.id) ?? []), q]);
    expect(new Set(sentById.keys())).toEqual(new Set(r.accepted.keys()));
    expect(Math.max(...[...sentById.values()].map((sent) => sent.length))).toBeGreaterThanOrEqual(2);
    for (const sent of sentById.values()) {
      expect(new Set(sent.map((q) => q.body)).size).toBe(1);
      expect(sent.every((q) => q.verifiedWith.length === 1)).toBe(true);
    }
    const created = (await deliveries(admin, endpointId)).find((d) => d.type === 'enrollment.created' && d.enrollmentId === first.id)!;
    // Every attempt is on record: refused, garbage, timed out, then delivered.
    const all = await deliveries(admin, endpointId);
    expect(all.every((d) => d.status === 'delivered')).toBe(true);
    const errors = all.flatMap((d) => d.attempts.map((a) => a.error ?? String(a.statusCode)));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/connection refused/), expect.stringMatching(/not valid HTTP/)]));
    expect(created.attempts.at(-1)).toEqual(expect.objectContaining({ statusCode: 204, error: null }));
  });

  test('a rotated secret: both sign during the overlap; with no overlap only the new one', async () => {
    const { programId } = await holderWithProgram();
    const r = await receiver();
    const endpointId = await register(admin, r, { events: ['enrollment.created'], programIds: [programId] });
    const nextEvent = async () => {
      const before = r.requests.length;
      await enrollment(programId);
      await eventually(() => Promise.resolve(r.requests.length > before), 'the next event');
      return r.requests.at(-1)!;
    };
    expect((await nextEvent()).verifiedWith).toEqual([0]);

    const rotate = (overlapSeconds?: number) =>
      app.request<{ secret: string; previousSecretsExpireAt: string | null }>(
        'POST',
        `/api/webhook-endpoints/${endpointId}/rotate-secret`,
        {
          token: admin.token,
          json: overlapSeconds === undefined ? {} : { overlapSeconds },
        },
      );
    const overlapping = await rotate(3600);
    expect(overlapping.status).toBe(200);
    expect(overlapping.headers.get('cache-control')).toBe('no-store');
    expect(Date.parse(overlapping.body.previousSecretsExpireAt!) - Date.now()).toBeGreaterThan(3500_000);
    r.secrets.push(overlapping.body.secret);
    const during = await nextEvent();
    expect(during.signatures).toHaveLength(2);
    expect(during.verifiedWith).toEqual([0, 1]);

    const immediate = await rotate(0);
    r.secrets.push(immediate.body.secret);
    const after = await nextEvent();
    expect(after.signatures).toHaveLength(1);
    expect(after.verifiedWith).toEqual([2]);
    // The endpoint shows which secrets sign, never their values.
    const shown = await app.request<WebhookEndpoint>('GET', `/api/webhook-endpoints/${endpointId}`, { token: admin.token });
    expect(shown.body.signingSecrets).toEqual([{ createdAt: expect.any(String) as unknown, expiresAt: null }]);
    expect(JSON.stringify(shown.body)).not.toContain('whsec_');
  });

  test('replay sends the same event again with the same webhook-id; its attempts add up', async () => {
    const { holder, programId } = await holderWithProgram();
    const r = await receiver();
    const endpointId = await register(holder, r, { events: ['enrollment.created'] });
    const { id } = await enrollment(programId);
    await eventually(() => Promise.resolve(r.accepted.size === 1), 'the event');
    const [delivery] = await deliveries(holder, endpointId);

    const replay = await app.request<{ status: string }>('POST', `/api/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/replay`, {
      token: holder.token,
    });
    expect(replay.status).toBe(202);
    expect(replay.body.status).toBe('pending');
    await eventually(async () => (await deliveries(holder, endpointId))[0].status === 'delivered', 'the replay delivered');
    expect(r.requests.map((q) => q.id)).toEqual([delivery.webhookId, delivery.webhookId]);
    expect(r.accepted.size).toBe(1);
    const [replayed] = await deliveries(holder, endpointId);
    expect(replayed).toEqual(expect.objectContaining({ id: delivery.id, enrollmentId: id, replays: 1 }));
    expect(replayed.attempts).toHaveLength(2);

    expectProblem(
      await app.request('POST', `/api/webhook-endpoints/${endpointId}/deliveries/${randomUUID()}/replay`, { token: holder.token }),
      404,
    );
    expect((await app.request('POST', `/api/webhook-endpoints/${endpointId}/disable`, { token: holder.token })).status).toBe(200);
    expectProblem(
      await app.request('POST', `/api/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/replay`, { token: holder.token }),
      409,
    );
  });

  test('disabled: new events are not recorded for it and pending ones wait; enabled again: they are sent', async () => {
    const { holder, programId } = await holderWithProgram();
    const r = await receiver();
    const endpointId = await register(holder, r, { events: ['enrollment.created', 'enrollment.paid'] });
    await r.down();
    const { id } = await enrollment(programId);
    await eventually(async () => ((await deliveries(holder, endpointId))[0]?.attempts.length ?? 0) > 0, 'a failed attempt');
    const disabled = await app.request<WebhookEndpoint>('POST', `/api/webhook-endpoints/${endpointId}/disable`, { token: holder.token });
    expect(disabled.body.enabled).toBe(false);
    await app.advance(id, 'ready_to_launch', { paidAt: now() });
    await r.up();
    await sleep(1_500);
    expect(r.requests).toHaveLength(0);
    expect((await deliveries(holder, endpointId)).map((d) => [d.type, d.status])).toEqual([['enrollment.created', 'pending']]);

    const enabled = await app.request<WebhookEndpoint>('POST', `/api/webhook-endpoints/${endpointId}/enable`, { token: holder.token });
    expect(enabled.body.enabled).toBe(true);
    await eventually(() => Promise.resolve(r.accepted.size === 1), 'the pending event once enabled');
    expect(r.eventsOf(id).map((e) => e.type)).toEqual(['enrollment.created']);
  });
});

describe('after a crash', () => {
  test('an event whose writer died before waking its delivery is sent by the webhook-sweep Schedule', async () => {
    const { programId } = await holderWithProgram();
    const r = await receiver();
    const endpointId = await register(admin, r, { events: ['enrollment.created'], programIds: [programId] });
    const { id } = await enrollment(programId);
    await eventually(() => Promise.resolve(r.accepted.size === 1), 'the first event');
    // The next fact is recorded by a process that dies right after its commit: nothing wakes the delivery.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-crashed-'));
    const crashed = createActivities({
      db: app.db,
      files: createLocalFileStore(dir),
      payments: createSimulatedPaymentProvider(app.baseUrl),
      mailer: createOutboxMailer(dir, 'test@marketplace.test'),
      publicBaseUrl: app.baseUrl,
    });
    const other = randomUUID();
    await crashed.openEnrollmentRecord({
      enrollmentId: other,
      programId,
      studentId: 'student-of-the-crash',
      fundingSource: 'self_pay',
      priceCents: 5000,
      currency: 'usd',
      openedAt: now(),
    });
    await crashed.recordEnrollmentStatus({ enrollmentId: other, seq: 1, status: 'pending_payment', at: now() });
    fs.rmSync(dir, { recursive: true, force: true });
    const [stranded] = await deliveries(admin, endpointId, `?enrollmentId=${other}`);
    expect(stranded).toEqual(expect.objectContaining({ status: 'pending', attempts: [] }));
    await app.db.query(`UPDATE webhook_deliveries SET pending_since = pending_since - interval '1 minute' WHERE id = $1`, [stranded.id]);

    await ensureWebhookSweepSchedule(env.client, delivery.taskQueue);
    const schedule = env.client.schedule.getHandle(WEBHOOK_SWEEP_SCHEDULE_ID);
    try {
      expect((await schedule.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 60_000 })]);
      await schedule.trigger();
      await eventually(() => Promise.resolve(r.accepted.size === 2), 'the stranded event, sent by the sweep');
      expect([...r.accepted.values()].map((e) => e.data.enrollmentId)).toEqual([id, other]);
    } finally {
      await schedule.delete();
    }
  });
});

describe('who may do what', () => {
  test('a holder sees and manages only its own endpoints; an admin sees every one; others are refused', async () => {
    const a = await holderWithProgram();
    const b = await holderWithProgram();
    const r = await receiver();
    const endpointId = await register(a.holder, r, { events: ['enrollment.created'], programIds: [a.programId] });
    await enrollment(a.programId);
    const [delivery] = await deliveries(a.holder, endpointId);

    for (const [method, path, json] of [
      ['GET', `/api/webhook-endpoints/${endpointId}`],
      ['GET', `/api/webhook-endpoints/${endpointId}/deliveries`],
      ['POST', `/api/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/replay`],
      ['POST', `/api/webhook-endpoints/${endpointId}/rotate-secret`, {}],
      ['POST', `/api/webhook-endpoints/${endpointId}/disable`],
      ['POST', `/api/webhook-endpoints/${endpointId}/enable`],
    ] as [string, string, unknown?][]) {
      expectProblem(await app.request(method, path, { token: b.holder.token, json }), 404);
    }
    const listed = await app.request<{ endpoints: WebhookEndpoint[] }>('GET', '/api/webhook-endpoints', { token: b.holder.token });
    expect(listed.body.endpoints.map((e) => e.id)).not.toContain(endpointId);
    const own = await app.request<{ endpoints: WebhookEndpoint[] }>('GET', '/api/webhook-endpoints', { token: a.holder.token });
    expect(own.body.endpoints.map((e) => e.id)).toEqual([endpointId]);
    expect(JSON.stringify(own.body)).not.toContain('whsec_');
    expect((await app.request('GET', `/api/webhook-endpoints/${endpointId}/deliveries`, { token: admin.token })).status).toBe(200);

    const student = await app.token('student');
    expectProblem(await app.request('GET', '/api/webhook-endpoints', { token: student.token }), 403);
    expectProblem(
      await app.request('POST', '/api/webhook-endpoints', { token: student.token, json: { url: r.url, events: ['enrollment.created'] } }),
      403,
    );
    expectProblem(await app.request('POST', '/api/webhook-endpoints', { json: { url: r.url, events: ['enrollment.created'] } }), 401);
  });

  test('a holder cannot subscribe to programs not theirs, nor to every event type', async () => {
    const a = await holderWithProgram();
    const b = await holderWithProgram();
    const r = await receiver();
    const create = (owner: Session, body: Record<string, unknown>) =>
      app.request('POST', '/api/webhook-endpoints', { token: owner.token, json: { url: r.url, ...body } });
    expectProblem(await create(a.holder, { events: ['enrollment.created'], programIds: [b.programId] }), 404);
    expectProblem(await create(a.holder, { events: ['enrollment.created'], programIds: [a.programId, randomUUID()] }), 404);
    expectProblem(await create(a.holder, { events: ['*'] }), 403);
    // An admin may name any program, and "*".
    expect((await create(admin, { events: ['*'], programIds: [a.programId, b.programId] })).status).toBe(201);
  });

  test('a retried registration (Idempotency-Key) registers once and never answers the secret again', async () => {
    const { holder } = await holderWithProgram();
    const r = await receiver();
    // Read raw: the replayed answer has no body.
    const send = async () => {
      const res = await fetch(`${app.baseUrl}/api/webhook-endpoints`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${holder.token}`,
          'content-type': 'application/json',
          'idempotency-key': `register-${holder.actor.id}`,
        },
        body: JSON.stringify({ url: r.url, events: ['enrollment.created'] }),
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    const first = await send();
    const retry = await send();
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(first.text).toContain('"secret":"whsec_');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.text).toBe('');
    const listed = await app.request<{ endpoints: WebhookEndpoint[] }>('GET', '/api/webhook-endpoints', { token: holder.token });
    expect(listed.body.endpoints).toHaveLength(1);
    const stored = await app.db.query(`SELECT 1 FROM idempotency_keys WHERE response_body::text LIKE '%whsec_%'`);
    expect(stored.rowCount).toBe(0);
  });

  test('bad input is a 400 naming the field', async () => {
    const r = await receiver();
    const create = (body: Record<string, unknown>) => app.request('POST', '/api/webhook-endpoints', { token: admin.token, json: body });
    expectProblem(await create({ url: 'ftp://127.0.0.1/x', events: ['enrollment.created'] }), 400, ['body.url']);
    expectProblem(await create({ url: 'not a url', events: ['enrollment.created'] }), 400, ['body.url']);
    // Development and tests allow loopback, never a private network: the outbound guard's 400.
    expectProblem(await create({ url: 'http://10.1.2.3/hooks', events: ['enrollment.created'] }), 400, ['body.url']);
    expectProblem(await create({ url: r.url, events: [] }), 400, ['body.events']);
    expectProblem(await create({ url: r.url, events: ['enrollment.teleported'] }), 400, ['body.events.0']);
    expectProblem(await create({ url: r.url, events: ['*', 'enrollment.created'] }), 400, ['body.events']);
    expectProblem(await create({ url: r.url, events: ['enrollment.created', 'enrollment.created'] }), 400, ['body.events']);
    expectProblem(await create({ url: r.url, events: 'enrollment.created' }), 400, ['body.events']);
    expectProblem(await create({ url: r.url, events: ['enrollment.created'], programIds: ['nope'] }), 400, ['body.programIds.0']);
    expectProblem(await create({}), 400, ['body.url', 'body.events']);
    expectProblem(await app.request('GET', '/api/webhook-endpoints/not-a-uuid', { token: admin.token }), 400, ['path.id']);
    expectProblem(await app.request('GET', `/api/webhook-endpoints/${randomUUID()}/deliveries?limit=0`, { token: admin.token }), 400, [
      'query.limit',
    ]);
    const id = await register(admin, r, { events: ['enrollment.created'], programIds: [(await holderWithProgram()).programId] });
    expectProblem(
      await app.request('POST', `/api/webhook-endpoints/${id}/rotate-secret`, { token: admin.token, json: { overlapSeconds: -1 } }),
      400,
      ['body.overlapSeconds'],
    );
    expectProblem(await app.request('GET', `/api/webhook-endpoints/${randomUUID()}`, { token: admin.token }), 404);
  });
});

describe('in production', () => {
  let prod: ApiApp;
  beforeAll(async () => {
    const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const names: Record<string, string> = { 'hooks.partner.example': '93.184.215.14', 'rebound.partner.example': '10.0.0.8' };
    prod = await startApiApp(
      { ...PRODUCTION_STAND_INS, CREDENTIAL_SIGNING_JWK: JSON.stringify(signingKey) },
      {
        outbound: {
          resolve: (host) =>
            names[host] ? Promise.resolve([{ address: names[host], family: 4 }]) : Promise.reject(new Error(`ENOTFOUND ${host}`)),
        },
      },
    );
  });
  afterAll(() => prod?.close());

  test('only https URLs that resolve to public addresses are registered', async () => {
    const owner = await prod.token('admin');
    const create = (url: string) => prod.request('POST', '/api/webhook-endpoints', { token: owner.token, json: { url, events: ['*'] } });
    for (const url of [
      'http://hooks.partner.example/in',
      'https://127.0.0.1/in',
      'https://localhost/in',
      'https://[::1]/in',
      'https://169.254.169.254/latest/meta-data/',
      'https://192.168.1.20/in',
      'https://[fd00::5]/in',
      'https://rebound.partner.example/in',
      'https://unknown.partner.example/in',
    ]) {
      const res = await create(url);
      expectProblem(res, 400, ['body.url']);
    }
    expect((await create('https://hooks.partner.example/in')).status).toBe(201);
  });
});
