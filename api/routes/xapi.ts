import { randomUUID } from 'node:crypto';
import express, { type RequestHandler, Router } from 'express';
import { type Db, inTransaction } from '../../db/pool';
import { completionDateProblemOf, reportCompletion } from '../completion-reports';
import type { ApiDeps } from '../deps';
import { basicAuth, partnerActorId, partnerAuditActor, type PartnerCaller, partnerOf } from '../partner-auth';
import { HttpProblem, parse, problems } from '../problems';
import { partnerRateLimit } from '../rate-limit';
import { audit } from '../read-model/enrollments';
import { type XapiStatement, xapiPutQuery, xapiStatement, xapiStatementBatch } from '../schemas';
import { refuseUnstorableText } from '../unstorable-text';

/**
 * A small xAPI 1.0.3 Learning Record Store for the partners' courses: statements are kept as they were sent, made
 * idempotent by their id, and `completed` / `passed` complete the enrollment named by `context.registration`
 * under its program's cmi5 moveOn rule. Mounted before the bearer-token reader (xAPI uses HTTP Basic).
 */
export const XAPI_VERSION = '1.0.3';
export const XAPI_VERBS = {
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
} as const;
export const MOVE_ON_RULES = ['Completed', 'Passed', 'CompletedAndPassed', 'CompletedOrPassed'] as const;
export type MoveOn = (typeof MOVE_ON_RULES)[number];

const requireVersion: RequestHandler = (req, _res, next) => {
  const version = req.get('x-experience-api-version')?.trim();
  const field = 'header.X-Experience-API-Version';
  if (!version) return next(problems.badRequest(`the X-Experience-API-Version header is required (${XAPI_VERSION})`, { errors: [{ field, message: 'required' }] }));
  if (!/^1\.0(\.\d+)?$/.test(version)) {
    return next(problems.badRequest(`xAPI version ${version.slice(0, 20)} is not supported; send ${XAPI_VERSION}`, { errors: [{ field, message: 'must be 1.0.x' }] }));
  }
  next();
};

const requireJson: RequestHandler = (req, _res, next) => {
  const isJson = req.is('application/json');
  if (isJson === null) return next(problems.badRequest('send the statement as an application/json body', { errors: [{ field: 'body', message: 'required' }] }));
  if (isJson === false) return next(problems.unsupportedType('statements are accepted as application/json only (no attachments)'));
  next();
};

interface Prepared {
  id: string;
  statement: Record<string, unknown>;
  verb: string;
  registration: string;
}

export function xapiRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();
  router.use('/xapi', (_req, res, next) => {
    res.set('X-Experience-API-Version', XAPI_VERSION);
    next();
  });
  const json = express.json({ limit: '1mb' });
  const guards = [basicAuth(db), partnerRateLimit(deps), requireVersion, requireJson, json, refuseUnstorableText];

  router.post('/xapi/statements', ...guards, async (req, res) => {
    const partner = partnerOf(req);
    const statements = Array.isArray(req.body) ? parse(xapiStatementBatch, req.body, 'body') : [parse(xapiStatement, req.body, 'body')];
    const raw: Record<string, unknown>[] = Array.isArray(req.body) ? req.body : [req.body];
    const prepared = statements.map((s, i) => prepare(s, raw[i], s.id ?? randomUUID()));
    const seen = new Map<string, number>();
    prepared.forEach((p, i) => {
      if (seen.has(p.id)) throw problems.badRequest(`statement id ${p.id} appears twice in this request`, { errors: [{ field: `body.${i}.id`, message: `same id as statement ${seen.get(p.id)}` }] });
      seen.set(p.id, i);
    });
    await store(db, partner, prepared, (i) => (Array.isArray(req.body) ? `body.${i}.timestamp` : 'body.timestamp'));
    await applyMoveOn(deps, partner, prepared);
    res.status(200).json(prepared.map((p) => p.id));
  });

  router.put('/xapi/statements', ...guards, async (req, res) => {
    const partner = partnerOf(req);
    const { statementId } = parse(xapiPutQuery, req.query, 'query');
    if (Array.isArray(req.body)) throw problems.badRequest('PUT takes one statement; POST takes several', { errors: [{ field: 'body', message: 'must be one statement object' }] });
    const s = parse(xapiStatement, req.body, 'body');
    if (s.id && s.id.toLowerCase() !== statementId.toLowerCase()) {
      throw problems.badRequest('the statement’s id differs from the statementId parameter', { errors: [{ field: 'body.id', message: 'must equal query.statementId' }] });
    }
    const prepared = [prepare(s, req.body, statementId)];
    await store(db, partner, prepared, () => 'body.timestamp');
    await applyMoveOn(deps, partner, prepared);
    res.status(204).end();
  });

  router.all('/xapi/statements', (_req, res) => {
    res.set('Allow', 'POST, PUT');
    throw new HttpProblem(405, 'method-not-allowed', 'Method not allowed', 'this LRS accepts statements (POST, PUT); it does not serve queries');
  });

  return router;
}

function prepare(s: XapiStatement, raw: Record<string, unknown>, id: string): Prepared {
  const statementId = id.toLowerCase();
  return { id: statementId, statement: { ...raw, id: statementId }, verb: s.verb.id, registration: s.context.registration.toLowerCase() };
}

/**
 * Keeps the statements, all or none: each registration must be an enrollment of one of this partner's programs
 * (else 404), a completed or passed statement's timestamp must be a possible completion date (else 400, naming
 * `timestampField(i)`), and a statement id seen before must come with the same statement (else 409).
 */
async function store(db: Db, partner: PartnerCaller, prepared: Prepared[], timestampField: (i: number) => string): Promise<void> {
  const registrations = [...new Set(prepared.map((p) => p.registration))];
  const { rows } = await db.query(
    `SELECT e.id, e.launched_at, e.created_at FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE e.id = ANY($1::uuid[]) AND p.partner_id = $2`,
    [registrations, partner.partnerId]);
  const known = new Map(rows.map((r) => [r.id as string, r]));
  const missing = registrations.find((r) => !known.has(r));
  if (missing) throw problems.notFound(`enrollment ${missing} (context.registration)`);
  // Such a timestamp becomes the completion's date (see applyMoveOn); refused before anything is kept.
  const counting: string[] = [XAPI_VERBS.completed, XAPI_VERBS.passed];
  const errors = prepared.flatMap((p, i) => {
    const timestamp = p.statement.timestamp;
    const problem = counting.includes(p.verb) && typeof timestamp === 'string' ? completionDateProblemOf(known.get(p.registration), timestamp) : undefined;
    return problem ? [{ field: timestampField(i), message: problem.replace(/^completedAt /, 'timestamp ') }] : [];
  });
  if (errors.length) throw problems.badRequest(errors.length === 1 ? errors[0]!.message : `${errors.length} statements have impossible completion dates`, { errors });

  const stored: string[] = [];
  await inTransaction(db, async (client) => {
    for (const p of prepared) {
      const inserted = await client.query(
        `INSERT INTO xapi_statements (id, partner_id, enrollment_id, verb, statement) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [p.id, partner.partnerId, p.registration, p.verb, JSON.stringify(p.statement)]);
      if (inserted.rowCount) {
        stored.push(p.id);
        continue;
      }
      const { rows: [existing] } = await client.query('SELECT partner_id, statement = $2::jsonb AS same FROM xapi_statements WHERE id = $1',
        [p.id, JSON.stringify(p.statement)]);
      if (!existing?.same || existing.partner_id !== partner.partnerId) throw problems.conflict(`statement ${p.id} exists already with different content`);
    }
  });
  if (stored.length) {
    await audit(db, partnerAuditActor(partner), 'xapi.statements.store', { type: 'partner', id: partner.partnerId },
      { count: stored.length, statementIds: stored.slice(0, 50), registrations: registrations.slice(0, 50) });
  }
}

interface CountingStatement {
  id: string;
  verb: string;
  at: Date;
  storedAt: Date;
  scaled?: number;
}

/**
 * The statement that satisfies a moveOn rule, from a registration's `completed` and `passed` statements in the
 * order they happened (their timestamp, else when stored): the first of its kind for Completed and Passed, the
 * earlier of the two firsts for CompletedOrPassed, the later one for CompletedAndPassed.
 */
export function satisfyingStatement<S extends { verb: string }>(moveOn: MoveOn, ordered: S[]): S | undefined {
  const completed = ordered.find((s) => s.verb === XAPI_VERBS.completed);
  const passed = ordered.find((s) => s.verb === XAPI_VERBS.passed);
  const position = (s: S | undefined) => (s ? ordered.indexOf(s) : -1);
  switch (moveOn) {
    case 'Completed': return completed;
    case 'Passed': return passed;
    case 'CompletedOrPassed': return [completed, passed].filter(Boolean).sort((a, b) => position(a) - position(b))[0];
    case 'CompletedAndPassed': return completed && passed ? (position(completed) > position(passed) ? completed : passed) : undefined;
  }
}

/**
 * For each registration this request said something about completion for, looks at all its stored statements and,
 * when the program's moveOn rule is met, reports the completion (method xapi, report id = the satisfying statement's
 * id, so a retried request reports the same thing). The statements are kept even when the enrollment cannot take a
 * completion in its state (the refusal is logged and audited); an unavailable workflow fails the request (5xx) so
 * the client retries.
 */
async function applyMoveOn(deps: ApiDeps, partner: PartnerCaller, prepared: Prepared[]): Promise<void> {
  const { db } = deps;
  const counting: string[] = [XAPI_VERBS.completed, XAPI_VERBS.passed];
  const registrations = [...new Set(prepared.filter((p) => counting.includes(p.verb)).map((p) => p.registration))];
  for (const enrollmentId of registrations) {
    const [{ rows: [program] }, { rows }] = await Promise.all([
      db.query('SELECT p.move_on FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1', [enrollmentId]),
      db.query(
        `SELECT id, verb, statement->>'timestamp' AS timestamp, statement->'result'->'score'->'scaled' AS scaled, stored_at
           FROM xapi_statements WHERE enrollment_id = $1 AND verb = ANY($2)`, [enrollmentId, counting]),
    ]);
    const ordered: CountingStatement[] = rows
      .map((r) => ({ id: r.id, verb: r.verb, at: r.timestamp ? new Date(r.timestamp) : r.stored_at, storedAt: r.stored_at, scaled: typeof r.scaled === 'number' ? r.scaled : undefined }))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.storedAt.getTime() - b.storedAt.getTime() || a.id.localeCompare(b.id));
    const satisfying = satisfyingStatement(program.move_on as MoveOn, ordered);
    if (!satisfying) continue;
    const scaled = ordered.find((s) => s.verb === XAPI_VERBS.passed && s.scaled !== undefined)?.scaled;
    const report = {
      method: 'xapi' as const, reportId: satisfying.id, completedAt: satisfying.at.toISOString(), reportedBy: partnerActorId(partner.partnerId),
      ...(scaled !== undefined && scaled >= 0 && scaled <= 1 && { score: Math.round(scaled * 10_000) / 100 }),
    };
    try {
      const result = await reportCompletion(deps, enrollmentId, report);
      await audit(db, partnerAuditActor(partner), 'completion.xapi', { type: 'enrollment', id: enrollmentId },
        { reportId: report.reportId, outcome: result.outcome, moveOn: program.move_on });
    } catch (err) {
      if (!(err instanceof HttpProblem) || err.status >= 500) throw err;
      console.warn(`[api] xAPI completion of enrollment ${enrollmentId} refused: ${err.detail ?? err.title}`);
      await audit(db, partnerAuditActor(partner), 'completion.xapi_refused', { type: 'enrollment', id: enrollmentId },
        { reportId: report.reportId, status: err.status, reason: err.detail ?? err.title });
    }
  }
}
