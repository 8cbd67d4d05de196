import { Router } from 'express';
import { actorOf, requireRole } from '../../api/auth';
import { csvLine } from '../../core/csv';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import {
  REVENUE_SHARE_CSV_HEADER,
  revenueShareCsvRow,
  REVENUE_SHARE_ENTRIES_SQL,
  type RevenueShareEntryRow,
  revenueShareParams,
  revenueShareSummary,
  toEntry,
} from './revenue-share';
import { revenueShareQuery, revenueShareReportResponse } from './schemas';
import { streamCursor } from '../../api/stream';
import { READS, recordExportReads } from '../privacy/disclosures';
import { USER, csvText, type Operation } from '../../api/openapi-operation';

/**
 * The revenue-share ledger for a period, reconciled against what was collected. The report covers every
 * enrollment whose shares were recorded in the period (its completion): all of that enrollment's ledger entries
 * (shares and any reversals) against its accepted payment minus its refund. Amounts are never added across
 * currencies: totals are per currency, and the report is reconciled when, in every currency, the shares sum
 * exactly to what was collected. An admin sees every program; a program holder only its own programs.
 *
 * Streamed in flat memory: in one read-only snapshot, the totals are summed by PostgreSQL first (they decide the
 * Revenue-Share-Reconciled header and close the JSON object), then the entries come from a server-side cursor, a
 * batch at a time (see streamCursor). JSON is `{ from, to, entries: [...], totals, reconciled, reconciliation }`
 * written piece by piece; CSV is the entries, one line each.
 */
export function revenueReportRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/api/reports/revenue-share', requireRole('admin', 'program_holder'), async (req, res) => {
    const actor = actorOf(req);
    const q = parse(revenueShareQuery, req.query, 'query');
    const params = revenueShareParams(q, actor.role === 'program_holder' ? actor.id : undefined);
    const csv = (q.format ?? (req.accepts(['application/json', 'text/csv']) === 'text/csv' ? 'csv' : 'json')) === 'csv';
    let separator = '';

    await streamCursor<RevenueShareEntryRow>(db, res, {
      label: 'revenue-share report',
      sql: REVENUE_SHARE_ENTRIES_SQL,
      params,
      record: (exported) => recordExportReads(db, actor, READS.revenueShareReport, exported, 'enrollment_id'),
      open: async (client) => {
        const summary = await revenueShareSummary(client, params);
        res.vary('Accept').status(200).set('Revenue-Share-Reconciled', String(summary.reconciled)).set('Cache-Control', 'no-store');
        if (csv) {
          res.type('text/csv; charset=utf-8').attachment(`revenue-share-${q.from}-${q.to}.csv`);
          return { head: csvLine(REVENUE_SHARE_CSV_HEADER) };
        }
        res.type('application/json; charset=utf-8');
        // Asked for by a link (format=json): a file to save, as the CSV is.
        if (q.format) res.attachment(`revenue-share-${q.from}-${q.to}.json`);
        // The object's own JSON, cut open where the entries go.
        return {
          head: `${JSON.stringify({ from: q.from, to: q.to }).slice(0, -1)},"entries":[`,
          tail: `],${JSON.stringify(summary).slice(1)}`,
        };
      },
      rows: (rows) => {
        let chunk = '';
        for (const row of rows) {
          if (csv) {
            chunk += csvLine(revenueShareCsvRow(row));
          } else {
            chunk += separator + JSON.stringify(toEntry(row));
            separator = ',';
          }
        }
        return chunk;
      },
    });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const revenueShareOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/reports/revenue-share',
    operationId: 'revenueShareReport',
    tag: 'Reports',
    summary: 'The revenue-share ledger, reconciled against what was collected',
    description: 'CSV with `Accept: text/csv` or `format=csv`. A program holder sees only its own programs.',
    access: 'user',
    who: 'admin, program holder (own programs)',
    requestParams: { query: revenueShareQuery },
    responses: {
      200: {
        description: 'The report',
        content: { 'application/json': { schema: revenueShareReportResponse }, 'text/csv': { schema: csvText } },
        headers: {
          'Revenue-Share-Reconciled': { description: 'Whether the shares equal what was collected', schema: { type: 'boolean' } },
        },
      },
    },
    problems: { 400: true, ...USER },
  },
];
