import type { ActivityDeps } from './deps';

export function createWioaActivities({ db }: ActivityDeps) {
  return {
    /** The enrollment's WIOA outcome: training completed and the credential attained, one row per enrollment. */
    async recordWioaOutcome(r: { enrollmentId: string; completedAt: string }): Promise<void> {
      await db.query(
        `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date,
                                    training_completed, completion_date, credential_type, credential_date)
         SELECT e.id, e.program_id, e.funding_source, COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date,
                true, $2::date, p.credential_type, $2::date
           FROM enrollments e JOIN programs p ON p.id = e.program_id
          WHERE e.id = $1
         ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, r.completedAt],
      );
    },

    /** An exit without the training completed (withdrawn, or the program's deadline passed): no credential. */
    async recordWioaExit(r: { enrollmentId: string; exitDate: string }): Promise<void> {
      await db.query(
        `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date, training_completed)
         SELECT e.id, e.program_id, e.funding_source, COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date, false
           FROM enrollments e WHERE e.id = $1
         ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, r.exitDate],
      );
    },
  };
}
