/**
 * The review digest: an email telling a program holder which students' proof of completion awaits their review, at
 * most one an hour per holder, listing the uploads that arrived since the last one (each upload is announced once).
 *
 * Why a Temporal Schedule and not the enrollment's workflow: one digest spans many enrollments, so it belongs to no
 * single enrollment workflow, and an upload that arrives within the hour after a digest must still be announced an
 * hour later even if no other upload comes. A Schedule (`review-digests`, made by the worker at start, see
 * worker/schedules.ts) starts `reviewDigestsWorkflow` every few minutes; it is durable (kept by the Temporal service,
 * it survives worker and API restarts; missed runs are caught up, overlapping ones skipped) and runs this one activity.
 * Done once comes from PostgreSQL: holding a per-holder advisory lock, a run claims a digest (a `review_digests` row,
 * its uploads in `review_digest_submissions`, whose primary key announces each upload once) only when the holder's
 * last digest is an hour old, sends it and marks it sent; a run that died after the claim leaves the row for the next
 * run, which resends the same digest with the same Message-ID instead of writing a second one.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { writeAfterEffect } from '../db/pool';
import type { ActivityDeps } from './deps';
import { READS, recordReads } from '../capabilities/privacy/disclosures';

/** The least time between two digests to one holder. */
export const REVIEW_DIGEST_INTERVAL = '1 hour';

/** Uploads still waiting for review (the enrollment too: another channel may have completed it meanwhile). */
const WAITING = `s.status = 'pending' AND e.status = 'awaiting_review'`;
const NOT_ANNOUNCED = `NOT EXISTS (SELECT 1 FROM review_digest_submissions d WHERE d.submission_id = s.id)`;

interface DigestItemRow {
  student_name: string | null;
  student_email: string | null;
  title: string;
  completed_at: Date;
  submitted_at: Date;
}

interface DigestRow {
  id: string;
  to_address: string;
  message_id: string;
  holder_name: string | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The digest's email, from the uploads it announces (so a resend writes the same email). */
export function reviewDigestEmail(holderName: string | null, items: readonly DigestItemRow[], reviewUrl: string) {
  const n = items.length;
  const first = items[0];
  const who = (i: DigestItemRow) => i.student_name ?? i.student_email ?? 'A student';
  return {
    subject: n === 1 ? `Evidence from ${who(first)} awaits your review` : `${n} uploads of completion evidence await your review`,
    text: [
      `Hello ${holderName ?? 'program holder'},`,
      '',
      n === 1
        ? 'A student uploaded proof of completion that awaits your review:'
        : `${n} students' uploads of proof of completion await your review:`,
      '',
      ...items.map(
        (i) =>
          `  - ${who(i)}${i.student_email && i.student_name ? ` <${i.student_email}>` : ''}, ${i.title}: ` +
          `completed on ${day(i.completed_at)}, uploaded ${minute(i.submitted_at)}`,
      ),
      '',
      `Review them at ${reviewUrl}: open each file, then approve it (the platform issues the certificate) or reject it`,
      'with a reason, which the student is emailed.',
      '',
      'You get at most one of these emails an hour; uploads that arrive meanwhile are in the next one.',
    ].join('\n'),
  };
}

export function createReviewDigestActivities({ db, mailer, publicBaseUrl }: ActivityDeps) {
  /** Claims the holder's next digest, or the one claimed earlier and not sent; undefined when none is due. */
  async function claimDigest(client: PoolClient, holderId: string): Promise<string | undefined> {
    const unsent = await client.query<{ id: string }>(
      `SELECT id FROM review_digests WHERE holder_id = $1 AND status = 'sending' ORDER BY created_at LIMIT 1`,
      [holderId],
    );
    if (unsent.rows[0]) return unsent.rows[0].id;
    const recent = await client.query(`SELECT 1 FROM review_digests WHERE holder_id = $1 AND created_at > now() - $2::interval LIMIT 1`, [
      holderId,
      REVIEW_DIGEST_INTERVAL,
    ]);
    if (recent.rowCount) return undefined;
    const holder = await client.query<{ email: string | null; name: string | null }>(
      'SELECT email, name FROM program_holders WHERE id = $1',
      [holderId],
    );
    const to = holder.rows[0]?.email;
    // A holder who never signed in to the console has no known address; their uploads wait for the next run.
    if (!to) return undefined;
    const id = randomUUID();
    await client.query('BEGIN');
    try {
      const fresh = await client.query<{ id: string; enrollment_id: string }>(
        `SELECT s.id, s.enrollment_id FROM completion_submissions s JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
          WHERE p.holder_id = $1 AND ${WAITING} AND ${NOT_ANNOUNCED}`,
        [holderId],
      );
      if (!fresh.rowCount) {
        await client.query('ROLLBACK');
        return undefined;
      }
      await client.query(`INSERT INTO review_digests (id, holder_id, to_address, message_id, status) VALUES ($1, $2, $3, $4, 'sending')`, [
        id,
        holderId,
        to,
        `<review-digest.${id}@credential-marketplace>`,
      ]);
      await client.query('INSERT INTO review_digest_submissions (submission_id, digest_id) SELECT unnest($1::uuid[]), $2', [
        fresh.rows.map((r) => r.id),
        id,
      ]);
      // The email names the students: recorded with the claim, so a digest is never sent unrecorded (a resend is the same read).
      await recordReads(
        client,
        { id: holderId, role: 'program_holder', name: holder.rows[0].name ?? undefined, email: to },
        READS.reviewDigest,
        fresh.rows.map((r) => ({ enrollmentId: r.enrollment_id, recordId: r.id })),
      );
      await client.query('COMMIT');
      return id;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async function sendDigest(client: PoolClient, digestId: string): Promise<void> {
    const digest = await client.query<DigestRow>(
      `SELECT d.id, d.to_address, d.message_id, h.name AS holder_name
         FROM review_digests d LEFT JOIN program_holders h ON h.id = d.holder_id WHERE d.id = $1`,
      [digestId],
    );
    const items = await client.query<DigestItemRow>(
      `SELECT e.student_name, e.student_email, p.title, s.completed_at, s.submitted_at
         FROM review_digest_submissions d JOIN completion_submissions s ON s.id = d.submission_id
         JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
        WHERE d.digest_id = $1 ORDER BY s.submitted_at, s.id`,
      [digestId],
    );
    const d = digest.rows[0];
    const email = reviewDigestEmail(d.holder_name, items.rows, `${publicBaseUrl}/holder/review`);
    await mailer.send({ to: d.to_address, messageId: d.message_id, ...email });
    // Over the pool, tried again: the held connection may be the one that was lost, and a failed mark would resend.
    await writeAfterEffect(db, `UPDATE review_digests SET status = 'sent', sent_at = now() WHERE id = $1`, [digestId]);
  }

  /**
   * The holder's digest, if one is due, claimed and sent while this run holds the holder's advisory lock (on its own
   * connection: a run that dies lets it go with the connection). A run that finds the lock taken leaves the holder to
   * the run that has it, so a retry beside a slow attempt never sends the same digest twice.
   */
  async function digestFor(holderId: string): Promise<boolean> {
    const client = await db.connect();
    const key = `review-digest:${holderId}`;
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
      if (!rows[0].locked) return false;
      try {
        const digestId = await claimDigest(client, holderId);
        if (!digestId) return false;
        await sendDigest(client, digestId);
        return true;
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((err: Error) => (broken = err));
      }
    } finally {
      // A connection that could not unlock is closed, which unlocks.
      client.release(broken);
    }
  }

  return {
    /**
     * Sends each program holder whose uploads await review a digest of those not announced yet, unless their last
     * digest is less than an hour old (then they are in the next one). Started by the `review-digests` Schedule.
     */
    async sendReviewDigests(): Promise<{ sent: number; failed: number }> {
      const { rows } = await db.query<{ holder_id: string }>(
        `SELECT DISTINCT p.holder_id
           FROM completion_submissions s JOIN enrollments e ON e.id = s.enrollment_id JOIN programs p ON p.id = e.program_id
          WHERE ${WAITING} AND ${NOT_ANNOUNCED}
         UNION
         SELECT holder_id FROM review_digests WHERE status = 'sending'`,
      );
      let sent = 0;
      let failed = 0;
      for (const { holder_id } of rows) {
        try {
          if (await digestFor(holder_id)) sent += 1;
        } catch (err) {
          // One holder's mail server refusing must not hold up the others; the claimed digest is sent on the next run.
          failed += 1;
          console.error(`[worker] the review digest to holder ${holder_id} failed; the next run tries again:`, (err as Error).message);
        }
      }
      return { sent, failed };
    },
  };
}
