import { type Request, type Response, Router } from 'express';
import { consoleActor } from '../../console/access';
import { requireCsrf } from '../../console/csrf';
import {
  type FieldErrors,
  multipartForm,
  parseForm,
  redirectWithSuccess,
  refusalErrors,
  typedValues,
  withQuery,
} from '../../console/forms';
import { fmt } from '../../console/format';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { parse } from '../../core/refusals';
import { listQuery } from '../../core/schemas';
import { listPrograms } from '../programs/queries';
import { fundingOrganizations, listFundedEnrollments, listVouchers, studentsNamedBy, visibleOrganization } from './queries';
import { READS, recordReads } from '../privacy/disclosures';
import { voucherForm } from './schemas';
import { importVouchers, issueVoucher, VOUCHER_CSV_MAX_BYTES, VOUCHER_CSV_TEMPLATE } from './vouchers';

const PAGE_SIZE = 50;
/** The Issue voucher form names the JSON body's `amountCents` `amount` (in dollars). */
const VOUCHER_FIELDS = { amountCents: 'amount' };

/**
 * The funder's pages (/funder; an admin may use them too, choosing the organization): vouchers, issued one by one or
 * by a CSV (a dry run first), and the enrollments they fund with their outcomes. The same commands and read-model
 * queries as /api/vouchers and /api/funded-enrollments.
 */
export function fundingPages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  /** Whose records a page shows (a funder's own organization; an admin's choice, or all) and which page of them. */
  async function scope(req: Request) {
    const actor = consoleActor(req);
    const q = parse(listQuery, { ...req.query, limit: PAGE_SIZE }, 'query');
    const organizationId = visibleOrganization(actor, q.organizationId);
    const admin = actor.role === 'admin';
    return {
      actor,
      admin,
      organizationId,
      offset: q.offset,
      organizations: admin ? await fundingOrganizations(db) : [],
      /** The list's neighbouring pages, when there are (one row more than a page was read). */
      pager: (path: string, rows: number) => ({
        previous:
          q.offset > 0
            ? withQuery(path, { organizationId: admin ? organizationId : undefined, offset: Math.max(0, q.offset - PAGE_SIZE) })
            : null,
        next:
          rows > PAGE_SIZE ? withQuery(path, { organizationId: admin ? organizationId : undefined, offset: q.offset + PAGE_SIZE }) : null,
      }),
    };
  }

  async function vouchersPage(req: Request, res: Response, form?: { values: Record<string, string>; errors: FieldErrors; status: number }) {
    const s = await scope(req);
    const [vouchers, programs] = await Promise.all([
      listVouchers(db, s.organizationId, { limit: PAGE_SIZE + 1, offset: s.offset }),
      listPrograms(db),
    ]);
    const shown = vouchers.slice(0, PAGE_SIZE);
    await recordReads(db, s.actor, READS.vouchersPage, studentsNamedBy(shown));
    render(
      req,
      res,
      'funder/vouchers',
      {
        title: 'Vouchers',
        fmt,
        admin: s.admin,
        organizationId: s.organizationId,
        organizations: s.organizations,
        vouchers: shown,
        offset: s.offset,
        pager: s.pager('/funder/vouchers', vouchers.length),
        programs,
        action: withQuery('/funder/vouchers', { organizationId: s.admin ? s.organizationId : undefined }),
        values: form?.values ?? { fundingSource: 'wioa_ita', organizationId: s.organizationId ?? '' },
        errors: form?.errors ?? {},
        csvMaxKb: Math.round(VOUCHER_CSV_MAX_BYTES / 1024),
      },
      form?.status,
    );
  }

  router.get('/vouchers', (req, res) => vouchersPage(req, res));

  router.post('/vouchers', requireCsrf, async (req, res) => {
    const actor = consoleActor(req);
    const values = typedValues(req.body);
    const form = parseForm(voucherForm, { currency: 'usd', ...values }, VOUCHER_FIELDS);
    if (form.errors) return vouchersPage(req, res, { values, errors: form.errors, status: 400 });
    const voucher = form.data;
    let organizationId: string;
    try {
      ({ organizationId } = await issueVoucher(db, actor, voucher));
    } catch (err) {
      const refused = refusalErrors(err, VOUCHER_FIELDS);
      if (refused.status === 409) refused.errors.number ??= 'this organization issued a voucher with this number already';
      return vouchersPage(req, res, { values, ...refused });
    }
    await redirectWithSuccess(
      req,
      res,
      withQuery('/funder/vouchers', { organizationId: actor.role === 'admin' ? organizationId : undefined }),
      `Voucher ${voucher.number} issued to ${voucher.studentEmail ?? voucher.studentId} for ` +
        `${fmt.money(voucher.amountCents, voucher.currency)}; it can be used until ${voucher.expiresOn}.`,
    );
  });

  /**
   * A CSV of vouchers (a file, or rows pasted): a dry run shows each row's outcome and offers to apply; applying
   * issues the valid rows (POST /api/vouchers/import's command). The apply form carries the checked CSV on.
   */
  router.post('/vouchers/import', multipartForm(VOUCHER_CSV_MAX_BYTES), requireCsrf, async (req, res) => {
    const actor = consoleActor(req);
    const values = typedValues(req.body);
    const csv = req.file?.size ? req.file.buffer : Buffer.from(values.csv ?? '', 'utf8');
    const dryRun = values.apply !== 'true';
    // The form again where the file needs correcting: with what was pasted, the template link and the limit.
    const formAgain = { admin: actor.role === 'admin', csvMaxKb: Math.floor(VOUCHER_CSV_MAX_BYTES / 1024), pasted: csv.toString('utf8') };
    try {
      const { rows, summary, previews } = await importVouchers(db, actor, csv, dryRun);
      render(req, res, 'funder/import', {
        title: dryRun ? 'Check the voucher import' : 'Vouchers imported',
        fmt,
        dryRun,
        rows,
        summary,
        previews: Object.fromEntries(previews.map((p) => [p.line, p])),
        csv: csv.toString('utf8'),
        ...formAgain,
      });
    } catch (err) {
      const refused = refusalErrors(err);
      render(
        req,
        res,
        'funder/import',
        { title: 'Import vouchers', fmt, dryRun, rows: [], previews: {}, errors: refused.errors, csv: values.csv ?? '', ...formAgain },
        refused.status,
      );
    }
  });

  /** A template of the import file: its header and an example row, to fill in a spreadsheet. */
  router.get('/vouchers/import-template.csv', (_req, res) => {
    res.type('text/csv; charset=utf-8').attachment('voucher-import-template.csv').send(VOUCHER_CSV_TEMPLATE);
  });

  router.get('/enrollments', async (req, res) => {
    const s = await scope(req);
    const enrollments = await listFundedEnrollments(db, s.organizationId, { limit: PAGE_SIZE + 1, offset: s.offset });
    const shown = enrollments.slice(0, PAGE_SIZE);
    await recordReads(db, s.actor, READS.fundedEnrollmentsPage, shown);
    render(req, res, 'funder/enrollments', {
      title: 'Funded enrollments',
      fmt,
      admin: s.admin,
      organizationId: s.organizationId,
      organizations: s.organizations,
      enrollments: shown,
      offset: s.offset,
      pager: s.pager('/funder/enrollments', enrollments.length),
      // The JSON API's export: the same read model, every row, as a CSV attachment.
      exportHref: withQuery('/api/funded-enrollments', { format: 'csv', organizationId: s.admin ? s.organizationId : undefined }),
    });
  });

  return router;
}
