/**
 * Staff by name: the console keeps each staff member's name and email from their sign-in (a program holder's in
 * `program_holders`, for the review digest; a funder's or an admin's in `staff_members`), so that pages name people
 * instead of showing user ids. Students are not in it: their names are personal data read under the disclosure log.
 */
import type { Actor } from '../../core/actor';
import type { Db } from '../../db/pool';
import { rememberProgramHolder } from '../programs/program-holder-contact';

/** Keeps a staff member's name and email as their sign-in says (a student is not kept here). */
export async function rememberStaffMember(db: Db, actor: Actor): Promise<void> {
  if (actor.role === 'program_holder') return rememberProgramHolder(db, actor);
  if (actor.role !== 'funder' && actor.role !== 'admin') return;
  await db.query(
    `INSERT INTO staff_members (id, role, name, email, organization_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, email = EXCLUDED.email,
                                    organization_id = EXCLUDED.organization_id, updated_at = now()
      WHERE (staff_members.role, staff_members.name, staff_members.email, staff_members.organization_id)
            IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.name, EXCLUDED.email, EXCLUDED.organization_id)`,
    [actor.id, actor.role, actor.name ?? null, actor.email ?? null, actor.organizationId ?? null],
  );
}

/** The names (else emails) of the staff among `ids`; an id the platform does not know is left out. */
export async function staffNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const { rows } = await db.query<{ id: string; label: string }>(
    `SELECT id, COALESCE(name, email) AS label FROM program_holders WHERE id = ANY($1::text[]) AND COALESCE(name, email) IS NOT NULL
     UNION ALL
     SELECT id, COALESCE(name, email) FROM staff_members WHERE id = ANY($1::text[]) AND COALESCE(name, email) IS NOT NULL`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r.label]));
}
