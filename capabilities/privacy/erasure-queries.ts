/** Data exports and erasure requests as their student, or an admin, reads them. */
import type { Actor } from '../../core/actor';
import { refuse } from '../../core/refusals';
import type { Db } from '../../db/pool';
import { iso } from '../../lib/dates';
import { OPEN_STATUSES } from '../../workflows/messages';
import type { ErasureStatus } from './privacy-requests.schemas';

/** The student's enrollments still open, named: an erasure waits until each is closed. */
export async function openEnrollmentsOf(db: Pick<Db, 'query'>, studentId: string) {
  const { rows } = await db.query<{ id: string; title: string; status: string }>(
    `SELECT e.id, p.title, e.status FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE e.student_id = $1 AND e.status = ANY($2::text[]) ORDER BY e.created_at, e.id`,
    [studentId, OPEN_STATUSES],
  );
  return rows;
}

/** The open enrollments in words: "Barbering 101 (enrollment …, in progress)". */
export const namedEnrollments = (open: { id: string; title: string; status: string }[]) =>
  open.map((e) => `${e.title} (enrollment ${e.id}, ${e.status.replace(/_/g, ' ')})`).join('; ');

// ── Data exports ──────────────────────────────────────────────────────────────────────────────────────────

interface ExportRow {
  id: string;
  status: 'pending' | 'ready' | 'expired';
  file_key: string | null;
  requested_at: Date;
  ready_at: Date | null;
  expires_at: Date | null;
  /** Ready, but past its expiry (the workflow removes it at that moment, or soon after). */
  lapsed: boolean;
}

/** One of the student's exports; another student's is not there for them. */
export async function findStudentExport(db: Db, student: Actor, exportId: string): Promise<ExportRow> {
  const { rows } = await db.query<ExportRow>(
    `SELECT id, status, file_key, requested_at, ready_at, expires_at, (status = 'ready' AND expires_at <= now()) AS lapsed
       FROM data_exports WHERE id = $1 AND student_id = $2`,
    [exportId, student.id],
  );
  if (!rows[0]) throw refuse.notFound(`data export ${exportId}`);
  return rows[0];
}

/** An export as the API shows it: ready ones with their link, until they expire. */
export function dataExportView(x: ExportRow, publicBaseUrl: string) {
  const status = x.lapsed ? 'expired' : x.status;
  return {
    id: x.id,
    status,
    requestedAt: x.requested_at.toISOString(),
    ...(status === 'ready' && {
      downloadUrl: `${publicBaseUrl}/api/me/exports/${x.id}/download`,
      expiresAt: x.expires_at!.toISOString(),
    }),
  };
}

/** The student's latest export, for the My data page. */
export async function latestStudentExport(db: Db, student: Actor) {
  const { rows } = await db.query<ExportRow>(
    `SELECT id, status, file_key, requested_at, ready_at, expires_at, (status = 'ready' AND expires_at <= now()) AS lapsed
       FROM data_exports WHERE student_id = $1 ORDER BY requested_at DESC, id LIMIT 1`,
    [student.id],
  );
  return rows[0];
}

// ── Erasure requests ──────────────────────────────────────────────────────────────────────────────────────

interface ErasureRow {
  id: string;
  student_id: string;
  status: ErasureStatus;
  reason: string | null;
  requested_at: Date;
  decided_at: Date | null;
  completed_at: Date | null;
  erased: { what: string; count: number }[] | null;
  kept: { what: string; count: number; basis: string; until: string | null }[] | null;
  total?: number;
}

const COLUMNS = 'id, student_id, status, reason, requested_at, decided_at, completed_at, erased, kept';

export function erasureRequestView(r: ErasureRow) {
  return {
    id: r.id,
    studentId: r.student_id,
    status: r.status,
    requestedAt: r.requested_at.toISOString(),
    ...(r.decided_at && { decidedAt: iso(r.decided_at)! }),
    ...(r.completed_at && { completedAt: iso(r.completed_at)! }),
    ...(r.reason !== null && { reason: r.reason }),
    ...(r.erased && { erased: r.erased }),
    ...(r.kept && { kept: r.kept }),
  };
}

/** One request: an admin sees any, a student their own. */
export async function findErasureRequest(db: Db, actor: Actor, requestId: string) {
  const { rows } = await db.query<ErasureRow>(`SELECT ${COLUMNS} FROM erasure_requests WHERE id = $1`, [requestId]);
  const r = rows[0];
  if (!r || (actor.role !== 'admin' && r.student_id !== actor.id)) throw refuse.notFound(`erasure request ${requestId}`);
  return erasureRequestView(r);
}

/** Requests newest first (an admin: everyone's; a student: their own), optionally of one status. */
export async function listErasureRequests(
  db: Db,
  actor: Actor,
  q: { status?: ErasureStatus; limit: number; offset: number },
): Promise<{ requests: ReturnType<typeof erasureRequestView>[]; total: number; limit: number; offset: number }> {
  const { rows } = await db.query<ErasureRow>(
    `SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM erasure_requests
      WHERE ($1::text IS NULL OR student_id = $1) AND ($2::text IS NULL OR status = $2)
      ORDER BY requested_at DESC, id LIMIT $3 OFFSET $4`,
    [actor.role === 'admin' ? null : actor.id, q.status ?? null, q.limit, q.offset],
  );
  return { requests: rows.map(erasureRequestView), total: rows[0]?.total ?? 0, limit: q.limit, offset: q.offset };
}

/** The student's open request (requested or under way), or their last one, for the My data page. */
export async function latestStudentErasureRequest(db: Db, student: Actor) {
  const { rows } = await db.query<ErasureRow>(
    `SELECT ${COLUMNS} FROM erasure_requests WHERE student_id = $1 ORDER BY requested_at DESC, id LIMIT 1`,
    [student.id],
  );
  return rows[0] && erasureRequestView(rows[0]);
}
