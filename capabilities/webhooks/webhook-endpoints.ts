/**
 * Webhook endpoints: registered by an admin (every program) or a program holder (its own programs), each with a
 * Standard Webhooks secret shown once; enabled, disabled, its secret rotated with an overlap; a delivery replayed.
 * Every change is audited.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type Db, inTransaction } from '../../db/pool';
import { sealedPlace, WEBHOOK_SECRETS } from '../../db/sealed-columns';
import { wakeDeliveries } from '../../db/webhook-outbox';
import { ALL_WEBHOOK_EVENTS } from '../../lib/webhook-events';
import type { SecretsAtRest } from '../../lib/secrets-at-rest';
import { audit } from '../../core/audit';
import type { Actor } from '../../core/actor';
import { type CoreDeps, outboundGuard } from '../../core/deps';
import { refuse, refuseUrls } from '../../core/refusals';
import { endpointView, findDelivery, findVisibleEndpoint, visiblePrograms } from './queries';
import type { webhookEndpointBody } from './schemas';
import type { z } from 'zod';

type Deps = Pick<CoreDeps, 'db' | 'config' | 'webhooks' | 'outbound'>;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Keeps an endpoint's signing secret, sealed for its row (so the row's id is drawn first). */
export async function insertWebhookSecret(client: Pick<Db, 'query'>, secrets: SecretsAtRest, endpointId: string, secret: string) {
  const {
    rows: [{ id }],
  } = await client.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('webhook_endpoint_secrets', 'id'))::text AS id`);
  await client.query('INSERT INTO webhook_endpoint_secrets (id, endpoint_id, secret) VALUES ($1, $2, $3)', [
    id,
    endpointId,
    secrets.seal(secret, sealedPlace(WEBHOOK_SECRETS, id)),
  ]);
}

export async function createWebhookEndpoint(deps: Deps, actor: Actor, body: z.output<typeof webhookEndpointBody>) {
  const { db } = deps;
  if (actor.role !== 'admin' && body.events.includes(ALL_WEBHOOK_EVENTS)) {
    throw refuse.forbidden('only an admin may subscribe to every event type ("*"); name the event types');
  }
  if (body.programIds) {
    const visible = await visiblePrograms(db, actor, body.programIds);
    const other = body.programIds.find((p) => !visible.has(p));
    // Another holder's program is not there for this caller, like an unknown one.
    if (other) throw refuse.notFound(`program ${other}`);
  }
  await refuseUrls(outboundGuard(deps), { 'body.url': body.url });

  const id = randomUUID();
  const secret = newWebhookSecret();
  await inTransaction(db, async (client) => {
    await client.query(
      `INSERT INTO webhook_endpoints (id, owner_role, owner_id, url, description, event_types, program_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, actor.role, actor.id, body.url, body.description ?? null, body.events, body.programIds ?? null],
    );
    await insertWebhookSecret(client, deps.config.secretsAtRest, id, secret);
  });
  await audit(db, actor, 'webhook_endpoint.create', { type: 'webhook_endpoint', id }, { url: body.url, events: body.events });
  return { ...endpointView(await findVisibleEndpoint(db, actor, id)), secret };
}

/**
 * Disabling stops sending: the endpoint hears no new event, and its pending deliveries wait. Enabling sends those
 * again, each with a fresh retry window, in order.
 */
export async function setWebhookEndpointEnabled(deps: Deps, actor: Actor, id: string, enabled: boolean) {
  const { db } = deps;
  const endpoint = await findVisibleEndpoint(db, actor, id);
  if (endpoint.enabled === enabled) return endpointView(endpoint);
  const pending = await inTransaction(db, async (client) => {
    await client.query('UPDATE webhook_endpoints SET enabled = $2, updated_at = now() WHERE id = $1', [id, enabled]);
    if (!enabled) return [];
    const { rows } = await client.query<{ id: string; enrollment_id: string }>(
      `UPDATE webhook_deliveries SET pending_since = now(), dispatched_at = NULL
        WHERE endpoint_id = $1 AND status = 'pending' RETURNING id, enrollment_id`,
      [id],
    );
    return rows.map((r) => ({ id: r.id, endpointId: id, enrollmentId: r.enrollment_id }));
  });
  await audit(db, actor, enabled ? 'webhook_endpoint.enable' : 'webhook_endpoint.disable', { type: 'webhook_endpoint', id });
  await wakeDeliveries(db, deps.webhooks?.dispatcher, pending);
  return endpointView(await findVisibleEndpoint(db, actor, id));
}

/**
 * A new secret, shown once. The previous secrets keep signing for `overlapSeconds` (each delivery carries one
 * signature per live secret), so a receiver can switch to the new one without missing a delivery.
 */
export async function rotateWebhookSecret(deps: Deps, actor: Actor, id: string, overlapSeconds: number) {
  const { db } = deps;
  await findVisibleEndpoint(db, actor, id);
  const secret = newWebhookSecret();
  const previousSecretsExpireAt = await inTransaction(db, async (client) => {
    // One rotation at a time per endpoint.
    await client.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await client.query<{ expires_at: Date }>(
      `UPDATE webhook_endpoint_secrets SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + $2 * interval '1 second')
        WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > now()) RETURNING expires_at`,
      [id, overlapSeconds],
    );
    await insertWebhookSecret(client, deps.config.secretsAtRest, id, secret);
    await client.query('UPDATE webhook_endpoints SET updated_at = now() WHERE id = $1', [id]);
    return rows.reduce<Date | undefined>((latest, r) => (!latest || r.expires_at > latest ? r.expires_at : latest), undefined);
  });
  await audit(db, actor, 'webhook_endpoint.rotate_secret', { type: 'webhook_endpoint', id }, { overlapSeconds });
  return { id, secret, previousSecretsExpireAt: previousSecretsExpireAt?.toISOString() ?? null };
}

/**
 * Sends a delivered or failed delivery again: the same event, body and `webhook-id` (a receiver that kept it
 * deduplicates it), a fresh retry window; its earlier attempts stay on record. 409 while it is still pending or the
 * endpoint is disabled.
 */
export async function replayWebhookDelivery(deps: Deps, actor: Actor, endpointId: string, deliveryId: string) {
  const { db } = deps;
  const endpoint = await findVisibleEndpoint(db, actor, endpointId);
  const delivery = await findDelivery(db, endpointId, deliveryId);
  if (!delivery) throw refuse.notFound(`delivery ${deliveryId} of webhook endpoint ${endpointId}`);
  if (!endpoint.enabled) throw refuse.conflict('the endpoint is disabled; enable it first');
  const { rows } = await db.query<{ enrollment_id: string }>(
    `UPDATE webhook_deliveries
        SET status = 'pending', pending_since = now(), dispatched_at = NULL, delivered_at = NULL, failed_at = NULL, replays = replays + 1
      WHERE id = $1 AND endpoint_id = $2 AND status <> 'pending' RETURNING enrollment_id`,
    [deliveryId, endpointId],
  );
  if (!rows[0]) throw refuse.conflict(`delivery ${deliveryId} is still being delivered`);
  await audit(db, actor, 'webhook_delivery.replay', { type: 'webhook_delivery', id: deliveryId }, { endpointId, was: delivery.status });
  await wakeDeliveries(db, deps.webhooks?.dispatcher, [{ id: deliveryId, endpointId, enrollmentId: rows[0].enrollment_id }]);
  return { deliveryId, endpointId, status: 'pending' as const };
}
