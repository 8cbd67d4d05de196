import type { Db } from '../db/pool';

/** Appends one entry to the audit log: who did what to which object; a write, so it lives beside the commands, not in the read model. */
export async function audit(
  db: Pick<Db, 'query'>,
  actor: { id: string; role: string },
  action: string,
  target: { type: string; id: string },
  details: object = {},
) {
  await db.query('INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5, $6)', [
    actor.id,
    actor.role,
    action,
    target.type,
    target.id,
    JSON.stringify(details),
  ]);
}
