import type { Db } from '../../../db/pool';
import type { EnrollmentStatus } from '../../../workflows/messages';
import { refuse } from '../../../core/refusals';
import type { EnrollmentDatesRow } from '../queries';

/** What the partner-facing channels (push, CSV import, xAPI, API keys) read: always limited to the partner's programs. */

/** 404 for a partner that does not exist. */
export async function requireKnownPartner(db: Db, partnerId: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM partners WHERE id = $1', [partnerId]);
  if (!rowCount) throw refuse.notFound(`partner ${partnerId}`);
}

/** A partner's API key as an admin sees it: never the key itself (only its hash is stored). */
export interface ApiKeyRow {
  id: string;
  partner_id: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

export async function findApiKey(db: Db, partnerId: string, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    'SELECT id, partner_id, created_by, created_at, revoked_at FROM partner_api_keys WHERE id = $1 AND partner_id = $2',
    [id, partnerId],
  );
  return rows[0];
}

/** Every partner's API keys, each partner's active ones first, newest first. */
export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT id, partner_id, created_by, created_at, revoked_at FROM partner_api_keys
      ORDER BY partner_id, revoked_at IS NOT NULL, created_at DESC, id`,
  );
  return rows;
}

/** The enrollment with this id if it is in one of the partner's programs. */
export async function findPartnerEnrollment(db: Db, partnerId: string, enrollmentId: string): Promise<{ id: string } | undefined> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT e.id FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1 AND p.partner_id = $2',
    [enrollmentId, partnerId],
  );
  return rows[0];
}

/** Up to two enrollments of the partner's programs with this external id (two: it is ambiguous). */
export async function findByExternalId(db: Db, partnerId: string, externalId: string): Promise<{ id: string }[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT e.id FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.partner_external_id = $1 AND p.partner_id = $2 LIMIT 2',
    [externalId, partnerId],
  );
  return rows;
}

export interface CompletionCandidate {
  id: string;
  status: EnrollmentStatus;
  partner_external_id: string | null;
  launched_at: Date | null;
  created_at: Date;
}

/** The enrollments of the partner's programs (a holder's own programs only) with any of these ids or external ids. */
export async function findCompletionCandidates(
  db: Db,
  partnerId: string,
  holderId: string | null,
  ids: string[],
  externalIds: string[],
): Promise<CompletionCandidate[]> {
  if (!ids.length && !externalIds.length) return [];
  const { rows } = await db.query<CompletionCandidate>(
    `SELECT e.id, e.status, e.partner_external_id, e.launched_at, e.created_at FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE p.partner_id = $1 AND ($2::text IS NULL OR p.holder_id = $2)
        AND (e.id = ANY($3::uuid[]) OR e.partner_external_id = ANY($4::text[]))`,
    [partnerId, holderId, ids, externalIds],
  );
  return rows;
}

/** A registration (an enrollment of the partner's programs) with its launch and start. */
interface RegistrationRow extends EnrollmentDatesRow {
  id: string;
}

/** The enrollments of the partner's programs among `ids`, with the dates the completion-date rule needs. */
export async function findRegistrations(db: Db, partnerId: string, ids: string[]): Promise<Map<string, EnrollmentDatesRow>> {
  const { rows } = await db.query<RegistrationRow>(
    `SELECT e.id, e.launched_at, e.created_at FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE e.id = ANY($1::uuid[]) AND p.partner_id = $2`,
    [ids, partnerId],
  );
  return new Map(rows.map((r) => [r.id, r]));
}
