import { TRAINING_SERVICE_TYPE_TO_PIRL } from '../lib/pirl';
import type { ActivityDeps } from './deps';

/** The program's type of training service → its PIRL 1303 code, as one jsonb parameter the statements below read. */
const TRAINING_SERVICE_CODES_JSON = JSON.stringify(TRAINING_SERVICE_TYPE_TO_PIRL);

/**
 * The enrollment's participant record (the PIRL, ETA-9172: see lib/pirl.ts), one row per enrollment, written once at
 * its exit: completion, or withdrawal / expiry. Every enrollment gets one, whoever paid: the PIRL export reports the
 * WIOA-funded ones, the ETP counts all students.
 */
export function createWioaActivities({ db }: ActivityDeps) {
  return {
    /**
     * Training completed and the program's credential attained: exit, training completion and credential on one date;
     * 1303 is the program's type of training service.
     */
    async recordWioaOutcome(r: { enrollmentId: string; completedAt: string }): Promise<void> {
      await db.query(
        `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date,
                                    received_training, training_entry_date, training_service_code,
                                    training_completed, completion_date, credential_type, credential_date)
         SELECT e.id, e.program_id, e.funding_source, COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date,
                true, LEAST(COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date),
                $3::jsonb ->> p.training_service_type,
                true, $2::date, p.credential_type, $2::date
           FROM enrollments e JOIN programs p ON p.id = e.program_id
          WHERE e.id = $1
         ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, r.completedAt, TRAINING_SERVICE_CODES_JSON],
      );
    },

    /**
     * An exit without the training completed (withdrawn, or the program's deadline passed): no credential. A student
     * who left before the course was launched received no training (PIRL 1300 = 0, 1303 = 00); one who left after it
     * received the program's type of training service.
     */
    async recordWioaExit(r: { enrollmentId: string; exitDate: string }): Promise<void> {
      await db.query(
        `INSERT INTO wioa_outcomes (enrollment_id, program_id, funding_source, program_entry_date, exit_date,
                                    received_training, training_entry_date, training_service_code, training_completed)
         SELECT e.id, e.program_id, e.funding_source, COALESCE(e.launched_at, e.paid_at, e.created_at)::date, $2::date,
                e.launched_at IS NOT NULL, e.launched_at::date,
                CASE WHEN e.launched_at IS NULL THEN '00' ELSE $3::jsonb ->> p.training_service_type END, false
           FROM enrollments e JOIN programs p ON p.id = e.program_id
          WHERE e.id = $1
         ON CONFLICT (enrollment_id) DO NOTHING`,
        [r.enrollmentId, r.exitDate, TRAINING_SERVICE_CODES_JSON],
      );
    },
  };
}
