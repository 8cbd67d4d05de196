import type { Db } from '../../db/pool';
import type { Actor } from '../../core/actor';

/**
 * Keeps who a program holder is, as their sign-in says (the identity provider knows, the platform does not): the
 * review digest (activities/notifications.ts) is addressed from here. A holder without an email gets no digest.
 */
export async function rememberProgramHolder(db: Db, holder: Actor): Promise<void> {
  if (holder.role !== 'program_holder' || !holder.email) return;
  await db.query(
    `INSERT INTO program_holders (id, email, name) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = now()
      WHERE (program_holders.email, program_holders.name) IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.name)`,
    [holder.id, holder.email, holder.name ?? null],
  );
}
