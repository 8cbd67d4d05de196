import { Router } from 'express';
import { sendSecret } from '../../api/idempotency';
import { actorOf, requireRole } from '../../api/auth';
import { createWebhookEndpoint, replayWebhookDelivery, rotateWebhookSecret, setWebhookEndpointEnabled } from './webhook-endpoints';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import { endpointView, findVisibleEndpoint, listDeliveries, listVisibleEndpoints } from './queries';
import {
  rotateWebhookSecretBody,
  webhookDeliveriesQuery,
  webhookDeliveryParams,
  webhookEndpointBody,
  webhookEndpointParams,
  createdWebhookEndpointResponse,
  replayedWebhookDeliveryResponse,
  rotatedWebhookSecretResponse,
  webhookDeliveryListResponse,
  webhookEndpointListResponse,
  webhookEndpointResponse,
} from './schemas';
import { USER, json, jsonBody, location, withId, type Operation } from '../../api/openapi-operation';

export function webhookRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();
  const owners = requireRole('admin', 'program_holder');

  router.post('/api/webhook-endpoints', owners, async (req, res) => {
    const body = parse(webhookEndpointBody, req.body, 'body');
    const endpoint = await createWebhookEndpoint(deps, actorOf(req), body);
    await sendSecret(res.location(`/api/webhook-endpoints/${endpoint.id}`), 201, endpoint);
  });

  router.get('/api/webhook-endpoints', owners, async (req, res) => {
    res.json({ endpoints: (await listVisibleEndpoints(db, actorOf(req))).map(endpointView) });
  });

  router.get('/api/webhook-endpoints/:id', owners, async (req, res) => {
    const { id } = parse(webhookEndpointParams, req.params, 'path');
    res.json(endpointView(await findVisibleEndpoint(db, actorOf(req), id)));
  });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`/api/webhook-endpoints/:id/${verb}`, owners, async (req, res) => {
      const { id } = parse(webhookEndpointParams, req.params, 'path');
      res.json(await setWebhookEndpointEnabled(deps, actorOf(req), id, enabled));
    });
  }

  router.post('/api/webhook-endpoints/:id/rotate-secret', owners, async (req, res) => {
    const { id } = parse(webhookEndpointParams, req.params, 'path');
    const { overlapSeconds } = parse(rotateWebhookSecretBody, req.body, 'body');
    await sendSecret(res, 200, await rotateWebhookSecret(deps, actorOf(req), id, overlapSeconds));
  });

  router.get('/api/webhook-endpoints/:id/deliveries', owners, async (req, res) => {
    const { id } = parse(webhookEndpointParams, req.params, 'path');
    const query = parse(webhookDeliveriesQuery, req.query, 'query');
    await findVisibleEndpoint(db, actorOf(req), id);
    res.json({ endpointId: id, ...(await listDeliveries(db, id, query)) });
  });

  router.post('/api/webhook-endpoints/:id/deliveries/:deliveryId/replay', owners, async (req, res) => {
    const { id, deliveryId } = parse(webhookDeliveryParams, req.params, 'path');
    res.status(202).json(await replayWebhookDelivery(deps, actorOf(req), id, deliveryId));
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const webhooksOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Register a webhook endpoint',
    description:
      '`url`: in production https, resolving to public addresses only. `events`: event types, or `["*"]` (an admin only). ' +
      'An admin’s endpoint hears every program, a holder’s its own (`programIds`: some of them). The Standard Webhooks ' +
      '`secret` (`whsec_…`) is in this answer only: a retry with the same Idempotency-Key answers 201 with no body.',
    access: 'user',
    who: 'admin, program holder',
    requestBody: jsonBody(webhookEndpointBody),
    idempotent: true,
    responses: { 201: json('The endpoint and its secret', createdWebhookEndpointResponse, location) },
    problems: {
      400: 'A bad field, or a URL the outbound policy refuses (each named in `errors`)',
      ...USER,
      403: 'Not an admin or program holder, or a holder asking for "*"',
      404: 'A program that does not exist or is another holder’s',
    },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    tag: 'Webhooks',
    summary: 'The caller’s endpoints (an admin: every one), without their secrets',
    access: 'user',
    who: 'admin, program holder',
    responses: { 200: json('The endpoints, newest first', webhookEndpointListResponse) },
    problems: USER,
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints/{id}',
    operationId: 'getWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'One endpoint, with when its live secrets were made and expire (never their values)',
    access: 'user',
    who: 'its owner, admin',
    requestParams: { path: webhookEndpointParams },
    responses: { 200: json('The endpoint', webhookEndpointResponse) },
    problems: { ...withId, ...USER },
  },
  // Disable and enable: one route each (the loop above), the same answer.
  ...(
    [
      ['disable', 'Stop sending: the endpoint hears no new event; its pending deliveries wait'],
      ['enable', 'Send again: pending deliveries go out in order, each with a fresh retry window'],
    ] as const
  ).map(([verb, summary]): Operation => ({
    method: 'post',
    path: `/api/webhook-endpoints/{id}/${verb}`,
    operationId: `${verb}WebhookEndpoint`,
    tag: 'Webhooks',
    summary,
    access: 'user',
    who: 'its owner, admin',
    requestParams: { path: webhookEndpointParams },
    idempotent: true,
    responses: { 200: json('The endpoint', webhookEndpointResponse) },
    problems: { ...withId, ...USER },
  })),
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: 'A new secret, shown once',
    description:
      'The previous ones keep signing for `overlapSeconds` (default 86400, at most 604800), each delivery carrying one ' +
      'signature per live secret. A retry with the same Idempotency-Key answers 200 with no body.',
    access: 'user',
    who: 'its owner, admin',
    requestParams: { path: webhookEndpointParams },
    requestBody: jsonBody(rotateWebhookSecretBody),
    idempotent: true,
    responses: { 200: json('The new secret', rotatedWebhookSecretResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'Each event sent to the endpoint, newest first, as sent, with its status and every attempt',
    description: 'A delivery is `failed` after 3 days of exponential back-off.',
    access: 'user',
    who: 'its owner, admin',
    requestParams: { path: webhookEndpointParams, query: webhookDeliveriesQuery },
    responses: { 200: json('A page of deliveries', webhookDeliveryListResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/deliveries/{deliveryId}/replay',
    operationId: 'replayWebhookDelivery',
    tag: 'Webhooks',
    summary: 'Send a delivered or failed delivery again',
    description: 'The same body and `webhook-id`, a fresh retry window; its attempts stay on record.',
    access: 'user',
    who: 'its owner, admin',
    requestParams: { path: webhookDeliveryParams },
    idempotent: true,
    responses: { 202: json('Pending again', replayedWebhookDeliveryResponse) },
    problems: { ...withId, ...USER, 409: 'Still pending, or the endpoint is disabled' },
  },
];
