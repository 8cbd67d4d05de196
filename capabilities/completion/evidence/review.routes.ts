import { Router } from 'express';
import { actorOf, requireRole } from '../../../api/auth';
import { markComplete } from './mark-complete';
import { reviewSubmission } from './review-submission';
import type { ApiDeps } from '../../../api/deps';
import { parse } from '../../../api/problems';
import { loadAuthorizedEnrollment, loadReviewableSubmission, REVIEWERS, reviewQueue } from '../../enrollments/queries';
import { idParam } from '../../../core/schemas';
import { markCompleteBody, rejectBody, reviewQueueQuery } from './schemas';

export function programHolderRoutes({ db, enrollments, files, config }: ApiDeps): Router {
  const router = Router();

  router.get('/api/program-holder/submissions', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(reviewQueueQuery, req.query, 'query');
    const holderId = actor.role === 'program_holder' ? actor.id : undefined;
    res.json({ items: await reviewQueue(db, { ...q, holderId }, config.publicBaseUrl), limit: q.limit, offset: q.offset });
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
