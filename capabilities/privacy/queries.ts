/** The access and disclosure log as a student (their own) or an admin (anyone's) reads it; disclosures.ts writes it. */
import type { Db } from '../../db/pool';
import { iso } from '../../lib/dates';
import type { Purpose, ReaderRole } from './disclosures';

interface DisclosureRow {
  at: Date;
  actor_id: string;
  actor_role: ReaderRole;
  actor_name: string;
  actor_organization_id: string | null;
  record_kind: string;
  record_ids: string[];
  fields: string[];
  via: string;
  purpose: Purpose;
  disclosure: boolean;
  total: number;
}

/**
 * Who read or received a student's personal data, newest first, a page at a time, with how many entries there are in
 * all. A reader whose entry holds no name is named by what the platform knows of them (a program holder's contact, a
 * partner's name), else by their id.
 */
export async function listDisclosures(db: Db, studentId: string, page: { limit: number; offset: number }) {
  const { rows } = await db.query<DisclosureRow>(
    `SELECT d.at, d.actor_id, d.actor_role, COALESCE(d.actor_name, h.name, h.email, pa.name, d.actor_id) AS actor_name, d.actor_organization_id,
            d.record_kind, d.record_ids, d.fields, d.via, d.purpose, d.disclosure, count(*) OVER () AS total
       FROM disclosure_log d
       LEFT JOIN program_holders h ON d.actor_role = 'program_holder' AND h.id = d.actor_id
       LEFT JOIN partners pa ON d.actor_role IN ('partner', 'lti_tool') AND pa.id = d.actor_organization_id
      WHERE d.student_id = $1
      ORDER BY d.at DESC, d.id DESC LIMIT $2 OFFSET $3`,
    [studentId, page.limit, page.offset],
  );
  return {
    /** How many entries the student has (all pages); 0 when the page is past the last one. */
    total: rows[0]?.total ?? 0,
    items: rows.map((d) => ({
      at: iso(d.at)!,
      actor: {
        id: d.actor_id,
        role: d.actor_role,
        name: d.actor_name,
        ...(d.actor_organization_id !== null && { organizationId: d.actor_organization_id }),
      },
      record: { kind: d.record_kind, ids: d.record_ids, fields: d.fields, via: d.via },
      purpose: d.purpose,
      disclosure: d.disclosure,
    })),
  };
}
