import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import { actorOf, requireRole } from '../auth';
import { ALREADY_COMPLETE, completionDateProblemOf, derivedReportId, OPEN_FOR_COMPLETION, reportCompletion } from '../completion-reports';
import { type CsvTable as Table, csvUpload, readCsvTable } from '../csv';
import type { ApiDeps } from '../deps';
import { createApiKey, partnerAuditActor, partnerOf } from '../partner-auth';
import { HttpProblem, parse, problems } from '../problems';
import { audit } from '../read-model/enrollments';
import {
  apiKeyParams,
  completedAt as completedAtSchema,
  completionScore,
  csvImportQuery,
  evidenceUrl as evidenceUrlSchema,
  externalId as externalIdSchema,
  id as idSchema,
  partnerCompletionBody,
  partnerParams,
} from '../schemas';
import { REPORTABLE_STATUSES } from '../../workflows/messages';

export const CSV_MAX_BYTES = 1024 * 1024;
export const CSV_MAX_ROWS = 5000;
/** Enrollments completed at the same time by one import. */
const IMPORT_CONCURRENCY = 8;

async function requireKnownPartner(db: Db, partnerId: string) {
  const { rowCount } = await db.query('SELECT 1 FROM partners WHERE id = $1', [partnerId]);
  if (!rowCount) throw problems.notFound(`partner ${partnerId}`);
}

export function partnerRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();

  // ── API keys ─────────────────────────────────────────────────────────────────────────────────────────
  router.post('/api/partners/:partnerId/api-keys', requireRole('admin'), async (req, res) => {
    const admin = actorOf(req);
    const { partnerId } = parse(partnerParams, req.params, 'path');
    await requireKnownPartner(db, partnerId);
    const key = await createApiKey(db, partnerId, admin.id);
    await audit(db, admin, 'partner.api_key.create', { type: 'partner_api_key', id: key.id }, { partnerId });
    // Sent without res.json on purpose: the Idempotency-Key middleware keeps JSON answers, and the key must
    // never be stored anywhere in clear. A retry with the same Idempotency-Key answers 201 with
    // the key's Location (so it can be revoked) and no body.
    res.status(201).location(`/api/partners/${partnerId}/api-keys/${key.id}`).set('Cache-Control', 'no-store')
      .type('application/json').send(JSON.stringify({ id: key.id, partnerId, apiKey: key.apiKey, createdAt: key.createdAt }));
  });

  router.delete('/api/partners/:partnerId/api-keys/:id', requireRole('admin'), async (req, res) => {
    const admin = actorOf(req);
    const { partnerId, id } = parse(apiKeyParams, req.params, 'path');
    const { rows: [key] } = await db.query('SELECT revoked_at FROM partner_api_keys WHERE id = $1 AND partner_id = $2', [id, partnerId]);
    if (!key) throw problems.notFound(`API key ${id} of partner ${partnerId}`);
    if (!key.revoked_at) {
      const revoked = await db.query('UPDATE partner_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
      if (revoked.rowCount) await audit(db, admin, 'partner.api_key.revoke', { type: 'partner_api_key', id }, { partnerId });
    }
    res.status(204).end();
  });

  // ── push: the partner reports one completion ─────────────────────────────────────────────────────────
  // Authenticated by `partnerAuthentication` (X-Api-Key), mounted before the Idempotency-Key middleware.
  router.post('/api/partners/:partnerId/completions', async (req, res) => {
    const partner = partnerOf(req);
    const body = parse(partnerCompletionBody, req.body, 'body');
    const enrollment = body.enrollmentId
      ? (await db.query(
        `SELECT e.id FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1 AND p.partner_id = $2`,
        [body.enrollmentId, partner.partnerId])).rows[0]
      : await findByExternalId(db, partner.partnerId, body.externalId!);
    // Another partner's enrollment is answered like an unknown one.
    if (!enrollment) throw problems.notFound(body.enrollmentId ? `enrollment ${body.enrollmentId}` : `enrollment with externalId ${body.externalId}`);
    const enrollmentId: string = enrollment.id;
    const reportId = body.reportId ?? derivedReportId(partner.partnerId, enrollmentId, body.completedAt);
    const result = await reportCompletion(deps, enrollmentId, {
      method: 'partner_push', reportId, completedAt: body.completedAt, reportedBy: partnerAuditActor(partner).id,
      score: body.score, evidenceUrl: body.evidenceUrl,
    });
    await audit(db, partnerAuditActor(partner), 'completion.push', { type: 'enrollment', id: enrollmentId },
      { reportId, outcome: result.outcome, keyId: partner.keyId, completedAt: body.completedAt });
    res.status(202).json({ enrollmentId, reportId, outcome: result.outcome, status: result.status });
  });

  // ── CSV import of a partner's completion report ──────────────────────────────────────────────────────
  router.post('/api/partners/:partnerId/completions/import', requireRole('program_holder', 'admin'), ...csvUpload(CSV_MAX_BYTES), async (req, res) => {
    const actor = actorOf(req);
    const { partnerId } = parse(partnerParams, req.params, 'path');
    const { dryRun } = parse(csvImportQuery, req.query, 'query');
    await requireKnownPartner(db, partnerId);
    const data: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const table = readCompletionReport(data);
    const rows = await planImport(db, partnerId, actor, table);
    if (!dryRun) await applyImport(deps, partnerId, actor.id, rows);

    const report = rows.map((r) => ({
      line: r.line, outcome: r.outcome, message: r.message, ...(r.enrollmentId && { enrollmentId: r.enrollmentId }),
    }));
    const summary = { matched: 0, already_complete: 0, unknown: 0, invalid: 0 };
    for (const r of rows) summary[r.outcome] += 1;
    if (!dryRun) {
      await audit(db, actor, 'completion.import', { type: 'partner', id: partnerId }, { rows: rows.length, ...summary, bytes: data.length });
    }
    res.json({ partnerId, dryRun, rows: report, summary });
  });

  return router;
}

/** The enrollment of one of the partner's programs with this external id; more than one is ambiguous. */
async function findByExternalId(db: Db, partnerId: string, externalId: string): Promise<{ id: string } | undefined> {
  const { rows } = await db.query(
    `SELECT e.id FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.partner_external_id = $1 AND p.partner_id = $2 LIMIT 2`,
    [externalId, partnerId]);
  if (rows.length > 1) throw problems.conflict(`externalId ${externalId} matches enrollments in more than one of your programs; report by enrollmentId`);
  return rows[0];
}

// ── CSV import: read, plan (the dry run), apply ──────────────────────────────────────────────────────

const COLUMNS = { enrollmentid: 'enrollmentId', externalid: 'externalId', completedat: 'completedAt', score: 'score', evidenceurl: 'evidenceUrl' } as const;
type Column = (typeof COLUMNS)[keyof typeof COLUMNS];

type CsvTable = Table<Column>;

/** The file as a table with the needed columns, or a 4xx problem saying why it is not a completion report. */
function readCompletionReport(data: Buffer): CsvTable {
  const table = readCsvTable(data, COLUMNS, CSV_MAX_ROWS);
  const errors: { field: string; message: string }[] = [];
  if (table.header.enrollmentId === undefined && table.header.externalId === undefined) {
    errors.push({ field: 'body.header.enrollmentId', message: 'the header needs an enrollmentId or an externalId column' });
  }
  if (table.header.completedAt === undefined) errors.push({ field: 'body.header.completedAt', message: 'the header needs a completedAt column' });
  if (errors.length) {
    throw problems.badRequest(`line 1 is not a completion report header: ${errors.map((e) => e.message).join('; ')}`, { errors });
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

const firstIssue = (r: z.ZodSafeParseResult<unknown>) => (r.success ? '' : r.error.issues[0]?.message ?? 'invalid');

/**
 * What each row would do, decided from the read model: `matched` (it completes an open enrollment),
 * `already_complete` (the enrollment is complete, or an earlier row of this file completes it: kept as evidence),
 * `unknown` (no enrollment of this partner's programs that the caller may see), `invalid` (a bad value, or an
 * enrollment that cannot be completed in its state).
 */
async function planImport(db: Db, partnerId: string, actor: { id: string; role: string }, table: CsvTable): Promise<PlannedRow[]> {
  const { header, width, records } = table;
  const cell = (fields: string[], column: Column) => (header[column] === undefined ? '' : fields[header[column]!]?.trim() ?? '');
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
    if (!date.success) return invalid(firstIssue(date).startsWith('completedAt ') ? firstIssue(date) : `completedAt ${JSON.stringify(rawDate.slice(0, 80))} ${firstIssue(date)}`);
    const rawScore = cell(fields, 'score');
    const score = rawScore ? completionScore.safeParse(Number(rawScore)) : undefined;
    if (rawScore && (!/^\d+(\.\d+)?$/.test(rawScore) || !score!.success)) return invalid(`score ${JSON.stringify(rawScore.slice(0, 80))} must be a number from 0 to 100`);
    const rawUrl = cell(fields, 'evidenceUrl');
    const url = rawUrl ? evidenceUrlSchema.safeParse(rawUrl) : undefined;
    if (url && !url.success) return invalid(`evidenceUrl ${firstIssue(url)}`);
    return {
      line, outcome: 'matched', message: '', completedAt: date.data,
      score: score?.success ? score.data : undefined, evidenceUrl: url?.success ? url.data : undefined,
      by: rawId ? { enrollmentId: idResult.data!.toLowerCase(), externalId: rawExternal || undefined } : { externalId: rawExternal },
    };
  });

  // One query for every id in the file, limited to this partner's programs (and a holder's own programs).
  const ids = [...new Set(parsed.flatMap((r) => (r.by?.enrollmentId ? [r.by.enrollmentId] : [])))];
  const externals = [...new Set(parsed.flatMap((r) => (r.by && !r.by.enrollmentId && r.by.externalId ? [r.by.externalId] : [])))];
  const { rows: found } = ids.length || externals.length
    ? await db.query(
      `SELECT e.id, e.status, e.partner_external_id, e.launched_at, e.created_at FROM enrollments e JOIN programs p ON p.id = e.program_id
        WHERE p.partner_id = $1 AND ($2::text IS NULL OR p.holder_id = $2)
          AND (e.id = ANY($3::uuid[]) OR e.partner_external_id = ANY($4::text[]))`,
      [partnerId, actor.role === 'program_holder' ? actor.id : null, ids, externals])
    : { rows: [] as { id: string; status: string; partner_external_id: string | null; launched_at: Date | null; created_at: Date }[] };
  const byId = new Map(found.map((e) => [e.id as string, e]));
  const byExternal = new Map<string, typeof found>();
  for (const e of found) if (e.partner_external_id) byExternal.set(e.partner_external_id, [...(byExternal.get(e.partner_external_id) ?? []), e]);

  const completedBy = new Map<string, number>(); // enrollment → line of the first row of this file that completes it
  return parsed.map(({ by, ...row }): PlannedRow => {
    if (!by) return row;
    const unknown = (what: string): PlannedRow => ({ line: row.line, outcome: 'unknown', message: `no enrollment of partner ${partnerId} with ${what} that you can see` });
    let e;
    if (by.enrollmentId) {
      e = byId.get(by.enrollmentId);
      if (!e) return unknown(`enrollmentId ${by.enrollmentId}`);
      if (by.externalId && e.partner_external_id !== by.externalId) {
        return { line: row.line, outcome: 'invalid', message: `externalId ${JSON.stringify(by.externalId)} is not the partner’s id of enrollment ${e.id}` };
      }
    } else {
      const matches = byExternal.get(by.externalId!) ?? [];
      if (matches.length > 1) return { line: row.line, outcome: 'invalid', message: `externalId ${JSON.stringify(by.externalId)} matches more than one enrollment; use enrollmentId` };
      e = matches[0];
      if (!e) return unknown(`externalId ${JSON.stringify(by.externalId)}`);
    }
    const base = { ...row, enrollmentId: e.id as string };
    // As the workflow does: a state that takes no completion first, then the date (whether or not it would apply).
    const dateProblem = (REPORTABLE_STATUSES as readonly string[]).includes(e.status) ? completionDateProblemOf(e, row.completedAt!) : undefined;
    if (dateProblem) return { ...base, outcome: 'invalid', message: dateProblem };
    const earlier = completedBy.get(e.id);
    if (earlier !== undefined) return { ...base, outcome: 'already_complete', message: `line ${earlier} already completes this enrollment; kept as evidence` };
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
async function applyImport(deps: ApiDeps, partnerId: string, reportedBy: string, rows: PlannedRow[]): Promise<void> {
  const groups = new Map<string, PlannedRow[]>();
  for (const r of rows) {
    if ((r.outcome === 'matched' || r.outcome === 'already_complete') && r.enrollmentId) groups.set(r.enrollmentId, [...(groups.get(r.enrollmentId) ?? []), r]);
  }
  const queue = [...groups.values()];
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const row of group) {
        try {
          const result = await reportCompletion(deps, row.enrollmentId!, {
            method: 'csv_import', reportId: derivedReportId(partnerId, row.enrollmentId!, row.completedAt!), completedAt: row.completedAt!,
            reportedBy, score: row.score, evidenceUrl: row.evidenceUrl,
          });
          if (row.outcome === 'matched' && result.outcome === 'applied') {
            row.message = 'completion applied';
          } else {
            row.outcome = 'already_complete';
            row.message = row.message.startsWith('line ') || row.message.startsWith('the enrollment is already')
              ? row.message
              : 'the enrollment was completed by another report first; the row is kept as evidence';
          }
        } catch (err) {
          if (!(err instanceof HttpProblem) || err.status >= 500) throw err;
          row.outcome = err.status === 404 ? 'unknown' : 'invalid';
          row.message = err.detail ?? err.title;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IMPORT_CONCURRENCY, queue.length) }, worker));
}
