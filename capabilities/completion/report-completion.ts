import { createHash } from 'node:crypto';
import type { Db } from '../../db/pool';
import { insertCompletionEvidence } from '../../db/records';
import { completionDateProblem } from '../../workflows/completion-date';
import { type CompletionReport, type EnrollmentStatus, REPORTABLE_STATUSES, type ReportOutcome } from '../../workflows/messages';
import type { EnrollmentClient } from '../../core/enrollment-client';
import { partnerAuditActor, type PartnerCaller } from './partners/partner-keys';
import { refuse } from '../../core/refusals';
import { completionDates, enrollmentStatus, evidenceOutcome } from './queries';
import { audit } from '../../core/audit';
import { findByExternalId, findPartnerEnrollment } from './partners/queries';

type Deps = { db: Db; enrollments: EnrollmentClient };

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

/**
 * Every channel's way to report a completion (push, xAPI, CSV import). The workflow applies the first and keeps
 * the others as evidence. A `closed` enrollment's workflow has finished, so its evidence is written here: the
 * report is kept (once per channel and report id) and answered as the first time it was seen.
 */
export async function reportCompletion({ db, enrollments }: Deps, enrollmentId: string, report: CompletionReport): Promise<ReportOutcome> {
  if ((await enrollmentStatus(db, enrollmentId)) === 'closed') return keepAsEvidence(db, enrollmentId, report);
  try {
    return await enrollments.reportCompletion(enrollmentId, report);
  } catch (err) {
    // The workflow may have closed between the look and the update: then the answer is the same as above.
    if ((await enrollmentStatus(db, enrollmentId)) === 'closed') return keepAsEvidence(db, enrollmentId, report);
    throw err;
  }
}

async function keepAsEvidence(db: Db, enrollmentId: string, r: CompletionReport): Promise<ReportOutcome> {
  // The workflow would refuse an impossible date even now that the enrollment is complete; so does this answer.
  const e = await completionDates(db, enrollmentId);
  const problem = e && completionDateProblemOf(e, r.completedAt);
  if (problem) throw refuse.invalid(problem, [{ field: 'body.completedAt', message: problem }]);
  await insertCompletionEvidence(db, { enrollmentId, ...r, outcome: 'already_complete' });
  const outcome = await evidenceOutcome(db, enrollmentId, r.method, r.reportId);
  return { outcome: outcome === 'applied' ? 'applied' : 'already_complete', status: 'closed' };
}

export interface PartnerCompletion {
  enrollmentId?: string;
  externalId?: string;
  reportId?: string;
  completedAt: string;
  score?: number;
  evidenceUrl?: string;
}

/**
 * A partner's push of one completion, by enrollment id or its own external id; another partner's enrollment is
 * answered like an unknown one, an external id that matches several enrollments is a 409.
 */
export async function reportPartnerCompletion(deps: Deps, partner: PartnerCaller, body: PartnerCompletion) {
  const enrollment = body.enrollmentId
    ? await findPartnerEnrollment(deps.db, partner.partnerId, body.enrollmentId)
    : await onlyByExternalId(deps.db, partner.partnerId, body.externalId!);
  if (!enrollment)
    throw refuse.notFound(body.enrollmentId ? `enrollment ${body.enrollmentId}` : `enrollment with externalId ${body.externalId}`);
  const enrollmentId = enrollment.id;
  const reportId = body.reportId ?? derivedReportId(partner.partnerId, enrollmentId, body.completedAt);
  const actor = partnerAuditActor(partner);
  const result = await reportCompletion(deps, enrollmentId, {
    method: 'partner_push',
    reportId,
    completedAt: body.completedAt,
    reportedBy: actor.id,
    score: body.score,
    evidenceUrl: body.evidenceUrl,
  });
  await audit(
    deps.db,
    actor,
    'completion.push',
    { type: 'enrollment', id: enrollmentId },
    { reportId, outcome: result.outcome, keyId: partner.keyId, completedAt: body.completedAt },
  );
  return { enrollmentId, reportId, outcome: result.outcome, status: result.status };
}

async function onlyByExternalId(db: Db, partnerId: string, externalId: string) {
  const rows = await findByExternalId(db, partnerId, externalId);
  if (rows.length > 1)
    throw refuse.conflict(`externalId ${externalId} matches enrollments in more than one of your programs; report by enrollmentId`);
  return rows[0];
}
