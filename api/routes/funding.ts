import { Router } from 'express';
import { actorOf, requireRole } from '../auth';
import {
  importVouchers,
  issueVoucher,
  listFundedEnrollments,
  listVouchers,
  VOUCHER_CSV_MAX_BYTES,
  visibleOrganization,
} from '../commands/vouchers';
import { csvUpload } from '../csv';
import type { ApiDeps } from '../deps';
import { parse } from '../problems';
import { audit } from '../read-model/enrollments';
import { csvImportQuery, listQuery, voucherFields } from '../schemas';

/** Funders (a workforce board's or a sponsor's staff) and admins: vouchers, and the enrollments they fund. */
export function fundingRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.post('/api/vouchers', requireRole('funder', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(voucherFields, req.body, 'body');
    const { id, organizationId } = await issueVoucher(db, actor, body);
    await audit(db, actor, 'voucher.issue', { type: 'voucher', id }, { organizationId, fundingSource: body.fundingSource, amountCents: body.amountCents });
    res.status(201).location(`/api/vouchers/${id}`).json({ id, organizationId });
  });

  router.post('/api/vouchers/import', requireRole('funder', 'admin'), ...csvUpload(VOUCHER_CSV_MAX_BYTES), async (req, res) => {
    const actor = actorOf(req);
    const { dryRun } = parse(csvImportQuery, req.query, 'query');
    const rows = await importVouchers(db, actor, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), dryRun);
    const summary = { issued: 0, already_issued: 0, invalid: 0 };
    for (const r of rows) summary[r.outcome] += 1;
    if (!dryRun) await audit(db, actor, 'voucher.import', { type: 'organization', id: actor.organizationId ?? 'admin' }, summary);
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
    res.json({ enrollments: await listFundedEnrollments(db, visibleOrganization(actor, q.organizationId), q), limit: q.limit, offset: q.offset });
  });

  return router;
}
