/**
 * Applying the retention policy (retention-policy.ts), one bounded batch at a time: each batch is one transaction that
 * takes at most `limit` rows past their period (locked, skipping rows another transaction holds), deletes them or
 * their files, and commits. Run again, a batch finds only what is still past its period, so a run that stopped
 * anywhere (a crash between batches, a failed batch rolled back) is resumed by the next batch or the next run, and a
 * run over nothing due changes nothing. Every cutoff counts from `now`, which the caller fixes for a whole run.
 */
import type { PoolClient } from 'pg';
import type { Db } from '../../db/pool';
import { inTransaction } from '../../db/pool';
import type { RetentionPeriods } from '../../lib/retention-config';
import type { FileStore } from '../../services/file-store';
import { OPEN_STATUSES } from '../../workflows/messages';
import type { RetentionRuleId } from './retention-policy';

export interface RetentionBatchContext {
  db: Db;
  files: FileStore;
  periods: RetentionPeriods;
  /** The run's clock: every cutoff is `now` minus a period. */
  now: Date;
  /** The most rows one batch takes. */
  limit: number;
}

/** What one batch did: how many records, and whether more may be due (it took as many as it could). */
export interface RetentionBatch {
  done: number;
  more: boolean;
}

interface Work {
  q: PoolClient;
  files: FileStore;
  periods: RetentionPeriods;
  now: Date;
  limit: number;
}

/** The rules applied here; `personalData` runs the erasure per student instead (capabilities/privacy/retention-erasure.ts). */
export type RetentionBatchRule = Exclude<RetentionRuleId, 'personalData'>;

/**
 * Deletes at most `limit` rows of `table` that `where` selects ($1… are `params`), skipping rows locked by a
 * transaction still at work on them (the next batch takes them); answers how many went.
 */
async function deleteBatch(w: Work, table: string, where: string, params: unknown[], limit = w.limit): Promise<number> {
  if (limit <= 0) return 0;
  const { rowCount } = await w.q.query(
    `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM ${table} WHERE ${where} LIMIT $${params.length + 1} FOR UPDATE SKIP LOCKED))`,
    [...params, limit],
  );
  return rowCount ?? 0;
}

/** When an enrollment ended: its closing, withdrawal or expiry, else (an unpaid checkout's end) its last status change. */
export const ENROLLMENT_ENDED_SQL = `COALESCE(e.closed_at, e.withdrawn_at, e.expired_at,
  (SELECT max(h.at) FROM enrollment_status_history h WHERE h.enrollment_id = e.id), e.updated_at)`;

/**
 * An enrollment `e` whose evidence files are past their period: ended, RETENTION_EVIDENCE_FILES ago ($2), a funded
 * one also RETENTION_PERSONAL_DATA ago ($3); and no export of its student being built (FERPA 99.10(e)).
 * $1 is the run's now, $4 the open statuses.
 */
const FILES_DUE = `NOT (e.status = ANY($4::text[]))
  AND ${ENROLLMENT_ENDED_SQL} < CASE WHEN e.funding_source = 'self_pay' THEN $1::timestamptz - $2::interval
                                     ELSE LEAST($1::timestamptz - $2::interval, $1::timestamptz - $3::interval) END
  AND NOT EXISTS (SELECT 1 FROM data_exports x WHERE x.student_id = e.student_id AND x.status = 'pending')`;

/** Deletes the files the selected rows name and marks the rows, so pages say the file is gone instead of failing. */
async function deleteFilesOf(w: Work, select: string, mark: string, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  const { periods, now } = w;
  const { rows } = await w.q.query<{ id: string; file_key: string }>(select, [
    now,
    periods.evidenceFiles.interval,
    periods.personalData.interval,
    OPEN_STATUSES,
    limit,
  ]);
  // Deleted before the rows are marked: a batch that fails in between leaves the rows for the next one, whose
  // delete of a file already gone does nothing.
  for (const r of rows) await w.files.delete(r.file_key);
  if (rows.length) await w.q.query(mark, [rows.map((r) => r.id)]);
  return rows.length;
}

const WORK: Record<RetentionBatchRule, (w: Work) => Promise<number>> = {
  /** Console sessions past their expiry (connect-pg-simple's `expire`). */
  sessions: (w) => deleteBatch(w, 'console_sessions', 'expire < $1::timestamptz', [w.now]),

  /** Idempotency-Keys, rate-limit counts, the tutor's usage and windows, LTI single-use values: a batch of each. */
  async requestTraces(w) {
    const cutoff = [w.now, w.periods.requestTraces.interval];
    const before = '$1::timestamptz - $2::interval';
    let done = 0;
    for (const [table, where] of [
      ['idempotency_keys', `created_at < ${before} AND claimed_until < $1::timestamptz`],
      ['rate_limit_hits', `window_start < ${before}`],
      ['tutor_usage', `day < ((${before}) AT TIME ZONE 'UTC')::date`],
      ['tutor_rate_windows', `window_start < ${before}`],
      ['lti_used_values', `expires_at < ${before}`],
    ]) {
      done += await deleteBatch(w, table, where, cutoff, w.limit - done);
    }
    return done;
  },

  /** Conversations whose last message is older than the period; their messages go with them (ON DELETE CASCADE). */
  tutorConversations: (w) =>
    deleteBatch(w, 'tutor_conversations', 'updated_at < $1::timestamptz - $2::interval', [w.now, w.periods.tutorConversations.interval]),

  /** Students' uploads first, then holders' certificate proofs, as many as the batch has room for. */
  async evidenceFiles(w) {
    const uploads = await deleteFilesOf(
      w,
      `SELECT s.id, s.file_key FROM completion_submissions s JOIN enrollments e ON e.id = s.enrollment_id
        WHERE s.file_deleted_at IS NULL AND ${FILES_DUE}
        LIMIT $5 FOR UPDATE OF s SKIP LOCKED`,
      'UPDATE completion_submissions SET file_deleted_at = now() WHERE id = ANY($1::uuid[])',
      w.limit,
    );
    const proofs = await deleteFilesOf(
      w,
      `SELECT c.id, c.proof_file_key AS file_key FROM completion_evidence c JOIN enrollments e ON e.id = c.enrollment_id
        WHERE c.proof_file_key IS NOT NULL AND c.proof_deleted_at IS NULL AND ${FILES_DUE}
        LIMIT $5 FOR UPDATE OF c SKIP LOCKED`,
      'UPDATE completion_evidence SET proof_deleted_at = now() WHERE id = ANY($1::uuid[])',
      w.limit - uploads,
    );
    return uploads + proofs;
  },

  /**
   * Export ZIPs still in the file store past the expiry the student was told (RETENTION_EXPORTS after it was ready, set
   * when it was built): removed and marked expired. The export job does this at that time; this is its backstop.
   */
  async exports(w) {
    const { rows } = await w.q.query<{ id: string; file_key: string | null }>(
      `SELECT id, file_key FROM data_exports
        WHERE status = 'ready' AND COALESCE(expires_at, ready_at + $2::interval) < $1::timestamptz
        LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [w.now, w.periods.exports.interval, w.limit],
    );
    for (const r of rows) if (r.file_key) await w.files.delete(r.file_key);
    if (rows.length) {
      await w.q.query(`UPDATE data_exports SET status = 'expired', expired_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
    }
    return rows.length;
  },

  auditLog: (w) => deleteBatch(w, 'audit_log', 'at < $1::timestamptz - $2::interval', [w.now, w.periods.auditLog.interval]),

  /**
   * Entries older than the period about a student whose records no longer name them: no enrollment or student row
   * under that id, or the id is an erasure's pseudonym. While the records are kept, so is the log (FERPA 99.32(a)(2)).
   */
  disclosureLog: (w) =>
    deleteBatch(
      w,
      'disclosure_log d',
      `d.at < $1::timestamptz - $2::interval
       AND (EXISTS (SELECT 1 FROM erasure_requests r WHERE r.pseudonym = d.student_id)
            OR NOT (EXISTS (SELECT 1 FROM enrollments e WHERE e.student_id = d.student_id)
                    OR EXISTS (SELECT 1 FROM students s WHERE s.id = d.student_id)))`,
      [w.now, w.periods.disclosureLog.interval],
    ),

  erasureRequests,
};

/**
 * Finished erasure requests past the accountability period: a rejected one is deleted; a completed one forgets the
 * student's id (it becomes the pseudonym) and the tutor consent records kept under the pseudonym are deleted.
 */
async function erasureRequests(w: Work): Promise<number> {
  const cutoff = [w.now, w.periods.auditLog.interval];
  const rejected = await deleteBatch(w, 'erasure_requests', `status = 'rejected' AND decided_at < $1::timestamptz - $2::interval`, cutoff);
  const { rows } = await w.q.query<{ id: string; pseudonym: string }>(
    `SELECT id, pseudonym FROM erasure_requests
      WHERE status = 'completed' AND unlinked_at IS NULL AND completed_at < $1::timestamptz - $2::interval
      LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [...cutoff, Math.max(w.limit - rejected, 0)],
  );
  if (rows.length) {
    await w.q.query('DELETE FROM tutor_consents WHERE student_id = ANY($1::text[])', [rows.map((r) => r.pseudonym)]);
    await w.q.query('UPDATE erasure_requests SET student_id = pseudonym, unlinked_at = now() WHERE id = ANY($1::uuid[])', [
      rows.map((r) => r.id),
    ]);
  }
  return rejected + rows.length;
}

/** One batch of one rule, in a transaction of its own. */
export function applyRetentionBatch(c: RetentionBatchContext, rule: RetentionBatchRule): Promise<RetentionBatch> {
  return inTransaction(c.db, async (q) => {
    const done = await WORK[rule]({ q, files: c.files, periods: c.periods, now: c.now, limit: c.limit });
    return { done, more: done >= c.limit };
  });
}
