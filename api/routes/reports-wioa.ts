import { Router } from 'express';
import { z } from 'zod';
import {
  CREDENTIAL_TYPE_TO_PIRL,
  editChecks,
  formatEditCheckErrors,
  PIRL_FIELDS,
  pirlDate,
  pirlHeader,
  pirlParticipantId,
  type PirlRecord,
} from '../../lib/pirl';
import { actorOf, requireRole } from '../auth';
import { csvLine } from '../csv';
import type { ApiDeps } from '../deps';
import { parse } from '../problems';
import { streamCursor } from '../stream';

function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
const calendarDate = z.string().refine(isCalendarDate, 'a calendar date YYYY-MM-DD');

/** `from` and `to` (inclusive): a participant is reported when its program entry or exit falls in the range. */
export const wioaReportQuery = z
  .object({ from: calendarDate, to: calendarDate })
  .refine((q) => !isCalendarDate(q.from) || !isCalendarDate(q.to) || q.to >= q.from, { message: 'must be on or after from', path: ['to'] });

export const etpReportQuery = z.object({
  year: z.string().regex(/^\d{4}$/, 'a year YYYY').transform(Number).pipe(z.number().int().min(2000).max(2100)),
});

/** The platform's own columns after the PIRL ones, then the outcome of the edit checks. */
export const WIOA_TRAILING_COLUMNS = ['enrollment_id', 'program_id', 'funding_source', 'edit_check_status', 'edit_check_errors'] as const;
export const WIOA_CSV_HEADER = [...PIRL_FIELDS.map(pirlHeader), ...WIOA_TRAILING_COLUMNS];

interface OutcomeRow {
  pirl_id: number;
  enrollment_id: string;
  program_id: string;
  funding_source: string;
  entry: string | null;
  exit: string | null;
  received_training: boolean;
  training_entry: string | null;
  training_service_code: string;
  training_completed: boolean;
  completion: string | null;
  credential_type: string | null;
  credential: string | null;
}

/** One read-model row as a PIRL record. */
export function toPirlRecord(r: OutcomeRow): PirlRecord {
  return {
    participantId: pirlParticipantId(r.pirl_id),
    programEntry: r.entry ?? '',
    programExit: r.exit ?? '',
    receivedTraining: r.received_training ? '1' : '0',
    trainingEntry: r.training_entry ?? '',
    trainingService: r.training_service_code,
    // Blank without training, unless the read model says it was completed (an edit check then reports it).
    trainingCompleted: r.training_completed ? '1' : r.received_training ? '0' : '',
    // 1308 is the date training was completed, or the participant withdrew from it (their exit).
    trainingCompletedDate: r.completion ?? (r.received_training && !r.training_completed ? r.exit ?? '' : ''),
    credentialType: r.credential_type === null ? '0' : (CREDENTIAL_TYPE_TO_PIRL[r.credential_type] ?? r.credential_type),
    credentialDate: r.credential ?? '',
  };
}

const EXPORT_SQL = `
  SELECT w.pirl_id, w.enrollment_id, w.program_id, w.funding_source,
         to_char(w.program_entry_date, 'YYYYMMDD') AS entry, to_char(w.exit_date, 'YYYYMMDD') AS exit,
         w.received_training, to_char(w.training_entry_date, 'YYYYMMDD') AS training_entry, w.training_service_code,
         w.training_completed, to_char(w.completion_date, 'YYYYMMDD') AS completion,
         w.credential_type, to_char(w.credential_date, 'YYYYMMDD') AS credential
    FROM wioa_outcomes w
   WHERE (w.exit_date BETWEEN $1::date AND $2::date OR w.program_entry_date BETWEEN $1::date AND $2::date)
     -- A funder's report holds the participants its organization's vouchers fund.
     AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM enrollments e JOIN vouchers v ON v.id = e.voucher_id
                                       WHERE e.id = w.enrollment_id AND v.organization_id = $3))
   ORDER BY w.pirl_id`;

export function wioaReportRoutes({ db }: ApiDeps): Router {
  const router = Router();

  /**
   * The PIRL-shaped CSV, streamed: a server-side cursor in one read-only snapshot, FETCHed 1000 rows at a time, each
   * batch written only once the socket has taken the previous one, so memory stays flat however many rows there are.
   */
  router.get('/api/reports/wioa', requireRole('admin', 'funder'), async (req, res) => {
    const { from, to } = parse(wioaReportQuery, req.query, 'query');
    const actor = actorOf(req);
    const today = pirlDate(new Date());
    await streamCursor<OutcomeRow>(db, res, {
      label: 'WIOA export',
      sql: EXPORT_SQL,
      params: [from, to, actor.role === 'funder' ? actor.organizationId : null],
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

  /**
   * ETA-9171-style counts per program for the students who entered it in `year`: all students, and WIOA-funded
   * (funding source wioa_ita) students. enrolled: paid enrollments entering in the year; completed: of those, training
   * completed; credentialAttained: of those, a recognized credential recorded in the participant record.
   */
  router.get('/api/reports/etp', requireRole('admin'), async (req, res) => {
    const { year } = parse(etpReportQuery, req.query, 'query');
    const { rows } = await db.query(
      `WITH cohort AS (
         SELECT e.program_id, e.funding_source = 'wioa_ita' AS wioa,
                (e.completed_at IS NOT NULL OR COALESCE(w.training_completed, false)) AS completed,
                (w.credential_date IS NOT NULL AND w.credential_type IS NOT NULL) AS credential
           FROM enrollments e LEFT JOIN wioa_outcomes w ON w.enrollment_id = e.id
          WHERE (e.paid_at IS NOT NULL OR w.enrollment_id IS NOT NULL)
            AND COALESCE(w.program_entry_date, COALESCE(e.launched_at, e.paid_at)::date) >= make_date($1::int, 1, 1)
            AND COALESCE(w.program_entry_date, COALESCE(e.launched_at, e.paid_at)::date) < make_date($1::int + 1, 1, 1)
       )
       SELECT p.id, p.title,
              count(c.program_id) AS enrolled,
              count(*) FILTER (WHERE c.completed) AS completed,
              count(*) FILTER (WHERE c.credential) AS credential,
              count(*) FILTER (WHERE c.wioa) AS wioa_enrolled,
              count(*) FILTER (WHERE c.wioa AND c.completed) AS wioa_completed,
              count(*) FILTER (WHERE c.wioa AND c.credential) AS wioa_credential
         FROM programs p LEFT JOIN cohort c ON c.program_id = p.id
        GROUP BY p.id, p.title
        ORDER BY p.title, p.id`,
      [year],
    );
    res.json({
      year,
      programs: rows.map((r) => ({
        programId: r.id,
        programTitle: r.title,
        allStudents: { enrolled: Number(r.enrolled), completed: Number(r.completed), credentialAttained: Number(r.credential) },
        wioaFunded: { enrolled: Number(r.wioa_enrolled), completed: Number(r.wioa_completed), credentialAttained: Number(r.wioa_credential) },
      })),
    });
  });

  return router;
}
