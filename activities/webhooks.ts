/**
 * The activities of webhook delivery (workflows/webhook-delivery.ts): the next pending delivery, one signed attempt,
 * giving a delivery up, and the sweep that wakes deliveries no workflow was woken for (db/webhook-outbox.ts).
 */
import { Webhook } from 'standardwebhooks';
import { sealedPlace, WEBHOOK_SECRETS } from '../db/sealed-columns';
import { type WebhookDispatcher, wakeDeliveries } from '../db/webhook-outbox';
import { webhookMessageId } from '../lib/webhook-events';
import { outboundPolicy } from '../lib/outbound-guard';
import { createWebhookSender, type WebhookSender } from '../services/webhook-sender';
import type { ActivityDeps } from './deps';

/** What the worker delivers webhooks with; without it, attempts go out under production's URL policy. */
export interface WebhookActivityDeps {
  dispatcher?: WebhookDispatcher;
  sender?: WebhookSender;
  /** A delivery pending this long with no attempt (or wake) is woken again by the sweep (its workflow is gone). */
  staleAfterMs?: number;
}

export interface NextWebhookDelivery {
  deliveryId: string;
  /** When the delivery became pending (recorded, replayed or re-enabled): the retry window counts from here. */
  pendingSince: string;
  /** Attempts since then. */
  attempts: number;
  lastAttemptAt?: string;
}

export interface WebhookAttemptResult {
  /** `settled`: delivered or given up already; `disabled`: the endpoint is disabled, nothing was sent. */
  outcome: 'delivered' | 'failed' | 'disabled' | 'settled';
  statusCode?: number;
  error?: string;
}

interface NextDeliveryRow {
  id: string;
  pending_since: Date;
  attempts: number;
  last_attempt_at: Date | null;
}

interface AttemptTargetRow {
  status: string;
  url: string;
  enabled: boolean;
  event_id: string;
  body: string;
  /** The live secrets, newest first, each sealed for its row. */
  secrets: { id: number; sealed: string }[];
}

const STALE_AFTER_MS = 4 * 3_600_000 + 10 * 60_000;
/** Undispatched deliveries younger than this are left to the writer that is waking them now. */
const UNDISPATCHED_GRACE = '10 seconds';
const SWEEP_BATCH = 500;

export function createWebhookActivities({ db, webhooks, secretsAtRest }: Pick<ActivityDeps, 'db' | 'webhooks' | 'secretsAtRest'>) {
  const openSecret = ({ id, sealed }: { id: number; sealed: string }) => {
    if (!secretsAtRest) throw new Error('the worker was given no DATA_ENCRYPTION_KEY keys: it cannot open webhook secrets');
    return secretsAtRest.open(sealed, sealedPlace(WEBHOOK_SECRETS, id));
  };
  const send = webhooks?.sender ?? createWebhookSender({ policy: outboundPolicy('production'), timeoutMs: 10_000 });
  return {
    /** The endpoint's oldest pending delivery of the enrollment's events, or undefined. */
    async nextWebhookDelivery(r: { endpointId: string; enrollmentId: string }): Promise<NextWebhookDelivery | undefined> {
      const {
        rows: [d],
      } = await db.query<NextDeliveryRow>(
        `SELECT d.id, d.pending_since, d.last_attempt_at,
                (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.attempted_at >= d.pending_since)::int AS attempts
           FROM webhook_deliveries d
          WHERE d.endpoint_id = $1 AND d.enrollment_id = $2 AND d.status = 'pending'
          ORDER BY d.event_seq LIMIT 1`,
        [r.endpointId, r.enrollmentId],
      );
      return (
        d && {
          deliveryId: d.id,
          pendingSince: d.pending_since.toISOString(),
          attempts: d.attempts,
          lastAttemptAt: d.last_attempt_at?.toISOString(),
        }
      );
    },

    /**
     * One attempt: the event's body, signed with each live secret of the endpoint (after a rotation, the previous one
     * too: Standard Webhooks lists several signatures), sent once; the attempt is recorded with its status code,
     * duration and error, and a 2xx marks the delivery delivered.
     */
    async attemptWebhookDelivery(r: { deliveryId: string }): Promise<WebhookAttemptResult> {
      const {
        rows: [t],
      } = await db.query<AttemptTargetRow>(
        `SELECT d.status, w.url, w.enabled, ev.id AS event_id, ev.body,
                ARRAY(SELECT json_build_object('id', s.id, 'sealed', s.secret) FROM webhook_endpoint_secrets s
                       WHERE s.endpoint_id = w.id AND (s.expires_at IS NULL OR s.expires_at > now()) ORDER BY s.id DESC) AS secrets
           FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN webhook_events ev ON ev.seq = d.event_seq
          WHERE d.id = $1`,
        [r.deliveryId],
      );
      if (!t || t.status !== 'pending') return { outcome: 'settled' };
      if (!t.enabled) return { outcome: 'disabled' };
      const at = new Date();
      const id = webhookMessageId(t.event_id);
      const outcome = await send({
        url: t.url,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': t.secrets.map((s) => new Webhook(openSecret(s)).sign(id, at, t.body)).join(' '),
          'user-agent': 'credential-marketplace-webhooks/1',
        },
        body: t.body,
      });
      const delivered = outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
      await db.query(
        `WITH attempt AS (
           INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, duration_ms, error) VALUES ($1, $2, $3, $4, $5)
         )
         UPDATE webhook_deliveries
            SET last_attempt_at = $2,
                status = CASE WHEN $6 THEN 'delivered' ELSE status END,
                delivered_at = CASE WHEN $6 THEN now() ELSE delivered_at END
          WHERE id = $1 AND status = 'pending'`,
        [r.deliveryId, at, outcome.statusCode ?? null, outcome.durationMs, outcome.error ?? null, delivered],
      );
      return {
        outcome: delivered ? 'delivered' : 'failed',
        ...(outcome.statusCode !== undefined && { statusCode: outcome.statusCode }),
        ...(outcome.error && { error: outcome.error }),
      };
    },

    /** The retry window has passed: the delivery is `failed` (an owner may replay it). */
    async giveUpWebhookDelivery(r: { deliveryId: string }): Promise<void> {
      await db.query(`UPDATE webhook_deliveries SET status = 'failed', failed_at = now() WHERE id = $1 AND status = 'pending'`, [
        r.deliveryId,
      ]);
    },

    /**
     * Wakes the workflows of pending deliveries that none was woken for (after a grace for the writer's own wake), and
     * of those no attempt or wake has touched for longer than the longest back-off (their workflow ended or was
     * terminated). Answers how many deliveries it woke.
     */
    async sweepWebhookDeliveries(): Promise<{ woken: number }> {
      if (!webhooks?.dispatcher) return { woken: 0 };
      let woken = 0;
      for (;;) {
        const { rows } = await db.query<{ id: string; endpoint_id: string; enrollment_id: string }>(
          `SELECT d.id, d.endpoint_id, d.enrollment_id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
            WHERE d.status = 'pending' AND w.enabled
              AND (d.dispatched_at IS NULL AND d.pending_since < now() - $1::interval
                   OR greatest(d.dispatched_at, d.last_attempt_at) < now() - $2 * interval '1 millisecond')
            ORDER BY d.pending_since LIMIT ${SWEEP_BATCH}`,
          [UNDISPATCHED_GRACE, webhooks.staleAfterMs ?? STALE_AFTER_MS],
        );
        // Each woken delivery is marked dispatched now, so the next batch is another one.
        const stale = rows.map((d) => ({ id: d.id, endpointId: d.endpoint_id, enrollmentId: d.enrollment_id }));
        if (!stale.length || !(await wakeDeliveries(db, webhooks.dispatcher, stale))) return { woken };
        woken += stale.length;
        if (stale.length < SWEEP_BATCH) return { woken };
      }
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
