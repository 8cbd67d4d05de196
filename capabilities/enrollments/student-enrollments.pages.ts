import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { consoleActor } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import { redirectWithFlash } from '../../console/flash';
import { localeOf } from '../../console/locale';
import { type PageRefusal, refusalOf } from '../../console/refusals';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse, refuse } from '../../core/refusals';
import { idParam } from '../../core/schemas';
import { type MessageId, type Translator, translator } from '../../lib/i18n';
import { statusWordsIn } from '../../lib/status-words';
import { STUDENT_ENROLLMENTS_PATH, studentEnrollmentPath, studentPublicNamePath } from '../../lib/student-links';
import { readMultipart } from '../../lib/web/uploads';
import { type FundingSource, LAUNCHABLE_STATUSES } from '../../workflows/messages';
import { submissionFields } from '../completion/evidence/schemas';
import { submitEvidence } from '../completion/evidence/submit-evidence';
import { publicNameSetting } from '../credentials/public-name';
import { listPrograms } from '../programs/queries';
import { loadProgramFacts } from '../tutor/queries';
import { launchEnrollment } from './launch-enrollment';
import { openEnrollment } from './open-enrollment';
import { enrollmentView, loadAuthorizedEnrollment, studentEnrollments } from './queries';
import { coveredByVoucher, LIVE_STATUS_SCRIPT, nextStep } from './next-step';
import { createEnrollmentBody } from './schemas';

/** The AI tutor widget, on every student page when a model is configured (it signs in with the session and its CSRF token). */
const TUTOR_SCRIPT = '/widget/ai-tutor.js';

/** How a student pays, as the enroll form offers it (the words are the catalog's `funding.*`). */
const FUNDING_SOURCES: FundingSource[] = ['self_pay', 'wioa_ita', 'sponsor'];
const fundingChoices = (i18n: Translator) =>
  FUNDING_SOURCES.map((value) => ({ value, label: i18n.t(`funding.${value}`), hint: i18n.t(`funding.${value}.hint`) }));

/** A problem's detail as a sentence on a page. */
const sentence = (text: string) => {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
};
/** A refusal's detail for the student: the command's own sentence in English, the catalog's `fallback` otherwise. */
const told = (i18n: Translator, detail: string, fallback: MessageId) => (i18n.locale === 'en' ? sentence(detail) : i18n.t(fallback));

/** The enroll form as a browser posts it: the rules are createEnrollmentBody's; the key makes a double submit harmless. */
const enrollForm = z.object({
  programId: z.string().optional(),
  fundingSource: z.string().optional(),
  voucherNumber: z.string().max(200).optional(),
  idempotencyKey: z.string().optional(),
});
type EnrollForm = z.infer<typeof enrollForm>;

/** What each field of the enroll form says when createEnrollmentBody refuses it. */
const ENROLL_FIELD_MESSAGES: Record<string, MessageId> = {
  programId: 'student.enroll.error.programId',
  fundingSource: 'student.enroll.error.fundingSource',
  voucherNumber: 'student.enroll.error.voucherNumber',
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
  /** The tutor is offered only where it can answer: with a model configured (without one its API answers 503). */
  const tutorOn = deps.tutor !== undefined;

  /** My enrollments, and the form to enroll in a program; re-rendered with the form's errors when enrolling fails. */
  async function enrollmentsPage(
    req: Request,
    res: Response,
    form: { values?: EnrollForm; errors?: Record<string, string>; error?: string; status?: number } = {},
  ) {
    const student = consoleActor(req);
    const i18n = translator(localeOf(req));
    const [mine, programs] = await Promise.all([studentEnrollments(db, student.id), listPrograms(db)]);
    // A link from My vouchers fills the form in (`?voucherNumber=…&fundingSource=…&programId=…`): nothing to type.
    const prefill = form.values ? {} : parse(enrollForm, req.query, 'query');
    const values = form.values ?? prefill;
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
        title: i18n.t('student.enrollments.title'),
        enrollmentsHref: STUDENT_ENROLLMENTS_PATH,
        enrollments: mine.map((e) => ({
          ...e,
          href: studentEnrollmentPath(e.enrollmentId),
          statusWords: statusWordsIn(i18n, e.status),
          started: i18n.date(e.createdAt),
          funding: i18n.t(`funding.${e.fundingSource}`),
        })),
        programs: programs.map((p) => ({ id: p.id, title: p.title, price: i18n.money(p.priceCents, p.currency) })),
        fundingChoices: fundingChoices(i18n),
        form: {
          programId: values.programId ?? '',
          fundingSource: values.fundingSource ?? 'self_pay',
          voucherNumber: values.voucherNumber ?? '',
          // A fresh key for every rendering: a retry after an error is a new request, a double submit is the same one.
          idempotencyKey: randomUUID(),
        },
        prefilledVoucher: !form.values && prefill.voucherNumber ? prefill.voucherNumber : undefined,
        errors: form.errors ?? {},
        error: form.error,
        openInProgram: openInProgram && { href: studentEnrollmentPath(openInProgram.enrollmentId), title: openInProgram.programTitle },
        tutor:
          tutorOn && (mine[0] ? { enrollmentId: mine[0].enrollmentId, courseId: mine[0].programId } : { courseId: programs[0]?.id ?? '' }),
        scripts: tutorOn ? [TUTOR_SCRIPT] : [],
      },
      form.status,
    );
  }

  // /student is the same page (the student's home).
  router.get(['/', '/enrollments'], (req, res) => enrollmentsPage(req, res));

  router.post('/enrollments', requireCsrf, async (req, res) => {
    const student = consoleActor(req);
    const i18n = translator(localeOf(req));
    const values = parse(enrollForm, req.body, 'body');
    const voucherNumber = values.voucherNumber?.trim() || undefined;
    try {
      const body = parse(
        createEnrollmentBody,
        { programId: values.programId || undefined, fundingSource: values.fundingSource || undefined, voucherNumber },
        'body',
      );
      const opened = await openEnrollment({ db, enrollments, config }, student, body, formKey(values.idempotencyKey), i18n.locale);
      await redirectWithFlash(
        req,
        res,
        { kind: 'success', text: i18n.t(opened.status === 'pending_payment' ? 'student.enroll.done.pay' : 'student.enroll.done.covered') },
        studentEnrollmentPath(opened.enrollmentId),
      );
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused || refused.status >= 500 || refused.status === 401) throw err;
      const errors = Object.fromEntries(
        Object.keys(fieldErrors(refused)).map((field) => [field, ENROLL_FIELD_MESSAGES[field] ? i18n.t(ENROLL_FIELD_MESSAGES[field]) : '']),
      );
      const error = Object.keys(errors).length
        ? i18n.t('student.form.checkFields')
        : told(i18n, refused.detail, refused.status === 409 ? 'student.enroll.error.alreadyOpen' : 'student.enroll.error.refused');
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
    const i18n = translator(localeOf(req));
    await loadAuthorizedEnrollment(db, student, enrollmentId, ['student']);
    const view = await enrollmentView(db, enrollmentId, config.publicBaseUrl);
    const program = await loadProgramFacts(db, view.programId);
    const certificate = view.certificate;
    const publicName = certificate && (await publicNameSetting(db, student, certificate.id, config.publicBaseUrl));
    const partnerName = program?.partnerName ?? i18n.t('student.enrollment.fallbackPartner');
    const money = { priceCents: view.price.amountCents, voucherCents: view.voucherCents };
    const next = nextStep(i18n, { status: view.status, ...money, certificate, submissions: view.submissions }, partnerName);
    render(
      req,
      res,
      'student/enrollment',
      {
        title: program?.title ?? i18n.t('student.enrollment.fallbackTitle'),
        partnerName,
        enrollment: view,
        statusWords: statusWordsIn(i18n, view.status),
        next,
        funding: i18n.t(`funding.${view.fundingSource}`),
        price: i18n.money(view.price.amountCents, view.price.currency),
        voucher: view.voucherCents ? i18n.money(view.voucherCents, view.price.currency) : '',
        pay:
          view.status === 'pending_payment' && view.checkoutUrl
            ? { href: view.checkoutUrl, amount: i18n.money(view.amountDueCents ?? view.price.amountCents, view.price.currency) }
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
        certificate,
        publicName: publicName && { ...publicName, action: studentPublicNamePath(publicName.certificateId) },
        milestones: [
          { label: i18n.t('student.milestone.enrolled'), at: i18n.date(view.createdAt) },
          // A voucher that paid the whole price: the student paid nothing, and the page never says they did.
          { label: i18n.t(coveredByVoucher(money) ? 'student.milestone.covered' : 'student.milestone.paid'), at: i18n.date(view.paidAt) },
          { label: i18n.t('student.milestone.launched'), at: i18n.date(view.launchedAt) },
          { label: i18n.t('student.milestone.completed'), at: i18n.date(view.completedAt) },
        ],
        submissions: view.submissions.map((s) => ({
          ...s,
          submitted: i18n.date(s.submittedAt),
          completed: i18n.date(s.completedAt),
          deleted: i18n.date(s.fileDeletedAt),
          words: i18n.t(
            s.status === 'pending'
              ? 'student.uploads.pending'
              : s.status === 'approved'
                ? 'student.uploads.approved'
                : 'student.uploads.rejected',
          ),
        })),
        history: view.history.map((h) => ({ words: statusWordsIn(i18n, h.status), at: i18n.dateTime(h.at) })),
        tutor: tutorOn && { enrollmentId: view.enrollmentId, courseId: view.programId },
        scripts: [...(tutorOn ? [TUTOR_SCRIPT] : []), ...(next.waiting ? [LIVE_STATUS_SCRIPT] : [])],
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
      const i18n = translator(localeOf(req));
      const text =
        i18n.locale === 'en'
          ? i18n.t('student.launch.failed', { reason: sentence(refused.detail) })
          : i18n.t('student.launch.failedGeneric');
      await redirectWithFlash(req, res, { kind: 'error', text }, page);
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
    const i18n = translator(localeOf(req));
    const again = (status: number, errors: Record<string, string>, error?: string) =>
      enrollmentPage(req, res, enrollmentId, { completedAt, errors, error: error ?? i18n.t('student.form.checkFields'), status });

    if (parseProblem) {
      return again(
        parseProblem.status,
        parseProblem.status === 413
          ? { file: i18n.t('student.upload.error.tooLarge', { megabytes: Math.floor(config.uploadMaxBytes / 1_048_576) }) }
          : { file: i18n.t('student.upload.error.unreadable') },
      );
    }
    const errors: Record<string, string> = {};
    if (!file || file.size === 0) errors.file = i18n.t('student.upload.error.noFile');
    if (!completedAt) errors.completedAt = i18n.t('student.upload.error.noDate');
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
      if (refused.status === 415) return again(415, { file: told(i18n, refused.detail, 'student.upload.error.type') });
      // A date refused (in the future, before the enrollment, not a day) is said as the task's rule, not the field's.
      if (fieldErrors(refused).completedAt) return again(refused.status, { completedAt: i18n.t('student.upload.error.date') });
      return again(
        refused.status,
        {},
        told(i18n, refused.detail, refused.status === 409 ? 'student.upload.error.pending' : 'student.upload.error.refused'),
      );
    }
    await redirectWithFlash(req, res, { kind: 'success', text: i18n.t('student.upload.done') }, studentEnrollmentPath(enrollmentId));
  });

  return router;
}
