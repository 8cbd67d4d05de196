import { Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import { USER, binary, json, jsonBody, location, text, withId, type Operation } from '../../api/openapi-operation';
import { approveErasure, rejectErasure, requestErasure } from './erasure';
import { dataExportView, findErasureRequest, findStudentExport, listErasureRequests } from './erasure-queries';
import { downloadDataExport, requestDataExport } from './exports';
import {
  acceptedErasureRequestResponse,
  dataExportResponse,
  erasureRequestListResponse,
  erasureRequestParams,
  erasureRequestResponse,
  erasureRequestsQuery,
  exportParams,
  rejectErasureBody,
} from './privacy-requests.schemas';

/** The student's data exports and erasure requests, and the admin's decisions on erasure (api.md, Privacy). */
export function privacyRequestRoutes(deps: ApiDeps): Router {
  const { db, config } = deps;
  const router = Router();
  const student = requireRole('student');
  const admin = requireRole('admin');

  router.post('/api/me/exports', student, async (req, res) => {
    const accepted = await requestDataExport(deps, actorOf(req));
    res.status(202).location(`/api/me/exports/${accepted.id}`).json(accepted);
  });

  router.get('/api/me/exports/:id', student, async (req, res) => {
    const { id } = parse(exportParams, req.params, 'path');
    res.json(dataExportView(await findStudentExport(db, actorOf(req), id), config.publicBaseUrl));
  });

  router.get('/api/me/exports/:id/download', student, async (req, res) => {
    const { id } = parse(exportParams, req.params, 'path');
    const { data, filename } = await downloadDataExport(deps, actorOf(req), id);
    res
      .type('application/zip')
      .set('Content-Disposition', `attachment; filename="${filename}"`)
      .set('Cache-Control', 'no-store')
      .send(data);
  });

  router.post('/api/me/erasure-requests', student, async (req, res) => {
    const accepted = await requestErasure(deps, actorOf(req));
    res.status(202).location(`/api/erasure-requests/${accepted.id}`).json(accepted);
  });

  router.get('/api/erasure-requests', requireRole('admin', 'student'), async (req, res) => {
    res.json(await listErasureRequests(db, actorOf(req), parse(erasureRequestsQuery, req.query, 'query')));
  });

  router.get('/api/erasure-requests/:id', requireRole('admin', 'student'), async (req, res) => {
    const { id } = parse(erasureRequestParams, req.params, 'path');
    res.json(await findErasureRequest(db, actorOf(req), id));
  });

  router.post('/api/erasure-requests/:id/approve', admin, async (req, res) => {
    const { id } = parse(erasureRequestParams, req.params, 'path');
    res.status(202).json(await approveErasure(deps, actorOf(req), id));
  });

  router.post('/api/erasure-requests/:id/reject', admin, async (req, res) => {
    const { id } = parse(erasureRequestParams, req.params, 'path');
    const { reason } = parse(rejectErasureBody, req.body, 'body');
    res.json(await rejectErasure(deps, actorOf(req), id, reason));
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

const BAD_KEY = 'A malformed Idempotency-Key';
const OPEN_ENROLLMENTS = 'An enrollment of the student is still open (the problem names each), or a request of theirs is open already';

export const privacyRequestsOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/me/exports',
    operationId: 'requestDataExport',
    tag: 'Privacy',
    summary: 'Ask for a ZIP of everything the platform keeps about me',
    description:
      '`data.json` (keys `student`, `enrollments` with their status history, `submissions`, `certificates`, `payments`, ' +
      '`vouchers`, `tutor`, `emails`, `disclosures`) and the files: uploaded evidence, each certificate’s PDF and signed ' +
      'credential. Built by a durable job; the student is emailed when it is ready. One at a time: asking while one is ' +
      'built answers that one.',
    access: 'user',
    who: 'the student',
    idempotent: true,
    responses: { 202: json('Being built', dataExportResponse, location) },
    problems: { 400: BAD_KEY, ...USER },
  },
  {
    method: 'get',
    path: '/api/me/exports/{id}',
    operationId: 'getDataExport',
    tag: 'Privacy',
    summary: 'Where my export stands; `downloadUrl` while it is ready (7 days)',
    access: 'user',
    who: 'the student who asked',
    requestParams: { path: exportParams },
    responses: { 200: json('The export', dataExportResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/me/exports/{id}/download',
    operationId: 'downloadDataExport',
    tag: 'Privacy',
    summary: 'The export’s ZIP',
    access: 'user',
    who: 'the student who asked (anyone else: 404)',
    requestParams: { path: exportParams },
    responses: { 200: text('The ZIP', 'application/zip', binary) },
    problems: { ...withId, ...USER, 409: 'Still being built, or expired' },
  },
  {
    method: 'post',
    path: '/api/me/erasure-requests',
    operationId: 'requestErasure',
    tag: 'Privacy',
    summary: 'Ask to be forgotten',
    description: 'An admin approves or rejects it; approval erases or pseudonymizes the student everywhere.',
    access: 'user',
    who: 'the student',
    idempotent: true,
    responses: { 202: json('Requested', acceptedErasureRequestResponse, location) },
    problems: { 400: BAD_KEY, ...USER, 409: OPEN_ENROLLMENTS },
  },
  {
    method: 'get',
    path: '/api/erasure-requests',
    operationId: 'listErasureRequests',
    tag: 'Privacy',
    summary: 'Erasure requests, newest first',
    access: 'user',
    who: 'admin (every request), the student (their own)',
    requestParams: { query: erasureRequestsQuery },
    responses: { 200: json('A page of requests', erasureRequestListResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/erasure-requests/{id}',
    operationId: 'getErasureRequest',
    tag: 'Privacy',
    summary: 'One erasure request; once completed, what was erased and what is kept (basis, until)',
    access: 'user',
    who: 'admin, the student who asked',
    requestParams: { path: erasureRequestParams },
    responses: { 200: json('The request', erasureRequestResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'post',
    path: '/api/erasure-requests/{id}/approve',
    operationId: 'approveErasureRequest',
    tag: 'Privacy',
    summary: 'Approve: the erasure starts (a durable job)',
    access: 'user',
    who: 'admin',
    requestParams: { path: erasureRequestParams },
    idempotent: true,
    responses: { 202: json('Approved; the erasure is under way', acceptedErasureRequestResponse) },
    problems: { ...withId, ...USER, 409: 'Rejected or completed already, or an enrollment of the student is open (named)' },
  },
  {
    method: 'post',
    path: '/api/erasure-requests/{id}/reject',
    operationId: 'rejectErasureRequest',
    tag: 'Privacy',
    summary: 'Reject, with a reason the student reads',
    access: 'user',
    who: 'admin',
    requestParams: { path: erasureRequestParams },
    requestBody: jsonBody(rejectErasureBody),
    idempotent: true,
    responses: { 200: json('Rejected', erasureRequestResponse) },
    problems: { ...withId, ...USER, 409: 'Not open any more (approved, rejected or completed)' },
  },
];
