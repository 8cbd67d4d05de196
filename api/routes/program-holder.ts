import { type Request, Router } from 'express';
import { actorOf, requireRole } from '../auth';
import { markComplete } from '../commands/mark-complete';
import { reviewSubmission } from '../commands/review-submission';
import type { ApiDeps } from '../deps';
import { parse, problems } from '../problems';
import { findSubmission, loadAuthorizedEnrollment, reviewQueue } from '../read-model/enrollments';
import { idParam, markCompleteBody, rejectBody, reviewQueueQuery } from '../schemas';

const REVIEWERS = ['program_holder', 'admin'] as const;

export function programHolderRoutes({ db, enrollments, config }: ApiDeps): Router {
  const router = Router();

  router.get('/api/program-holder/submissions', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(reviewQueueQuery, req.query, 'query');
    const holderId = actor.role === 'program_holder' ? actor.id : undefined;
    res.json({ items: await reviewQueue(db, { ...q, holderId }, config.publicBaseUrl), limit: q.limit, offset: q.offset });
  });

  /** The submission and its enrollment, once the caller is shown to be that program's holder (or an admin). */
  async function reviewable(req: Request) {
    const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
    const submission = await findSubmission(db, submissionId);
    if (!submission) throw problems.notFound(`submission ${submissionId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), submission.enrollment_id, REVIEWERS);
    return { submissionId, enrollmentId: submission.enrollment_id };
  }

  router.post('/api/program-holder/submissions/:submissionId/approve', requireRole(...REVIEWERS), async (req, res) => {
    const submission = await reviewable(req);
    res.json(await reviewSubmission({ db, enrollments }, actorOf(req), submission, { decision: 'approve' }, req.get('idempotency-key')));
  });

  router.post('/api/program-holder/submissions/:submissionId/reject', requireRole(...REVIEWERS), async (req, res) => {
    const submission = await reviewable(req);
    const { reason } = parse(rejectBody, req.body, 'body');
    res.json(
      await reviewSubmission({ db, enrollments }, actorOf(req), submission, { decision: 'reject', reason }, req.get('idempotency-key')),
    );
  });

  router.post('/api/program-holder/mark-complete', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(markCompleteBody, req.body, 'body');
    await loadAuthorizedEnrollment(db, actor, body.enrollmentId, REVIEWERS);
    res.json(await markComplete({ db, enrollments }, actor, body, req.get('idempotency-key')));
  });

  return router;
}
