import type { Db } from '../../db/pool';
import type { EnrollmentStatus, ReportOutcome } from '../../workflows/messages';

/** What reporting a completion reads besides the workflow: the record's status and dates, and the evidence kept. */

export async function enrollmentStatus(db: Db, enrollmentId: string): Promise<string | undefined> {
  return (await db.query<{ status: EnrollmentStatus }>('SELECT status FROM enrollments WHERE id = $1', [enrollmentId])).rows[0]?.status;
}

/** An enrollment's launch and start. */
export interface EnrollmentDatesRow {
  launched_at: Date | null;
  created_at: Date;
}

/** The launch and start the completion-date rule needs (the enrollment row is written just before its workflow starts). */
export async function completionDates(db: Db, enrollmentId: string): Promise<EnrollmentDatesRow | undefined> {
  return (await db.query<EnrollmentDatesRow>('SELECT launched_at, created_at FROM enrollments WHERE id = $1', [enrollmentId])).rows[0];
}

export async function evidenceOutcome(db: Db, enrollmentId: string, method: string, reportId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ outcome: ReportOutcome['outcome'] }>(
    'SELECT outcome FROM completion_evidence WHERE enrollment_id = $1 AND method = $2 AND report_id = $3',
    [enrollmentId, method, reportId],
  );
  return rows[0]?.outcome;
}
