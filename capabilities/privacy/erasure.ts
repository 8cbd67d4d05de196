/**
 * Erasure requests (GDPR Art. 17): a student asks (refused while an enrollment of theirs is open, or while another
 * request of theirs is open), an admin approves, which starts the erasureWorkflow (activities/erasure.ts), or rejects
 * with a reason. Every decision is audited.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../core/actor';
import { audit } from '../../core/audit';
import type { CoreDeps } from '../../core/deps';
import { refuse } from '../../core/refusals';
import { inTransaction } from '../../db/pool';
import { rememberStudent } from '../enrollments/student-contact';
import { findErasureRequest, namedEnrollments, openEnrollmentsOf } from './erasure-queries';
import { startJob } from './exports';

type Deps = Pick<CoreDeps, 'db' | 'privacyJobs'>;

const stillOpen = (open: { id: string; title: string; status: string }[]) =>
  refuse.conflict(
    `erasure waits until every enrollment is closed; still open: ${namedEnrollments(open)}. ` +
      'Ask again once each is closed (completed with its certificate, withdrawn or expired).',
  );

/** The student asks to be forgotten. */
export async function requestErasure(deps: Deps, student: Actor): Promise<{ id: string; status: 'requested' }> {
  const { db } = deps;
  const open = await openEnrollmentsOf(db, student.id);
  if (open.length) throw stillOpen(open);
  // Who they are as their sign-in says, so the erasure finds every name and email they were known by.
  await rememberStudent(db, student);
  const id = randomUUID();
  try {
    await db.query('INSERT INTO erasure_requests (id, student_id) VALUES ($1, $2)', [id, student.id]);
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    const { rows } = await db.query<{ id: string; status: string }>(
      `SELECT id, status FROM erasure_requests WHERE student_id = $1 AND status IN ('requested', 'approved')`,
      [student.id],
    );
    throw refuse.conflict(`you have an open erasure request already: ${rows[0]?.id ?? 'one'} (${rows[0]?.status ?? 'requested'})`);
  }
  await audit(db, student, 'erasure.request', { type: 'erasure_request', id });
  return { id, status: 'requested' };
}

/**
 * An admin approves: the request is marked approved under a fresh pseudonym and its erasure starts. Approving one
 * already approved starts its workflow again if it was lost (the same workflow id: a running one is left alone).
 */
export async function approveErasure(deps: Deps, admin: Actor, requestId: string): Promise<{ id: string; status: 'approved' }> {
  const { db } = deps;
  const approvedNow = await inTransaction(db, async (q) => {
    const { rows } = await q.query<{ student_id: string; status: string }>(
      'SELECT student_id, status FROM erasure_requests WHERE id = $1 FOR UPDATE',
      [requestId],
    );
    const r = rows[0];
    if (!r) throw refuse.notFound(`erasure request ${requestId}`);
    if (r.status === 'approved') return false;
    if (r.status !== 'requested') throw refuse.conflict(`erasure request ${requestId} is ${r.status} already`);
    const open = await openEnrollmentsOf(q, r.student_id);
    if (open.length) throw stillOpen(open);
    await q.query(
      `UPDATE erasure_requests SET status = 'approved', decided_by = $2, decided_at = now(), reason = NULL,
              pseudonym = COALESCE(pseudonym, $3)
        WHERE id = $1`,
      [requestId, admin.id, `erased-${randomUUID()}`],
    );
    return true;
  });
  if (approvedNow) await audit(db, admin, 'erasure.approve', { type: 'erasure_request', id: requestId });
  await startJob(deps, (jobs) => jobs.startErasure(requestId));
  return { id: requestId, status: 'approved' };
}

/** An admin rejects an open request, saying why (the student reads the reason). */
export async function rejectErasure(deps: Deps, admin: Actor, requestId: string, reason: string) {
  const { db } = deps;
  const { rowCount } = await db.query(
    `UPDATE erasure_requests SET status = 'rejected', reason = $3, decided_by = $2, decided_at = now()
      WHERE id = $1 AND status = 'requested'`,
    [requestId, admin.id, reason],
  );
  if (!rowCount) {
    const current = await findErasureRequest(db, admin, requestId);
    throw refuse.conflict(`erasure request ${requestId} is ${current.status} already`);
  }
  await audit(db, admin, 'erasure.reject', { type: 'erasure_request', id: requestId });
  return findErasureRequest(db, admin, requestId);
}
