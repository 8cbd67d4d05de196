import type { Db } from '../../../db/pool';
import type { MoveOn } from '../../../lib/program-rules';
import { timestampMs } from './schemas';
import type { JsonObject } from './statement';

export interface CountingStatement {
  id: string;
  verb: string;
  /** When it happened: its timestamp, else when it was stored. */
  at: Date;
  storedAt: Date;
  scaled?: number;
}

/** The moveOn rule of the enrollment's program. */
export async function programMoveOn(db: Db, enrollmentId: string): Promise<MoveOn> {
  const { rows } = await db.query<{ move_on: MoveOn }>(
    'SELECT p.move_on FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1',
    [enrollmentId],
  );
  return rows[0].move_on;
}

/** A stored statement's id, verb, when it says it happened and its scaled score (any JSON value, as the partner sent it). */
interface StatementTimingRow {
  id: string;
  verb: string;
  timestamp: string | null;
  scaled: unknown;
  stored_at: Date;
}

/**
 * The registration's stored statements about an Activity with one of these verbs, not voided, in the order they
 * happened.
 */
export async function countingStatements(db: Db, enrollmentId: string, verbs: readonly string[]): Promise<CountingStatement[]> {
  const { rows } = await db.query<StatementTimingRow>(
    `SELECT id, verb, statement->>'timestamp' AS timestamp, statement->'result'->'score'->'scaled' AS scaled, stored_at
       FROM xapi_statements WHERE enrollment_id = $1 AND verb = ANY($2) AND object_type = 'Activity' AND NOT voided`,
    [enrollmentId, verbs],
  );
  return rows
    .map((r) => ({
      id: r.id,
      verb: r.verb,
      at: r.timestamp && timestampMs(r.timestamp) !== undefined ? new Date(timestampMs(r.timestamp)!) : r.stored_at,
      storedAt: r.stored_at,
      scaled: typeof r.scaled === 'number' ? r.scaled : undefined,
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.storedAt.getTime() - b.storedAt.getTime() || a.id.localeCompare(b.id));
}

// ── The statement resource's reads (GET /xapi/statements) ─────────────────────────────────────────────

export interface StoredStatement {
  statement: JsonObject;
  stored: Date;
  /** Microseconds since the epoch and the insertion sequence: where a page ends. */
  position: [number, number];
}

interface StatementRow {
  statement: JsonObject;
  stored_at: Date;
  stored_us: number;
  seq: number;
  voided: boolean;
}

const columns = (t: string) =>
  `${t}.statement, ${t}.stored_at, (extract(epoch FROM ${t}.stored_at) * 1000000)::bigint AS stored_us, ${t}.seq, ${t}.voided`;
const toStored = (r: StatementRow): StoredStatement => ({ statement: r.statement, stored: r.stored_at, position: [r.stored_us, r.seq] });

/** One of the partner's statements by id: `voided` says which kind is asked for (statementId or voidedStatementId). */
export async function findStatement(db: Db, partnerId: string, id: string, voided: boolean): Promise<StoredStatement | undefined> {
  const { rows } = await db.query<StatementRow>(`SELECT ${columns('s')} FROM xapi_statements s WHERE s.partner_id = $1 AND s.id = $2`, [
    partnerId,
    id.toLowerCase(),
  ]);
  return rows[0] && rows[0].voided === voided ? toStored(rows[0]) : undefined;
}

export interface StatementFilters {
  /** An agent key (capabilities/completion/xapi/statement.ts agentKey). */
  agent?: string;
  verb?: string;
  activity?: string;
  registration?: string;
  relatedActivities?: boolean;
  relatedAgents?: boolean;
  /** Stored after (exclusive), ISO. */
  since?: string;
  /** Stored at or before (inclusive), ISO. */
  until?: string;
  ascending?: boolean;
}

/** How far back a chain of StatementRefs is followed when a filter matches the statements they target. */
const MAX_REFERENCE_DEPTH = 10;

/**
 * A page of the partner's statements that meet the filters, voided ones left out, newest stored first (or oldest
 * with `ascending`), after `after` (the last position of the previous page). As Communication 2.1.3 says, a
 * statement whose object is a StatementRef meets the agent, verb, activity and registration filters when the
 * statement it targets does (voided or not), following chains of references; as in the ADL reference LRS, the
 * target must meet all of them (since and until apply to the statements answered). Asks for one more than `limit`
 * so the caller knows whether a next page exists.
 */
export async function queryStatements(
  db: Db,
  partnerId: string,
  f: StatementFilters,
  limit: number,
  after?: [number, number],
): Promise<StoredStatement[]> {
  const params: unknown[] = [partnerId];
  const p = (v: unknown) => `$${params.push(v)}`;
  const matching: string[] = [];
  if (f.agent !== undefined) matching.push(`${f.relatedAgents ? 'related_agent_keys' : 'agent_keys'} @> ARRAY[${p(f.agent)}]`);
  if (f.verb !== undefined) matching.push(`verb = ${p(f.verb)}`);
  if (f.activity !== undefined)
    matching.push(`${f.relatedActivities ? 'related_activity_ids' : 'activity_ids'} @> ARRAY[${p(f.activity)}]`);
  if (f.registration !== undefined) matching.push(`registration = ${p(f.registration.toLowerCase())}::uuid`);

  const where = ['s.partner_id = $1', 'NOT s.voided'];
  if (f.since !== undefined) where.push(`s.stored_at > ${p(f.since)}::timestamptz`);
  if (f.until !== undefined) where.push(`s.stored_at <= ${p(f.until)}::timestamptz`);
  const direction = f.ascending ? 'ASC' : 'DESC';
  if (after) {
    const at = `'epoch'::timestamptz + ${p(after[0])}::bigint * interval '1 microsecond'`;
    where.push(`(s.stored_at, s.seq) ${f.ascending ? '>' : '<'} (${at}, ${p(after[1])}::bigint)`);
  }
  const matched = matching.length
    ? `WITH RECURSIVE matched (id, depth) AS (
         SELECT id, 0 FROM xapi_statements WHERE partner_id = $1 AND ${matching.join(' AND ')}
         UNION
         SELECT t.id, m.depth + 1 FROM matched m JOIN xapi_statements t ON t.partner_id = $1 AND t.object_ref = m.id
          WHERE m.depth < ${MAX_REFERENCE_DEPTH}
       )`
    : '';
  if (matching.length) where.push('s.id IN (SELECT id FROM matched)');
  const { rows } = await db.query<StatementRow>(
    `${matched} SELECT ${columns('s')} FROM xapi_statements s
      WHERE ${where.join(' AND ')} ORDER BY s.stored_at ${direction}, s.seq ${direction} LIMIT ${p(limit + 1)}`,
    params,
  );
  return rows.map(toStored);
}

/** The content of the partner's attachments with these sha2 digests. */
export async function attachmentContents(
  db: Db,
  partnerId: string,
  sha2s: string[],
): Promise<{ sha2: string; contentType: string; content: Buffer }[]> {
  if (!sha2s.length) return [];
  const { rows } = await db.query<{ sha2: string; content_type: string; content: Buffer }>(
    'SELECT sha2, content_type, content FROM xapi_attachments WHERE partner_id = $1 AND sha2 = ANY($2)',
    [partnerId, [...new Set(sha2s.map((s) => s.toLowerCase()))]],
  );
  return rows.map((r) => ({ sha2: r.sha2, contentType: r.content_type, content: r.content }));
}

/** How many statements (the newest) the activities and agents resources read about one activity or agent. */
export const XAPI_MENTIONS_READ = 1000;

/** The partner's statements (voided or not) that mention an activity, or an agent, oldest first of the newest ones. */
export async function statementsMentioning(
  db: Db,
  partnerId: string,
  about: { activity: string } | { agent: string },
): Promise<JsonObject[]> {
  const [column, value] = 'activity' in about ? ['related_activity_ids', about.activity] : ['related_agent_keys', about.agent];
  const { rows } = await db.query<{ statement: JsonObject }>(
    `SELECT statement FROM (
       SELECT statement, stored_at, seq FROM xapi_statements WHERE partner_id = $1 AND ${column} @> ARRAY[$2]
        ORDER BY stored_at DESC, seq DESC LIMIT $3
     ) newest ORDER BY stored_at, seq`,
    [partnerId, value, XAPI_MENTIONS_READ],
  );
  return rows.map((r) => r.statement);
}
