import { Router } from 'express';
import { actorOf, requireRole } from '../../../api/auth';
import { markComplete } from './mark-complete';
import { reviewSubmission } from './review-submission';
import type { ApiDeps } from '../../../api/deps';
import { parse } from '../../../api/problems';
import { loadAuthorizedEnrollment, loadReviewableSubmission, REVIEWERS, reviewQueue, studentsInQueue } from '../../enrollments/queries';
import { idParam } from '../../../core/schemas';
import { READS, recordReads } from '../../privacy/disclosures';
import { markCompleteBody, rejectBody, reviewQueueQuery, markedCompleteResponse, reviewQueueResponse, reviewedResponse } from './schemas';
import { USER, json, jsonBody, withId, type Operation } from '../../../api/openapi-operation';

export function programHolderRoutes({ db, enrollments, files, config }: ApiDeps): Router {
  const router = Router();

  router.get('/api/program-holder/submissions', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(reviewQueueQuery, req.query, 'query');
    const holderId = actor.role === 'program_holder' ? actor.id : undefined;
    const items = await reviewQueue(db, { ...q, holderId }, config.publicBaseUrl);
    await recordReads(db, actor, READS.reviewQueue, studentsInQueue(items));
    res.json({ items, limit: q.limit, offset: q.offset });
  });

  router.post('/api/program-holder/submissions/:submissionId/approve', requireRole(...REVIEWERS), async (req, res) => {
    const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
    const submission = await loadReviewableSubmission(db, actorOf(req), submissionId);
    res.json(await reviewSubmission({ db, enrollments }, actorOf(req), submission, { decision: 'approve' }, req.get('idempotency-key')));
  });

  router.post('/api/program-holder/submissions/:submissionId/reject', requireRole(...REVIEWERS), async (req, res) => {
    const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
    const submission = await loadReviewableSubmission(db, actorOf(req), submissionId);
    const { reason } = parse(rejectBody, req.body, 'body');
    res.json(
      await reviewSubmission({ db, enrollments }, actorOf(req), submission, { decision: 'reject', reason }, req.get('idempotency-key')),
    );
  });

  router.post('/api/program-holder/mark-complete', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(markCompleteBody, req.body, 'body');
    await loadAuthorizedEnrollment(db, actor, body.enrollmentId, REVIEWERS);
    res.json(await markComplete({ db, files, enrollments }, actor, body, req.get('idempotency-key')));
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const reviewOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/program-holder/submissions',
    operationId: 'reviewQueue',
    tag: 'Review',
    summary: 'The review queue',
    access: 'user',
    who: 'program holder (own programs), admin',
    requestParams: { query: reviewQueueQuery },
    responses: { 200: json('A page of submissions, oldest first', reviewQueueResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'post',
    path: '/api/program-holder/submissions/{submissionId}/approve',
    operationId: 'approveSubmission',
    tag: 'Review',
    summary: 'Approve evidence: the enrollment completes',
    access: 'user',
    who: 'the program’s holder, admin',
    requestParams: { path: idParam('submissionId') },
    idempotent: true,
    responses: { 200: json('Approved', reviewedResponse) },
    problems: { ...withId, ...USER, 409: 'Reviewed already, or the enrollment no longer awaits review' },
  },
  {
    method: 'post',
    path: '/api/program-holder/submissions/{submissionId}/reject',
    operationId: 'rejectSubmission',
    tag: 'Review',
    summary: 'Reject evidence with a reason',
    access: 'user',
    who: 'the program’s holder, admin',
    requestParams: { path: idParam('submissionId') },
    requestBody: jsonBody(rejectBody),
    idempotent: true,
    responses: { 200: json('Rejected: the enrollment is in progress again', reviewedResponse) },
    problems: { ...withId, ...USER, 409: 'Reviewed already, or the enrollment no longer awaits review' },
  },
  {
    method: 'post',
    path: '/api/program-holder/mark-complete',
    operationId: 'markComplete',
    tag: 'Review',
    summary: 'Mark an enrollment complete',
    access: 'user',
    who: 'the program’s holder, admin',
    requestBody: jsonBody(markCompleteBody),
    idempotent: true,
    responses: { 200: json('Completed', markedCompleteResponse) },
    problems: { ...withId, ...USER, 409: 'Not paid, withdrawn or expired' },
  },
];
