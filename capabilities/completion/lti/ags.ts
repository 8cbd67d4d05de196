/**
 * LTI Advantage Assignment and Grade Services for a tool holding an access token (token.ts): each enrollment is a line
 * item; the tool reads it and its results, and posts scores, a completing one reported as the enrollment's completion.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Db } from '../../../db/pool';
import type { EnrollmentStatus } from '../../../workflows/messages';
import { audit } from '../../../core/audit';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { Refusal, REFUSAL_STATUS, refuse } from '../../../core/refusals';
import { reportCompletion } from '../report-completion';
import { LTI, ltiLineItemUrl, ltiSubject } from './lti';
import type { ltiScoreBody } from './schemas';
import type { AgsCaller } from './token';

const needScope = (caller: AgsCaller, ...any: string[]) => {
  if (!any.some((s) => caller.scopes.includes(s))) throw refuse.forbidden(`the access token lacks the scope ${any.join(' or ')}`);
};

interface LineItemRow {
  enrollment_id: string;
  student_id: string;
  program_id: string;
  program_title: string;
  passing_score_percent: number | null;
}

/** The enrollment's line item, when it belongs to this tool's partner (another deployment's is unknown: 404). */
async function lineItemOf(db: Db, caller: AgsCaller, enrollmentId: string): Promise<LineItemRow> {
  const { rows } = await db.query<LineItemRow>(
    `SELECT e.id AS enrollment_id, e.student_id, p.id AS program_id, p.title AS program_title, p.passing_score_percent
       FROM enrollments e JOIN programs p ON p.id = e.program_id JOIN lti_tools t ON t.partner_id = p.partner_id
      WHERE e.id = $1 AND t.id = $2`,
    [enrollmentId, caller.toolId],
  );
  if (!rows[0]) throw refuse.notFound(`line item ${enrollmentId}`);
  return rows[0];
}

export async function ltiLineItem(db: Db, publicBaseUrl: string, caller: AgsCaller, enrollmentId: string) {
  needScope(caller, LTI.scopes.lineitem, `${LTI.scopes.lineitem}.readonly`);
  const li = await lineItemOf(db, caller, enrollmentId);
  return {
    id: ltiLineItemUrl(publicBaseUrl, li.enrollment_id),
    scoreMaximum: 100,
    label: li.program_title,
    resourceLinkId: li.program_id,
    resourceId: li.enrollment_id,
  };
}

interface ScoreRow {
  id: string;
  user_id: string;
  score_given: number | null;
  score_maximum: number | null;
  comment: string | null;
}

/** AGS results: the latest score of the line item's learner. */
export async function ltiResults(db: Db, publicBaseUrl: string, caller: AgsCaller, enrollmentId: string) {
  needScope(caller, LTI.scopes.resultReadonly);
  const li = await lineItemOf(db, caller, enrollmentId);
  const lineItem = ltiLineItemUrl(publicBaseUrl, li.enrollment_id);
  const { rows } = await db.query<ScoreRow>(
    `SELECT id, user_id, score_given, score_maximum, comment FROM lti_scores WHERE enrollment_id = $1
      ORDER BY score_timestamp DESC, received_at DESC LIMIT 1`,
    [li.enrollment_id],
  );
  return rows.map((s) => ({
    id: `${lineItem}/results/${s.id}`,
    scoreOf: lineItem,
    userId: s.user_id,
    ...(s.score_given !== null && { resultScore: s.score_given, resultMaximum: s.score_maximum }),
    ...(s.comment !== null && { comment: s.comment }),
  }));
}

type Score = z.output<typeof ltiScoreBody>;

/** Whether a score completes its enrollment: Completed and FullyGraded, and at least the program's passing score. */
function scoreVerdict(s: Score, passingPercent: number | null): 'completes' | 'recorded' | 'below_passing' {
  if (s.activityProgress !== 'Completed' || s.gradingProgress !== 'FullyGraded') return 'recorded';
  if (passingPercent === null) return 'completes';
  if (s.scoreGiven === undefined || s.scoreMaximum === undefined) return 'below_passing';
  return (s.scoreGiven / s.scoreMaximum) * 100 >= passingPercent ? 'completes' : 'below_passing';
}

/**
 * A tool's score for a line item: always kept (`lti_scores`) and audited; a completing one is reported to the
 * workflow as completion method `lti_ags` (first completion wins; a later one is kept as evidence). The same tool,
 * enrollment and score timestamp are the same report, so a retried post completes nothing twice.
 */
export async function receiveLtiScore(
  deps: { db: Db; enrollments: EnrollmentClient },
  caller: AgsCaller,
  enrollmentId: string,
  s: Score,
): Promise<{ outcome: 'applied' | 'already_complete' | 'recorded' | 'below_passing'; status?: EnrollmentStatus }> {
  needScope(caller, LTI.scopes.score);
  const { db } = deps;
  const li = await lineItemOf(db, caller, enrollmentId);
  if (s.userId !== ltiSubject(li.student_id))
    throw refuse.unprocessable('userId is not the learner of this line item (the id_token’s sub)');
  const id = randomUUID();
  const verdict = scoreVerdict(s, li.passing_score_percent);
  await db.query(
    `INSERT INTO lti_scores (id, enrollment_id, tool_id, user_id, score_given, score_maximum, activity_progress, grading_progress,
                             comment, score_timestamp, outcome, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      id,
      li.enrollment_id,
      caller.toolId,
      s.userId,
      s.scoreGiven ?? null,
      s.scoreMaximum ?? null,
      s.activityProgress,
      s.gradingProgress,
      s.comment ?? null,
      s.timestamp,
      verdict === 'completes' ? 'recorded' : verdict,
      JSON.stringify(s),
    ],
  );
  const actor = { id: `lti:${caller.clientId}`, role: 'lti_tool' };
  const auditScore = (outcome: string) =>
    audit(
      db,
      actor,
      'lti.score',
      { type: 'enrollment', id: li.enrollment_id },
      {
        scoreId: id,
        outcome,
        activityProgress: s.activityProgress,
        gradingProgress: s.gradingProgress,
        scoreGiven: s.scoreGiven,
        scoreMaximum: s.scoreMaximum,
        timestamp: s.timestamp,
      },
    );
  if (verdict !== 'completes') {
    await auditScore(verdict);
    return { outcome: verdict };
  }
  const percent =
    s.scoreGiven !== undefined && s.scoreMaximum !== undefined ? Math.min(100, (s.scoreGiven / s.scoreMaximum) * 100) : undefined;
  const completedAt = new Date(s.timestamp).toISOString();
  const reportId = createHash('sha256').update(`${caller.toolId}\n${li.enrollment_id}\n${completedAt}`).digest('hex');
  try {
    const result = await reportCompletion(deps, li.enrollment_id, {
      method: 'lti_ags',
      reportId,
      completedAt,
      reportedBy: actor.id,
      score: percent,
      evidenceUrl: undefined,
    });
    await db.query('UPDATE lti_scores SET outcome = $2 WHERE id = $1', [id, result.outcome]);
    await auditScore(result.outcome);
    return result;
  } catch (err) {
    await auditScore(`refused: ${err instanceof Refusal ? REFUSAL_STATUS[err.kind] : 'error'}`);
    throw err;
  }
}
