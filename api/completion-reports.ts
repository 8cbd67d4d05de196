import { createHash } from 'node:crypto';
import { type CompletionReport, type EnrollmentStatus, REPORTABLE_STATUSES, type ReportOutcome } from '../workflows/messages';
import { insertCompletionEvidence } from '../activities/completions';
import { completionDateProblem } from '../workflows/completion-date';
import type { ApiDeps } from './deps';
import { problems } from './problems';

export const ALREADY_COMPLETE: readonly EnrollmentStatus[] = ['completed', 'closed'];
/** Statuses in which a completion report can still be applied (the workflow decides; this is for previews). */
export const OPEN_FOR_COMPLETION: readonly EnrollmentStatus[] = REPORTABLE_STATUSES.filter((s) => !ALREADY_COMPLETE.includes(s));

/** A report's id when the channel gives none: the same partner, enrollment and date are the same report. */
export const derivedReportId = (partnerId: string, enrollmentId: string, completedAt: string) =>
  createHash('sha256').update(`${partnerId}\n${enrollmentId.toLowerCase()}\n${completedAt}`).digest('hex');

/**
 * The completion-date rule with the read model's launch and start (the enrollment row is written just before its
 * workflow starts), for the answers the API gives without the workflow: a closed enrollment, a CSV dry run, xAPI
 * statements before they are stored.
 */
export const completionDateProblemOf = (e: { launched_at: Date | null; created_at: Date }, completedAt: string) =>
  completionDateProblem(completedAt, { launchedAt: e.launched_at?.toISOString(), startedAt: e.created_at.toISOString(), now: Date.now() });

const readStatus = async (db: ApiDeps['db'], enrollmentId: string): Promise<string | undefined> =>
  (await db.query('SELECT status FROM enrollments WHERE id = $1', [enrollmentId])).rows[0]?.status;

/**
 * Every channel's way to report a completion (push, xAPI, CSV import). The workflow applies the first and keeps
 * the others as evidence. A `closed` enrollment's workflow has finished, so its evidence is written here: the
 * report is kept (once per channel and report id) and answered as the first time it was seen.
 */
export async function reportCompletion({ db, enrollments }: Pick<ApiDeps, 'db' | 'enrollments'>, enrollmentId: string,
  report: CompletionReport): Promise<ReportOutcome> {
  if ((await readStatus(db, enrollmentId)) === 'closed') return keepAsEvidence(db, enrollmentId, report);
  try {
    return await enrollments.reportCompletion(enrollmentId, report);
  } catch (err) {
    // The workflow may have closed between the look and the update: then the answer is the same as above.
    if ((await readStatus(db, enrollmentId)) === 'closed') return keepAsEvidence(db, enrollmentId, report);
    throw err;
  }
}

async function keepAsEvidence(db: ApiDeps['db'], enrollmentId: string, r: CompletionReport): Promise<ReportOutcome> {
  // The workflow would refuse an impossible date even now that the enrollment is complete; so does this answer.
  const { rows: [e] } = await db.query('SELECT launched_at, created_at FROM enrollments WHERE id = $1', [enrollmentId]);
  const problem = e && completionDateProblemOf(e, r.completedAt);
  if (problem) throw problems.badRequest(problem, { errors: [{ field: 'body.completedAt', message: problem }] });
  await insertCompletionEvidence(db, { enrollmentId, ...r, outcome: 'already_complete' });
  const { rows } = await db.query(
    'SELECT outcome FROM completion_evidence WHERE enrollment_id = $1 AND method = $2 AND report_id = $3', [enrollmentId, r.method, r.reportId]);
  return { outcome: rows[0]?.outcome === 'applied' ? 'applied' : 'already_complete', status: 'closed' };
}
