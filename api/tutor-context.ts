import type { Db } from '../db/pool';
import type { EnrollmentFacts, ProgramFacts } from '../services/tutor-prompt';
import type { EnrollmentState } from '../workflows/messages';
import type { EnrollmentClient } from './enrollment-client';

export async function loadProgramFacts(db: Db, programId: string): Promise<ProgramFacts | undefined> {
  const { rows } = await db.query(
    'SELECT p.title, pa.name AS partner_name, p.credential_type FROM programs p JOIN partners pa ON pa.id = p.partner_id WHERE p.id = $1',
    [programId],
  );
  return rows[0] && { title: rows[0].title, partnerName: rows[0].partner_name, credentialType: rows[0].credential_type };
}

function fromState(state: EnrollmentState): EnrollmentFacts {
  const pending = [...state.submissions].reverse().find((s) => s.status === 'pending');
  const rejected = [...state.submissions].reverse().find((s) => s.status === 'rejected');
  return {
    status: state.status,
    launchedAt: state.launchedAt,
    completedAt: state.completedAt,
    deadlineAt: state.deadlineAt,
    pendingSince: pending?.submittedAt,
    lastRejection: rejected?.reason ? { reason: rejected.reason } : undefined,
    source: 'workflow',
  };
}

async function fromReadModel(db: Db, enrollmentId: string): Promise<EnrollmentFacts | undefined> {
  const [e, subs] = await Promise.all([
    db.query('SELECT status, launched_at, completed_at FROM enrollments WHERE id = $1', [enrollmentId]),
    db.query('SELECT status, reason, submitted_at, reviewed_at FROM completion_submissions WHERE enrollment_id = $1 ORDER BY submitted_at, id', [enrollmentId]),
  ]);
  const row = e.rows[0];
  if (!row) return undefined;
  const pending = [...subs.rows].reverse().find((s) => s.status === 'pending');
  const rejected = [...subs.rows].reverse().find((s) => s.status === 'rejected');
  return {
    status: row.status,
    launchedAt: row.launched_at?.toISOString(),
    completedAt: row.completed_at?.toISOString(),
    pendingSince: pending?.submitted_at?.toISOString(),
    lastRejection: rejected?.reason ? { reason: rejected.reason, at: rejected.reviewed_at?.toISOString() } : undefined,
    source: 'read_model',
  };
}

/** The live state from the workflow's status query (bounded wait); the read model when the workflow does not answer. */
export async function loadEnrollmentFacts(db: Db, enrollments: EnrollmentClient, enrollmentId: string, waitMs = 5_000): Promise<EnrollmentFacts | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const state = await Promise.race([
      enrollments.status(enrollmentId),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('status query timed out')), waitMs))),
    ]);
    return fromState(state);
  } catch {
    return fromReadModel(db, enrollmentId);
  } finally {
    clearTimeout(timer);
  }
}

export { describeEnrollment, systemPrompt, trimHistory, type EnrollmentFacts, type ProgramFacts } from '../services/tutor-prompt';
