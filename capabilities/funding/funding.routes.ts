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
  studentsNamedBy,
  visibleOrganization,
} from './queries';
import { READS, recordExportReads, recordReads } from '../privacy/disclosures';
import { csvImportQuery, listQuery } from '../../core/schemas';
import {
  fundedEnrollmentsQuery,
  voucherFields,
  fundedEnrollmentListResponse,
  issuedVoucherResponse,
  voucherImportResponse,
  voucherListResponse,
} from './schemas';
import { streamCursor } from '../../api/stream';
import { USER, csvBody, csvText, json, jsonBody, location, type Operation } from '../../api/openapi-operation';

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
    const vouchers = await listVouchers(db, visibleOrganization(actor, q.organizationId), q);
    await recordReads(db, actor, READS.vouchers, studentsNamedBy(vouchers));
    res.json({ vouchers, limit: q.limit, offset: q.offset });
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
        record: (exported) => recordExportReads(db, actor, READS.fundedEnrollmentsCsv, exported, 'id'),
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
    const enrollments = await listFundedEnrollments(db, organizationId, q);
    await recordReads(db, actor, READS.fundedEnrollments, enrollments);
    res.json({ enrollments, limit: q.limit, offset: q.offset });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const fundingOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/vouchers',
    operationId: 'issueVoucher',
    tag: 'Funding',
    summary: 'Issue a voucher to a student',
    description: 'A funder issues for its own organization; an admin names `organizationId`.',
    access: 'user',
    who: 'funder, admin',
    requestBody: jsonBody(voucherFields),
    idempotent: true,
    responses: { 201: json('Issued', issuedVoucherResponse, location) },
    problems: { 400: true, ...USER, 409: 'The organization issued this number already' },
  },
  {
    method: 'post',
    path: '/api/vouchers/import',
    operationId: 'importVouchers',
    tag: 'Funding',
    summary: 'Issue vouchers from a CSV',
    description: 'The columns of POST /api/vouchers. The valid rows are issued together; importing twice changes nothing.',
    access: 'user',
    who: 'funder, admin',
    requestParams: { query: csvImportQuery },
    requestBody: csvBody('A header row naming the columns of POST /api/vouchers; at most 5000 rows and 1 MB'),
    idempotent: true,
    responses: { 200: json('Each row’s outcome', voucherImportResponse) },
    problems: { 400: 'Not a CSV, or no header with the needed columns', ...USER, 413: 'More than 1 MB or 5000 rows', 415: 'Not text/csv' },
  },
  {
    method: 'get',
    path: '/api/vouchers',
    operationId: 'listVouchers',
    tag: 'Funding',
    summary: 'Vouchers, with their status and the enrollment each funds',
    access: 'user',
    who: 'funder (own organization), admin',
    requestParams: { query: listQuery },
    responses: { 200: json('A page of vouchers, newest first', voucherListResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/funded-enrollments',
    operationId: 'listFundedEnrollments',
    tag: 'Funding',
    summary: 'The enrollments the organization’s vouchers fund',
    description: 'With `format=csv`: all of them as a CSV attachment.',
    access: 'user',
    who: 'funder (own organization), admin',
    requestParams: { query: fundedEnrollmentsQuery },
    responses: {
      200: {
        description: 'A page of funded enrollments, or the CSV export',
        content: { 'application/json': { schema: fundedEnrollmentListResponse }, 'text/csv': { schema: csvText } },
      },
    },
    problems: { 400: true, ...USER },
  },
];
