import { z } from 'zod';
import type { Db } from '../../../db/pool';
import { REPORTABLE_STATUSES } from '../../../workflows/messages';
import type { Actor } from '../../../core/actor';
import { type CsvTable as Table, readCsvTable } from '../../../core/csv';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { Refusal, refuse } from '../../../core/refusals';
import { audit } from '../../../core/audit';
import { findCompletionCandidates, requireKnownPartner } from './queries';
import { completedAt as completedAtSchema, evidenceUrl as evidenceUrlSchema, id as idSchema } from '../../../core/schemas';
import { completionScore, externalId as externalIdSchema } from './schemas';
import { ALREADY_COMPLETE, completionDateProblemOf, derivedReportId, OPEN_FOR_COMPLETION, reportCompletion } from '../report-completion';

type Deps = { db: Db; enrollments: EnrollmentClient };

export const CSV_MAX_BYTES = 1024 * 1024;
export const CSV_MAX_ROWS = 5000;
/** Enrollments completed at the same time by one import. */
const IMPORT_CONCURRENCY = 8;

/**
 * A partner's completion report as CSV, from a program holder (its own programs) or an admin: each row planned from
 * the read model (the dry run stops there), then reported through the workflow, and the import audited.
 */
export async function importCompletions(deps: Deps, actor: Actor, partnerId: string, data: Buffer, dryRun: boolean) {
  await requireKnownPartner(deps.db, partnerId);
  const rows = await planImport(deps.db, partnerId, actor, readCompletionReport(data));
  if (!dryRun) await applyImport(deps, partnerId, actor.id, rows);
  const summary = { matched: 0, already_complete: 0, unknown: 0, invalid: 0 };
  for (const r of rows) summary[r.outcome] += 1;
  if (!dryRun) {
    await audit(
      deps.db,
      actor,
      'completion.import',
      { type: 'partner', id: partnerId },
      { rows: rows.length, ...summary, bytes: data.length },
    );
  }
  const report = rows.map((r) => ({
    line: r.line,
    outcome: r.outcome,
    message: r.message,
    ...(r.enrollmentId && { enrollmentId: r.enrollmentId }),
  }));
  return { partnerId, dryRun, rows: report, summary };
}

const COLUMNS = {
  enrollmentid: 'enrollmentId',
  externalid: 'externalId',
  completedat: 'completedAt',
  score: 'score',
  evidenceurl: 'evidenceUrl',
} as const;
type Column = (typeof COLUMNS)[keyof typeof COLUMNS];

type CsvTable = Table<Column>;

/** The file as a table with the needed columns, or a 4xx problem saying why it is not a completion report. */
function readCompletionReport(data: Buffer): CsvTable {
  const table = readCsvTable(data, COLUMNS, CSV_MAX_ROWS);
  const errors: { field: string; message: string }[] = [];
  if (table.header.enrollmentId === undefined && table.header.externalId === undefined) {
    errors.push({ field: 'body.header.enrollmentId', message: 'the header needs an enrollmentId or an externalId column' });
  }
  if (table.header.completedAt === undefined)
    errors.push({ field: 'body.header.completedAt', message: 'the header needs a completedAt column' });
  if (errors.length) {
    throw refuse.invalid(`line 1 is not a completion report header: ${errors.map((e) => e.message).join('; ')}`, errors);
  }
  return table;
}

type RowOutcome = 'matched' | 'already_complete' | 'unknown' | 'invalid';
interface PlannedRow {
  line: number;
  outcome: RowOutcome;
  message: string;
  enrollmentId?: string;
  completedAt?: string;
  score?: number;
  evidenceUrl?: string;
}

const firstIssue = (r: z.ZodSafeParseResult<unknown>) => (r.success ? '' : (r.error.issues[0]?.message ?? 'invalid'));

/**
 * What each row would do, decided from the read model: `matched` (it completes an open enrollment),
 * `already_complete` (the enrollment is complete, or an earlier row of this file completes it: kept as evidence),
 * `unknown` (no enrollment of this partner's programs that the caller may see), `invalid` (a bad value, or an
 * enrollment that cannot be completed in its state).
 */
async function planImport(db: Db, partnerId: string, actor: Actor, table: CsvTable): Promise<PlannedRow[]> {
  const { header, width, records } = table;
  const cell = (fields: string[], column: Column) => (header[column] === undefined ? '' : (fields[header[column]]?.trim() ?? ''));
  type Parsed = PlannedRow & { by?: { enrollmentId?: string; externalId?: string } };
  const parsed: Parsed[] = records.map(({ line, fields }) => {
    const invalid = (message: string): Parsed => ({ line, outcome: 'invalid', message });
    if (fields.length !== width) return invalid(`expected ${width} fields like the header, found ${fields.length}`);
    const rawId = cell(fields, 'enrollmentId');
    const rawExternal = cell(fields, 'externalId');
    if (!rawId && !rawExternal) return invalid(`missing ${header.enrollmentId !== undefined ? 'enrollmentId' : 'externalId'}`);
    const idResult = idSchema.safeParse(rawId);
    if (rawId && !idResult.success) return invalid(`enrollmentId ${JSON.stringify(rawId.slice(0, 80))} ${firstIssue(idResult)}`);
    const externalResult = externalIdSchema.safeParse(rawExternal);
    if (!rawId && !externalResult.success) return invalid(`externalId ${firstIssue(externalResult)}`);
    const rawDate = cell(fields, 'completedAt');
    if (!rawDate) return invalid('missing completedAt');
    const date = completedAtSchema.safeParse(rawDate);
    // The completion-date rule's messages name the value already; a format error is prefixed with it here.
    if (!date.success)
      return invalid(
        firstIssue(date).startsWith('completedAt ')
          ? firstIssue(date)
          : `completedAt ${JSON.stringify(rawDate.slice(0, 80))} ${firstIssue(date)}`,
      );
    const rawScore = cell(fields, 'score');
    const score = rawScore ? completionScore.safeParse(Number(rawScore)) : undefined;
    if (rawScore && (!/^\d+(\.\d+)?$/.test(rawScore) || !score!.success))
      return invalid(`score ${JSON.stringify(rawScore.slice(0, 80))} must be a number from 0 to 100`);
    const rawUrl = cell(fields, 'evidenceUrl');
    const url = rawUrl ? evidenceUrlSchema.safeParse(rawUrl) : undefined;
    if (url && !url.success) return invalid(`evidenceUrl ${firstIssue(url)}`);
    return {
      line,
      outcome: 'matched',
      message: '',
      completedAt: date.data,
      score: score?.success ? score.data : undefined,
      evidenceUrl: url?.success ? url.data : undefined,
      by: rawId ? { enrollmentId: idResult.data!.toLowerCase(), externalId: rawExternal || undefined } : { externalId: rawExternal },
    };
  });

  // One query for every id in the file, limited to this partner's programs (and a holder's own programs).
  const ids = [...new Set(parsed.flatMap((r) => (r.by?.enrollmentId ? [r.by.enrollmentId] : [])))];
  const externals = [...new Set(parsed.flatMap((r) => (r.by && !r.by.enrollmentId && r.by.externalId ? [r.by.externalId] : [])))];
  const found = await findCompletionCandidates(db, partnerId, actor.role === 'program_holder' ? actor.id : null, ids, externals);
  const byId = new Map(found.map((e) => [e.id, e]));
  const byExternal = new Map<string, typeof found>();
  for (const e of found)
    if (e.partner_external_id) byExternal.set(e.partner_external_id, [...(byExternal.get(e.partner_external_id) ?? []), e]);

  const completedBy = new Map<string, number>(); // enrollment → line of the first row of this file that completes it
  return parsed.map(({ by, ...row }): PlannedRow => {
    if (!by) return row;
    const unknown = (what: string): PlannedRow => ({
      line: row.line,
      outcome: 'unknown',
      message: `no enrollment of partner ${partnerId} with ${what} that you can see`,
    });
    let e;
    if (by.enrollmentId) {
      e = byId.get(by.enrollmentId);
      if (!e) return unknown(`enrollmentId ${by.enrollmentId}`);
      if (by.externalId && e.partner_external_id !== by.externalId) {
        return {
          line: row.line,
          outcome: 'invalid',
          message: `externalId ${JSON.stringify(by.externalId)} is not the partner’s id of enrollment ${e.id}`,
        };
      }
    } else {
      const matches = byExternal.get(by.externalId!) ?? [];
      if (matches.length > 1)
        return {
          line: row.line,
          outcome: 'invalid',
          message: `externalId ${JSON.stringify(by.externalId)} matches more than one enrollment; use enrollmentId`,
        };
      e = matches[0];
      if (!e) return unknown(`externalId ${JSON.stringify(by.externalId)}`);
    }
    const base = { ...row, enrollmentId: e.id };
    // As the workflow does: a state that takes no completion first, then the date (whether or not it would apply).
    const dateProblem = REPORTABLE_STATUSES.includes(e.status) ? completionDateProblemOf(e, row.completedAt!) : undefined;
    if (dateProblem) return { ...base, outcome: 'invalid', message: dateProblem };
    const earlier = completedBy.get(e.id);
    if (earlier !== undefined)
      return { ...base, outcome: 'already_complete', message: `line ${earlier} already completes this enrollment; kept as evidence` };
    if (ALREADY_COMPLETE.includes(e.status)) {
      completedBy.set(e.id, row.line);
      return { ...base, outcome: 'already_complete', message: `the enrollment is already ${e.status}; the row is kept as evidence` };
    }
    if (!OPEN_FOR_COMPLETION.includes(e.status)) {
      return { ...base, outcome: 'invalid', message: `the enrollment is ${e.status}: a completion cannot be recorded` };
    }
    completedBy.set(e.id, row.line);
    return { ...base, outcome: 'matched', message: `completes the enrollment (completedAt ${row.completedAt})` };
  });
}

/**
 * Reports each matched or already-complete row (method csv_import, report id derived from partner, enrollment and
 * date, so a second import of the same file changes nothing). Rows of one enrollment go in file order; different
 * enrollments a few at a time. A row the workflow refuses (the state changed since the plan) becomes `invalid`.
 */
async function applyImport(deps: Deps, partnerId: string, reportedBy: string, rows: PlannedRow[]): Promise<void> {
  const groups = new Map<string, PlannedRow[]>();
  for (const r of rows) {
    if ((r.outcome === 'matched' || r.outcome === 'already_complete') && r.enrollmentId)
      groups.set(r.enrollmentId, [...(groups.get(r.enrollmentId) ?? []), r]);
  }
  const queue = [...groups.values()];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const row of group) {
        try {
          const result = await reportCompletion(deps, row.enrollmentId!, {
            method: 'csv_import',
            reportId: derivedReportId(partnerId, row.enrollmentId!, row.completedAt!),
            completedAt: row.completedAt!,
            reportedBy,
            score: row.score,
            evidenceUrl: row.evidenceUrl,
          });
          if (row.outcome === 'matched' && result.outcome === 'applied') {
            row.message = 'completion applied';
          } else {
            row.outcome = 'already_complete';
            row.message =
              row.message.startsWith('line ') || row.message.startsWith('the enrollment is already')
                ? row.message
                : 'the enrollment was completed by another report first; the row is kept as evidence';
          }
        } catch (err) {
          if (!(err instanceof Refusal) || err.kind === 'unavailable') throw err;
          row.outcome = err.kind === 'not-found' ? 'unknown' : 'invalid';
          row.message = err.message;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IMPORT_CONCURRENCY, queue.length) }, worker));
}
