import type { Db } from '../../db/pool';
import type { TutorMessage } from '../../services/tutor-model';
import type { EnrollmentFacts, ProgramFacts } from '../../services/tutor-prompt';
import type { EnrollmentStatus, SubmissionView } from '../../workflows/messages';

/** What the AI tutor reads: the course it is asked about, the student's enrollment in it, and saved conversations. */

/** A program with its partner's name. */
interface ProgramFactsRow {
  title: string;
  partner_name: string;
  credential_type: string;
}

export async function loadProgramFacts(db: Db, programId: string): Promise<ProgramFacts | undefined> {
  const { rows } = await db.query<ProgramFactsRow>(
    'SELECT p.title, pa.name AS partner_name, p.credential_type FROM programs p JOIN partners pa ON pa.id = p.partner_id WHERE p.id = $1',
    [programId],
  );
  return rows[0] && { title: rows[0].title, partnerName: rows[0].partner_name, credentialType: rows[0].credential_type };
}

export async function programExists(db: Db, programId: string): Promise<boolean> {
  return Boolean((await db.query('SELECT 1 FROM programs WHERE id = $1', [programId])).rowCount);
}

/** The student's newest enrollment in the program, if any. */
export async function newestEnrollmentIn(db: Db, studentId: string, programId: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM enrollments WHERE student_id = $1 AND program_id = $2 ORDER BY created_at DESC LIMIT 1',
    [studentId, programId],
  );
  return rows[0]?.id ?? null;
}

/** The newest pending and the newest rejected of an enrollment's submissions (given oldest first): what the tutor mentions. */
export function latestSubmissions<S extends { status: string }>(oldestFirst: S[]): { pending?: S; rejected?: S } {
  const newestFirst = [...oldestFirst].reverse();
  return { pending: newestFirst.find((s) => s.status === 'pending'), rejected: newestFirst.find((s) => s.status === 'rejected') };
}

/** An enrollment's status and milestones. */
interface EnrollmentStateRow {
  status: EnrollmentStatus;
  launched_at: Date | null;
  completed_at: Date | null;
}

/** One evidence upload, as the tutor mentions it. */
interface SubmissionStateRow {
  status: SubmissionView['status'];
  reason: string | null;
  submitted_at: Date;
  reviewed_at: Date | null;
}

/** The enrollment's state as the read model has it (when its workflow does not answer). */
export async function enrollmentFactsFromReadModel(db: Db, enrollmentId: string): Promise<EnrollmentFacts | undefined> {
  const [e, subs] = await Promise.all([
    db.query<EnrollmentStateRow>('SELECT status, launched_at, completed_at FROM enrollments WHERE id = $1', [enrollmentId]),
    db.query<SubmissionStateRow>(
      'SELECT status, reason, submitted_at, reviewed_at FROM completion_submissions WHERE enrollment_id = $1 ORDER BY submitted_at, id',
      [enrollmentId],
    ),
  ]);
  const row = e.rows[0];
  if (!row) return undefined;
  const { pending, rejected } = latestSubmissions(subs.rows);
  return {
    status: row.status,
    launchedAt: row.launched_at?.toISOString(),
    completedAt: row.completed_at?.toISOString(),
    pendingSince: pending?.submitted_at?.toISOString(),
    lastRejection: rejected?.reason ? { reason: rejected.reason, at: rejected.reviewed_at?.toISOString() } : undefined,
    source: 'read_model',
  };
}

export interface ConversationRow {
  id: string;
  student_id: string;
  program_id: string;
  enrollment_id: string | null;
}

export async function findConversation(db: Db, conversationId: string): Promise<ConversationRow | undefined> {
  const { rows } = await db.query<ConversationRow>(
    'SELECT id, student_id, program_id, enrollment_id FROM tutor_conversations WHERE id = $1',
    [conversationId],
  );
  return rows[0];
}

/** A saved message of a conversation (the system prompt is never saved). */
interface ConversationMessageRow {
  role: 'user' | 'assistant';
  content: string;
  created_at: Date;
}

export async function conversationMessages(db: Db, conversationId: string): Promise<(TutorMessage & { created_at: Date })[]> {
  const { rows } = await db.query<ConversationMessageRow>(
    'SELECT role, content, created_at FROM tutor_messages WHERE conversation_id = $1 ORDER BY id',
    [conversationId],
  );
  return rows;
}
