/**
 * The delivery workflow's back-off on the time-skipping test server, with the configured defaults: a receiver that
 * never answers 2xx is tried with exponential back-off (5 s doubling, at most 4 h between attempts) for up to 3 days,
 * every attempt recorded and signed with the same `webhook-id`; then the delivery is `failed`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { insertWebhookSecret } from '../capabilities/webhooks/webhook-endpoints';
import { SEEDED_PROGRAMS } from '../db/seed';
import { loadConfig } from '../lib/config';
import { createLocalFileStore } from '../services/file-store';
import { createOutboxMailer } from '../services/mailer';
import { createSimulatedPaymentProvider } from '../services/payment-provider';
import { webhookDeliveryWorkflowId } from '../workflows/webhook-messages';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createTimeSkippingEnv } from './helpers/temporal';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';
import { webhookDelivery } from './helpers/webhook-workers';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const { retry } = loadConfig({ NODE_ENV: 'test' }).webhooks;

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let receiver: WebhookReceiver;
let dir: string;
beforeAll(async () => {
  [env, database, receiver] = await Promise.all([createTimeSkippingEnv(), createTestDatabase(), startWebhookReceiver()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-backoff-'));
});
afterAll(async () => {
  await receiver?.close();
  await env?.teardown();
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The waits the policy promises: 5 s doubling up to 4 h, as long as the next attempt stays within 3 days. */
function promisedWaitsMs(): number[] {
  const waits: number[] = [];
  for (let total = 0, wait = 5_000; ; wait = Math.min(wait * 2, 4 * 3_600_000)) {
    if (total + wait > 3 * 86_400_000) return waits;
    waits.push(wait);
    total += wait;
  }
}

test('the configured defaults: 5 s, doubling, at most 4 h, for 3 days', () => {
  expect(retry).toEqual({ initialIntervalMs: 5_000, maximumIntervalMs: 4 * 3_600_000, giveUpAfterMs: 3 * 86_400_000 });
});

test('a receiver that always fails is tried with exponential back-off for 3 days, then the delivery is failed', async () => {
  const db = database.db;
  const delivery = webhookDelivery(env, { retry, idleMs: 60_000 });
  const endpointId = randomUUID();
  await db.query(`INSERT INTO webhook_endpoints (id, owner_role, owner_id, url, event_types) VALUES ($1, 'admin', 'admin-1', $2, '{*}')`, [
    endpointId,
    receiver.url,
  ]);
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  await insertWebhookSecret(db, loadConfig({ NODE_ENV: 'test' }).secretsAtRest, endpointId, secret);
  receiver.secrets.push(secret);
  receiver.behave({ kind: 'status', status: 500 });

  const activities = createActivities({
    db,
    files: createLocalFileStore(dir),
    payments: createSimulatedPaymentProvider('https://marketplace.test'),
    mailer: createOutboxMailer(dir, 'test@marketplace.test'),
    publicBaseUrl: 'https://marketplace.test',
    webhooks: { dispatcher: delivery.dispatcher },
  });
  const enrollmentId = randomUUID();
  await activities.openEnrollmentRecord({
    enrollmentId,
    programId: DEMO.id,
    studentId: 'student-1',
    fundingSource: 'self_pay',
    priceCents: 100,
    currency: 'usd',
    openedAt: new Date().toISOString(),
  });

  const workers = await delivery.start(db);
  try {
    // Records `enrollment.created` and wakes (starts) the endpoint's delivery workflow for this enrollment.
    await activities.recordEnrollmentStatus({ enrollmentId, seq: 1, status: 'pending_payment', at: new Date().toISOString() });
    const handle = env.client.workflow.getHandle(webhookDeliveryWorkflowId(endpointId, enrollmentId));
    expect(await handle.result()).toEqual({ delivered: 0, failed: 1 });

    const waits = promisedWaitsMs();
    const timersMs: number[] = [];
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
      if (timeout) timersMs.push(Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6));
    }
    // Every back-off wait, then the last run's idle wait for another event.
    expect(timersMs).toEqual([...waits, 60_000]);
    expect(waits.slice(0, 4)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(waits.at(-1)).toBe(4 * 3_600_000);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(2.9 * 86_400_000);

    // Each attempt reached the receiver, signed, with the one webhook-id of the event; each is on record.
    expect(receiver.requests).toHaveLength(waits.length + 1);
    expect(new Set(receiver.requests.map((r) => r.id)).size).toBe(1);
    expect(receiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
    const {
      rows: [d],
    } = await db.query<{ status: string; failed: boolean; attempts: number[] }>(
      `SELECT d.status, d.failed_at IS NOT NULL AS failed,
              ARRAY(SELECT a.status_code FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.id) AS attempts
         FROM webhook_deliveries d WHERE d.endpoint_id = $1`,
      [endpointId],
    );
    expect(d).toEqual({ status: 'failed', failed: true, attempts: Array<number>(waits.length + 1).fill(500) });
  } finally {
    await workers.stop();
  }
});
