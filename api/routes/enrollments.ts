import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import multer from 'multer';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { parse, problems } from '../problems';
import { audit, enrollmentView, loadAuthorizedEnrollment } from '../read-model/enrollments';
import { createEnrollmentBody, idParam, listEnrollmentsQuery, submissionFields, withdrawBody } from '../schemas';
import { WITHDRAWABLE_STATUSES } from '../../workflows/messages';
import { openEnrollment } from '../commands/open-enrollment';

/** Evidence types, recognised by their first bytes: a file's name and declared type are not trusted. */
const EVIDENCE_TYPES = [
  { contentType: 'application/pdf', ext: 'pdf', magic: Buffer.from('%PDF-') },
  { contentType: 'image/png', ext: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', ext: 'jpg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];
export const sniffEvidenceType = (data: Buffer) => EVIDENCE_TYPES.find((t) => data.subarray(0, t.magic.length).equals(t.magic));

export function enrollmentRoutes({ db, enrollments, files, config }: ApiDeps): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 10 } });

  router.post('/api/enrollments', requireRole('student'), async (req, res) => {
    const student = actorOf(req);
    const body = parse(createEnrollmentBody, req.body, 'body');
    if (!student.email) throw problems.badRequest('your token has no email claim; the certificate and emails need one');
    const opened = await openEnrollment({ db, enrollments, config }, { ...student, email: student.email }, body, req.get('idempotency-key'));
    await audit(db, student, 'enrollment.create', { type: 'enrollment', id: opened.enrollmentId }, { fundingSource: body.fundingSource });
    res.status(201).location(`/api/enrollments/${opened.enrollmentId}`).json({
      enrollmentId: opened.enrollmentId, status: opened.status, checkoutUrl: opened.checkoutUrl, amountDueCents: opened.amountDueCents,
    });
  });

  router.get('/api/enrollments', requireRole('program_holder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(listEnrollmentsQuery, req.query, 'query');
    const { rows } = await db.query(
      `SELECT e.id, e.program_id, e.funding_source, e.status, e.paid_at, e.launched_at, e.completed_at, e.completion_method, e.created_at
         FROM enrollments e JOIN programs p ON p.id = e.program_id
        WHERE ($1::text IS NULL OR p.holder_id = $1) AND ($2::text IS NULL OR e.status = $2) AND ($3::uuid IS NULL OR e.program_id = $3)
        ORDER BY e.created_at DESC, e.id LIMIT $4 OFFSET $5`,
      [actor.role === 'program_holder' ? actor.id : null, q.status ?? null, q.programId ?? null, q.limit, q.offset],
    );
    res.json({
      enrollments: rows.map((e) => ({
        enrollmentId: e.id, programId: e.program_id, fundingSource: e.funding_source, status: e.status, paidAt: e.paid_at,
        launchedAt: e.launched_at, completedAt: e.completed_at, completionMethod: e.completion_method, createdAt: e.created_at,
      })),
      limit: q.limit,
      offset: q.offset,
    });
  });

  router.get('/api/enrollments/:enrollmentId', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, actorOf(req), enrollmentId, ['student', 'program_holder', 'admin']);
    res.json(await enrollmentView(db, enrollmentId, config.publicBaseUrl));
  });

  router.get('/api/enrollments/:enrollmentId/launch', requireRole('student'), async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, actorOf(req), enrollmentId, ['student']);
    const { launchUrl } = await enrollments.launch(enrollmentId);
    res.redirect(302, launchUrl);
  });

  router.post('/api/enrollments/:enrollmentId/completion-submissions', requireRole('student'), async (req, res) => {
    const student = actorOf(req);
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, student, enrollmentId, ['student']);
    await new Promise<void>((resolve, reject) =>
      upload.single('file')(req, res, (err: unknown) => {
        if (!err) return resolve();
        if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') {
          return reject(problems.tooLarge(`the file is larger than ${config.uploadMaxBytes} bytes`));
        }
        // Anything else the multipart parser refuses (a truncated body, no boundary, an extra file) is bad input.
        reject(problems.badRequest(`the multipart body could not be read: ${(err as Error).message}`));
      }),
    );
    if (!req.is('multipart/form-data') || !req.file) {
      throw problems.badRequest('send multipart/form-data with a "file" field', { errors: [{ field: 'body.file', message: 'required' }] });
    }
    const fields = parse(submissionFields, req.body, 'body');
    const type = sniffEvidenceType(req.file.buffer);
    if (!type) throw problems.unsupportedType('the file must be a PDF, PNG or JPEG (checked by its content, not its name)');

    const submissionId = randomUUID();
    const fileKey = `submissions/${enrollmentId}/${submissionId}.${type.ext}`;
    await files.put(fileKey, req.file.buffer);
    try {
      const submission = await enrollments.submitEvidence(enrollmentId, {
        submissionId, fileKey, contentType: type.contentType, sizeBytes: req.file.size,
        sha256: createHash('sha256').update(req.file.buffer).digest('hex'), completedAt: fields.completedAt, studentId: student.id,
      }, req.get('idempotency-key'));
      await audit(db, student, 'submission.create', { type: 'enrollment', id: enrollmentId }, { submissionId: submission.id });
      res.status(202).json({ submissionId: submission.id, status: 'awaiting_review' });
    } catch (err) {
      await files.delete(fileKey); // the workflow refused it: keep no orphan file
      throw err;
    }
  });

  router.post('/api/enrollments/:enrollmentId/withdraw', requireRole('student', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    const enrollment = await loadAuthorizedEnrollment(db, actor, enrollmentId, ['student', 'admin']);
    const { reason } = parse(withdrawBody, req.body, 'body');
    // A second withdrawal is refused (a retry with the same Idempotency-Key gets the first answer instead); the
    // workflow would otherwise answer a repeat of its update id with the first result.
    if (enrollment.status === 'withdrawn' && res.locals.idempotentRerun) {
      // The same request, re-run after the process that ran it died: its withdrawal went through; answer it.
      const { rows: [refund] } = await db.query(
        'SELECT COALESCE(sum(amount_cents), 0)::integer AS cents FROM refunds WHERE enrollment_id = $1', [enrollmentId]);
      return res.json({ enrollmentId, status: 'withdrawn', refundCents: refund.cents, currency: enrollment.currency });
    }
    if (!(WITHDRAWABLE_STATUSES as readonly string[]).includes(enrollment.status)) throw problems.conflict(`the enrollment is already ${enrollment.status}`);
    const result = await enrollments.withdraw(enrollmentId, { requestedBy: actor.id, reason }, req.get('idempotency-key'));
    await audit(db, actor, 'enrollment.withdraw', { type: 'enrollment', id: enrollmentId }, { reason, refundCents: result.refundCents, currency: result.currency });
    res.json({ enrollmentId, status: result.status, refundCents: result.refundCents, currency: result.currency });
  });

  router.get('/api/submissions/:submissionId/file', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const { submissionId } = parse(idParam('submissionId'), req.params, 'path');
    const { rows: [s] } = await db.query('SELECT enrollment_id, file_key, content_type FROM completion_submissions WHERE id = $1', [submissionId]);
    if (!s) throw problems.notFound(`submission ${submissionId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), s.enrollment_id, ['student', 'program_holder', 'admin']);
    const data = await files.get(s.file_key);
    if (!data) throw problems.notFound(`the file of submission ${submissionId}`);
    res.type(s.content_type).set('Content-Disposition', `inline; filename="${submissionId}.${s.file_key.split('.').pop()}"`).send(data);
  });

  return router;
}

