import type { Db } from '../../db/pool';
import { inTransaction } from '../../db/pool';
import { COUNTING_VERBS, satisfyingStatement, XAPI_VERBS } from '../../lib/program-rules';
import type { EnrollmentClient } from '../enrollment-client';
import { partnerActorId, partnerAuditActor, type PartnerCaller } from '../partner-auth';
import { HttpProblem, problems } from '../problems';
import { audit } from '../audit';
import { findRegistrations } from '../read-model/partners';
import { countingStatements, programMoveOn } from '../read-model/xapi';
import type { XapiStatement } from '../schemas';
import { completionDateProblemOf, reportCompletion } from './report-completion';

type Deps = { db: Db; enrollments: EnrollmentClient };

export interface PreparedStatement {
  id: string;
  statement: Record<string, unknown>;
  verb: string;
  registration: string;
}

/** The statement as kept: as sent, with its (lower-case) id; `context.registration` is the enrollment id. */
export function prepareStatement(s: XapiStatement, raw: Record<string, unknown>, id: string): PreparedStatement {
  const statementId = id.toLowerCase();
  return { id: statementId, statement: { ...raw, id: statementId }, verb: s.verb.id, registration: s.context.registration.toLowerCase() };
}

/**
 * Keeps a request's statements (all or none), then completes each enrollment they name whose program's moveOn rule
 * they now meet. `timestampField(i)` names statement i's timestamp in a 400.
 */
export async function recordStatements(
  deps: Deps,
  partner: PartnerCaller,
  prepared: PreparedStatement[],
  timestampField: (i: number) => string,
) {
  const seen = new Map<string, number>();
  prepared.forEach((p, i) => {
    if (seen.has(p.id))
      throw problems.badRequest(`statement id ${p.id} appears twice in this request`, {
        errors: [{ field: `body.${i}.id`, message: `same id as statement ${seen.get(p.id)}` }],
      });
    seen.set(p.id, i);
  });
  await store(deps.db, partner, prepared, timestampField);
  await applyMoveOn(deps, partner, prepared);
}

/**
 * Keeps the statements, all or none: each registration must be an enrollment of one of this partner's programs
 * (else 404), a completed or passed statement's timestamp must be a possible completion date (else 400, naming
 * `timestampField(i)`), and a statement id seen before must come with the same statement (else 409).
 */
async function store(db: Db, partner: PartnerCaller, prepared: PreparedStatement[], timestampField: (i: number) => string): Promise<void> {
  const registrations = [...new Set(prepared.map((p) => p.registration))];
  const known = await findRegistrations(db, partner.partnerId, registrations);
  const missing = registrations.find((r) => !known.has(r));
  if (missing) throw problems.notFound(`enrollment ${missing} (context.registration)`);
  // Such a timestamp becomes the completion's date (see applyMoveOn); refused before anything is kept.
  const errors = prepared.flatMap((p, i) => {
    const timestamp = p.statement.timestamp;
    const problem =
      COUNTING_VERBS.includes(p.verb) && typeof timestamp === 'string'
        ? completionDateProblemOf(known.get(p.registration)!, timestamp)
        : undefined;
    return problem ? [{ field: timestampField(i), message: problem.replace(/^completedAt /, 'timestamp ') }] : [];
  });
  if (errors.length)
    throw problems.badRequest(errors.length === 1 ? errors[0].message : `${errors.length} statements have impossible completion dates`, {
      errors,
    });

  const stored: string[] = [];
  await inTransaction(db, async (client) => {
    for (const p of prepared) {
      const inserted = await client.query(
        `INSERT INTO xapi_statements (id, partner_id, enrollment_id, verb, statement) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [p.id, partner.partnerId, p.registration, p.verb, JSON.stringify(p.statement)],
      );
      if (inserted.rowCount) {
        stored.push(p.id);
        continue;
      }
      const {
        rows: [existing],
      } = await client.query<{ partner_id: string; same: boolean }>(
        'SELECT partner_id, statement = $2::jsonb AS same FROM xapi_statements WHERE id = $1',
        [p.id, JSON.stringify(p.statement)],
      );
      if (!existing?.same || existing.partner_id !== partner.partnerId)
        throw problems.conflict(`statement ${p.id} exists already with different content`);
    }
  });
  if (stored.length) {
    await audit(
      db,
      partnerAuditActor(partner),
      'xapi.statements.store',
      { type: 'partner', id: partner.partnerId },
      { count: stored.length, statementIds: stored.slice(0, 50), registrations: registrations.slice(0, 50) },
    );
  }
}

/**
 * For each registration this request said something about completion for, looks at all its stored statements and,
 * when the program's moveOn rule is met, reports the completion (method xapi, report id = the satisfying statement's
 * id, so a retried request reports the same thing). The statements are kept even when the enrollment cannot take a
 * completion in its state (the refusal is logged and audited); an unavailable workflow fails the request (5xx) so
 * the client retries.
 */
async function applyMoveOn(deps: Deps, partner: PartnerCaller, prepared: PreparedStatement[]): Promise<void> {
  const { db } = deps;
  const registrations = [...new Set(prepared.filter((p) => COUNTING_VERBS.includes(p.verb)).map((p) => p.registration))];
  for (const enrollmentId of registrations) {
    const [moveOn, ordered] = await Promise.all([programMoveOn(db, enrollmentId), countingStatements(db, enrollmentId, COUNTING_VERBS)]);
    const satisfying = satisfyingStatement(moveOn, ordered);
    if (!satisfying) continue;
    const scaled = ordered.find((s) => s.verb === XAPI_VERBS.passed && s.scaled !== undefined)?.scaled;
    const report = {
      method: 'xapi' as const,
      reportId: satisfying.id,
      completedAt: satisfying.at.toISOString(),
      reportedBy: partnerActorId(partner.partnerId),
      ...(scaled !== undefined && scaled >= 0 && scaled <= 1 && { score: Math.round(scaled * 10_000) / 100 }),
    };
    try {
      const result = await reportCompletion(deps, enrollmentId, report);
      await audit(
        db,
        partnerAuditActor(partner),
        'completion.xapi',
        { type: 'enrollment', id: enrollmentId },
        { reportId: report.reportId, outcome: result.outcome, moveOn },
      );
    } catch (err) {
      if (!(err instanceof HttpProblem) || err.status >= 500) throw err;
      console.warn(`[api] xAPI completion of enrollment ${enrollmentId} refused: ${err.detail ?? err.title}`);
      await audit(
        db,
        partnerAuditActor(partner),
        'completion.xapi_refused',
        { type: 'enrollment', id: enrollmentId },
        { reportId: report.reportId, status: err.status, reason: err.detail ?? err.title },
      );
    }
  }
}
