import { Router } from 'express';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { parse, problems } from '../problems';
import { audit, loadAuthorizedEnrollment } from '../read-model/enrollments';
import { idParam, markCompleteBody, rejectBody, reviewQueueQuery } from '../schemas';

const REVIEWERS = ['program_holder', 'admin'] as const;

export function programHolderRoutes({ db, enrollments, config }: ApiDeps): Router {
  const router = Router();

  router.get('/api/program-holder/submissions', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(reviewQueueQuery, req.query, 'query');
    const { rows } = await db.query(
      `SELECT s.id, s.enrollment_id, s.status, s.completed_at, s.submitted_at, s.reason, s.content_type, e.program_id
         FROM completion_submissions s JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
        WHERE s.status = $1 AND ($2::text IS NULL OR p.holder_id = $2)
          -- Evidence of an enrollment that another channel completed (or that ended) is no longer waiting for review.
          AND (s.status <> 'pending' OR e.status = 'awaiting_review')
        ORDER BY s.submitted_at, s.id LIMIT $3 OFFSET $4`,
      [q.status, actor.role === 'program_holder' ? actor.id : null, q.limit, q.offset],
    );
    res.json({
      items: rows.map((s) => ({
        id: s.id, enrollmentId: s.enrollment_id, programId: s.program_id, status: s.status, completedAt: s.completed_at,
        submittedAt: s.submitted_at, reason: s.reason, contentType: s.content_type,
        fileUrl: `${config.publicBaseUrl}/api/submissions/${s.id}/file`,
      })),
      limit: q.limit,
      offset: q.offset,
    });
  });

  /** The submission and its enrollment, once the caller is shown to be that program's holder (or an admin). */
  async function reviewable(req: Parameters<Parameters<typeof router.post>[1]>[0]) {
    const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
    const { rows: [s] } = await db.query('SELECT enrollment_id FROM completion_submissions WHERE id = $1', [submissionId]);
    if (!s) throw problems.notFound(`submission ${submissionId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), s.enrollment_id, REVIEWERS);
    return { submissionId, enrollmentId: s.enrollment_id as string };
  }

  router.post('/api/program-holder/submissions/:submissionId/approve', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const { submissionId, enrollmentId } = await reviewable(req);
    const state = await enrollments.approve(enrollmentId, submissionId, actor.id, req.get('idempotency-key'));
    await audit(db, actor, 'submission.approve', { type: 'submission', id: submissionId }, { enrollmentId });
    res.json({ submissionId, enrollmentId, status: state.status });
  });

  router.post('/api/program-holder/submissions/:submissionId/reject', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const { submissionId, enrollmentId } = await reviewable(req);
    const { reason } = parse(rejectBody, req.body, 'body');
    const state = await enrollments.reject(enrollmentId, submissionId, actor.id, reason, req.get('idempotency-key'));
    await audit(db, actor, 'submission.reject', { type: 'submission', id: submissionId }, { enrollmentId, reason });
    res.json({ submissionId, enrollmentId, status: state.status });
  });

  router.post('/api/program-holder/mark-complete', requireRole(...REVIEWERS), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(markCompleteBody, req.body, 'body');
    await loadAuthorizedEnrollment(db, actor, body.enrollmentId, REVIEWERS);
    const state = await enrollments.markComplete(body.enrollmentId, {
      completedAt: body.completedAt, markedBy: actor.id, certificateUrl: body.certificateUrl, notes: body.notes,
    }, req.get('idempotency-key'));
    await audit(db, actor, 'enrollment.mark_complete', { type: 'enrollment', id: body.enrollmentId }, { completedAt: body.completedAt });
    res.json({ enrollmentId: body.enrollmentId, status: state.status, completedAt: state.completedAt, completionMethod: state.completionMethod });
  });

  return router;
}
