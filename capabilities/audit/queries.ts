/** The audit log as an admin reads it (core/audit.ts writes it): who did what to which object, and when. */
import { distinctValues } from '../../db/distinct-values';
import type { Db } from '../../db/pool';
import { iso } from '../../lib/dates';

interface AuditRow {
  id: string;
  at: Date;
  actor_id: string;
  actor_role: string;
  action: string;
  target_type: string;
  target_id: string;
  details: Record<string, unknown>;
}

/**
 * The entries newest first, narrowed to one action and/or one actor, a page at a time: `before` is the id of the last
 * entry of the previous page (ids only grow, so a page never repeats or skips an entry as new ones arrive).
 */
export async function listAuditEntries(db: Db, q: { action?: string; actorId?: string; before?: number; limit: number }) {
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, actor_id, actor_role, action, target_type, target_id, details FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor_id = $2) AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [q.action ?? null, q.actorId ?? null, q.before ?? null, q.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: iso(r.at)!,
    actor: { id: r.actor_id, role: r.actor_role },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    details: r.details,
  }));
}

/** The actions the log holds, for a filter. */
export const auditActions = (db: Db): Promise<string[]> => distinctValues(db, 'audit_log');
