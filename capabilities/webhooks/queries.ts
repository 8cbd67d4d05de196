import type { Db } from '../../db/pool';
import { iso } from '../../lib/dates';
import { webhookMessageId } from '../../lib/webhook-events';
import type { Actor } from '../../core/actor';
import { refuse } from '../../core/refusals';

/** Webhook endpoints and their deliveries as their owners see them: never a secret (shown once, at creation or rotation). */

export interface WebhookEndpointRow {
  id: string;
  owner_role: 'admin' | 'program_holder';
  owner_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  program_ids: string[] | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  secrets: { createdAt: string; expiresAt: string | null }[];
}

const ENDPOINT_COLUMNS = `w.id, w.owner_role, w.owner_id, w.url, w.description, w.event_types, w.program_ids, w.enabled, w.created_at,
  w.updated_at,
  ARRAY(SELECT json_build_object('createdAt', s.created_at, 'expiresAt', s.expires_at) FROM webhook_endpoint_secrets s
         WHERE s.endpoint_id = w.id AND (s.expires_at IS NULL OR s.expires_at > now()) ORDER BY s.id DESC) AS secrets`;

/** Who sees an endpoint: an admin every one; a program holder its own (`$role` and `$id`: the caller's parameters). */
const visibleTo = (role: string, id: string) => `(${role} = 'admin' OR (w.owner_role = 'program_holder' AND w.owner_id = ${id}))`;

export const endpointView = (w: WebhookEndpointRow) => ({
  id: w.id,
  url: w.url,
  description: w.description,
  events: w.event_types,
  programIds: w.program_ids,
  enabled: w.enabled,
  owner: { role: w.owner_role, id: w.owner_id },
  /** The secrets that sign deliveries now (the previous one until its overlap ends after a rotation); never their values. */
  signingSecrets: w.secrets,
  createdAt: iso(w.created_at),
  updatedAt: iso(w.updated_at),
});

/** The endpoint if the caller may see it; otherwise 404 (another holder's endpoint is not there for them). */
export async function findVisibleEndpoint(db: Db, actor: Actor, id: string): Promise<WebhookEndpointRow> {
  const { rows } = await db.query<WebhookEndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w WHERE w.id = $1 AND ${visibleTo('$2', '$3')}`,
    [id, actor.role, actor.id],
  );
  if (!rows[0]) throw refuse.notFound(`webhook endpoint ${id}`);
  return rows[0];
}

export async function listVisibleEndpoints(db: Db, actor: Actor): Promise<WebhookEndpointRow[]> {
  const { rows } = await db.query<WebhookEndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w WHERE ${visibleTo('$1', '$2')} ORDER BY w.created_at DESC, w.id`,
    [actor.role, actor.id],
  );
  return rows;
}

/** The programs among `ids` that a holder owns (an admin: that exist). */
export async function visiblePrograms(db: Db, actor: Actor, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM programs WHERE id = ANY ($1::uuid[]) AND ($2 = 'admin' OR holder_id = $3)`,
    [ids, actor.role, actor.id],
  );
  return new Set(rows.map((r) => r.id));
}

interface DeliveryRow {
  id: string;
  event_id: string;
  type: string;
  enrollment_id: string;
  status: string;
  occurred_at: Date;
  body: string;
  created_at: Date;
  pending_since: Date;
  delivered_at: Date | null;
  failed_at: Date | null;
  replays: number;
  attempts: { at: string; statusCode: number | null; durationMs: number; error: string | null }[];
}

/** An endpoint's deliveries, newest event first: each event as sent and every attempt, oldest attempt first. */
export async function listDeliveries(
  db: Db,
  endpointId: string,
  q: { status?: string; enrollmentId?: string; limit: number; offset: number },
) {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT d.id, ev.id AS event_id, ev.type, d.enrollment_id, d.status, ev.occurred_at, ev.body, d.created_at, d.pending_since,
            d.delivered_at, d.failed_at, d.replays,
            ARRAY(SELECT json_build_object('at', a.attempted_at, 'statusCode', a.status_code, 'durationMs', a.duration_ms, 'error', a.error)
                    FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.id) AS attempts
       FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq
      WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::uuid IS NULL OR d.enrollment_id = $3)
      ORDER BY d.event_seq DESC LIMIT $4 OFFSET $5`,
    [endpointId, q.status ?? null, q.enrollmentId ?? null, q.limit, q.offset],
  );
  return {
    deliveries: rows.map((d) => ({
      id: d.id,
      eventId: d.event_id,
      /** The `webhook-id` header of every attempt of this event. */
      webhookId: webhookMessageId(d.event_id),
      type: d.type,
      enrollmentId: d.enrollment_id,
      status: d.status,
      occurredAt: iso(d.occurred_at),
      payload: JSON.parse(d.body) as unknown,
      createdAt: iso(d.created_at),
      pendingSince: iso(d.pending_since),
      deliveredAt: iso(d.delivered_at),
      failedAt: iso(d.failed_at),
      replays: d.replays,
      attempts: d.attempts,
    })),
    limit: q.limit,
    offset: q.offset,
  };
}

/** A delivery of this endpoint: its status, or undefined when the endpoint has no such delivery. */
export async function findDelivery(db: Db, endpointId: string, deliveryId: string): Promise<{ status: string } | undefined> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2', [
    deliveryId,
    endpointId,
  ]);
  return rows[0];
}
