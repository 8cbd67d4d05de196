/**
 * The events the platform announces to webhook endpoints (Standard Webhooks). Each is recorded once, in the same
 * transaction as the fact it announces (db/webhook-outbox.ts), and sent to each endpoint as
 * `{ type, timestamp, data }`. `data` carries ids and statuses only, never a student's name or email (nor the
 * student's user id, which some identity providers make an email address).
 */
export const WEBHOOK_EVENT_TYPES = [
  'enrollment.created',
  'enrollment.funded',
  'enrollment.paid',
  'enrollment.launched',
  'submission.received',
  'submission.reviewed',
  'enrollment.completed',
  'credential.issued',
  'credential.revoked',
  'enrollment.withdrawn',
  'enrollment.expired',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes an endpoint to every type (an admin's endpoint only). */
export const ALL_WEBHOOK_EVENTS = '*';

/**
 * What `data` holds: always the enrollment and its program, and `status`, the status of the event's subject: the
 * enrollment's for `enrollment.*`, the submission's (`pending`, `approved`, `rejected`) for `submission.*`, the
 * credential's (`valid`, `revoked`) for `credential.*`.
 */
export interface WebhookEventData {
  enrollmentId: string;
  programId: string;
  status: string;
  [fact: string]: string | number | null | undefined;
}

/** An event about to be recorded: `key` names the fact once per enrollment (a retry records nothing new). */
export interface WebhookEventDraft {
  key: string;
  type: WebhookEventType;
  occurredAt: string;
  data: WebhookEventData;
}

/** The JSON body of every delivery of an event (kept as sent: every attempt signs the same bytes). */
export const webhookBody = (e: Pick<WebhookEventDraft, 'type' | 'occurredAt' | 'data'>): string =>
  JSON.stringify({ type: e.type, timestamp: e.occurredAt, data: e.data });

/** The `webhook-id` of an event: the same on every attempt and replay, so receivers can deduplicate. */
export const webhookMessageId = (eventId: string): string => `msg_${eventId.replace(/-/g, '')}`;
