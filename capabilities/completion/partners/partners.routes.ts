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
import {
  apiKeyParams,
  partnerCompletionBody,
  partnerParams,
  completionImportResponse,
  completionReceiptResponse,
  createdApiKeyResponse,
} from './schemas';
import { csvImportQuery } from '../../../core/schemas';
import { USER, csvBody, json, jsonBody, location, withId, type Operation } from '../../../api/openapi-operation';

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

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const partnersOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/partners/{partnerId}/api-keys',
    operationId: 'createPartnerApiKey',
    tag: 'Partners',
    summary: 'Create a partner API key (shown once)',
    description: 'A retry with the same Idempotency-Key answers 201 with the key’s Location and no body.',
    access: 'user',
    who: 'admin',
    requestParams: { path: partnerParams },
    idempotent: true,
    responses: { 201: json('The key, once', createdApiKeyResponse, location) },
    problems: { ...withId, ...USER, 404: 'Unknown partner' },
  },
  {
    method: 'delete',
    path: '/api/partners/{partnerId}/api-keys/{id}',
    operationId: 'revokePartnerApiKey',
    tag: 'Partners',
    summary: 'Revoke a partner API key',
    access: 'user',
    who: 'admin',
    requestParams: { path: apiKeyParams },
    idempotent: true,
    responses: { 204: { description: 'Revoked (again: unchanged)' } },
    problems: { ...withId, ...USER, 404: 'Unknown key, or another partner’s' },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/completions',
    operationId: 'reportPartnerCompletion',
    tag: 'Partners',
    summary: 'A partner reports a completion',
    description: 'By `enrollmentId` or the partner’s `externalId`. The first completion wins; later ones are kept as evidence.',
    access: 'partnerKey',
    who: 'the partner',
    requestParams: { path: partnerParams },
    requestBody: jsonBody(partnerCompletionBody),
    idempotent: true,
    responses: { 202: json('Applied, or kept as evidence', completionReceiptResponse) },
    problems: {
      400: true,
      401: 'No X-Api-Key, or an unknown or revoked one',
      403: 'A key of another partner',
      404: 'Unknown enrollment, or not one of this partner’s programs',
      409: 'Not completable in its state, or an ambiguous externalId',
      429: true,
      503: true,
    },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/completions/import',
    operationId: 'importCompletions',
    tag: 'Partners',
    summary: 'Import a partner’s completion report (CSV)',
    description:
      'Columns `enrollmentId` or `externalId`, and `completedAt` (optional `score`, `evidenceUrl`). Applying twice changes nothing.',
    access: 'user',
    who: 'program holder (own programs), admin',
    requestParams: { path: partnerParams, query: csvImportQuery },
    requestBody: csvBody('UTF-8, RFC 4180, a header row first; at most 5000 rows and 1 MB'),
    idempotent: true,
    responses: { 200: json('Each row’s outcome', completionImportResponse) },
    problems: { ...withId, ...USER, 404: 'Unknown partner', 413: 'More than 1 MB or 5000 rows', 415: 'Not text/csv, or binary content' },
  },
];
