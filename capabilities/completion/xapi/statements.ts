import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Db } from '../../../db/pool';
import { inTransaction } from '../../../db/pool';
import { COUNTING_VERBS, satisfyingStatement, XAPI_VERBS } from '../../../lib/program-rules';
import { audit } from '../../../core/audit';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { partnerActorId, partnerAuditActor, type PartnerCaller } from '../partners/partner-keys';
import { Refusal, REFUSAL_STATUS, refuse } from '../../../core/refusals';
import type { EnrollmentDatesRow } from '../queries';
import { findRegistrations } from '../partners/queries';
import { countingStatements, programMoveOn } from './queries';
import { comparable, indexOf, type JsonObject, statementToKeep, type StatementIndex } from './statement';
import { timestampMs, VOIDED_VERB, type XapiStatement } from './schemas';
import { completionDateProblemOf, reportCompletion } from '../report-completion';

type Deps = { db: Db; enrollments: EnrollmentClient };

/** Attachment content that came with the statements (multipart/mixed), by its sha2 as the statements name it. */
export interface AttachmentContent {
  sha2: string;
  contentType: string;
  content: Buffer;
}

interface Prepared {
  id: string;
  kept: JsonObject;
  verb: string;
  index: StatementIndex;
  timestamp?: string;
  /** Where this statement is in the request's body, for the problems that name its fields. */
  field: string;
}

/**
 * Stores a request's statements (all or none) as the xAPI statement resource: ids assigned where absent, an id seen
 * before accepted only with the same statement (else 409), voiding applied, the attachments' content kept. Then
 * completes each enrollment whose program's moveOn rule the stored statements now meet: only statements whose
 * object is an Activity and whose `context.registration` is an enrollment of one of this partner's programs count.
 * `fieldOf(i)` names statement i in a problem ("body", "body.3"). Resolves to the statements' ids, in order.
 */
export async function recordStatements(
  deps: Deps,
  partner: PartnerCaller,
  statements: XapiStatement[],
  fieldOf: (i: number) => string,
  attachments: AttachmentContent[] = [],
  statementId?: string,
): Promise<string[]> {
  const prepared = statements.map((s, i): Prepared => {
    const id = (statementId ?? s.id ?? randomUUID()).toLowerCase();
    return { id, kept: statementToKeep(s, id), verb: s.verb.id, index: indexOf(s), timestamp: s.timestamp, field: fieldOf(i) };
  });
  const seen = new Map<string, number>();
  prepared.forEach((p, i) => {
    const first = seen.get(p.id);
    if (first !== undefined)
      throw refuse.invalid(`statement id ${p.id} appears twice in this request`, [
        { field: `${p.field}.id`, message: `same id as statement ${first}` },
      ]);
    seen.set(p.id, i);
  });

  const registrations = [...new Set(prepared.flatMap((p) => (p.index.registration ? [p.index.registration] : [])))];
  const enrollments = registrations.length
    ? await findRegistrations(deps.db, partner.partnerId, registrations)
    : new Map<string, EnrollmentDatesRow>();
  const counts = (p: Prepared) =>
    p.index.objectType === 'Activity' &&
    p.index.registration !== null &&
    enrollments.has(p.index.registration) &&
    COUNTING_VERBS.includes(p.verb);

  // A counting statement's timestamp becomes its enrollment's completion date: an impossible one is refused first.
  const errors = prepared.flatMap((p) => {
    if (!counts(p) || p.timestamp === undefined) return [];
    const problem = completionDateProblemOf(enrollments.get(p.index.registration!)!, new Date(timestampMs(p.timestamp)!).toISOString());
    return problem ? [{ field: `${p.field}.timestamp`, message: problem.replace(/^completedAt /, 'timestamp ') }] : [];
  });
  if (errors.length)
    throw refuse.invalid(errors.length === 1 ? errors[0].message : `${errors.length} statements have impossible completion dates`, errors);

  const stored = new Date();
  const inserted = await inTransaction(deps.db, async (client) => {
    const fresh: Prepared[] = [];
    for (const p of prepared) {
      const enrollmentId = p.index.registration && enrollments.has(p.index.registration) ? p.index.registration : null;
      if (await insert(client, partner.partnerId, p, enrollmentId, stored)) fresh.push(p);
      else await requireSame(client, partner.partnerId, p);
    }
    for (const a of attachments)
      await client.query(
        `INSERT INTO xapi_attachments (partner_id, sha2, content_type, content) VALUES ($1, $2, $3, $4)
         ON CONFLICT (partner_id, sha2) DO NOTHING`,
        [partner.partnerId, a.sha2.toLowerCase(), a.contentType, a.content],
      );
    return fresh;
  });

  if (inserted.length) {
    await audit(
      deps.db,
      partnerAuditActor(partner),
      'xapi.statements.store',
      { type: 'partner', id: partner.partnerId },
      {
        count: inserted.length,
        statementIds: inserted.slice(0, 50).map((p) => p.id),
        registrations: registrations.filter((r) => enrollments.has(r)).slice(0, 50),
      },
    );
  }
  const counted = [...new Set(prepared.filter(counts).map((p) => p.index.registration!))];
  await applyMoveOn(deps, partner, counted);
  return prepared.map((p) => p.id);
}

/**
 * Inserts one statement; false when its id exists already. A voiding statement voids its target (a statement of
 * this partner that is not itself a voiding statement: Data 2.3.2); a statement a voiding statement stored earlier
 * targets is stored voided.
 */
async function insert(client: PoolClient, partnerId: string, p: Prepared, enrollmentId: string | null, stored: Date): Promise<boolean> {
  const { index } = p;
  const { rowCount } = await client.query(
    `INSERT INTO xapi_statements (id, partner_id, enrollment_id, verb, statement, stored_at, registration, object_type, object_ref,
                                  agent_keys, related_agent_keys, activity_ids, related_activity_ids, voided)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
             $14 AND EXISTS (SELECT 1 FROM xapi_statements v WHERE v.partner_id = $2 AND v.object_ref = $1 AND v.verb = $15))
     ON CONFLICT (id) DO NOTHING`,
    [
      p.id,
      partnerId,
      enrollmentId,
      p.verb,
      // Data 2.4.7: a statement sent without a timestamp gets its stored time.
      JSON.stringify({ ...p.kept, timestamp: p.kept.timestamp ?? stored.toISOString() }),
      stored,
      index.registration,
      index.objectType,
      index.objectRef,
      index.agentKeys,
      index.relatedAgentKeys,
      index.activityIds,
      index.relatedActivityIds,
      !index.isVoiding,
      VOIDED_VERB,
    ],
  );
  if (!rowCount) return false;
  if (index.isVoiding)
    await client.query('UPDATE xapi_statements SET voided = true WHERE partner_id = $1 AND id = $2 AND verb <> $3', [
      partnerId,
      index.objectRef,
      VOIDED_VERB,
    ]);
  return true;
}

/** A statement id stored before: the same statement (as the spec compares them) from the same partner, or 409. */
async function requireSame(client: PoolClient, partnerId: string, p: Prepared): Promise<void> {
  const {
    rows: [existing],
  } = await client.query<{ partner_id: string; statement: JsonObject }>('SELECT partner_id, statement FROM xapi_statements WHERE id = $1', [
    p.id,
  ]);
  if (!existing || existing.partner_id !== partnerId) throw refuse.conflict(`statement ${p.id} exists already with different content`);
  // A timestamp the LRS assigned (this statement comes without one) is not compared (Data 2.3.1).
  const { timestamp: _timestamp, ...withoutTimestamp } = existing.statement;
  if (comparable(p.timestamp === undefined ? withoutTimestamp : existing.statement) !== comparable(p.kept))
    throw refuse.conflict(`statement ${p.id} exists already with different content`);
}

/**
 * For each registration a counting statement of this request named, looks at all its stored counting statements
 * (not voided) and, when the program's moveOn rule is met, reports the completion (method xapi, report id = the
 * satisfying statement's id, so a retried request reports the same thing). Voiding a statement later does not undo
 * a completion already reported: the certificate and the payouts it led to stand. The statements are kept even
 * when the enrollment cannot take a completion in its state (the refusal is logged and audited); an unavailable
 * workflow fails the request (5xx) so the client retries.
 */
async function applyMoveOn(deps: Deps, partner: PartnerCaller, registrations: string[]): Promise<void> {
  const { db } = deps;
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
      if (!(err instanceof Refusal) || err.kind === 'unavailable') throw err;
      console.warn(`[api] xAPI completion of enrollment ${enrollmentId} refused: ${err.message}`);
      await audit(
        db,
        partnerAuditActor(partner),
        'completion.xapi_refused',
        { type: 'enrollment', id: enrollmentId },
        { reportId: report.reportId, status: REFUSAL_STATUS[err.kind], reason: err.message },
      );
    }
  }
}
