/**
 * The webhook outbox: an event is recorded in the same transaction as the fact it announces (a status projection, a
 * submission, its review, a certificate issued or revoked), keyed by the fact so that a retried activity records it
 * once, with one delivery per enabled endpoint that hears it. Nothing is lost (no fact without its event) and nothing
 * invented (no event without its fact).
 *
 * How the deliveries reach Temporal: right after the commit, the writer wakes each delivery's workflow
 * (`webhook:<endpoint>:<enrollment>`, signal-with-start) and marks the deliveries dispatched. That is only the fast
 * path: a process that dies between the commit and the wake, or a Temporal that does not answer, leaves the delivery
 * undispatched, and the `webhook-sweep` Schedule (worker/schedules.ts) wakes every such delivery a minute later. The
 * wake carries nothing but "look": the delivery workflow reads what to send from here, so a second wake is harmless.
 * A fact with no endpoint listening costs one read and no transaction.
 */
import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { ALL_WEBHOOK_EVENTS, webhookBody, type WebhookEventDraft, type WebhookEventType } from '../lib/webhook-events';
import { type Db, inTransaction } from './pool';

/** The pool or a transaction's client. */
export type Queryable = Pick<PoolClient, 'query'>;

/** One delivery workflow: an endpoint's deliveries of one enrollment's events, sent in order. */
export interface WebhookTarget {
  endpointId: string;
  enrollmentId: string;
}

/** Wakes the delivery workflows of these targets (starting those not running). */
export interface WebhookDispatcher {
  wake(targets: WebhookTarget[]): Promise<void>;
}

/** The enrollment as the events about it need it, read before the fact is written, with the endpoints that hear it. */
export interface EnrollmentBefore {
  programId: string;
  fundingSource: string;
  voucherCents: number;
  amountDueCents: number | null;
  statusSeq: number;
  paid: boolean;
  launched: boolean;
  endpoints: { id: string; eventTypes: string[] }[];
}

interface EnrollmentBeforeRow {
  program_id: string;
  funding_source: string;
  voucher_cents: number;
  amount_due_cents: number | null;
  status_seq: number;
  paid: boolean;
  launched: boolean;
  endpoints: { id: string; eventTypes: string[] }[];
}

/** Advisory lock class of an enrollment's events (two-key form: its own key space). */
const EVENT_LOCK_CLASS = 15_019;

/** The enrollment and the enabled endpoints that hear it: an admin's, or its program holder's (of this program). */
async function enrollmentBefore(q: Queryable, enrollmentId: string): Promise<EnrollmentBefore | undefined> {
  const { rows } = await q.query<EnrollmentBeforeRow>(
    `SELECT e.program_id, e.funding_source, e.voucher_cents, e.amount_due_cents, e.status_seq,
            e.paid_at IS NOT NULL AS paid, e.launched_at IS NOT NULL AS launched,
            COALESCE(json_agg(json_build_object('id', w.id, 'eventTypes', w.event_types)) FILTER (WHERE w.id IS NOT NULL), '[]') AS endpoints
       FROM enrollments e JOIN programs p ON p.id = e.program_id
       LEFT JOIN webhook_endpoints w ON w.enabled AND (w.owner_role = 'admin' OR w.owner_id = p.holder_id)
                                    AND (w.program_ids IS NULL OR e.program_id = ANY (w.program_ids))
      WHERE e.id = $1
      GROUP BY e.id`,
    [enrollmentId],
  );
  const r = rows[0];
  return (
    r && {
      programId: r.program_id,
      fundingSource: r.funding_source,
      voucherCents: r.voucher_cents,
      amountDueCents: r.amount_due_cents,
      statusSeq: r.status_seq,
      paid: r.paid,
      launched: r.launched,
      endpoints: r.endpoints,
    }
  );
}

const hears = (endpoint: { eventTypes: string[] }, type: WebhookEventType) =>
  endpoint.eventTypes.includes(ALL_WEBHOOK_EVENTS) || endpoint.eventTypes.includes(type);

export interface WebhookFact<T> {
  enrollmentId: string;
  /** Writes the fact, idempotently (on the pool, or on the transaction's client when an endpoint listens). */
  write(q: Queryable): Promise<T>;
  /** The events the fact just written announces; none when the write changed nothing (a retry). */
  events(written: T, before: EnrollmentBefore): WebhookEventDraft[];
}

export interface NewDelivery extends WebhookTarget {
  id: string;
}

/** Records the events (and deliveries) in the transaction, in order, under the enrollment's lock. */
async function insertEvents(client: PoolClient, enrollmentId: string, before: EnrollmentBefore, drafts: WebhookEventDraft[]) {
  const deliveries: NewDelivery[] = [];
  if (!drafts.length) return deliveries;
  // The enrollment's events get their `seq` and commit one transaction after another: `seq` order is commit order.
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [EVENT_LOCK_CLASS, enrollmentId]);
  for (const d of drafts) {
    const {
      rows: [event],
    } = await client.query<{ seq: number }>(
      `INSERT INTO webhook_events (id, event_key, type, enrollment_id, program_id, occurred_at, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_key) DO NOTHING RETURNING seq`,
      [randomUUID(), d.key, d.type, enrollmentId, before.programId, d.occurredAt, webhookBody(d)],
    );
    if (!event) continue; // recorded by an earlier try of the same fact
    const endpointIds = before.endpoints.filter((e) => hears(e, d.type)).map((e) => e.id);
    const { rows } = await client.query<{ id: string; endpoint_id: string }>(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_seq, enrollment_id)
       SELECT gen_random_uuid(), endpoint_id, $2, $3 FROM unnest($1::uuid[]) AS endpoint_id
       RETURNING id, endpoint_id`,
      [endpointIds, event.seq, enrollmentId],
    );
    deliveries.push(...rows.map((r) => ({ id: r.id, endpointId: r.endpoint_id, enrollmentId })));
  }
  return deliveries;
}

/**
 * Writes a fact and the webhook events it announces together. Without an endpoint that hears the enrollment, the fact
 * is written alone, as before webhooks existed. After the commit the deliveries' workflows are woken (best effort:
 * the sweep wakes what this could not).
 */
export async function recordWithWebhookEvents<T>(db: Db, fact: WebhookFact<T>, dispatcher?: WebhookDispatcher): Promise<T> {
  const before = await enrollmentBefore(db, fact.enrollmentId);
  if (!before?.endpoints.length) return fact.write(db);
  const { written, deliveries } = await inTransaction(db, async (client) => {
    const written = await fact.write(client);
    const drafts = fact.events(written, before).filter((d) => before.endpoints.some((e) => hears(e, d.type)));
    return { written, deliveries: await insertEvents(client, fact.enrollmentId, before, drafts) };
  });
  await wakeDeliveries(db, dispatcher, deliveries);
  return written;
}

/**
 * Wakes the workflows of these deliveries and marks them dispatched (now); true when they were woken. A failure is
 * logged, not thrown: the fact is committed, and the sweep wakes undispatched deliveries.
 */
export async function wakeDeliveries(
  db: Queryable,
  dispatcher: WebhookDispatcher | undefined,
  deliveries: NewDelivery[],
): Promise<boolean> {
  if (!dispatcher || !deliveries.length) return false;
  const targets = new Map(
    deliveries.map((d) => [`${d.endpointId}:${d.enrollmentId}`, { endpointId: d.endpointId, enrollmentId: d.enrollmentId }]),
  );
  try {
    await dispatcher.wake([...targets.values()]);
    await db.query('UPDATE webhook_deliveries SET dispatched_at = now() WHERE id = ANY ($1::uuid[])', [deliveries.map((d) => d.id)]);
    return true;
  } catch (err) {
    console.warn(`[webhooks] ${deliveries.length} deliveries wait for the sweep: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
