import { Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import { importVouchers, issueVoucher, VOUCHER_CSV_MAX_BYTES } from './vouchers';
import { csvLine } from '../../core/csv';
import { csvUpload } from '../../lib/web/uploads';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import {
  FUNDED_ENROLLMENTS_CSV_HEADER,
  FUNDED_ENROLLMENTS_SQL,
  fundedEnrollmentCsvCells,
  type FundedEnrollmentRow,
  fundedEnrollmentView,
  listFundedEnrollments,
  listVouchers,
  visibleOrganization,
} from './queries';
import { csvImportQuery, listQuery } from '../../core/schemas';
import { fundedEnrollmentsQuery, voucherFields } from './schemas';
import { streamCursor } from '../../api/stream';

/** Funders (a workforce board's or a sponsor's staff) and admins: vouchers, and the enrollments they fund. */
export function fundingRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.post('/api/vouchers', requireRole('funder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(voucherFields, req.body, 'body');
    const { id, organizationId } = await issueVoucher(db, actor, body);
    res.status(201).location(`/api/vouchers/${id}`).json({ id, organizationId });
  });

  router.post('/api/vouchers/import', requireRole('funder', 'admin'), ...csvUpload(VOUCHER_CSV_MAX_BYTES), async (req, res) => {
    const actor = actorOf(req);
    const { dryRun } = parse(csvImportQuery, req.query, 'query');
    const { rows, summary } = await importVouchers(db, actor, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), dryRun);
    res.json({ dryRun, rows, summary });
  });

  router.get('/api/vouchers', requireRole('funder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(listQuery, req.query, 'query');
    res.json({ vouchers: await listVouchers(db, visibleOrganization(actor, q.organizationId), q), limit: q.limit, offset: q.offset });
  });

  router.get('/api/funded-enrollments', requireRole('funder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(fundedEnrollmentsQuery, req.query, 'query');
    const organizationId = visibleOrganization(actor, q.organizationId);
    if (q.format === 'csv') {
      // The export: every funded enrollment (no page), streamed in flat memory like the reports.
      return streamCursor<FundedEnrollmentRow>(db, res, {
        label: 'funded-enrollments export',
        sql: FUNDED_ENROLLMENTS_SQL,
        params: [organizationId ?? null],
        open: () => {
          res
            .status(200)
            .type('text/csv; charset=utf-8')
            .attachment(`funded-enrollments-${organizationId ?? 'all'}-${new Date().toISOString().slice(0, 10)}.csv`)
            .set('Cache-Control', 'no-store');
          return { head: csvLine(FUNDED_ENROLLMENTS_CSV_HEADER) };
        },
        rows: (rows) => rows.map((row) => csvLine(fundedEnrollmentCsvCells(fundedEnrollmentView(row)))).join(''),
      });
    }
    res.json({ enrollments: await listFundedEnrollments(db, organizationId, q), limit: q.limit, offset: q.offset });
  });

  return router;
}
