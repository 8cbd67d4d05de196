import { type Request, type Response, Router } from 'express';
import { consoleActor } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import { redirectWithFlash } from '../../console/flash';
import { type FieldErrors, parseForm, redirectWithSuccess, typedValues, withQuery } from '../../console/forms';
import { fmt } from '../../console/format';
import { localeOf } from '../../console/locale';
import { refusalOf } from '../../console/refusals';
import type { Render } from '../../console/render';
import type { Actor } from '../../core/actor';
import type { CoreDeps } from '../../core/deps';
import { parse } from '../../core/refusals';
import { type MessageId, translator } from '../../lib/i18n';
import type { Db } from '../../db/pool';
import { approveErasure, rejectErasure, requestErasure } from './erasure';
import { dataExportView, latestStudentErasureRequest, latestStudentExport, listErasureRequests } from './erasure-queries';
import { downloadDataExport, requestDataExport } from './exports';
import { erasureRequestParams, erasureRequestsQuery, exportParams, rejectErasureBody } from './privacy-requests.schemas';

const MY_DATA = '/student/my-data';
const ERASURE_REQUESTS = '/admin/erasure-requests';

/**
 * What the My data page (privacy.pages.ts) shows of the student's export and erasure request, beside the buttons
 * **Download my data** and **Request erasure** (console/views/student/_privacy-requests.eta).
 */
export async function privacyRequestsPanel(db: Db, student: Actor, publicBaseUrl: string) {
  const [latest, erasure] = await Promise.all([latestStudentExport(db, student), latestStudentErasureRequest(db, student)]);
  return { dataExport: latest && dataExportView(latest, publicBaseUrl), erasure };
}

/** A command's refusal as the next page's message (the My data page belongs to no single form). */
async function withRefusalShown(
  req: Request,
  res: Response,
  back: string,
  command: () => Promise<void>,
  /** For the student's pages: the refusal in the page's language when it is not English (the command speaks English). */
  inTheirWords?: (status: number) => MessageId,
) {
  try {
    await command();
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused || refused.status >= 500) throw err;
    const i18n = translator(localeOf(req));
    const text = inTheirWords && i18n.locale !== 'en' ? i18n.t(inTheirWords(refused.status)) : refused.detail;
    await redirectWithFlash(req, res, { kind: 'error', text }, back);
  }
}

/**
 * The student's side (under /student): ask for an export, download it (the email's link), ask to be forgotten. Plain
 * forms with the CSRF token; each answers with the My data page and a message.
 */
export function privacyRequestStudentPages(deps: CoreDeps, _render: Render): Router {
  const router = Router();

  router.post('/my-data/exports', requireCsrf, (req, res) =>
    withRefusalShown(
      req,
      res,
      MY_DATA,
      async () => {
        await requestDataExport(deps, consoleActor(req));
        await redirectWithSuccess(req, res, MY_DATA, translator(localeOf(req)).t('student.export.requested'));
      },
      () => 'student.export.refused',
    ),
  );

  router.get('/my-data/exports/:id', async (req, res) => {
    const { id } = parse(exportParams, req.params, 'path');
    const { data, filename } = await downloadDataExport(deps, consoleActor(req), id);
    res
      .type('application/zip')
      .set('Content-Disposition', `attachment; filename="${filename}"`)
      .set('Cache-Control', 'no-store')
      .send(data);
  });

  router.post('/my-data/erasure-requests', requireCsrf, (req, res) =>
    withRefusalShown(
      req,
      res,
      MY_DATA,
      async () => {
        await requestErasure(deps, consoleActor(req));
        await redirectWithSuccess(req, res, MY_DATA, translator(localeOf(req)).t('student.erasure.done'));
      },
      (status) => (status === 409 ? 'student.erasure.refusedOpen' : 'student.erasure.refused'),
    ),
  );

  return router;
}

/** The admin's Erasure requests page (/admin/erasure-requests): each open request with Approve, and Reject with a reason. */
export function erasureRequestAdminPages(deps: CoreDeps, render: Render): Router {
  const router = Router();

  async function requestsPage(req: Request, res: Response, refused?: { id: string; errors: FieldErrors; values: Record<string, string> }) {
    const q = parse(erasureRequestsQuery, { status: req.query.status || undefined, limit: 50, offset: req.query.offset }, 'query');
    const list = await listErasureRequests(deps.db, consoleActor(req), q);
    render(
      req,
      res,
      'admin/erasure-requests',
      {
        title: 'Erasure requests',
        fmt,
        status: q.status ?? '',
        requests: list.requests,
        total: list.total,
        refused,
        next:
          q.offset + list.requests.length < list.total
            ? withQuery(ERASURE_REQUESTS, { status: q.status, offset: q.offset + q.limit })
            : null,
      },
      refused ? 400 : 200,
    );
  }

  router.get('/erasure-requests', (req, res) => requestsPage(req, res));

  router.post('/erasure-requests/:id/approve', requireCsrf, async (req, res) => {
    const { id } = parse(erasureRequestParams, req.params, 'path');
    await withRefusalShown(req, res, ERASURE_REQUESTS, async () => {
      await approveErasure(deps, consoleActor(req), id);
      await redirectWithSuccess(req, res, ERASURE_REQUESTS, `Erasure request ${id} is approved; the erasure is under way.`);
    });
  });

  router.post('/erasure-requests/:id/reject', requireCsrf, async (req, res) => {
    const { id } = parse(erasureRequestParams, req.params, 'path');
    const values = typedValues(req.body);
    const form = parseForm(rejectErasureBody, values);
    if (form.errors) return requestsPage(req, res, { id, errors: form.errors, values });
    await withRefusalShown(req, res, ERASURE_REQUESTS, async () => {
      await rejectErasure(deps, consoleActor(req), id, form.data.reason);
      await redirectWithSuccess(req, res, ERASURE_REQUESTS, `Erasure request ${id} is rejected; the student sees your reason.`);
    });
  });

  return router;
}
