import { Router } from 'express';
import { editChecks, formatEditCheckErrors, PIRL_FIELDS, pirlDate, pirlHeader } from '../../lib/pirl';
import { actorOf, requireRole } from '../../api/auth';
import { csvLine } from '../../core/csv';
import type { ApiDeps } from '../../api/deps';
import { parse } from '../../api/problems';
import { etpCounts, type OutcomeRow, PARTICIPANTS_SQL, toPirlRecord } from './wioa';
import { etpReportQuery, wioaReportQuery, etpReportResponse } from './schemas';
import { streamCursor } from '../../api/stream';
import { READS, recordExportReads } from '../privacy/disclosures';
import { USER, csvText, text, type Operation } from '../../api/openapi-operation';

/** The platform's own columns after the PIRL ones, then the outcome of the edit checks. */
export const WIOA_TRAILING_COLUMNS = ['enrollment_id', 'program_id', 'funding_source', 'edit_check_status', 'edit_check_errors'] as const;
export const WIOA_CSV_HEADER = [...PIRL_FIELDS.map(pirlHeader), ...WIOA_TRAILING_COLUMNS];

/** The ETP report as CSV: per program, the counts for all students, then for the WIOA-funded ones. */
const ETP_COUNTS = ['enrolled', 'completed', 'credentialAttained'] as const;
export const ETP_CSV_HEADER = [
  'programId',
  'programTitle',
  ...ETP_COUNTS,
  ...ETP_COUNTS.map((c) => `wioa${c[0].toUpperCase()}${c.slice(1)}`),
];

export function wioaReportRoutes({ db }: ApiDeps): Router {
  const router = Router();

  /**
   * The PIRL CSV of WIOA participants (funding source wioa_ita; a funder: those its vouchers fund): the OBS Number
   * first, then the PIRL elements in the layout's order (lib/pirl.ts), then the platform's own columns. Streamed: a server-side cursor in one read-only snapshot, FETCHed 1000 rows at a time, each
   * batch written only once the socket has taken the previous one, so memory stays flat however many rows there are.
   */
  router.get('/api/reports/wioa', requireRole('admin', 'funder'), async (req, res) => {
    const { from, to } = parse(wioaReportQuery, req.query, 'query');
    const actor = actorOf(req);
    const today = pirlDate(new Date());
    await streamCursor<OutcomeRow>(db, res, {
      label: 'WIOA export',
      sql: PARTICIPANTS_SQL,
      params: [from, to, actor.role === 'funder' ? actor.organizationId : null],
      // The PIRL names no one (ids, dates and outcomes), yet each record is a participant's: a state report's disclosure.
      record: (exported) => recordExportReads(db, actor, READS.pirlExport, exported, 'enrollment_id'),
      open: () => {
        res
          .status(200)
          .type('text/csv; charset=utf-8')
          .set('Content-Disposition', `attachment; filename="wioa-pirl-${from}-${to}.csv"`)
          .set('Cache-Control', 'no-store');
        return { head: csvLine(WIOA_CSV_HEADER) };
      },
      rows: (rows) => {
        let chunk = '';
        for (const row of rows) {
          const record = toPirlRecord(row);
          const errors = editChecks(record, today, { completionDate: row.completion ?? undefined });
          chunk += csvLine([
            ...PIRL_FIELDS.map((f) => record[f]),
            row.enrollment_id,
            row.program_id,
            row.funding_source,
            errors.length ? 'fail' : 'pass',
            formatEditCheckErrors(errors),
          ]);
        }
        return chunk;
      },
    });
  });

  /** ETA-9171-style counts per program for the students who entered it in `year` (see etpCounts); CSV with `format=csv`. */
  router.get('/api/reports/etp', requireRole('admin'), async (req, res) => {
    const { year, format } = parse(etpReportQuery, req.query, 'query');
    const programs = await etpCounts(db, year);
    // Asked for by a link (format=json or csv): a file to save.
    if (format === 'json') res.attachment(`etp-${year}.json`);
    if (format !== 'csv') return res.json({ year, programs });
    res
      .type('text/csv; charset=utf-8')
      .attachment(`etp-${year}.csv`)
      .set('Cache-Control', 'no-store')
      .send(
        csvLine(ETP_CSV_HEADER) +
          programs
            .map((p) =>
              csvLine([p.programId, p.programTitle, ...ETP_COUNTS.map((c) => p.allStudents[c]), ...ETP_COUNTS.map((c) => p.wioaFunded[c])]),
            )
            .join(''),
      );
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const wioaOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/reports/wioa',
    operationId: 'wioaReport',
    tag: 'Reports',
    summary: 'WIOA participant records shaped after the PIRL (CSV)',
    description: 'A funder sees its own participants. Header cells carry the PIRL number and name; dates YYYYMMDD.',
    access: 'user',
    who: 'admin, funder (own participants)',
    requestParams: { query: wioaReportQuery },
    responses: { 200: text('The records, streamed', 'text/csv', csvText) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/reports/etp',
    operationId: 'etpReport',
    tag: 'Reports',
    summary: 'ETA-9171-style counts per program',
    description: 'With `format=csv`, one CSV line per program; with `format` given, an attachment.',
    access: 'user',
    who: 'admin',
    requestParams: { query: etpReportQuery },
    responses: {
      200: { description: 'The counts', content: { 'application/json': { schema: etpReportResponse }, 'text/csv': { schema: csvText } } },
    },
    problems: { 400: true, ...USER },
  },
];
