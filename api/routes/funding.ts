import { Router } from 'express';
import { actorOf, requireRole } from '../auth';
import { importVouchers, issueVoucher, VOUCHER_CSV_MAX_BYTES } from '../commands/vouchers';
import { csvUpload } from '../csv';
import type { ApiDeps } from '../deps';
import { parse } from '../problems';
import { listFundedEnrollments, listVouchers, visibleOrganization } from '../read-model/funding';
import { csvImportQuery, listQuery, voucherFields } from '../schemas';

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
    const q = parse(listQuery, req.query, 'query');
    res.json({
      enrollments: await listFundedEnrollments(db, visibleOrganization(actor, q.organizationId), q),
      limit: q.limit,
      offset: q.offset,
    });
  });

  return router;
}
