import { type Request, type Response, Router } from 'express';
import { consoleActor, holderScope } from '../../console/access';
import { blankAsUndefined, type FieldErrors, issueMessages, pageQuery, parseForm, typedValues, withQuery } from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse, refuse } from '../../core/refusals';
import { withoutBlanks } from '../../core/schemas';
import { revenueShareParams, revenueShareReportPage } from './revenue-share';
import { etpReportQuery, revenueShareQuery, wioaReportQuery } from './schemas';
import { READS, recordReads } from '../privacy/disclosures';

const REVENUE_PAGE_SIZE = 100;

/** The reports an admin downloads: each one's JSON API endpoint and the schema of its query (the endpoint's own). */
const REPORTS = {
  wioa: { endpoint: '/api/reports/wioa', query: wioaReportQuery },
  etp: { endpoint: '/api/reports/etp', query: etpReportQuery },
  'revenue-share': { endpoint: '/api/reports/revenue-share', query: revenueShareQuery },
} as const;
type ReportName = keyof typeof REPORTS;

/** The admin's Reports page (/admin/reports): a form per report, each downloaded from its JSON API endpoint. */
export function reportPages(_deps: CoreDeps, render: Render): Router {
  const router = Router();

  function reportsPage(req: Request, res: Response, form?: { report: ReportName; values: Record<string, string>; errors: FieldErrors }) {
    const today = new Date().toISOString().slice(0, 10);
    render(
      req,
      res,
      'admin/reports',
      {
        title: 'Reports',
        today,
        year: today.slice(0, 4),
        report: form?.report,
        values: form?.values ?? {},
        errors: form?.errors ?? {},
      },
      form ? 400 : 200,
    );
  }

  router.get('/reports', (req, res) => reportsPage(req, res));

  /**
   * A report form's download: its query checked with the endpoint's own schema (the errors shown on the form), then
   * the browser is sent to the JSON API's endpoint, which a console session may read. Blank dates are left out: the
   * report then covers everything up to today.
   */
  router.get('/reports/:report', (req, res) => {
    const name = req.params.report as ReportName;
    const report = Object.hasOwn(REPORTS, name) ? REPORTS[name] : undefined;
    if (!report) throw refuse.notFound(`the report ${req.params.report}`);
    const values = typedValues(req.query);
    const given = { from: values.from, to: values.to, year: values.year, format: values.format };
    const form = parseForm(report.query, withoutBlanks(given));
    if (form.errors) return reportsPage(req, res, { report: name, values, errors: form.errors });
    res.redirect(303, withQuery(report.endpoint, given));
  });

  return router;
}

/** The program holder's Revenue share page (/holder/revenue): a period's split by currency and program, a page of entries. */
export function revenueSharePages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/revenue', async (req, res) => {
    const actor = consoleActor(req);
    const raw = { from: blankAsUndefined(req.query.from), to: blankAsUndefined(req.query.to) };
    const period = revenueShareQuery.safeParse(raw);
    const { page } = parse(pageQuery, req.query, 'query');
    const shown = { from: typeof raw.from === 'string' ? raw.from : '', to: typeof raw.to === 'string' ? raw.to : '' };
    if (!period.success) {
      return render(req, res, 'holder/revenue', { title: 'Revenue share', period: shown, errors: issueMessages(period.error), fmt }, 400);
    }
    const { from, to } = period.data;
    const report = await revenueShareReportPage(db, revenueShareParams(period.data, holderScope(actor)), {
      limit: REVENUE_PAGE_SIZE,
      offset: (page - 1) * REVENUE_PAGE_SIZE,
    });
    await recordReads(db, actor, READS.revenueSharePage, report.entries);
    const titles = new Map(Object.values(report.totals).flatMap((t) => t.byProgram.map((p) => [p.programId, p.title] as const)));
    const range = { from: shown.from || undefined, to };
    render(req, res, 'holder/revenue', {
      title: 'Revenue share',
      period: { from: shown.from, to },
      everything: !shown.from,
      fromDay: from,
      report,
      titles: Object.fromEntries(titles),
      csvUrl: withQuery('/api/reports/revenue-share', { ...range, format: 'csv' }),
      previous: page > 1 ? withQuery('/holder/revenue', { ...range, page: page - 1 }) : undefined,
      next: report.hasMore ? withQuery('/holder/revenue', { ...range, page: page + 1 }) : undefined,
      errors: {},
      fmt,
    });
  });

  return router;
}
