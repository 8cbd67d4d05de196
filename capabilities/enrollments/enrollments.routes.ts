import { type Response, Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import { launchEnrollment } from './launch-enrollment';
import { openEnrollment } from './open-enrollment';
import { submitEvidence } from '../completion/evidence/submit-evidence';
import { withdrawEnrollment } from './withdraw-enrollment';
import type { ApiDeps } from '../../api/deps';
import { parse, problems } from '../../api/problems';
import { enrollmentView, findCompletionProof, findSubmission, listEnrollments, loadAuthorizedEnrollment } from './queries';
import { createEnrollmentBody, listEnrollmentsQuery, withdrawBody } from './schemas';
import { idParam } from '../../core/schemas';
import { submissionFields } from '../completion/evidence/schemas';
import { uploadedFile } from '../../lib/web/uploads';

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
    res.json({ enrollments: page, total, limit: q.limit, offset: q.offset });
  });

  router.get('/api/enrollments/:enrollmentId', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, actorOf(req), enrollmentId, ['student', 'program_holder', 'admin']);
    res.json(await enrollmentView(db, enrollmentId, config.publicBaseUrl));
  });

  router.get('/api/enrollments/:enrollmentId/launch', requireRole('student'), async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const { launchUrl } = await launchEnrollment({ db, enrollments, publicBaseUrl: config.publicBaseUrl }, actorOf(req), enrollmentId);
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
    await loadAuthorizedEnrollment(db, actorOf(req), submission.enrollment_id, ['student', 'program_holder', 'admin']);
    const data = await files.get(submission.file_key);
    if (!data) throw problems.notFound(`the file of submission ${submissionId}`);
    sendEvidenceFile(res, data, submission.content_type, submissionId, submission.file_key);
  });

  /** The certificate proof a holder uploaded when marking the enrollment complete. */
  router.get('/api/completion-evidence/:evidenceId/proof', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { evidenceId } = parse(idParam('evidenceId'), req.params, 'path');
    const proof = await findCompletionProof(db, evidenceId);
    if (!proof) throw problems.notFound(`the proof of completion evidence ${evidenceId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), proof.enrollment_id, ['student', 'program_holder', 'admin']);
    const data = await files.get(proof.proof_file_key);
    if (!data) throw problems.notFound(`the proof of completion evidence ${evidenceId}`);
    sendEvidenceFile(res, data, proof.proof_content_type, evidenceId, proof.proof_file_key);
  });

  return router;
}
