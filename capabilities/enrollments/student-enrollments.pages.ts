import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { consoleActor } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import { redirectWithFlash } from '../../console/flash';
import { type PageRefusal, refusalOf } from '../../console/refusals';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse, refuse } from '../../core/refusals';
import { idParam } from '../../core/schemas';
import { STATUS_WORDS } from '../../lib/status-words';
import { STUDENT_ENROLLMENTS_PATH, studentEnrollmentPath, studentPublicNamePath } from '../../lib/student-links';
import { readMultipart } from '../../lib/web/uploads';
import { type EnrollmentStatus, type FundingSource, LAUNCHABLE_STATUSES } from '../../workflows/messages';
import { submissionFields } from '../completion/evidence/schemas';
import { submitEvidence } from '../completion/evidence/submit-evidence';
import { publicNameSetting } from '../credentials/public-name';
import { listPrograms } from '../programs/queries';
import { loadProgramFacts } from '../tutor/queries';
import { launchEnrollment } from './launch-enrollment';
import { openEnrollment } from './open-enrollment';
import { enrollmentView, loadAuthorizedEnrollment, studentEnrollments } from './queries';
import { createEnrollmentBody } from './schemas';

/** The AI tutor widget, on every student page (it signs in with the console session and its CSRF token). */
const TUTOR_SCRIPT = '/widget/ai-tutor.js';

/** How a student pays, as the enroll form offers it. */
const FUNDING_CHOICES: { value: FundingSource; label: string; hint: string }[] = [
  { value: 'self_pay', label: 'I pay myself', hint: 'by card, at a secure checkout' },
  { value: 'wioa_ita', label: 'WIOA training voucher (ITA)', hint: 'from your local workforce board' },
  { value: 'sponsor', label: 'Sponsor voucher', hint: 'from an employer or another sponsor' },
];
const FUNDING_WORDS = Object.fromEntries(FUNDING_CHOICES.map((c) => [c.value, c.label])) as Record<FundingSource, string>;

/** What the student does next, for each status (the enrollment page's first paragraph). */
const NEXT_STEP: Record<EnrollmentStatus, string> = {
  pending_payment: 'Pay for the course to start. Your enrollment moves on as soon as the payment is confirmed.',
  payment_expired: 'The payment window closed before a payment arrived. You can enroll again from My enrollments.',
  ready_to_launch: 'You are all set: launch the course to start it at the training partner.',
  in_progress:
    'Take the course at the training partner. When you finish, upload your proof of completion below (some partners also tell us directly).',
  awaiting_review: 'Your proof of completion is with your program holder for review. You get an email as soon as it is decided.',
  completed: 'Congratulations, you completed the course! Your certificate is being issued; it appears here in a moment.',
  closed: 'Congratulations, you completed the course! Your certificate is below.',
  withdrawn: 'You withdrew from this enrollment. You can enroll in the program again from My enrollments.',
  expired: 'The program’s deadline passed before a completion was recorded. Talk to your program holder if you finished the course.',
};

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const dateText = (iso: string | null) => (iso ? dateFormat.format(new Date(iso)) : '');
const dateTimeFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dateTimeText = (iso: string | null) => (iso ? `${dateTimeFormat.format(new Date(iso))} UTC` : '');
const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
/** A problem's detail as a sentence on a page. */
const sentence = (text: string) => {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
};

/** The enroll form as a browser posts it: the rules are createEnrollmentBody's; the key makes a double submit harmless. */
const enrollForm = z.object({
  programId: z.string().optional(),
  fundingSource: z.string().optional(),
  voucherNumber: z.string().max(200).optional(),
  idempotencyKey: z.string().optional(),
});
type EnrollForm = z.infer<typeof enrollForm>;

/** What each field of the enroll form says when createEnrollmentBody refuses it. */
const ENROLL_FIELD_MESSAGES: Record<string, string> = {
  programId: 'Choose a program.',
  fundingSource: 'Choose how you pay.',
  voucherNumber: 'Enter your voucher number: it is on the voucher your funder gave you.',
};

const uploadForm = z.object({ completedAt: z.string().max(40).optional(), idempotencyKey: z.string().optional() });

/** The form's key when it is one (a UUID the page made), else none: a new submit then opens its own enrollment. */
const formKey = (key: string | undefined) => (key && z.uuid().safeParse(key).success ? `console:${key}` : undefined);

/** A refusal's per-field messages (`errors` of an invalid input), keyed by the form field's name. */
function fieldErrors(p: PageRefusal): Record<string, string> {
  return Object.fromEntries((p.errors ?? []).map((e) => [e.field.replace(/^body\./, ''), sentence(e.message)]));
}

/** `requireCsrf` for a form this handler parsed itself (multipart, read after the route matched): throws its 403. */
function checkCsrf(req: Request, res: Response): void {
  let refusal: unknown;
  // requireCsrf answers at once (the token is in the session), so its verdict is known when it returns.
  requireCsrf(req, res, (err?: unknown) => void (refusal = err));
  if (refusal instanceof Error) throw refusal;
  if (refusal !== undefined) throw refuse.forbidden('the form did not come from this site');
}

/** The enrollment id of a console path: anything that is not one is as unknown as another student's. */
function enrollmentIdOf(req: Request): string {
  try {
    return parse(idParam('enrollmentId'), req.params, 'path').enrollmentId;
  } catch {
    throw refuse.notFound('enrollment');
  }
}

/**
 * The student's pages (/student): "My enrollments" (with the catalog to enroll from) and one page per enrollment
 * (status in words, pay, launch, upload proof, the certificate), with the AI tutor on every page. Each action calls
 * the same command as the JSON API (POST /api/enrollments, its launch and its completion submissions).
 */
export function studentEnrollmentPages(deps: CoreDeps, render: Render): Router {
  const { db, enrollments, files, config } = deps;
  const router = Router();

  /** My enrollments, and the form to enroll in a program; re-rendered with the form's errors when enrolling fails. */
  async function enrollmentsPage(
    req: Request,
    res: Response,
    form: { values?: EnrollForm; errors?: Record<string, string>; error?: string; status?: number } = {},
  ) {
    const student = consoleActor(req);
    const [mine, programs] = await Promise.all([studentEnrollments(db, student.id), listPrograms(db)]);
    const values = form.values ?? {};
    // An enrollment that is already open in the chosen program (a 409) is linked, so the student finds it.
    const openInProgram =
      form.status === 409 && values.programId
        ? mine.find((e) => e.programId === values.programId && !['payment_expired', 'withdrawn', 'expired'].includes(e.status))
        : undefined;
    render(
      req,
      res,
      'student/enrollments',
      {
        title: 'My enrollments',
        enrollmentsHref: STUDENT_ENROLLMENTS_PATH,
        enrollments: mine.map((e) => ({
          ...e,
          href: studentEnrollmentPath(e.enrollmentId),
          statusWords: STATUS_WORDS[e.status],
          started: dateText(e.createdAt),
          funding: FUNDING_WORDS[e.fundingSource],
        })),
        programs: programs.map((p) => ({ id: p.id, title: p.title, price: money(p.priceCents, p.currency) })),
        fundingChoices: FUNDING_CHOICES,
        form: {
          programId: values.programId ?? '',
          fundingSource: values.fundingSource ?? 'self_pay',
          voucherNumber: values.voucherNumber ?? '',
          // A fresh key for every rendering: a retry after an error is a new request, a double submit is the same one.
          idempotencyKey: randomUUID(),
        },
        errors: form.errors ?? {},
        error: form.error,
        openInProgram: openInProgram && { href: studentEnrollmentPath(openInProgram.enrollmentId), title: openInProgram.programTitle },
        tutor: mine[0] ? { enrollmentId: mine[0].enrollmentId, courseId: mine[0].programId } : { courseId: programs[0]?.id ?? '' },
        scripts: [TUTOR_SCRIPT],
      },
      form.status,
    );
  }

  // /student is the same page (the student's home).
  router.get(['/', '/enrollments'], (req, res) => enrollmentsPage(req, res));

  router.post('/enrollments', requireCsrf, async (req, res) => {
    const student = consoleActor(req);
    const values = parse(enrollForm, req.body, 'body');
    const voucherNumber = values.voucherNumber?.trim() || undefined;
    try {
      const body = parse(
        createEnrollmentBody,
        { programId: values.programId || undefined, fundingSource: values.fundingSource || undefined, voucherNumber },
        'body',
      );
      const opened = await openEnrollment({ db, enrollments, config }, student, body, formKey(values.idempotencyKey));
      await redirectWithFlash(
        req,
        res,
        {
          kind: 'success',
          text:
            opened.status === 'pending_payment'
              ? 'You are enrolled. Pay for the course to start it.'
              : 'You are enrolled and your voucher covers the course: launch it when you are ready.',
        },
        studentEnrollmentPath(opened.enrollmentId),
      );
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused || refused.status >= 500 || refused.status === 401) throw err;
      const errors = Object.fromEntries(Object.keys(fieldErrors(refused)).map((field) => [field, ENROLL_FIELD_MESSAGES[field] ?? '']));
      const error = Object.keys(errors).length ? 'Check the highlighted fields.' : sentence(refused.detail);
      await enrollmentsPage(req, res, { values: { ...values, voucherNumber }, errors, error, status: refused.status });
    }
  });

  /** One enrollment: status in words, what to do next, pay, launch, upload, certificate; with the upload form's errors. */
  async function enrollmentPage(
    req: Request,
    res: Response,
    enrollmentId: string,
    upload: { completedAt?: string; errors?: Record<string, string>; error?: string; status?: number } = {},
  ) {
    const student = consoleActor(req);
    await loadAuthorizedEnrollment(db, student, enrollmentId, ['student']);
    const view = await enrollmentView(db, enrollmentId, config.publicBaseUrl);
    const program = await loadProgramFacts(db, view.programId);
    const finished = view.status === 'completed' || view.status === 'closed';
    const certificate = view.certificate;
    const publicName = certificate && (await publicNameSetting(db, student, certificate.id, config.publicBaseUrl));
    render(
      req,
      res,
      'student/enrollment',
      {
        title: program?.title ?? 'Your enrollment',
        partnerName: program?.partnerName ?? 'the training partner',
        enrollment: view,
        statusWords: STATUS_WORDS[view.status],
        nextStep:
          finished && certificate
            ? certificate.revoked
              ? 'You completed the course, but its certificate was revoked. Contact your program holder.'
              : 'Congratulations, you completed the course! Download your certificate below, or share its verification link.'
            : NEXT_STEP[view.status],
        funding: FUNDING_WORDS[view.fundingSource],
        price: money(view.price.amountCents, view.price.currency),
        voucher: view.voucherCents ? money(view.voucherCents, view.price.currency) : '',
        pay:
          view.status === 'pending_payment' && view.checkoutUrl
            ? { href: view.checkoutUrl, amount: money(view.amountDueCents ?? view.price.amountCents, view.price.currency) }
            : undefined,
        launchHref: LAUNCHABLE_STATUSES.includes(view.status) ? `${studentEnrollmentPath(view.enrollmentId)}/launch` : undefined,
        canUpload: view.status === 'in_progress',
        uploadAction: `${studentEnrollmentPath(view.enrollmentId)}/proof`,
        upload: {
          completedAt: upload.completedAt ?? '',
          errors: upload.errors ?? {},
          error: upload.error,
          today: new Date().toISOString().slice(0, 10),
          idempotencyKey: randomUUID(),
        },
        certificate: certificate && { ...certificate, issued: dateText(view.completedAt) },
        publicName: publicName && { ...publicName, action: studentPublicNamePath(publicName.certificateId) },
        milestones: [
          { label: 'Enrolled', at: dateText(view.createdAt) },
          { label: 'Paid', at: dateText(view.paidAt) },
          { label: 'Launched', at: dateText(view.launchedAt) },
          { label: 'Completed', at: dateText(view.completedAt) },
        ],
        submissions: view.submissions.map((s) => ({
          ...s,
          submitted: dateText(s.submittedAt),
          completed: dateText(s.completedAt),
          deleted: dateText(s.fileDeletedAt),
          words: s.status === 'pending' ? 'Waiting for review' : s.status === 'approved' ? 'Accepted' : 'Not accepted',
        })),
        history: view.history.map((h) => ({ words: STATUS_WORDS[h.status], at: dateTimeText(h.at) })),
        tutor: { enrollmentId: view.enrollmentId, courseId: view.programId },
        scripts: [TUTOR_SCRIPT],
      },
      upload.status,
    );
  }

  router.get('/enrollments/:enrollmentId', (req, res) => enrollmentPage(req, res, enrollmentIdOf(req)));

  /**
   * Launch course: the same launch as GET /api/enrollments/:id/launch, then on to the partner. A link another site
   * planted (Sec-Fetch-Site: cross-site) only opens the enrollment page, so nobody launches a course for the student.
   */
  router.get('/enrollments/:enrollmentId/launch', async (req, res) => {
    const enrollmentId = enrollmentIdOf(req);
    const page = studentEnrollmentPath(enrollmentId);
    if (req.get('sec-fetch-site') === 'cross-site') return res.redirect(303, page);
    try {
      const { launchUrl } = await launchEnrollment(deps, consoleActor(req), enrollmentId);
      res.redirect(303, launchUrl);
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused || refused.status === 404) throw err;
      await redirectWithFlash(req, res, { kind: 'error', text: `The course could not be launched: ${sentence(refused.detail)}` }, page);
    }
  });

  /** Upload: multipart (parsed first, so the CSRF token in it can be read), then the same command as the JSON API. */
  router.post('/enrollments/:enrollmentId/proof', async (req, res) => {
    const enrollmentId = enrollmentIdOf(req);
    let file: Express.Multer.File | undefined;
    let parseProblem: PageRefusal | undefined;
    try {
      file = await readMultipart(req, res, config.uploadMaxBytes);
    } catch (err) {
      parseProblem = refusalOf(err);
      if (!parseProblem) throw err;
    }
    // A body the parser refused carries no token to check: nothing is done, the form says why.
    if (!parseProblem) checkCsrf(req, res);
    const student = consoleActor(req);
    await loadAuthorizedEnrollment(db, student, enrollmentId, ['student']);
    const values = uploadForm.safeParse(req.body ?? {});
    const completedAt = values.success ? (values.data.completedAt ?? '') : '';
    const again = (status: number, errors: Record<string, string>, error?: string) =>
      enrollmentPage(req, res, enrollmentId, { completedAt, errors, error: error ?? 'Check the highlighted fields.', status });

    if (parseProblem) {
      return again(
        parseProblem.status,
        parseProblem.status === 413
          ? { file: `The file is too large: at most ${Math.floor(config.uploadMaxBytes / 1_048_576)} MB.` }
          : { file: 'The file could not be read; choose it again.' },
      );
    }
    const errors: Record<string, string> = {};
    if (!file || file.size === 0) errors.file = 'Choose the file that proves you completed the course (PDF, PNG or JPEG).';
    if (!completedAt) errors.completedAt = 'Enter the day you completed the course.';
    if (Object.keys(errors).length) return again(400, errors);
    try {
      const fields = parse(submissionFields, { completedAt }, 'body');
      await submitEvidence(
        { db, files, enrollments },
        student,
        { enrollmentId, data: file!.buffer, completedAt: fields.completedAt },
        formKey(values.success ? values.data.idempotencyKey : undefined),
      );
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused || refused.status >= 500 || refused.status === 404) throw err;
      const detail = sentence(refused.detail);
      if (refused.status === 415) return again(415, { file: detail });
      const byField = fieldErrors(refused);
      if (byField.completedAt) return again(refused.status, { completedAt: byField.completedAt });
      return again(refused.status, {}, detail);
    }
    await redirectWithFlash(
      req,
      res,
      { kind: 'success', text: 'Your proof of completion was uploaded. Your program holder reviews it next.' },
      studentEnrollmentPath(enrollmentId),
    );
  });

  return router;
}
