import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { consoleActor, holderScope } from '../../console/access';
import { blankAsUndefined, pageQuery, withQuery } from '../../console/forms';
import { COMPLETION_METHOD_WORDS, fmt, STATUS_WORDS } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { csvLine } from '../../core/csv';
import { parse } from '../../core/refusals';
import { id, idParam } from '../../core/schemas';
import { ENROLLMENT_STATUSES, type EnrollmentStatus, MARKABLE_STATUSES } from '../../workflows/messages';
import { emailsAboutEnrollment, holderDashboard, holderPrograms, startOfMonth } from '../completion/evidence/queries';
import { ENROLLMENT_SORTS, type EnrollmentSort, enrollmentView, listEnrollments, loadAuthorizedEnrollment, REVIEWERS } from './queries';
import { READS, recordReads } from '../privacy/disclosures';

const PAGE_SIZE = 25;

/** The enrollment list's views besides a status: the dashboard's overdue and completed-this-month links. */
const LIST_VIEWS = { overdue: 'Overdue (deadline passed, not completed)', completed_this_month: 'Completed this month' } as const;
type ListView = keyof typeof LIST_VIEWS;

/** The list's orders, as the Sort by select offers them. */
const SORT_LABELS: Record<EnrollmentSort, string> = {
  newest: 'Newest first',
  deadline: 'Deadline, soonest first',
  name: 'Student name',
  status: 'Status',
};

const enrollmentsQuery = z.object({
  status: z.preprocess(blankAsUndefined, z.enum([...ENROLLMENT_STATUSES, 'overdue', 'completed_this_month']).optional()),
  programId: z.preprocess(blankAsUndefined, id.optional()),
  q: z.preprocess(blankAsUndefined, z.string().trim().max(200).optional()),
  sort: z.preprocess(blankAsUndefined, z.enum(Object.keys(ENROLLMENT_SORTS) as [EnrollmentSort, ...EnrollmentSort[]]).optional()),
  page: pageQuery.shape.page,
});
type EnrollmentsQuery = z.infer<typeof enrollmentsQuery>;

/** The most rows a CSV of the list holds (a holder's whole roster; narrow the filter for more). */
const CSV_MAX_ROWS = 10_000;
const CSV_HEADER = ['Student', 'Email', 'Program', 'Status', 'Funding', 'Enrolled on', 'Launched on', 'Deadline', 'Completed on'];
const csvDay = (at: string | null) => (at ? at.slice(0, 10) : '');

/** The list's filter as listEnrollments takes it. */
function listFilter(q: EnrollmentsQuery, holderId: string | undefined) {
  const view = q.status === 'overdue' || q.status === 'completed_this_month' ? q.status : undefined;
  return {
    holderId,
    status: view ? undefined : (q.status as EnrollmentStatus | undefined),
    programId: q.programId,
    search: q.q,
    overdue: view === 'overdue',
    completedSince: view === 'completed_this_month' ? startOfMonth() : undefined,
    sort: q.sort,
  };
}

/** A Mark complete form's values as the enrollment page shows them back (the form posts to review.pages.ts). */
export interface MarkValues {
  completedAt: string;
  certificateUrl: string;
  notes: string;
}

/**
 * An enrollment's page for its program holder (or an admin): its timeline and the Mark complete form; `form` carries
 * a refused Mark complete form back with its messages.
 */
export function holderEnrollmentPage({ db, config }: CoreDeps, render: Render) {
  return async function enrollmentPage(
    req: Request,
    res: Response,
    enrollmentId: string,
    form?: { values: MarkValues; errors: Record<string, string> },
    status = 200,
  ) {
    const [view, emails] = await Promise.all([
      enrollmentView(db, enrollmentId, config.publicBaseUrl),
      emailsAboutEnrollment(db, enrollmentId),
      recordReads(db, consoleActor(req), READS.enrollmentPage, [{ enrollmentId }]),
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
  };
}

/**
 * The program holder's enrollment pages (/holder; an admin may use them too, and sees every program): the dashboard,
 * the enrollments with search, and an enrollment's page. The same read-model queries as GET /api/enrollments.
 */
export function holderEnrollmentPages(deps: CoreDeps, render: Render): Router {
  const { db } = deps;
  const router = Router();
  const enrollmentPage = holderEnrollmentPage(deps, render);

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

  /** The list as a spreadsheet: every enrollment the filter finds (up to CSV_MAX_ROWS), in its order, dates as days. */
  router.get('/enrollments.csv', async (req, res) => {
    const actor = consoleActor(req);
    const q = parse(enrollmentsQuery, req.query, 'query');
    const { enrollments } = await listEnrollments(db, { ...listFilter(q, holderScope(actor)), limit: CSV_MAX_ROWS, offset: 0 });
    await recordReads(db, actor, READS.enrollmentListCsv, enrollments);
    const lines = enrollments.map((e) =>
      csvLine([
        e.studentName ?? '',
        e.studentEmail ?? '',
        e.programTitle,
        STATUS_WORDS[e.status],
        fmt.words(e.fundingSource),
        csvDay(e.createdAt),
        csvDay(e.launchedAt),
        csvDay(e.deadlineAt),
        csvDay(e.completedAt),
      ]),
    );
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .attachment(`enrollments-${new Date().toISOString().slice(0, 10)}.csv`)
      // A byte-order mark, so that a spreadsheet opens the names' accents as UTF-8.
      .send(`\ufeff${csvLine(CSV_HEADER)}${lines.join('')}`);
  });

  router.get('/enrollments', async (req, res) => {
    const actor = consoleActor(req);
    const q = parse(enrollmentsQuery, req.query, 'query');
    const holderId = holderScope(actor);
    const [programs, { enrollments: rows, total }] = await Promise.all([
      holderPrograms(db, holderId),
      listEnrollments(db, { ...listFilter(q, holderId), limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE }),
    ]);
    await recordReads(db, actor, READS.enrollmentListPage, rows);
    const filters = { status: q.status, programId: q.programId, q: q.q, sort: q.sort };
    const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
    render(req, res, 'holder/enrollments', {
      title: 'Enrollments',
      rows,
      total,
      filters,
      programs,
      statuses: ENROLLMENT_STATUSES.map((s) => ({ value: s, label: STATUS_WORDS[s] })),
      views: Object.entries(LIST_VIEWS).map(([value, label]) => ({ value, label })),
      sorts: Object.entries(SORT_LABELS).map(([value, label]) => ({ value, label })),
      csvUrl: withQuery('/holder/enrollments.csv', { status: q.status, programId: q.programId, q: q.q, sort: q.sort }),
      page: q.page,
      from: total ? (q.page - 1) * PAGE_SIZE + 1 : 0,
      to: Math.min(q.page * PAGE_SIZE, total),
      previous: q.page > 1 ? withQuery('/holder/enrollments', { ...filters, page: Math.min(q.page - 1, lastPage) }) : undefined,
      next: q.page < lastPage ? withQuery('/holder/enrollments', { ...filters, page: q.page + 1 }) : undefined,
      fmt,
    });
  });

  router.get('/enrollments/:enrollmentId', async (req, res) => {
    const { enrollmentId } = parse(idParam('enrollmentId'), req.params, 'path');
    await loadAuthorizedEnrollment(db, consoleActor(req), enrollmentId, REVIEWERS);
    await enrollmentPage(req, res, enrollmentId);
  });

  return router;
}

/** Said where a file was: the retention policy or the student's erasure deleted it (README, Privacy). */
const deletedWords = (at: string | null) => (at ? `File deleted on ${fmt.day(at)} (retention policy or erasure)` : '');

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
      detail: [`Completed on ${fmt.day(s.completedAt)}`, deletedWords(s.fileDeletedAt)].filter(Boolean).join('. '),
      links: s.fileDeletedAt ? [] : [{ href: s.fileUrl, label: 'View uploaded evidence' }],
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
      detail: [`Completed on ${fmt.day(c.completedAt)}`, c.notes ? `Notes: ${c.notes}` : '', deletedWords(c.proofDeletedAt)]
        .filter(Boolean)
        .join('. '),
      links,
    });
  }
  for (const m of emails) add(m.at, { title: `Email ${m.sent ? 'sent' : 'being sent'} to ${m.to}`, detail: m.subject });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
