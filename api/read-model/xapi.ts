import type { Db } from '../../db/pool';
import type { MoveOn } from '../../lib/program-rules';

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

/** The registration's stored statements with one of these verbs, in the order they happened. */
export async function countingStatements(db: Db, enrollmentId: string, verbs: readonly string[]): Promise<CountingStatement[]> {
  const { rows } = await db.query<StatementTimingRow>(
    `SELECT id, verb, statement->>'timestamp' AS timestamp, statement->'result'->'score'->'scaled' AS scaled, stored_at
       FROM xapi_statements WHERE enrollment_id = $1 AND verb = ANY($2)`,
    [enrollmentId, verbs],
  );
  return rows
    .map((r) => ({
      id: r.id,
      verb: r.verb,
      at: r.timestamp ? new Date(r.timestamp) : r.stored_at,
      storedAt: r.stored_at,
      scaled: typeof r.scaled === 'number' ? r.scaled : undefined,
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.storedAt.getTime() - b.storedAt.getTime() || a.id.localeCompare(b.id));
}
