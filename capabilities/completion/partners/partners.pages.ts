import { type Request, type Response, Router } from 'express';
import { consoleActor } from '../../../console/access';
import { askToConfirm, confirmationOf } from '../../../console/confirm';
import { requireCsrf } from '../../../console/csrf';
import { redirectWithFlash } from '../../../console/flash';
import { redirectWithSuccess } from '../../../console/forms';
import { fmt } from '../../../console/format';
import type { Render } from '../../../console/render';
import type { CoreDeps } from '../../../core/deps';
import { parse, refuse } from '../../../core/refusals';
import { listPartners } from '../../programs/queries';
import { staffNames } from '../../audit/staff-directory';
import { createPartnerApiKey, revokePartnerApiKey } from './partner-api-keys';
import { findApiKey, listApiKeys } from './queries';
import { apiKeyParams, partnerParams } from './schemas';

/** The admin's Partners page (/admin/partners): each partner with its API keys, a key made (shown once) or revoked. */
export function partnerPages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/partners', async (req, res) => {
    const [partners, keys] = await Promise.all([listPartners(db), listApiKeys(db)]);
    const creators = await staffNames(
      db,
      keys.map((k) => k.created_by),
    );
    render(req, res, 'admin/partners', {
      title: 'Partners',
      fmt,
      partners: partners.map((p) => ({
        ...p,
        keys: keys.filter((k) => k.partner_id === p.id).map((k) => ({ ...k, createdByName: creators.get(k.created_by) ?? k.created_by })),
      })),
    });
  });

  /** Creates a key and shows it on this one answer: it is stored hashed, never in the session, and not shown again. */
  router.post('/partners/api-keys', requireCsrf, async (req, res) => {
    const { partnerId } = parse(partnerParams, req.body, 'body');
    const key = await createPartnerApiKey(db, consoleActor(req), partnerId);
    const partner = (await listPartners(db)).find((p) => p.id === partnerId);
    render(req, res, 'admin/api-key-created', { title: 'API key created', fmt, key, partnerName: partner?.name ?? partnerId }, 201);
  });

  /**
   * The confirmation before a key is revoked (the partners page links here; a POST without Confirm's token shows it
   * too): which key, of which partner, and that its partner's calls will fail. Only Confirm revokes.
   */
  async function confirmRevocation(req: Request, res: Response) {
    const { partnerId, id: keyId } = parse(apiKeyParams, req.params, 'path');
    const key = await findApiKey(db, partnerId, keyId);
    if (!key) throw refuse.notFound(`API key ${keyId} of partner ${partnerId}`);
    const partner = (await listPartners(db)).find((p) => p.id === partnerId)?.name ?? partnerId;
    if (key.revoked_at) {
      return redirectWithFlash(
        req,
        res,
        { kind: 'error', text: `That key of ${partner} was revoked on ${fmt.time(key.revoked_at)}.` },
        '/admin/partners',
      );
    }
    askToConfirm(render, req, res, {
      title: { key: 'staff.confirm.revokeKey.title', values: { key: `${keyId.slice(0, 8)}…`, partner } },
      consequences: [
        { key: 'staff.confirm.revokeKey.revokes', values: { partner, created: fmt.time(key.created_at) } },
        { key: 'staff.confirm.revokeKey.first' },
      ],
      action: `/admin/partners/${partnerId}/api-keys/${keyId}/revoke`,
      cancel: '/admin/partners',
      danger: true,
    });
  }
  router.get('/partners/:partnerId/api-keys/:id/revoke', confirmRevocation);

  router.post('/partners/:partnerId/api-keys/:id/revoke', requireCsrf, async (req, res) => {
    if (!confirmationOf(req)) return confirmRevocation(req, res);
    const { partnerId, id: keyId } = parse(apiKeyParams, req.params, 'path');
    await revokePartnerApiKey(db, consoleActor(req), partnerId, keyId);
    await redirectWithSuccess(
      req,
      res,
      '/admin/partners',
      `API key ${keyId.slice(0, 8)}… of ${partnerId} is revoked: calls with it are refused.`,
    );
  });

  return router;
}
