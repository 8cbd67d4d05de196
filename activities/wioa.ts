import type { ActivityDeps } from './deps';

/**
 * The enrollment's WIOA participant record (shaped after the PIRL, ETA-9172: see lib/pirl.ts), one row per enrollment,
 * written once at its exit: completion, or withdrawal / expiry.
 */
export function createWioaActivities({ db }: ActivityDeps) {
  return {
    /** Training completed and the program's credential attained: exit, training completion and credential on one date. */
    async recordWioaOutcome(r: { enrollmentId: string; completedAt: string }): Promise<void> {
      await db.query(
        `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date,
                                    received_training, training_entry_date, training_service_code,
                                    training_completed, completion_date, credential_type, credential_date)
         SELECT e.id, e.program_id, e.funding_source, COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date,
                true, LEAST(COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date), '06',
                true, $2::date, p.credential_type, $2::date
           FROM enrollments e JOIN programs p ON p.id = e.program_id
          WHERE e.id = $1
         ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, r.completedAt],
      );
    },

    /**
     * An exit without the training completed (withdrawn, or the program's deadline passed): no credential. A student
     * who left before the course was launched received no training (PIRL 1300 = 0, 1303 = 00).
     */
    async recordWioaExit(r: { enrollmentId: string; exitDate: string }): Promise<void> {
      await db.query(
        `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date,
                                    received_training, training_entry_date, training_service_code, training_completed)
         SELECT e.id, e.program_id, e.funding_source, COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date,
                e.launched_at IS NOT NULL, e.launched_at::date, CASE WHEN e.launched_at IS NULL THEN '00' ELSE '06' END, false
           FROM enrollments e WHERE e.id = $1
         ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, r.exitDate],
      );
    },
  };
}
