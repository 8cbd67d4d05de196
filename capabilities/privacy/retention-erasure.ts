/**
 * The retention rule for personal data (retention-policy.ts, `personalData`): a student whose enrollments have all
 * closed, the last one more than RETENTION_PERSONAL_DATA ago, is pseudonymized the way an approved erasure does it, by
 * the erasure itself: this files an erasure request on the policy's behalf (`origin` retention, decided by
 * `system:retention`), and the retention workflow runs its erasureWorkflow. The request is the record of what was
 * erased and what is kept, as for a student's own.
 *
 * Skipped: a student with an open erasure request (theirs does the same), with an export being built (FERPA
 * 99.10(e): records under a pending request to inspect are not destroyed; the next run takes them), and ids that are
 * an erasure's pseudonym already.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { audit } from '../../core/audit';
import { inTransaction } from '../../db/pool';
import { OPEN_STATUSES } from '../../workflows/messages';
import type { RetentionBatchContext } from './retention';
import { ENROLLMENT_ENDED_SQL } from './retention';

/** Students pseudonymized per batch: each is an erasure workflow of its own, run side by side. */
export const ERASURES_PER_BATCH = 20;

const RETENTION_DECIDER = { id: 'system:retention', role: 'system' } as const;

/** Why a request the policy filed was withdrawn: the erasure found an enrollment opened since (it sent it back). */
const REOPENED =
  'withdrawn by the retention policy: the student enrolled again before their records were pseudonymized; ' +
  'the policy files a new request once every enrollment has been closed for the period';

export interface RetentionErasures {
  /** The requests to carry out now: those just filed, and the policy's earlier ones still under way. */
  requestIds: string[];
  /** Requests filed by this batch. */
  filed: number;
  more: boolean;
}

async function dueStudents(q: PoolClient, c: RetentionBatchContext, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ student_id: string }>(
    `WITH due AS (
       SELECT e.student_id FROM enrollments e
        WHERE NOT EXISTS (SELECT 1 FROM erasure_requests r WHERE r.pseudonym = e.student_id)
        GROUP BY e.student_id
       HAVING bool_and(NOT (e.status = ANY($3::text[])))
          AND max(${ENROLLMENT_ENDED_SQL}) < $1::timestamptz - $2::interval)
     SELECT d.student_id FROM due d
      WHERE NOT EXISTS (SELECT 1 FROM erasure_requests r WHERE r.student_id = d.student_id AND r.status IN ('requested', 'approved'))
        AND NOT EXISTS (SELECT 1 FROM data_exports x WHERE x.student_id = d.student_id AND x.status = 'pending')
      ORDER BY d.student_id
      LIMIT $4`,
    [c.now, c.periods.personalData.interval, OPEN_STATUSES, limit],
  );
  return rows.map((r) => r.student_id);
}

/** Files one batch of erasure requests for the students past the period, in one transaction; answers what to run. */
export function fileRetentionErasures(c: RetentionBatchContext): Promise<RetentionErasures> {
  const limit = Math.min(c.limit, ERASURES_PER_BATCH);
  return inTransaction(c.db, async (q) => {
    // A request of the policy's that the erasure sent back (an enrollment was opened meanwhile) would otherwise block
    // the student's own request: it is withdrawn, and filed again when the student is due again.
    await q.query(
      `UPDATE erasure_requests SET status = 'rejected', reason = $1, decided_by = $2, decided_at = now()
        WHERE origin = 'retention' AND status = 'requested'`,
      [REOPENED, RETENTION_DECIDER.id],
    );
    const filed: string[] = [];
    for (const studentId of await dueStudents(q, c, limit)) {
      const id = randomUUID();
      const { rowCount } = await q.query(
        `INSERT INTO erasure_requests (id, student_id, status, origin, decided_by, decided_at, pseudonym)
         VALUES ($1, $2, 'approved', 'retention', $3, now(), $4) ON CONFLICT DO NOTHING`,
        [id, studentId, RETENTION_DECIDER.id, `erased-${randomUUID()}`],
      );
      if (!rowCount) continue; // the student asked at this very moment: theirs does it
      await audit(
        q,
        RETENTION_DECIDER,
        'erasure.approve',
        { type: 'erasure_request', id },
        {
          policy: 'RETENTION_PERSONAL_DATA',
          period: c.periods.personalData.text,
        },
      );
      filed.push(id);
    }
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM erasure_requests WHERE origin = 'retention' AND status = 'approved' AND NOT (id = ANY($1::uuid[]))`,
      [filed],
    );
    return { requestIds: [...filed, ...rows.map((r) => r.id)], filed: filed.length, more: filed.length >= limit };
  });
}
