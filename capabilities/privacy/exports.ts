/**
 * A student's data export (GDPR Art. 15 and 20, FERPA 34 CFR 99.10): asked for here, built by the dataExportWorkflow
 * (activities/dataExports.ts), downloaded by that student alone until it expires 7 days after it is ready.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../core/actor';
import { audit } from '../../core/audit';
import type { CoreDeps } from '../../core/deps';
import { refuse } from '../../core/refusals';
import { rememberStudent } from '../enrollments/student-contact';
import { findStudentExport } from './erasure-queries';

type Deps = Pick<CoreDeps, 'db' | 'files' | 'privacyJobs'>;

/** Starts a privacy job; Temporal out of reach is a 503 (asking again starts the same job: its id is the row's). */
export async function startJob(deps: Pick<CoreDeps, 'privacyJobs'>, start: (jobs: NonNullable<CoreDeps['privacyJobs']>) => Promise<void>) {
  if (!deps.privacyJobs) throw refuse.unavailable('data exports and erasures are not available here: no job service is configured');
  try {
    await start(deps.privacyJobs);
  } catch (err) {
    console.error('[privacy] the job could not be started:', (err as Error).message);
    throw refuse.unavailable('the job could not be started; try again shortly');
  }
}

/**
 * The student's export being built, or a new one: the unique index keeps one pending per student, and one that became
 * ready between the insert and the read leaves room for a new one, so the insert is tried again.
 */
async function pendingExport(db: Deps['db'], studentId: string): Promise<{ id: string; inserted: boolean }> {
  for (;;) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO data_exports (id, student_id) VALUES ($1, $2)
       ON CONFLICT (student_id) WHERE status = 'pending' DO NOTHING RETURNING id`,
      [randomUUID(), studentId],
    );
    if (rows[0]) return { id: rows[0].id, inserted: true };
    const pending = await db.query<{ id: string }>(`SELECT id FROM data_exports WHERE student_id = $1 AND status = 'pending'`, [studentId]);
    if (pending.rows[0]) return { id: pending.rows[0].id, inserted: false };
  }
}

/**
 * Asks for an export of everything about the student: a new one, or the one being built already (one at a time).
 * The student's name and email as their sign-in gives them are kept first: the ready email is addressed from them.
 */
export async function requestDataExport(deps: Deps, student: Actor): Promise<{ id: string; status: 'pending' }> {
  const { db } = deps;
  await rememberStudent(db, student);
  const { id, inserted } = await pendingExport(db, student.id);
  await startJob(deps, (jobs) => jobs.startExport(id));
  if (inserted) await audit(db, student, 'data_export.request', { type: 'data_export', id });
  return { id, status: 'pending' };
}

/** The ZIP of a ready export, for its student alone; 409 while it is built or once it has expired. */
export async function downloadDataExport(deps: Deps, student: Actor, exportId: string) {
  const x = await findStudentExport(deps.db, student, exportId);
  if (x.status === 'pending') throw refuse.conflict('the export is still being built; you are emailed when it is ready', 5);
  const data = !x.lapsed && x.file_key ? await deps.files.get(x.file_key) : undefined;
  if (x.status === 'expired' || !data) throw refuse.conflict('the export has expired and was deleted; ask for a new one');
  return { data, filename: `my-data-${x.ready_at!.toISOString().slice(0, 10)}.zip` };
}
