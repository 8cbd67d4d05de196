import { Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import { createProgram } from './create-program';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import { listPartners, listPrograms } from './queries';
import { createProgramBody, partnerListResponse, programListResponse, programResponse } from './schemas';
import { PUBLIC, USER, json, jsonBody, location, type Operation } from '../../api/openapi-operation';

export function catalogRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/api/programs', async (_req, res) => {
    res.json({ programs: await listPrograms(db) });
  });

  router.post('/api/programs', requireRole('admin'), async (req, res) => {
    const program = await createProgram(db, actorOf(req), parse(createProgramBody, req.body, 'body'));
    res.status(201).location(`/api/programs/${program.id}`).json(program);
  });

  router.get('/api/partners', async (_req, res) => {
    res.json({ partners: await listPartners(db) });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const programsOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/programs',
    operationId: 'listPrograms',
    tag: 'Catalog',
    summary: 'The catalog',
    access: 'public',
    responses: { 200: json('Every program', programListResponse) },
    problems: PUBLIC,
  },
  {
    method: 'post',
    path: '/api/programs',
    operationId: 'createProgram',
    tag: 'Catalog',
    summary: 'Create a program',
    access: 'user',
    who: 'admin',
    requestBody: jsonBody(createProgramBody),
    idempotent: true,
    responses: { 201: json('The program', programResponse, location) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/partners',
    operationId: 'listPartners',
    tag: 'Catalog',
    summary: 'Partner platforms',
    access: 'public',
    responses: { 200: json('Every partner', partnerListResponse) },
    problems: PUBLIC,
  },
];
