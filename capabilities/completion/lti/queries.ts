import type { Db } from '../../../db/pool';

/** Every score a tool posted for an enrollment, for its enrollment view. */
export async function ltiScoresOf(db: Db, enrollmentId: string) {
  const { rows } = await db.query<{
    score_given: number | null;
    score_maximum: number | null;
    activity_progress: string;
    grading_progress: string;
    outcome: string;
    score_timestamp: Date;
    received_at: Date;
  }>(
    `SELECT score_given, score_maximum, activity_progress, grading_progress, outcome, score_timestamp, received_at
       FROM lti_scores WHERE enrollment_id = $1 ORDER BY received_at, id`,
    [enrollmentId],
  );
  return rows.map((r) => ({
    scoreGiven: r.score_given,
    scoreMaximum: r.score_maximum,
    activityProgress: r.activity_progress,
    gradingProgress: r.grading_progress,
    outcome: r.outcome,
    timestamp: r.score_timestamp.toISOString(),
    receivedAt: r.received_at.toISOString(),
  }));
}
