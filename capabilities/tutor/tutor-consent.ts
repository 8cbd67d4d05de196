import type { Db } from '../../db/pool';
import { hasTutorConsent } from '../../db/tutor-consent';
import { iso } from '../../lib/dates';
import { TUTOR_DATA_NOTICE } from '../../services/tutor-prompt';
import { refuse } from '../../core/refusals';

/**
 * The student's consent to sending tutor messages to the model provider. Each consent is a record (when given, under
 * which notice; when withdrawn), kept after withdrawal as evidence; giving it again opens a new record.
 */

/** A student's newest consent record. */
interface ConsentRow {
  given_at: Date;
  withdrawn_at: Date | null;
  notice_version: string;
}

/** Where the model provider is, as the notice names it: its host (OpenAI's when no OPENAI_BASE_URL is set). */
export const tutorProvider = (baseUrl: string | undefined) => (baseUrl ? new URL(baseUrl).host : 'api.openai.com');

/** The consent as the student sees it, with the notice of what is sent (what the widget shows before asking). */
export async function tutorConsentState(db: Db, studentId: string, provider: string) {
  const { rows } = await db.query<ConsentRow>(
    'SELECT given_at, withdrawn_at, notice_version FROM tutor_consents WHERE student_id = $1 ORDER BY given_at DESC, id DESC LIMIT 1',
    [studentId],
  );
  const newest = rows[0];
  const consented = Boolean(newest && !newest.withdrawn_at);
  return {
    consented,
    givenAt: consented ? iso(newest.given_at) : null,
    noticeVersion: consented ? newest.notice_version : null,
    withdrawnAt: newest ? iso(newest.withdrawn_at) : null,
    notice: { version: TUTOR_DATA_NOTICE.version, provider, sent: [...TUTOR_DATA_NOTICE.sent], notSent: [...TUTOR_DATA_NOTICE.notSent] },
  };
}

/** Records consent under the notice in force; consent already given stays as it is (its record is the evidence). */
export async function giveTutorConsent(db: Db, studentId: string): Promise<void> {
  await db.query(
    `INSERT INTO tutor_consents (student_id, notice_version) VALUES ($1, $2)
     ON CONFLICT (student_id) WHERE withdrawn_at IS NULL DO NOTHING`,
    [studentId, TUTOR_DATA_NOTICE.version],
  );
}

/** Withdraws the open consent, if any: from now on nothing is sent for this student. */
export async function withdrawTutorConsent(db: Db, studentId: string): Promise<void> {
  await db.query('UPDATE tutor_consents SET withdrawn_at = clock_timestamp() WHERE student_id = $1 AND withdrawn_at IS NULL', [studentId]);
}

/** Refuses (409) a tutor exchange without the student's consent: nothing may reach the model provider then. */
export async function requireTutorConsent(db: Db, studentId: string): Promise<void> {
  if (!(await hasTutorConsent(db, studentId))) {
    throw refuse.conflict(
      'you have not consented to the AI tutor sending your messages to its model provider, so nothing was sent; ' +
        'consent first (PUT /api/me/tutor-consent, or the button in the tutor’s panel)',
    );
  }
}
