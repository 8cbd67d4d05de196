/**
 * The program holder's console (an admin may use it too, and sees every program): the dashboard, the enrollments
 * with search, an enrollment's timeline and its Mark complete form, the review queue and the revenue share.
 * Pages parse, authorize and call the same read-model queries and commands as the JSON API.
 */
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { Actor } from '../../core/actor';
import { markComplete } from '../../capabilities/completion/evidence/mark-complete';
import { rememberProgramHolder } from '../../capabilities/programs/program-holder-contact';
import { type Review, reviewSubmission } from '../../capabilities/completion/evidence/review-submission';
import type { CoreDeps } from '../../core/deps';
import {
  enrollmentView,
  listEnrollments,
  loadAuthorizedEnrollment,
  loadReviewableSubmission,
  REVIEWERS,
  reviewQueue,
} from '../../capabilities/enrollments/queries';
import { emailsAboutEnrollment, holderDashboard, holderPrograms, startOfMonth } from '../../capabilities/completion/evidence/queries';
import { revenueShareParams, revenueShareReportPage } from '../../capabilities/reports/revenue-share';
import { id, idParam } from '../../core/schemas';
import { markCompleteForm, rejectBody } from '../../capabilities/completion/evidence/schemas';
import { revenueShareQuery } from '../../capabilities/reports/schemas';
import { multipartFile } from '../../lib/web/uploads';
import { parse } from '../../core/refusals';
import { ENROLLMENT_STATUSES, type EnrollmentStatus, MARKABLE_STATUSES } from '../../workflows/messages';
import { consoleActor, signedIn } from '../access';
import { requireCsrf } from '../csrf';
import { redirectWithFlash } from '../flash';
import { COMPLETION_METHOD_WORDS, fmt, STATUS_WORDS } from '../format';
import { type PageRefusal, refusalOf } from '../refusals';
import type { Render } from '../render';

declare module 'express-session' {
  interface SessionData {
    /** The holder's name and email are kept for the review digest once per session (rememberProgramHolder). */
    holderContactKept?: boolean;
  }
}

const PAGE_SIZE = 25;
const REVIEW_PAGE_SIZE = 50;
const REVENUE_PAGE_SIZE = 100;

/** The enrollment list's views besides a status: the dashboard's overdue and completed-this-month links. */
const LIST_VIEWS = { overdue: 'Overdue (deadline passed, not completed)', completed_this_month: 'Completed this month' } as const;
type ListView = keyof typeof LIST_VIEWS;

const blankAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const enrollmentsQuery = z.object({
  status: z.preprocess(blankAsUndefined, z.enum([...ENROLLMENT_STATUSES, 'overdue', 'completed_this_month']).optional()),
  programId: z.preprocess(blankAsUndefined, id.optional()),
  q: z.preprocess(blankAsUndefined, z.string().trim().max(200).optional()),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).default(1) });

/** Whose programs a page shows: a holder's own, or (an admin) every one. */
const holderScope = (actor: Actor) => (actor.role === 'program_holder' ? actor.id : undefined);

/** A query string of the non-empty values, for links that keep the current filters. */
const queryString = (values: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams(
    Object.entries(values).flatMap(([k, v]): [string, string][] => (v === undefined || v === '' ? [] : [[k, String(v)]])),
  );
  return q.size ? `?${q.toString()}` : '';
};

/** zod issues of a form as one message per field. */
const fieldErrors = (error: z.ZodError): Record<string, string> =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));

/** A mark-complete form's values as the page shows them back. */
interface MarkValues {
  completedAt: string;
  certificateUrl: string;
  notes: string;
}

export function holderPages(deps: CoreDeps, render: Render): Router {
  const { db, enrollments, files, config } = deps;
  const router = Router();
  router.use(signedIn(...REVIEWERS));
  router.use(keepHolderContact(deps));

  // ── dashboard ─────────────────────────────────────────────────────────────────────────────────────

  router.get('/', async (req, res) => {
    const actor = consoleActor(req);
    const counts = await holderDashboard(db, holderScope(actor));
    const link = (status: EnrollmentStatus | ListView) => `/holder/enrollments?status=${status}`;
    render(req, res, 'holder/dashboard', {
      title: 'Dashboard',
      allPrograms: actor.role === 'admin',
      cards: [
        { count: counts.awaitingReview, label: 'Awaiting review', hint: 'evidence a student uploaded', href: link('awaiting_review') },
        { count: counts.inProgress, label: 'In progress', hint: 'launched, not yet completed', href: link('in_progress') },
        { count: counts.overdue, label: 'Overdue', hint: 'deadline passed, not completed', href: link('overdue') },
        {
          count: counts.completedThisMonth,
          label: 'Completed this month',
          hint: `since ${fmt.day(startOfMonth())}`,
          href: link('completed_this_month'),
        },
      ],
    });
  });

  // ── enrollments ───────────────────────────────────────────────────────────────────────────────────

  router.get('/enrollments', async (req, res) => {
    const actor = consoleActor(req);
    const q = parse(enrollmentsQuery, req.query, 'query');
    const holderId = holderScope(actor);
    const view = q.status === 'overdue' || q.status === 'completed_this_month' ? q.status : undefined;
    const [programs, { enrollments: rows, total }] = await Promise.all([
      holderPrograms(db, holderId),
      listEnrollments(db, {
        holderId,
        status: view ? undefined : (q.status as EnrollmentStatus | undefined),
        programId: q.programId,
        search: q.q,
        overdue: view === 'overdue',
        completedSince: view === 'completed_this_month' ? startOfMonth() : undefined,
        limit: PAGE_SIZE,
        offset: (q.page - 1) * PAGE_SIZE,
      }),
    ]);
    const filters = { status: q.status, programId: q.programId, q: q.q };
    const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
    render(req, res, 'holder/enrollments', {
      title: 'Enrollments',
      rows,
      total,
      filters,
      programs,
      statuses: ENROLLMENT_STATUSES.map((s) => ({ value: s, label: STATUS_WORDS[s] })),
      views: Object.entries(LIST_VIEWS).map(([value, label]) => ({ value, label })),
      page: q.page,
      from: total ? (q.page - 1) * PAGE_SIZE + 1 : 0,
      to: Math.min(q.page * PAGE_SIZE, total),
      previous: q.page > 1 ? `/holder/enrollments${queryString({ ...filters, page: Math.min(q.page - 1, lastPage) })}` : undefined,
      next: q.page < lastPage ? `/holder/enrollments${queryString({ ...filters, page: q.page + 1 })}` : undefined,
      fmt,
    });
  });

  /** An enrollment's page; `form` carries a refused Mark complete form back with its messages. */
  async function enrollmentPage(
    req: Request,
    res: Response,
    enrollmentId: string,
    form?: { values: MarkValues; errors: Record<string, string> },
    status = 200,
  ) {
    const [view, emails] = await Promise.all([
      enrollmentView(db, enrollmentId, config.publicBaseUrl),
      emailsAboutEnrollment(db, enrollmentId),
    ]);
    const student = view.studentName ?? view.studentEmail ?? 'Student';
    render(
      req,
      res,
      'holder/enrollment',
      {
        title: `${student}: ${view.programTitle}`,
        student,
        e: view,
        timeline: timeline(view, emails),
        markable: MARKABLE_STATUSES.includes(view.status),
        // The date is the holder's to give (no default), so a mark is never dated today by accident.
        form: form ?? { values: { completedAt: '', certificateUrl: '', notes: '' }, errors: {} },
        today: new Date().toISOString().slice(0, 10),
        maxUploadMb: Math.floor(config.uploadMaxBytes / 1_000_000),
        fmt,
      },
      status,
    );
  }

  router.get('/enrollments/:enrollmentId', async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, consoleActor(req), enrollmentId, REVIEWERS);
    await enrollmentPage(req, res, enrollmentId);
  });

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
      const errors = fieldErrors(parsed.error);
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

  // ── review queue ──────────────────────────────────────────────────────────────────────────────────

  async function reviewPage(req: Request, res: Response, refused?: { submissionId: string; error: string }, status = 200) {
    const actor = consoleActor(req);
    const { page } = parse(pageQuery, req.query, 'query');
    const items = await reviewQueue(
      db,
      { holderId: holderScope(actor), status: 'pending', limit: REVIEW_PAGE_SIZE + 1, offset: (page - 1) * REVIEW_PAGE_SIZE },
      config.publicBaseUrl,
    );
    render(
      req,
      res,
      'holder/review',
      {
        title: 'Review queue',
        items: items.slice(0, REVIEW_PAGE_SIZE),
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

  // ── revenue share ─────────────────────────────────────────────────────────────────────────────────

  router.get('/revenue', async (req, res) => {
    const actor = consoleActor(req);
    const raw = { from: blankAsUndefined(req.query.from), to: blankAsUndefined(req.query.to) };
    const period = revenueShareQuery.safeParse(raw);
    const { page } = parse(pageQuery, req.query, 'query');
    const shown = { from: typeof raw.from === 'string' ? raw.from : '', to: typeof raw.to === 'string' ? raw.to : '' };
    if (!period.success) {
      return render(req, res, 'holder/revenue', { title: 'Revenue share', period: shown, errors: fieldErrors(period.error), fmt }, 400);
    }
    const { from, to } = period.data;
    const report = await revenueShareReportPage(db, revenueShareParams(period.data, holderScope(actor)), {
      limit: REVENUE_PAGE_SIZE,
      offset: (page - 1) * REVENUE_PAGE_SIZE,
    });
    const titles = new Map(Object.values(report.totals).flatMap((t) => t.byProgram.map((p) => [p.programId, p.title] as const)));
    const range = { from: shown.from || undefined, to };
    render(req, res, 'holder/revenue', {
      title: 'Revenue share',
      period: { from: shown.from, to },
      everything: !shown.from,
      fromDay: from,
      report,
      titles: Object.fromEntries(titles),
      csvUrl: `/api/reports/revenue-share${queryString({ ...range, format: 'csv' })}`,
      previous: page > 1 ? `/holder/revenue${queryString({ ...range, page: page - 1 })}` : undefined,
      next: report.hasMore ? `/holder/revenue${queryString({ ...range, page: page + 1 })}` : undefined,
      errors: {},
      fmt,
    });
  });

  return router;
}

/**
 * Keeps the signed-in holder's name and email (once per session) for the review digest: the console is where the
 * platform learns a holder's address from their sign-in.
 */
function keepHolderContact({ db }: CoreDeps): RequestHandler {
  return async (req, _res, next) => {
    const actor = consoleActor(req);
    if (actor.role === 'program_holder' && !req.session.holderContactKept) {
      await rememberProgramHolder(db, actor);
      req.session.holderContactKept = true;
    }
    next();
  };
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

/** One moment of an enrollment's timeline. */
interface TimelineEntry {
  at: string;
  title: string;
  detail?: string;
  links: { href: string; label: string }[];
}

/** The enrollment's story, oldest first: status changes, evidence, completion reports, emails. */
function timeline(view: Awaited<ReturnType<typeof enrollmentView>>, emails: Awaited<ReturnType<typeof emailsAboutEnrollment>>) {
  const entries: TimelineEntry[] = [];
  const add = (at: string | null, entry: Omit<TimelineEntry, 'at' | 'links'> & { links?: TimelineEntry['links'] }) => {
    if (at) entries.push({ at, links: [], ...entry });
  };
  for (const h of view.history) add(h.at, { title: `Status: ${fmt.status(h.status)}` });
  for (const s of view.submissions) {
    add(s.submittedAt, {
      title: 'Evidence uploaded by the student',
      detail: `Completed on ${fmt.day(s.completedAt)}`,
      links: [{ href: s.fileUrl, label: 'View uploaded evidence' }],
    });
    if (s.status !== 'pending') {
      add(s.reviewedAt, { title: `Evidence ${s.status}`, detail: s.reason ? `Reason: ${s.reason}` : undefined });
    }
  }
  for (const c of view.completionEvidence) {
    const how = COMPLETION_METHOD_WORDS[c.method] ?? c.method;
    const links = [
      ...(c.proofUrl ? [{ href: c.proofUrl, label: 'View certificate proof' }] : []),
      ...(c.evidenceUrl ? [{ href: c.evidenceUrl, label: 'Certificate URL' }] : []),
    ];
    add(c.receivedAt, {
      title: c.outcome === 'applied' ? `Completion recorded: ${how}` : `Completion reported again (kept as evidence): ${how}`,
      detail: [`Completed on ${fmt.day(c.completedAt)}`, c.notes ? `Notes: ${c.notes}` : ''].filter(Boolean).join('. '),
      links,
    });
  }
  for (const m of emails) add(m.at, { title: `Email ${m.sent ? 'sent' : 'being sent'} to ${m.to}`, detail: m.subject });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
