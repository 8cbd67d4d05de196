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
 * The entries newest first, narrowed to one action, one actor and/or a period of days (UTC), a page at a time: `before` is the id of the last
 * entry of the previous page (ids only grow, so a page never repeats or skips an entry as new ones arrive).
 */
export async function listAuditEntries(
  db: Db,
  q: { action?: string; actorId?: string; before?: number; from?: string; to?: string; limit: number },
) {
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, actor_id, actor_role, action, target_type, target_id, details FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor_id = $2) AND ($3::bigint IS NULL OR id < $3)
        AND ($5::date IS NULL OR at >= $5::date) AND ($6::date IS NULL OR at < $6::date + 1)
      ORDER BY id DESC LIMIT $4`,
    [q.action ?? null, q.actorId ?? null, q.before ?? null, q.limit, q.from ?? null, q.to ?? null],
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

/**
 * What an audit entry's target is, in words staff know it by: a program's title, a voucher's number, a certificate's
 * verification code, the program of an enrollment or a submission (not the student: their name is personal data),
 * the partner of an API key. A target that is gone, or of another type, keeps its id.
 */
export async function auditTargetLabels(db: Db, targets: readonly { type: string; id: string }[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(targets.filter((t) => t.type === type).map((t) => t.id))];
  const { rows } = await db.query<{ key: string; label: string }>(
    `SELECT 'program:' || id AS key, title AS label FROM programs WHERE id::text = ANY($1::text[])
     UNION ALL
     SELECT 'voucher:' || id, 'Voucher ' || number FROM vouchers WHERE id::text = ANY($2::text[])
     UNION ALL
     SELECT 'certificate:' || id, 'Certificate ' || verification_code FROM certificates WHERE id::text = ANY($3::text[])
     UNION ALL
     SELECT 'enrollment:' || e.id, 'Enrollment in ' || p.title FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE e.id::text = ANY($4::text[])
     UNION ALL
     SELECT 'submission:' || s.id, 'Evidence for ' || p.title
       FROM completion_submissions s JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
      WHERE s.id::text = ANY($5::text[])
     UNION ALL
     SELECT 'partner_api_key:' || k.id, 'API key of ' || pa.name FROM partner_api_keys k JOIN partners pa ON pa.id = k.partner_id
      WHERE k.id::text = ANY($6::text[])
     UNION ALL
     SELECT 'partner:' || id, name FROM partners WHERE id = ANY($7::text[])`,
    [ids('program'), ids('voucher'), ids('certificate'), ids('enrollment'), ids('submission'), ids('partner_api_key'), ids('partner')],
  );
  return new Map(rows.map((r) => [r.key, r.label]));
}
