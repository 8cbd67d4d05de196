import { Router } from 'express';
import { sendSecret } from '../../../api/idempotency';
import { actorOf, requireRole } from '../../../api/auth';
import { CSV_MAX_BYTES, importCompletions } from './import-completions';
import { createPartnerApiKey, revokePartnerApiKey } from './partner-api-keys';
import { reportPartnerCompletion } from '../report-completion';
import { csvUpload } from '../../../lib/web/uploads';
import type { ApiDeps } from '../../../api/deps';
import { partnerOf } from '../../../api/partner-auth';
import { parse } from '../../../api/problems';
import { apiKeyParams, partnerCompletionBody, partnerParams } from './schemas';
import { csvImportQuery } from '../../../core/schemas';

export function partnerRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();

  router.post('/api/partners/:partnerId/api-keys', requireRole('admin'), async (req, res) => {
    const { partnerId } = parse(partnerParams, req.params, 'path');
    const key = await createPartnerApiKey(db, actorOf(req), partnerId);
    // The key is stored nowhere in clear: a retry with the same Idempotency-Key answers 201 with the key's Location
    // (so it can be revoked) and no body.
    await sendSecret(res.location(`/api/partners/${partnerId}/api-keys/${key.id}`), 201, {
      id: key.id,
      partnerId,
      apiKey: key.apiKey,
      createdAt: key.createdAt,
    });
  });

  router.delete('/api/partners/:partnerId/api-keys/:id', requireRole('admin'), async (req, res) => {
    const { partnerId, id } = parse(apiKeyParams, req.params, 'path');
    await revokePartnerApiKey(db, actorOf(req), partnerId, id);
    res.status(204).end();
  });

  // The partner's push of one completion. Authenticated by `partnerAuthentication` (X-Api-Key), mounted before the
  // Idempotency-Key middleware.
  router.post('/api/partners/:partnerId/completions', async (req, res) => {
    const partner = partnerOf(req);
    const body = parse(partnerCompletionBody, req.body, 'body');
    res.status(202).json(await reportPartnerCompletion(deps, partner, body));
  });

  router.post(
    '/api/partners/:partnerId/completions/import',
    requireRole('program_holder', 'admin'),
    ...csvUpload(CSV_MAX_BYTES),
    async (req, res) => {
      const { partnerId } = parse(partnerParams, req.params, 'path');
      const { dryRun } = parse(csvImportQuery, req.query, 'query');
      const data: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.json(await importCompletions(deps, actorOf(req), partnerId, data, dryRun));
    },
  );

  return router;
}
