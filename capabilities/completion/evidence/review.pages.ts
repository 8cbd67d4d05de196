import { type Request, type RequestHandler, type Response, Router } from 'express';
import { consoleActor, holderScope } from '../../../console/access';
import { requireCsrf } from '../../../console/csrf';
import { redirectWithFlash } from '../../../console/flash';
import { issueMessages, pageQuery } from '../../../console/forms';
import { fmt } from '../../../console/format';
import { type PageRefusal, refusalOf } from '../../../console/refusals';
import type { Render } from '../../../console/render';
import type { CoreDeps } from '../../../core/deps';
import { parse } from '../../../core/refusals';
import { idParam } from '../../../core/schemas';
import { READS, recordReads } from '../../privacy/disclosures';
import { multipartFile } from '../../../lib/web/uploads';
import { holderEnrollmentPage, type MarkValues } from '../../enrollments/holder-enrollments.pages';
import {
  enrollmentView,
  loadAuthorizedEnrollment,
  loadReviewableSubmission,
  REVIEWERS,
  reviewQueue,
  studentsInQueue,
} from '../../enrollments/queries';
import { markComplete } from './mark-complete';
import { type Review, reviewSubmission } from './review-submission';
import { markCompleteForm, rejectBody } from './schemas';

const REVIEW_PAGE_SIZE = 50;

/**
 * The program holder's decisions on completion (an admin may make them too): the Review queue (/holder/review) with
 * approve and reject, and Mark complete on an enrollment's page. The same lookups and commands as the JSON API's.
 */
export function reviewPages(deps: CoreDeps, render: Render): Router {
  const { db, enrollments, files, config } = deps;
  const router = Router();
  const enrollmentPage = holderEnrollmentPage(deps, render);

  /**
   * Mark complete: the multipart form is read first (its CSRF token is one of its fields), then the same command as
   * the JSON API's, with the proof file. A refusal (bad field, wrong file, the workflow's 409) is shown on the page.
   */
  router.post('/enrollments/:enrollmentId/mark-complete', readProofForm(config.uploadMaxBytes), requireCsrf, async (req, res) => {
    const actor = consoleActor(req);
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, actor, enrollmentId, REVIEWERS);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
    const values: MarkValues = { completedAt: text('completedAt'), certificateUrl: text('certificateUrl'), notes: text('notes') };
    const refuse = (errors: Record<string, string>, status: number) => enrollmentPage(req, res, enrollmentId, { values, errors }, status);

    const uploadProblem = res.locals.uploadProblem as PageRefusal | undefined;
    if (uploadProblem) return refuse({ proof: uploadProblem.detail }, uploadProblem.status);
    const parsed = markCompleteForm.safeParse(body);
    if (!parsed.success) {
      const errors = issueMessages(parsed.error);
      if (!values.completedAt) errors.completedAt = 'Enter the date the student completed the program.';
      return refuse(errors, 400);
    }
    const proof = res.locals.proof as Express.Multer.File | undefined;
    try {
      await markComplete({ db, files, enrollments }, actor, { enrollmentId, ...parsed.data, proof: proof?.buffer });
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused || ![400, 409, 413, 415, 422].includes(refused.status)) throw err;
      const { detail, status } = refused;
      const field = status === 415 ? 'proof' : refused.errors ? 'completedAt' : 'form';
      return refuse({ [field]: status === 409 ? `This enrollment cannot be marked complete: ${detail}.` : detail }, status);
    }
    const done = 'Marked complete. The certificate and the student’s email follow shortly.';
    await redirectWithFlash(req, res, { kind: 'success', text: done }, `/holder/enrollments/${enrollmentId}`);
  });

  async function reviewPage(req: Request, res: Response, refused?: { submissionId: string; error: string }, status = 200) {
    const actor = consoleActor(req);
    const { page } = parse(pageQuery, req.query, 'query');
    const items = await reviewQueue(
      db,
      { holderId: holderScope(actor), status: 'pending', limit: REVIEW_PAGE_SIZE + 1, offset: (page - 1) * REVIEW_PAGE_SIZE },
      config.publicBaseUrl,
    );
    const shown = items.slice(0, REVIEW_PAGE_SIZE);
    await recordReads(db, actor, READS.reviewQueuePage, studentsInQueue(shown));
    render(
      req,
      res,
      'holder/review',
      {
        title: 'Review queue',
        items: shown,
        refused,
        previous: page > 1 ? `/holder/review?page=${page - 1}` : undefined,
        next: items.length > REVIEW_PAGE_SIZE ? `/holder/review?page=${page + 1}` : undefined,
        fmt,
      },
      status,
    );
  }

  router.get('/review', (req, res) => reviewPage(req, res));

  /** Approve or reject: the same lookup and command as the JSON API; a refusal comes back as a message. */
  const review =
    (decision: 'approve' | 'reject'): RequestHandler =>
    async (req, res) => {
      const actor = consoleActor(req);
      const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
      const submission = await loadReviewableSubmission(db, actor, submissionId);
      let decided: Review = { decision: 'approve' };
      if (decision === 'reject') {
        const reason = rejectBody.safeParse(req.body);
        if (!reason.success) {
          return reviewPage(req, res, { submissionId, error: 'Give a reason: the student reads it and may upload again.' }, 400);
        }
        decided = { decision, reason: reason.data.reason };
      }
      try {
        await reviewSubmission({ db, enrollments }, actor, submission, decided);
      } catch (err) {
        const refused = refusalOf(err);
        if (refused?.status !== 409) throw err;
        const text = `That evidence could not be ${decision}d: ${refused.detail}.`;
        return redirectWithFlash(req, res, { kind: 'error', text }, '/holder/review');
      }
      const { studentName, studentEmail } = await enrollmentView(db, submission.enrollmentId, config.publicBaseUrl);
      const who = studentName ?? studentEmail ?? 'the student';
      const text =
        decision === 'approve'
          ? `Approved ${who}’s evidence: the enrollment is completed.`
          : `Rejected ${who}’s evidence; they are emailed your reason and may upload again.`;
      await redirectWithFlash(req, res, { kind: 'success', text }, '/holder/review');
    };
  router.post('/review/:submissionId/approve', requireCsrf, review('approve'));
  router.post('/review/:submissionId/reject', requireCsrf, review('reject'));

  return router;
}

/**
 * Reads the Mark complete form (multipart, its file in `proof`) before the CSRF check, which needs its fields. A file
 * too large or a body that cannot be read is left in `res.locals.uploadProblem` for the page to show.
 */
function readProofForm(maxBytes: number): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.proof = await multipartFile(req, res, 'proof', maxBytes);
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused) throw err;
      res.locals.uploadProblem = refused;
    }
    next();
  };
}
