/** What the program holder's console reads beyond the JSON API's views: the dashboard, the programs, the emails. */
import type { Db } from '../../../db/pool';
import { iso } from '../../../lib/dates';
import type { EnrollmentStatus } from '../../../workflows/messages';
import { COMPLETED_STATUSES, OVERDUE_SQL } from '../../enrollments/queries';

/** The first instant of the current calendar month (UTC), as "completed this month" counts from it. */
export function startOfMonth(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

interface DashboardRow {
  awaiting_review: number;
  in_progress: number;
  overdue: number;
  completed_this_month: number;
}

/** The dashboard's counts over a holder's own programs (`holderId`), or every program (an admin). */
export async function holderDashboard(db: Db, holderId: string | undefined, monthStart = startOfMonth()) {
  const awaitingReview: EnrollmentStatus = 'awaiting_review';
  const inProgress: EnrollmentStatus = 'in_progress';
  const {
    rows: [c],
  } = await db.query<DashboardRow>(
    `SELECT count(*) FILTER (WHERE e.status = $2) AS awaiting_review,
            count(*) FILTER (WHERE e.status = $3) AS in_progress,
            count(*) FILTER (WHERE ${OVERDUE_SQL}) AS overdue,
            count(*) FILTER (WHERE e.status = ANY($4::text[]) AND e.completed_at >= $5) AS completed_this_month
       FROM enrollments e JOIN programs p ON p.id = e.program_id
      WHERE ($1::text IS NULL OR p.holder_id = $1)`,
    [holderId ?? null, awaitingReview, inProgress, COMPLETED_STATUSES, monthStart],
  );
  return { awaitingReview: c.awaiting_review, inProgress: c.in_progress, overdue: c.overdue, completedThisMonth: c.completed_this_month };
}

/** A holder's own programs (every program for an admin), by title: the enrollment list's program filter. */
export async function holderPrograms(db: Db, holderId: string | undefined) {
  const { rows } = await db.query<{ id: string; title: string }>(
    'SELECT id, title FROM programs WHERE ($1::text IS NULL OR holder_id = $1) ORDER BY title, id',
    [holderId ?? null],
  );
  return rows;
}

interface EmailSentRow {
  kind: string;
  to_address: string;
  subject: string;
  status: 'sending' | 'sent';
  sent_at: Date | null;
  created_at: Date;
}

/** The emails the platform sent (or is sending) about one enrollment, oldest first. */
export async function emailsAboutEnrollment(db: Db, enrollmentId: string) {
  const { rows } = await db.query<EmailSentRow>(
    `SELECT kind, to_address, subject, status, sent_at, created_at FROM emails_sent WHERE enrollment_id = $1 ORDER BY created_at, id`,
    [enrollmentId],
  );
  return rows.map((m) => ({
    kind: m.kind,
    to: m.to_address,
    subject: m.subject,
    sent: m.status === 'sent',
    at: iso(m.sent_at ?? m.created_at),
  }));
}
