/**
 * The WIOA reports' read model (wioa_outcomes, kept by the workflow's activities): the PIRL's participant rows (WIOA-funded
 * participants only) and the ETP counts (all students).
 */
import type { Db } from '../../db/pool';
import type { CredentialType } from '../../lib/program-rules';
import { CREDENTIAL_TYPE_TO_PIRL, type PirlRecord, pirlObsNumber, pirlParticipantId } from '../../lib/pirl';
import type { FundingSource } from '../../workflows/messages';

/** One participant: PIRL dates already `YYYYMMDD`. */
export interface OutcomeRow {
  /** The record's own number: its OBS Number. */
  pirl_id: number;
  /** The participant's number, the same for each of their records (entries and exits): their PIRL 100. */
  individual_id: number;
  enrollment_id: string;
  program_id: string;
  funding_source: FundingSource;
  entry: string | null;
  exit: string | null;
  received_training: boolean;
  training_entry: string | null;
  training_service_code: string;
  training_completed: boolean;
  completion: string | null;
  /** The program's credential type (a PIRL code kept as it is). */
  credential_type: string | null;
  credential: string | null;
}

/** One read-model row as a PIRL record. */
export function toPirlRecord(r: OutcomeRow): PirlRecord {
  return {
    obsNumber: pirlObsNumber(r.pirl_id),
    participantId: pirlParticipantId(r.individual_id),
    programEntry: r.entry ?? '',
    programExit: r.exit ?? '',
    receivedTraining: r.received_training ? '1' : '0',
    trainingEntry: r.training_entry ?? '',
    trainingService: r.training_service_code,
    // Blank without training, unless the read model says it was completed (an edit check then reports it).
    trainingCompleted: r.training_completed ? '1' : r.received_training ? '0' : '',
    // 1308 is the date training was completed, or the participant withdrew from it (their exit).
    trainingCompletedDate: r.completion ?? (r.received_training && !r.training_completed ? (r.exit ?? '') : ''),
    credentialType: r.credential_type === null ? '0' : (CREDENTIAL_TYPE_TO_PIRL[r.credential_type as CredentialType] ?? r.credential_type),
    credentialDate: r.credential ?? '',
  };
}

/** The funding source whose students are WIOA participants: an Individual Training Account. */
const WIOA_FUNDED: FundingSource = 'wioa_ita';

/**
 * The WIOA participants (funding source wioa_ita: self-paid and sponsored students are no WIOA participants) whose
 * program entry or exit falls in $1..$2 (inclusive), a funder's own ($3: its organization) or all. A participant's
 * PIRL 100 is the number of their first WIOA record, so it is the same for each of their entries and exits (ETA-9172:
 * "the same for each program entry and exit") and never changes: records are only ever added, with higher numbers.
 * (One grouped pass over the WIOA records, hashed: a correlated look-up per row halved the export's rate.)
 */
export const PARTICIPANTS_SQL = `
  SELECT w.pirl_id, w.enrollment_id, w.program_id, w.funding_source, i.individual_id,
         to_char(w.program_entry_date, 'YYYYMMDD') AS entry, to_char(w.exit_date, 'YYYYMMDD') AS exit,
         w.received_training, to_char(w.training_entry_date, 'YYYYMMDD') AS training_entry, w.training_service_code,
         w.training_completed, to_char(w.completion_date, 'YYYYMMDD') AS completion,
         w.credential_type, to_char(w.credential_date, 'YYYYMMDD') AS credential
    FROM wioa_outcomes w
    JOIN enrollments e ON e.id = w.enrollment_id
    JOIN (SELECT e1.student_id, min(w1.pirl_id) AS individual_id
            FROM wioa_outcomes w1 JOIN enrollments e1 ON e1.id = w1.enrollment_id
           WHERE w1.funding_source = '${WIOA_FUNDED}'
           GROUP BY e1.student_id) i ON i.student_id = e.student_id
   WHERE w.funding_source = '${WIOA_FUNDED}'
     AND (w.exit_date BETWEEN $1::date AND $2::date OR w.program_entry_date BETWEEN $1::date AND $2::date)
     -- A funder's report holds the participants its organization's vouchers fund.
     AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM vouchers v WHERE v.id = e.voucher_id AND v.organization_id = $3))
   ORDER BY w.pirl_id`;

/** A program's ETA-9171 counts: all its students' and its WIOA-funded students'. */
interface EtpCountsRow {
  id: string;
  title: string;
  enrolled: number;
  completed: number;
  credential: number;
  wioa_enrolled: number;
  wioa_completed: number;
  wioa_credential: number;
}

/**
 * ETA-9171-style counts per program for the students who entered it in `year`: all students, and WIOA-funded
 * (funding source wioa_ita) students. enrolled: paid enrollments entering in the year; completed: of those, training
 * completed; credentialAttained: of those, a recognized credential recorded in the participant record.
 */
export async function etpCounts(db: Db, year: number) {
  const { rows } = await db.query<EtpCountsRow>(
    `WITH cohort AS (
       SELECT e.program_id, e.funding_source = $2 AS wioa,
              (e.completed_at IS NOT NULL OR COALESCE(w.training_completed, false)) AS completed,
              (w.credential_date IS NOT NULL AND w.credential_type IS NOT NULL) AS credential
         FROM enrollments e LEFT JOIN wioa_outcomes w ON w.enrollment_id = e.id
        WHERE (e.paid_at IS NOT NULL OR w.enrollment_id IS NOT NULL)
          AND COALESCE(w.program_entry_date, COALESCE(e.launched_at, e.paid_at)::date) >= make_date($1::int, 1, 1)
          AND COALESCE(w.program_entry_date, COALESCE(e.launched_at, e.paid_at)::date) < make_date($1::int + 1, 1, 1)
     )
     SELECT p.id, p.title,
            count(c.program_id) AS enrolled,
            count(*) FILTER (WHERE c.completed) AS completed,
            count(*) FILTER (WHERE c.credential) AS credential,
            count(*) FILTER (WHERE c.wioa) AS wioa_enrolled,
            count(*) FILTER (WHERE c.wioa AND c.completed) AS wioa_completed,
            count(*) FILTER (WHERE c.wioa AND c.credential) AS wioa_credential
       FROM programs p LEFT JOIN cohort c ON c.program_id = p.id
      GROUP BY p.id, p.title
      ORDER BY p.title, p.id`,
    [year, WIOA_FUNDED],
  );
  return rows.map((r) => ({
    programId: r.id,
    programTitle: r.title,
    allStudents: { enrolled: Number(r.enrolled), completed: Number(r.completed), credentialAttained: Number(r.credential) },
    wioaFunded: { enrolled: Number(r.wioa_enrolled), completed: Number(r.wioa_completed), credentialAttained: Number(r.wioa_credential) },
  }));
}
