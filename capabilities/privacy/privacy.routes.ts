import { Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { USER, json, type Operation } from '../../api/openapi-operation';
import { parse } from '../../api/problems';
import { listDisclosures } from './queries';
import { disclosureListResponse, disclosuresQuery, studentIdParam } from './schemas';

/** A student's personal data, as the student holds it: who read or received it (the access and disclosure log). */
export function privacyRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/api/me/disclosures', requireRole('student'), async (req, res) => {
    const q = parse(disclosuresQuery, req.query, 'query');
    res.json({ ...(await listDisclosures(db, actorOf(req).id, q)), limit: q.limit, offset: q.offset });
  });

  router.get('/api/students/:studentId/disclosures', requireRole('admin'), async (req, res) => {
    const { studentId } = parse(studentIdParam, req.params, 'path');
    const q = parse(disclosuresQuery, req.query, 'query');
    res.json({ ...(await listDisclosures(db, studentId, q)), limit: q.limit, offset: q.offset });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

const LIST_DESCRIPTION =
  'Every page, answer, export or transmission that showed the student’s personal data to someone else: who (`actor`), ' +
  'when (`at`), what (`record`), why (`purpose`) and whether it left the platform (`disclosure`). Newest first.';

export const privacyOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/me/disclosures',
    operationId: 'listMyDisclosures',
    tag: 'Privacy',
    summary: 'Who read or received my personal data',
    description: `${LIST_DESCRIPTION} The student’s own reads are not in it.`,
    access: 'user',
    who: 'student',
    requestParams: { query: disclosuresQuery },
    responses: { 200: json('A page of the student’s access and disclosure log, newest first', disclosureListResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/students/{studentId}/disclosures',
    operationId: 'listStudentDisclosures',
    tag: 'Privacy',
    summary: 'Who read or received a student’s personal data',
    description: `${LIST_DESCRIPTION} The same list as the student’s own; empty for a student nobody has read.`,
    access: 'user',
    who: 'admin',
    requestParams: { path: studentIdParam, query: disclosuresQuery },
    responses: { 200: json('A page of the student’s access and disclosure log, newest first', disclosureListResponse) },
    problems: { 400: true, ...USER },
  },
];
