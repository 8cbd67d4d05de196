import { randomUUID } from 'node:crypto';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { consoleActor, holderScope } from '../../../console/access';
import { askToConfirm, cancelledOf, confirmationKey, confirmationOf } from '../../../console/confirm';
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
import { storeEvidenceFile } from './evidence-file';
import { markComplete } from './mark-complete';
import { type Review, reviewSubmission } from './review-submission';
import { markCompleteForm, rejectBody } from './schemas';

const REVIEW_PAGE_SIZE = 50;

declare module 'express-session' {
  interface SessionData {
    /** What Approve selected did, student by student, for the next Review queue page. */
    bulkReview?: BulkOutcome[];
  }
}

type BulkOutcome = { student: string; approved: boolean; why?: string };

/** A field posted once or several times (`submissionId`), as a list. */
const many = z.preprocess(
  (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]),
  z.array(z.uuid()).max(REVIEW_PAGE_SIZE),
);
/** Approve selected: the boxes ticked, Select all, and the items the page listed (what Select all means). */
const bulkForm = z.object({ submissionId: many, listed: many, all: z.literal('yes').optional() });

/** A student as staff name them: their name, else their email. */
const nameOf = (e: { studentName: string | null; studentEmail: string | null }) => e.studentName ?? e.studentEmail ?? 'the student';
const plural = (n: number) => `${n} student${n === 1 ? '' : 's'}`;
const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/** What completing an enrollment sets going: the certificate, the student's email, the payouts. */
const issues = (student: string, email: string | null) => [
  { key: 'staff.confirm.issue.certificate' as const, values: { student } },
  { key: 'staff.confirm.issue.email' as const, values: { student, email: email ?? 'none' } },
  { key: 'staff.confirm.issue.payouts' as const },
];

/** Where a Mark complete's proof waits for Confirm (`<uuid>.<ext>` names it in the confirmation's fields). */
const stagedProofKey = (enrollmentId: string, name: string) => `completion-proofs/${enrollmentId}/staged-${name}`;
const stagedProofOf = (posted: unknown, enrollmentId: string) =>
  typeof posted === 'string' && /^[0-9a-f-]{36}\.(pdf|png|jpg)$/.test(posted) ? stagedProofKey(enrollmentId, posted) : undefined;

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

    if (cancelledOf(req)) {
      // Cancel on the confirmation: the proof kept aside for it is deleted, nothing else was done.
      const staged = stagedProofOf(body.stagedProof, enrollmentId);
      if (staged) await files.delete(staged);
      return res.redirect(303, `/holder/enrollments/${enrollmentId}`);
    }
    const uploadProblem = res.locals.uploadProblem as PageRefusal | undefined;
    if (uploadProblem) return refuse({ proof: uploadProblem.detail }, uploadProblem.status);
    const parsed = markCompleteForm.safeParse(body);
    if (!parsed.success) {
      const errors = issueMessages(parsed.error);
      if (!values.completedAt) errors.completedAt = 'Enter the date the student completed the program.';
      return refuse(errors, 400);
    }
    const proof = res.locals.proof as Express.Multer.File | undefined;
    const token = confirmationOf(req);
    if (!token) {
      // Nothing is marked yet: the proof is kept aside (its type checked now) until Confirm, which carries its name.
      let stagedProof: string | undefined;
      if (proof) {
        try {
          const staged = await storeEvidenceFile(files, stagedProofKey(enrollmentId, randomUUID()), proof.buffer);
          stagedProof = staged.fileKey.slice(staged.fileKey.lastIndexOf('/staged-') + '/staged-'.length);
        } catch (err) {
          const refused = refusalOf(err);
          if (refused?.status !== 415) throw err;
          return refuse({ proof: refused.detail }, 415);
        }
      }
      const e = await enrollmentView(db, enrollmentId, config.publicBaseUrl);
      const student = nameOf(e);
      return askToConfirm(render, req, res, {
        title: { key: 'staff.confirm.mark.title', values: { student } },
        consequences: [
          { key: 'staff.confirm.mark.completes', values: { student, program: e.programTitle, date: fmt.day(parsed.data.completedAt) } },
          ...(stagedProof ? [{ key: 'staff.confirm.mark.proof' as const }] : []),
          ...issues(student, e.studentEmail),
        ],
        action: `/holder/enrollments/${enrollmentId}/mark-complete`,
        fields: { ...values, ...(stagedProof && { stagedProof }) },
        cancel: `/holder/enrollments/${enrollmentId}`,
        multipart: true,
        cancelByPost: true,
      });
    }
    const staged = stagedProofOf(body.stagedProof, enrollmentId);
    const stagedFile = staged ? await files.get(staged) : undefined;
    try {
      await markComplete(
        { db, files, enrollments },
        actor,
        { enrollmentId, ...parsed.data, proof: stagedFile ?? proof?.buffer },
        confirmationKey(token, enrollmentId),
      );
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused || ![400, 409, 413, 415, 422].includes(refused.status)) throw err;
      const { detail, status } = refused;
      const field = status === 415 ? 'proof' : refused.errors ? 'completedAt' : 'form';
      return refuse({ [field]: status === 409 ? `This enrollment cannot be marked complete: ${detail}.` : detail }, status);
    } finally {
      if (stagedFile && staged) await files.delete(staged);
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
    const bulkResult = req.session.bulkReview;
    if (bulkResult) delete req.session.bulkReview;
    render(
      req,
      res,
      'holder/review',
      {
        title: 'Review queue',
        items: shown,
        refused,
        bulkResult,
        // Select all ticks the boxes where script runs; without it, the form's `all` means every item listed.
        scripts: ['/assets/review-select.js'],
        previous: page > 1 ? `/holder/review?page=${page - 1}` : undefined,
        next: items.length > REVIEW_PAGE_SIZE ? `/holder/review?page=${page + 1}` : undefined,
        fmt,
      },
      status,
    );
  }

  router.get('/review', (req, res) => reviewPage(req, res));

  /**
   * Approve or reject: the same lookup and command as the JSON API, after a confirmation stating what will happen (the
   * certificate, the student's email); Confirm's token is the command's idempotency key. A refusal comes back as a message.
   */
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
      const e = await enrollmentView(db, submission.enrollmentId, config.publicBaseUrl);
      const student = nameOf(e);
      const token = confirmationOf(req);
      if (!token) {
        const facts = { student, program: e.programTitle };
        const email = e.studentEmail ?? 'none';
        return askToConfirm(render, req, res, {
          title: { key: `staff.confirm.${decision}.title`, values: { student } },
          consequences:
            decided.decision === 'approve'
              ? [{ key: 'staff.confirm.approve.completes', values: facts }, ...issues(student, e.studentEmail)]
              : [
                  { key: 'staff.confirm.reject.back', values: facts },
                  { key: 'staff.confirm.reject.email', values: { student, email, reason: decided.reason } },
                  { key: 'staff.confirm.reject.again', values: { student } },
                ],
          action: `/holder/review/${submissionId}/${decision}`,
          fields: decided.decision === 'reject' ? { reason: decided.reason } : {},
          cancel: '/holder/review',
          danger: decision === 'reject',
        });
      }
      try {
        await reviewSubmission({ db, enrollments }, actor, submission, decided, confirmationKey(token, submissionId));
      } catch (err) {
        const refused = refusalOf(err);
        if (refused?.status !== 409) throw err;
        const text = `${student}’s evidence could not be ${decision === 'approve' ? 'approved' : 'rejected'}: ${refused.detail}.`;
        return redirectWithFlash(req, res, { kind: 'error', text }, '/holder/review');
      }
      const text =
        decision === 'approve'
          ? `Approved ${student}’s evidence: the enrollment is completed.`
          : `Rejected ${student}’s evidence; they are emailed your reason and may upload again.`;
      await redirectWithFlash(req, res, { kind: 'success', text }, '/holder/review');
    };
  router.post('/review/:submissionId/approve', requireCsrf, review('approve'));
  router.post('/review/:submissionId/reject', requireCsrf, review('reject'));

  /**
   * Approve selected: the students ticked (or, with Select all, every one the page listed), confirmed once, then each
   * approved through the same command as Approve, with its own idempotency key from the confirmation. Each student's
   * outcome is reported (one refused does not stop the others).
   */
  router.post('/review/approve-selected', requireCsrf, async (req, res) => {
    const actor = consoleActor(req);
    const form = parse(bulkForm, req.body, 'body');
    const chosen = [...new Set(form.all ? form.listed : form.submissionId)];
    if (!chosen.length) {
      const text = 'Select the students whose evidence to approve (or Select all), then Approve selected.';
      return redirectWithFlash(req, res, { kind: 'error', text }, '/holder/review');
    }
    const token = confirmationOf(req);
    if (!token) {
      const students = await Promise.all(
        chosen.map(async (submissionId) => {
          const { enrollmentId } = await loadReviewableSubmission(db, actor, submissionId);
          const e = await enrollmentView(db, enrollmentId, config.publicBaseUrl);
          return `${nameOf(e)}${e.studentEmail && e.studentName ? ` (${e.studentEmail})` : ''}: ${e.programTitle}`;
        }),
      );
      return askToConfirm(render, req, res, {
        title: { key: 'staff.confirm.bulk.title', values: { count: chosen.length } },
        consequences: [
          { key: 'staff.confirm.bulk.completes' },
          { key: 'staff.confirm.bulk.certificates' },
          { key: 'staff.confirm.issue.payouts' },
        ],
        items: { heading: { key: 'staff.confirm.bulk.students' }, lines: students },
        action: '/holder/review/approve-selected',
        fields: { submissionId: chosen },
        cancel: '/holder/review',
      });
    }
    const outcomes: BulkOutcome[] = [];
    for (const submissionId of chosen) {
      let student = 'A student';
      try {
        const submission = await loadReviewableSubmission(db, actor, submissionId);
        student = nameOf(await enrollmentView(db, submission.enrollmentId, config.publicBaseUrl));
        await reviewSubmission({ db, enrollments }, actor, submission, { decision: 'approve' }, confirmationKey(token, submissionId));
        outcomes.push({ student, approved: true });
      } catch (err) {
        const refused = refusalOf(err);
        if (!refused || refused.status >= 500) throw err;
        outcomes.push({ student, approved: false, why: sentence(refused.detail) });
      }
    }
    req.session.bulkReview = outcomes;
    const approved = outcomes.filter((o) => o.approved).length;
    const text =
      approved === outcomes.length
        ? `Approved the evidence of ${plural(approved)}: their enrollments are completed.`
        : `Approved ${plural(approved)} of ${outcomes.length}; see below for the ones not approved.`;
    await redirectWithFlash(req, res, { kind: approved === outcomes.length ? 'success' : 'error', text }, '/holder/review');
  });

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
