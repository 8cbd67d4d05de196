/**
 * The access and disclosure log as the tests read it: the rows one read wrote (`recorded`), each summed up as whose,
 * by whom, through what, of which records, why, and whether it left the platform (`summary`).
 */
import type { Db } from '../../db/pool';

/** An entry as the table holds it. */
export interface Entry {
  student_id: string;
  actor_id: string;
  actor_role: string;
  actor_name: string | null;
  actor_organization_id: string | null;
  record_kind: string;
  record_ids: string[];
  fields: string[];
  via: string;
  purpose: string;
  disclosure: boolean;
}

/** The entries `read` wrote, by student (nothing else writes meanwhile: a file's tests run one at a time). */
export function disclosureRecorder(db: Db) {
  return async function recorded(read: () => Promise<unknown>): Promise<Entry[]> {
    const {
      rows: [{ last }],
    } = await db.query<{ last: number }>('SELECT COALESCE(max(id), 0)::int AS last FROM disclosure_log');
    await read();
    const { rows } = await db.query<Entry>(
      `SELECT student_id, actor_id, actor_role, actor_name, actor_organization_id, record_kind, record_ids, fields, via, purpose, disclosure
         FROM disclosure_log WHERE id > $1`,
      [last],
    );
    return rows.sort((a, b) => a.student_id.localeCompare(b.student_id));
  };
}

/** What the tests check of an entry. */
export const summary = (e: Entry) => ({
  student: e.student_id,
  actor: [e.actor_role, e.actor_id],
  via: e.via,
  record: [e.record_kind, ...e.record_ids],
  purpose: e.purpose,
  disclosure: e.disclosure,
});

/** Expected summaries in the order `recorded` answers them (by student). */
export const byStudent = <T extends { student: string }>(entries: T[]) => [...entries].sort((a, b) => a.student.localeCompare(b.student));

/** Who read, as `summary` says it. */
export const by = (who: { actor: { id: string; role: string } }) => [who.actor.role, who.actor.id];

/** An entry as a test expects it (`summary`): `student`'s `record` read by `actor` through `via`, why, and whether it left. */
export const entry = (
  student: { actor: { id: string } },
  actor: string[],
  via: string,
  record: string[],
  purpose: string,
  disclosure = false,
) => ({
  student: student.actor.id,
  actor,
  via,
  record,
  purpose,
  disclosure,
});
