import type { Db } from './pool';

/**
 * Whether the student has consented, and not withdrawn, to sending their tutor messages and enrollment facts to the
 * model provider: the API's chat and the workflow's nudges both ask before anything leaves.
 */
export async function hasTutorConsent(db: Db, studentId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM tutor_consents WHERE student_id = $1 AND withdrawn_at IS NULL', [studentId]);
  return Boolean(rowCount);
}
