import { type Response, Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import { launchEnrollment } from './launch-enrollment';
import { openEnrollment } from './open-enrollment';
import { submitEvidence } from '../completion/evidence/submit-evidence';
import { deletedEvidenceFile } from '../completion/evidence/evidence-file';
import { withdrawEnrollment } from './withdraw-enrollment';
import type { ApiDeps } from '../../api/deps';
import { parse, problems } from '../../api/problems';
import { enrollmentView, findCompletionProof, findSubmission, listEnrollments, loadAuthorizedEnrollment } from './queries';
import {
  createEnrollmentBody,
  listEnrollmentsQuery,
  withdrawBody,
  enrollmentListResponse,
  enrollmentResponse,
  openedEnrollmentResponse,
  withdrawnResponse,
} from './schemas';
import { idParam } from '../../core/schemas';
import { READS, recordReads } from '../privacy/disclosures';
import { submissionFields, submissionAcceptedResponse } from '../completion/evidence/schemas';
import { uploadedFile } from '../../lib/web/uploads';
import { USER, binary, json, jsonBody, location, withId, type Operation } from '../../api/openapi-operation';
import type { ZodOpenApiResponseObject, oas31 } from 'zod-openapi';
import { z } from 'zod';

/**
 * An evidence file (PDF, PNG or JPEG, its type checked by content when stored) shown in the browser, not downloaded:
 * inline, with its content type, and kept out of shared caches (it is about one person).
 */
function sendEvidenceFile(res: Response, data: Buffer, contentType: string, id: string, fileKey: string) {
  res
    .type(contentType)
    .set('Content-Disposition', `inline; filename="${id}.${fileKey.split('.').pop()}"`)
    .set('Cache-Control', 'private, no-store')
    .send(data);
}

export function enrollmentRoutes({ db, enrollments, files, config }: ApiDeps): Router {
  const router = Router();

  router.post('/api/enrollments', requireRole('student'), async (req, res) => {
    const student = actorOf(req);
    const body = parse(createEnrollmentBody, req.body, 'body');
    const opened = await openEnrollment({ db, enrollments, config }, student, body, req.get('idempotency-key'));
    res.status(201).location(`/api/enrollments/${opened.enrollmentId}`).json({
      enrollmentId: opened.enrollmentId,
      status: opened.status,
      checkoutUrl: opened.checkoutUrl,
      amountDueCents: opened.amountDueCents,
    });
  });

  router.get('/api/enrollments', requireRole('program_holder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(listEnrollmentsQuery, req.query, 'query');
    const holderId = actor.role === 'program_holder' ? actor.id : undefined;
    const { enrollments: page, total } = await listEnrollments(db, { ...q, search: q.q, holderId });
    await recordReads(db, actor, READS.enrollmentList, page);
    res.json({ enrollments: page, total, limit: q.limit, offset: q.offset });
  });

  router.get('/api/enrollments/:enrollmentId', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, actor, enrollmentId, ['student', 'program_holder', 'admin']);
    const [view] = await Promise.all([
      enrollmentView(db, enrollmentId, config.publicBaseUrl),
      recordReads(db, actor, READS.enrollment, [{ enrollmentId }]),
    ]);
    res.json(view);
  });

  router.get('/api/enrollments/:enrollmentId/launch', requireRole('student'), async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const { launchUrl } = await launchEnrollment({ db, enrollments, config }, actorOf(req), enrollmentId);
    res.redirect(302, launchUrl);
  });

  router.post('/api/enrollments/:enrollmentId/completion-submissions', requireRole('student'), async (req, res) => {
    const student = actorOf(req);
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, student, enrollmentId, ['student']);
    const file = await uploadedFile(req, res, config.uploadMaxBytes);
    const { completedAt } = parse(submissionFields, req.body, 'body');
    const submission = await submitEvidence(
      { db, files, enrollments },
      student,
      { enrollmentId, data: file.buffer, completedAt },
      req.get('idempotency-key'),
    );
    res.status(202).json({ submissionId: submission.id, status: 'awaiting_review' });
  });

  router.post('/api/enrollments/:enrollmentId/withdraw', requireRole('student', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const enrollment = await loadAuthorizedEnrollment(db, actor, enrollmentId, ['student', 'admin']);
    const { reason } = parse(withdrawBody, req.body, 'body');
    res.json(
      await withdrawEnrollment({ db, enrollments }, actor, enrollment, {
        reason,
        idempotencyKey: req.get('idempotency-key'),
        rerun: Boolean(res.locals.idempotentRerun),
      }),
    );
  });

  router.get('/api/submissions/:submissionId/file', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
    const submission = await findSubmission(db, submissionId);
    if (!submission) throw problems.notFound(`submission ${submissionId}`);
    const actor = actorOf(req);
    await loadAuthorizedEnrollment(db, actor, submission.enrollment_id, ['student', 'program_holder', 'admin']);
    if (submission.file_deleted_at) throw deletedEvidenceFile(`the file of submission ${submissionId}`, submission.file_deleted_at);
    const data = await files.get(submission.file_key);
    if (!data) throw problems.notFound(`the file of submission ${submissionId}`);
    await recordReads(db, actor, READS.evidenceFile, [{ enrollmentId: submission.enrollment_id, recordId: submissionId }]);
    sendEvidenceFile(res, data, submission.content_type, submissionId, submission.file_key);
  });

  /** The certificate proof a holder uploaded when marking the enrollment complete. */
  router.get('/api/completion-evidence/:evidenceId/proof', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { evidenceId } = parse(idParam('evidenceId'), req.params, 'path');
    const proof = await findCompletionProof(db, evidenceId);
    if (!proof) throw problems.notFound(`the proof of completion evidence ${evidenceId}`);
    const actor = actorOf(req);
    await loadAuthorizedEnrollment(db, actor, proof.enrollment_id, ['student', 'program_holder', 'admin']);
    if (proof.proof_deleted_at) throw deletedEvidenceFile(`the proof of completion evidence ${evidenceId}`, proof.proof_deleted_at);
    const data = await files.get(proof.proof_file_key);
    if (!data) throw problems.notFound(`the proof of completion evidence ${evidenceId}`);
    await recordReads(db, actor, READS.completionProof, [{ enrollmentId: proof.enrollment_id, recordId: evidenceId }]);
    sendEvidenceFile(res, data, proof.proof_content_type, evidenceId, proof.proof_file_key);
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

const evidenceFile: ZodOpenApiResponseObject = {
  description: 'The file, inline (its type was checked by content when stored)',
  content: { 'application/pdf': { schema: binary }, 'image/png': { schema: binary }, 'image/jpeg': { schema: binary } },
};

export const enrollmentsOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/enrollments',
    operationId: 'openEnrollment',
    tag: 'Enrollments',
    summary: 'Enroll in a program',
    description:
      'Self-paid: `pending_payment` with a `checkoutUrl`. Funded: a voucher registered for the student; `ready_to_launch` ' +
      'when it covers the price, else `pending_payment` for the rest. A retry with the same Idempotency-Key reaches the same ' +
      'enrollment.',
    access: 'user',
    who: 'student',
    requestBody: jsonBody(createEnrollmentBody),
    idempotent: true,
    responses: { 201: json('The enrollment, opened', openedEnrollmentResponse, location) },
    problems: {
      400: true,
      ...USER,
      404: 'Unknown program',
      409: 'A second open enrollment in the program, or a used voucher',
      422: 'No usable voucher with this number for the student (unknown, another student’s or expired: one answer)',
      503: 'The payment provider or Temporal did not answer',
    },
  },
  {
    method: 'get',
    path: '/api/enrollments',
    operationId: 'listEnrollments',
    tag: 'Enrollments',
    summary: 'List enrollments',
    access: 'user',
    who: 'program holder (own programs), admin',
    requestParams: { query: listEnrollmentsQuery },
    responses: { 200: json('A page of enrollments, newest first', enrollmentListResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/enrollments/{enrollmentId}',
    operationId: 'getEnrollment',
    tag: 'Enrollments',
    summary: 'One enrollment with its submissions, history and evidence',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    requestParams: { path: idParam('enrollmentId') },
    responses: { 200: json('The enrollment', enrollmentResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/enrollments/{enrollmentId}/launch',
    operationId: 'launchEnrollment',
    tag: 'Enrollments',
    summary: 'Launch the course at the partner',
    access: 'user',
    who: 'its student',
    requestParams: { path: idParam('enrollmentId') },
    responses: {
      302: {
        description: 'To the partner’s launch URL',
        headers: { Location: { description: 'The launch URL', schema: { type: 'string' } } },
      },
    },
    problems: { ...withId, ...USER, 409: 'Not paid yet, or ended', 503: 'The partner or Temporal did not answer' },
  },
  {
    method: 'post',
    path: '/api/enrollments/{enrollmentId}/completion-submissions',
    operationId: 'submitEvidence',
    tag: 'Enrollments',
    summary: 'Upload completion evidence',
    access: 'user',
    who: 'its student',
    requestParams: { path: idParam('enrollmentId') },
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file', 'completedAt'],
            properties: {
              file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'PDF, PNG or JPEG, at most 10 MB' },
              completedAt: z.toJSONSchema(submissionFields, { io: 'input' }).properties?.completedAt as oas31.SchemaObject,
            },
          },
        },
      },
    },
    idempotent: true,
    responses: { 202: json('Awaiting review', submissionAcceptedResponse) },
    problems: { ...withId, ...USER, 409: true, 413: 'More than 10 MB', 415: 'Not a PDF, PNG or JPEG' },
  },
  {
    method: 'post',
    path: '/api/enrollments/{enrollmentId}/withdraw',
    operationId: 'withdrawEnrollment',
    tag: 'Enrollments',
    summary: 'Withdraw, with the refund the program’s policy gives',
    access: 'user',
    who: 'its student, admin',
    requestParams: { path: idParam('enrollmentId') },
    requestBody: jsonBody(withdrawBody),
    idempotent: true,
    responses: { 200: json('Withdrawn', withdrawnResponse) },
    problems: { ...withId, ...USER, 409: 'Completed, closed, withdrawn, expired or never paid' },
  },
  {
    method: 'get',
    path: '/api/submissions/{submissionId}/file',
    operationId: 'getSubmissionFile',
    tag: 'Enrollments',
    summary: 'A submission’s evidence file',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    requestParams: { path: idParam('submissionId') },
    responses: { 200: evidenceFile },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/completion-evidence/{evidenceId}/proof',
    operationId: 'getCompletionProof',
    tag: 'Enrollments',
    summary: 'The certificate proof a holder uploaded when marking complete',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    requestParams: { path: idParam('evidenceId') },
    responses: { 200: evidenceFile },
    problems: { ...withId, ...USER },
  },
];
