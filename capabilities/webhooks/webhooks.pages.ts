import { type Request, type Response, Router } from 'express';
import { consoleActor, holderScope } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import { type FieldErrors, parseForm, redirectWithSuccess, refusalErrors, typedValues } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse } from '../../core/refusals';
import { ALL_WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES } from '../../lib/webhook-events';
import { holderPrograms } from '../completion/evidence/queries';
import { endpointView, findVisibleEndpoint, listDeliveries, listVisibleEndpoints } from './queries';
import { webhookDeliveryParams, webhookEndpointBody, webhookEndpointParams } from './schemas';
import { createWebhookEndpoint, replayWebhookDelivery, setWebhookEndpointEnabled } from './webhook-endpoints';

const DELIVERIES_SHOWN = 50;

/** The Add endpoint form as a browser posts it: one checkbox per event (or all), one per program; the rules are the JSON body's. */
function endpointBody(values: Record<string, unknown>) {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]).filter((x) => typeof x === 'string');
  const events = list(values.events);
  const programIds = list(values.programIds);
  return {
    url: typeof values.url === 'string' ? values.url.trim() : undefined,
    events: values.allEvents === 'on' ? [ALL_WEBHOOK_EVENTS] : events,
    ...(programIds.length && { programIds }),
    ...(typeof values.description === 'string' && values.description.trim() && { description: values.description.trim() }),
  };
}

/**
 * Webhook endpoints in the console (`/holder/webhooks`; an admin uses it too, and sees every endpoint): the list, an
 * endpoint added (its secret shown once), disabled or enabled again, its deliveries with their attempts, and a failed
 * or delivered one sent again. The same commands and queries as /api/webhook-endpoints.
 */
export function webhookPages(deps: CoreDeps, render: Render): Router {
  const { db } = deps;
  const router = Router();

  async function listPage(req: Request, res: Response, form?: { values: Record<string, unknown>; errors: FieldErrors; status: number }) {
    const actor = consoleActor(req);
    const [endpoints, programs] = await Promise.all([listVisibleEndpoints(db, actor), holderPrograms(db, holderScope(actor))]);
    render(
      req,
      res,
      'holder/webhooks',
      {
        title: 'Webhooks',
        base: `${req.baseUrl}/webhooks`,
        fmt,
        endpoints: endpoints.map(endpointView),
        eventTypes: WEBHOOK_EVENT_TYPES,
        programs,
        admin: actor.role === 'admin',
        values: form?.values ?? {},
        errors: form?.errors ?? {},
      },
      form?.status,
    );
  }

  router.get('/webhooks', (req, res) => listPage(req, res));

  router.post('/webhooks', requireCsrf, async (req, res) => {
    const values = req.body as Record<string, unknown>;
    const form = parseForm(webhookEndpointBody, endpointBody(values));
    if (form.errors) return listPage(req, res, { values, errors: form.errors, status: 400 });
    let endpoint;
    try {
      endpoint = await createWebhookEndpoint(deps, consoleActor(req), form.data);
    } catch (err) {
      return listPage(req, res, { values, ...refusalErrors(err) });
    }
    res.set('Cache-Control', 'no-store');
    render(req, res, 'holder/webhook-created', { title: 'Webhook endpoint added', base: `${req.baseUrl}/webhooks`, endpoint }, 201);
  });

  router.get('/webhooks/:id', async (req, res) => {
    const { id } = parse(webhookEndpointParams, req.params, 'path');
    const endpoint = endpointView(await findVisibleEndpoint(db, consoleActor(req), id));
    const { deliveries } = await listDeliveries(db, id, { limit: DELIVERIES_SHOWN, offset: 0 });
    render(req, res, 'holder/webhook', {
      title: `Webhook endpoint ${endpoint.url}`,
      base: `${req.baseUrl}/webhooks`,
      fmt,
      endpoint,
      deliveries,
    });
  });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`/webhooks/:id/${verb}`, requireCsrf, async (req, res) => {
      const { id } = parse(webhookEndpointParams, req.params, 'path');
      const endpoint = await setWebhookEndpointEnabled(deps, consoleActor(req), id, enabled);
      const text = enabled
        ? `${endpoint.url} is enabled again: the deliveries that waited are being sent.`
        : `${endpoint.url} is disabled: it hears no new event until you enable it again.`;
      await redirectWithSuccess(req, res, `${req.baseUrl}/webhooks/${id}`, text);
    });
  }

  router.post('/webhooks/:id/deliveries/:deliveryId/replay', requireCsrf, async (req, res) => {
    const { id, deliveryId } = parse(webhookDeliveryParams, req.params, 'path');
    await replayWebhookDelivery(deps, consoleActor(req), id, deliveryId);
    const values = typedValues(req.body);
    await redirectWithSuccess(req, res, `${req.baseUrl}/webhooks/${id}`, `The ${values.type ?? 'event'} is being sent again.`);
  });

  return router;
}
