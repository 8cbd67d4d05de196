import { z } from 'zod';
import { ALL_WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES } from '../../lib/webhook-events';
import { count, httpUrl, id, instant, named, page, queryInteger, uuid } from '../../core/schemas';

// ── Outbound webhooks (Standard Webhooks) ───────────────────────────────────────────────────────────────

const webhookEventType = z.enum([ALL_WEBHOOK_EVENTS, ...WEBHOOK_EVENT_TYPES], {
  error: `an event type (${WEBHOOK_EVENT_TYPES.join(', ')}) or "*"`,
});
const distinct = (values: readonly string[]) => new Set(values).size === values.length;

/** An endpoint: where to send (checked against the URL policy by the command), which events, optionally which programs. */
export const webhookEndpointBody = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2000),
  events: z
    .array(webhookEventType, { error: 'an array of event types, or ["*"]' })
    .min(1, 'at least one event type')
    .max(WEBHOOK_EVENT_TYPES.length)
    .refine(distinct, 'each event type once')
    .refine((e) => !e.includes(ALL_WEBHOOK_EVENTS) || e.length === 1, '"*" stands alone'),
  /** Only these programs' events (a holder's own programs); absent: every program the owner may see. */
  programIds: z.array(id).min(1).max(100).refine(distinct, 'each program once').optional(),
  description: z.string().trim().min(1).max(200).optional(),
});
export const webhookEndpointParams = z.object({ id });
export const webhookDeliveryParams = z.object({ id, deliveryId: id });
/** How long the previous secret keeps signing after a rotation (default a day, at most a week; 0: not at all). */
export const rotateWebhookSecretBody = z.object({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400),
});
export const webhookDeliveriesQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  enrollmentId: id.optional(),
  limit: queryInteger(1, 200).default(50),
  offset: queryInteger(0).default(0),
});

// Outbound webhooks.

const webhookEndpointShape = {
  id: uuid,
  url: httpUrl,
  description: z.string().nullable(),
  events: z.array(z.enum([ALL_WEBHOOK_EVENTS, ...WEBHOOK_EVENT_TYPES])),
  programIds: z.array(uuid).nullable(),
  enabled: z.boolean(),
  owner: z.object({ role: z.enum(['admin', 'program_holder']), id: z.string() }),
  signingSecrets: z
    .array(z.object({ createdAt: z.iso.datetime({ offset: true }), expiresAt: z.iso.datetime({ offset: true }).nullable() }))
    .describe('The secrets that sign deliveries now: when each was made and expires, never its value'),
  createdAt: instant,
  updatedAt: instant,
};
export const webhookEndpointResponse = named('WebhookEndpoint', z.object(webhookEndpointShape));
export const createdWebhookEndpointResponse = named(
  'CreatedWebhookEndpoint',
  z.object({ ...webhookEndpointShape, secret: z.string().describe('whsec_…: shown in this answer only') }),
);
export const webhookEndpointListResponse = named('WebhookEndpointList', z.object({ endpoints: z.array(webhookEndpointResponse) }));
export const rotatedWebhookSecretResponse = named(
  'RotatedWebhookSecret',
  z.object({
    id: uuid,
    secret: z.string().describe('The new secret, shown once'),
    previousSecretsExpireAt: instant.nullable(),
  }),
);
const webhookDeliveryStatus = z.enum(['pending', 'delivered', 'failed']);
export const webhookDeliveryListResponse = named(
  'WebhookDeliveryList',
  z.object({
    endpointId: uuid,
    deliveries: z.array(
      z.object({
        id: uuid,
        eventId: uuid,
        webhookId: z.string().describe('The `webhook-id` header of every attempt'),
        type: z.enum(WEBHOOK_EVENT_TYPES),
        enrollmentId: uuid,
        status: webhookDeliveryStatus,
        occurredAt: instant,
        payload: z.looseObject({ type: z.string(), timestamp: z.string(), data: z.looseObject({}) }).describe('The body as sent'),
        createdAt: instant,
        pendingSince: instant,
        deliveredAt: instant.nullable(),
        failedAt: instant.nullable(),
        replays: count,
        attempts: z.array(
          z.object({
            at: z.iso.datetime({ offset: true }),
            statusCode: z.number().int().nullable(),
            durationMs: count,
            error: z.string().nullable(),
          }),
        ),
      }),
    ),
    ...page,
  }),
);
export const replayedWebhookDeliveryResponse = named(
  'ReplayedWebhookDelivery',
  z.object({ deliveryId: uuid, endpointId: uuid, status: z.literal('pending') }),
);
