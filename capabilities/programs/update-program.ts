import type { Db } from '../../db/pool';
import type { Actor } from '../../core/actor';
import { audit } from '../../core/audit';
import { refuse } from '../../core/refusals';
import type { ProgramEdit } from './schemas';

/** Changes what may change of a program (editProgramForm says what, and why the rest stays); audited with what changed. */
export async function updateProgram(db: Db, actor: Actor, id: string, edit: ProgramEdit): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE programs SET title = $2, partner_course_id = $3, price_cents = $4, credential_type = $5, training_service_type = $6
      WHERE id = $1`,
    [id, edit.title, edit.partnerCourseId ?? null, edit.priceCents, edit.credentialType, edit.trainingServiceType],
  );
  if (!rowCount) throw refuse.notFound(`program ${id}`);
  await audit(db, actor, 'program.update', { type: 'program', id }, { ...edit });
}

/** Archives a program (out of the catalog, closed to new enrollments) or restores it; its enrollments carry on. */
export async function setProgramArchived(db: Db, actor: Actor, id: string, archived: boolean): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE programs SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END WHERE id = $1`,
    [id, archived],
  );
  if (!rowCount) throw refuse.notFound(`program ${id}`);
  await audit(db, actor, archived ? 'program.archive' : 'program.restore', { type: 'program', id });
}
