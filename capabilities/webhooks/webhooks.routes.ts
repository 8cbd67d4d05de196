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
} from './schemas';

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
