/**
 * The erasure's steps (workflows/privacy-messages.ts ERASURE_STEPS), each over one transaction of the database and
 * whatever files its rows name. Each answers what it erased or pseudonymized, by what, with counts. activities/erasure.ts
 * runs them once each and records their answers.
 *
 * Where the student is: their records carry their id (`student_id`, an audit entry's actor), belong to one of their
 * enrollments, or name their email. Every later step finds the enrollments by the pseudonym too, so a step run again
 * after the enrollments were pseudonymized finds the same rows.
 */
import type { PoolClient } from 'pg';
import { ltiSubject } from '../capabilities/completion/lti/lti';
import type { FileStore } from '../services/file-store';
import type { Mailer } from '../services/mailer';
import type { WorkflowHistories } from '../services/workflow-histories';
import { OPEN_STATUSES, enrollmentWorkflowId } from '../workflows/messages';
import { type ErasureSubject, Params, pseudonymousEmail, scrubColumn } from './erasure-scrub';

export interface StepContext {
  q: PoolClient;
  s: ErasureSubject;
  files: FileStore;
  mailer: Mailer;
  workflowHistories?: WorkflowHistories;
}

/** What one step did: a count per kind of record. */
export type StepResult = Record<string, number>;

/** The student's enrollments (by their id, or by the pseudonym once pseudonymized). */
async function enrollmentIds({ q, s }: StepContext): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id IN ($1, $2)', [s.studentId, s.pseudonym]);
  return rows.map((r) => r.id);
}

/** Scrubs `column` of `table` in the rows of these enrollments. */
const ofEnrollments = (ids: string[], column = 'enrollment_id') => {
  const params = new Params(ids);
  return { where: `${column} = ANY($1::uuid[])`, params };
};

async function deleteFiles(files: FileStore, keys: (string | null)[]): Promise<number> {
  const present = keys.filter((k): k is string => k !== null);
  for (const key of present) await files.delete(key);
  return present.length;
}

/** The subject without names: for records that are not the student's, where only the email is surely theirs. */
const emailOnly = (s: ErasureSubject): ErasureSubject => ({ ...s, names: [] });

const count = async (c: StepContext, sql: string, params: unknown[]) => (await c.q.query(sql, params)).rowCount ?? 0;

export const ERASURE_STEP_WORK = {
  /** Signs the student out everywhere; other people's sessions lose any mention of them (a message shown once). */
  async eraseSessions(c) {
    const signedOut = await count(c, `DELETE FROM console_sessions WHERE sess->'actor'->>'id' = $1`, [c.s.studentId]);
    const others = await scrubColumn(c.q, c.s, { table: 'console_sessions', column: 'sess', kind: 'json' });
    return { 'console sessions of the student': signedOut, 'console sessions mentioning the student': others };
  },

  /**
   * The enrollment records: the name, email, the partner's learner id and the checkout link go; the student id
   * becomes the pseudonym. Program, dates, status history and money stay (kept: the ledger and WIOA need them).
   */
  async eraseEnrollments(c) {
    const pseudonymized = await count(
      c,
      `UPDATE enrollments SET student_id = $2, student_name = NULL, student_email = NULL, partner_external_id = NULL,
              checkout_url = NULL, updated_at = now()
        WHERE student_id = $1 AND NOT (status = ANY($3::text[]))`,
      [c.s.studentId, c.s.pseudonym, OPEN_STATUSES],
    );
    const ids = await enrollmentIds(c);
    const reasons =
      (await scrubColumn(c.q, c.s, { table: 'payments', column: 'reason', kind: 'text', ...ofEnrollments(ids) })) +
      (await scrubColumn(c.q, c.s, { table: 'refunds', column: 'reason', kind: 'text', ...ofEnrollments(ids) }));
    return { 'enrollment records (name, email, student id)': pseudonymized, 'payment and refund notes': reasons };
  },

  /** The student's uploads and the holders' proof files are deleted; the review reasons and notes lose the name. */
  async eraseSubmissions(c) {
    const ids = await enrollmentIds(c);
    const uploads = await c.q.query<{ file_key: string }>(
      'SELECT file_key FROM completion_submissions WHERE enrollment_id = ANY($1::uuid[]) OR student_id IN ($2, $3)',
      [ids, c.s.studentId, c.s.pseudonym],
    );
    const proofs = await c.q.query<{ proof_file_key: string }>(
      'SELECT proof_file_key FROM completion_evidence WHERE enrollment_id = ANY($1::uuid[]) AND proof_file_key IS NOT NULL',
      [ids],
    );
    const files =
      (await deleteFiles(
        c.files,
        uploads.rows.map((r) => r.file_key),
      )) +
      (await deleteFiles(
        c.files,
        proofs.rows.map((r) => r.proof_file_key),
      ));
    // The rows say their file is gone (migration 025), so pages and answers say so instead of failing to find it.
    const rows = await count(
      c,
      `UPDATE completion_submissions SET student_id = $3, file_deleted_at = COALESCE(file_deleted_at, now())
        WHERE enrollment_id = ANY($1::uuid[]) OR student_id = $2`,
      [ids, c.s.studentId, c.s.pseudonym],
    );
    await c.q.query(
      `UPDATE completion_evidence SET proof_deleted_at = now()
        WHERE enrollment_id = ANY($1::uuid[]) AND proof_file_key IS NOT NULL AND proof_deleted_at IS NULL`,
      [ids],
    );
    const text =
      (await scrubColumn(c.q, c.s, { table: 'completion_submissions', column: 'reason', kind: 'text', ...ofEnrollments(ids) })) +
      (await scrubColumn(c.q, c.s, { table: 'completion_evidence', column: 'notes', kind: 'text', ...ofEnrollments(ids) })) +
      (await scrubColumn(c.q, c.s, { table: 'completion_evidence', column: 'evidence_url', kind: 'text', ...ofEnrollments(ids) }));
    return { 'evidence and proof files': files, 'submissions (student id)': rows, 'review reasons and notes': text };
  },

  /** Each certificate's PDF (it prints the name) is deleted; its registry entry stays for verification, without a name. */
  async eraseCertificateFiles(c) {
    const ids = await enrollmentIds(c);
    const { rows } = await c.q.query<{ file_key: string }>('SELECT file_key FROM certificates WHERE enrollment_id = ANY($1::uuid[])', [
      ids,
    ]);
    const pdfs = await deleteFiles(
      c.files,
      rows.map((r) => r.file_key),
    );
    const reasons = await scrubColumn(c.q, c.s, { table: 'certificates', column: 'revoked_reason', kind: 'text', ...ofEnrollments(ids) });
    return { 'certificate PDFs': pdfs, 'revocation reasons': reasons };
  },

  /** The tutor's conversations, messages and usage counts: all of it (the consent records stay, pseudonymized). */
  async eraseTutor(c) {
    const ids = [c.s.studentId, c.s.pseudonym];
    const messages = await count(
      c,
      'DELETE FROM tutor_messages WHERE conversation_id IN (SELECT id FROM tutor_conversations WHERE student_id = ANY($1))',
      [ids],
    );
    const conversations = await count(c, 'DELETE FROM tutor_conversations WHERE student_id = ANY($1)', [ids]);
    const usage =
      (await count(c, 'DELETE FROM tutor_usage WHERE student_id = ANY($1)', [ids])) +
      (await count(c, 'DELETE FROM tutor_rate_windows WHERE student_id = ANY($1)', [ids]));
    // The consent records stay, pseudonymized: they show each message sent had consent (kept, GDPR Art. 7(1)).
    await c.q.query('UPDATE tutor_consents SET student_id = $2 WHERE student_id = $1', [c.s.studentId, c.s.pseudonym]);
    return { 'tutor conversations': conversations, 'tutor messages': messages, 'tutor usage counts': usage };
  },

  /**
   * Emails sent to the student: the address in each row becomes the pseudonymous one and the outbox's copy (.eml) is
   * deleted, as are the review digests that named the student to a program holder.
   */
  async eraseEmails(c) {
    const ids = await enrollmentIds(c);
    const sent = await c.q.query<{ id: string; message_id: string }>(
      `SELECT id, message_id FROM emails_sent
        WHERE enrollment_id = ANY($1::uuid[]) OR lower(to_address) = ANY($2::text[]) OR to_address = $3`,
      [ids, c.s.emails.map((e) => e.toLowerCase()), pseudonymousEmail(c.s)],
    );
    const digests = await c.q.query<{ message_id: string }>(
      `SELECT DISTINCT d.message_id FROM review_digests d
         JOIN review_digest_submissions ds ON ds.digest_id = d.id JOIN completion_submissions s ON s.id = ds.submission_id
        WHERE s.enrollment_id = ANY($1::uuid[])`,
      [ids],
    );
    let outbox = 0;
    for (const { message_id } of [...sent.rows, ...digests.rows]) if (await c.mailer.forget?.(message_id)) outbox += 1;
    const rowIds = sent.rows.map((r) => r.id);
    const rows = await count(c, 'UPDATE emails_sent SET to_address = $2 WHERE id = ANY($1::uuid[]) AND to_address <> $2', [
      rowIds,
      pseudonymousEmail(c.s),
    ]);
    const subjects = await scrubColumn(c.q, c.s, {
      table: 'emails_sent',
      column: 'subject',
      kind: 'text',
      where: 'id = ANY($1::uuid[])',
      params: new Params(rowIds),
    });
    return { 'emails sent (address)': rows + subjects, 'outbox copies (.eml)': outbox };
  },

  /** Vouchers issued to the student keep their funder's facts, issued to the pseudonym instead of an id or email. */
  async eraseVouchers(c) {
    const vouchers = await count(
      c,
      `UPDATE vouchers SET student_id = $2, student_email = NULL WHERE student_id = $1 OR lower(student_email) = ANY($3::text[])`,
      [c.s.studentId, c.s.pseudonym, c.s.emails.map((e) => e.toLowerCase())],
    );
    return { 'vouchers (student id and email)': vouchers };
  },

  /**
   * xAPI statements about the student's enrollments or naming them (actor name, mbox, mbox_sha1sum): rewritten to the
   * pseudonym, with their agent keys; attachments only those statements carried are deleted.
   */
  async eraseXapi(c) {
    const ids = await enrollmentIds(c);
    const params = () => new Params(ids);
    const where = 'enrollment_id = ANY($1::uuid[]) OR registration = ANY($1::uuid[])';
    const attachments = await count(
      c,
      `DELETE FROM xapi_attachments a
        WHERE EXISTS (SELECT 1 FROM xapi_statements s, jsonb_array_elements(COALESCE(s.statement->'attachments', '[]')) x
                       WHERE (s.enrollment_id = ANY($1::uuid[]) OR s.registration = ANY($1::uuid[]))
                         AND s.partner_id = a.partner_id AND lower(x->>'sha2') = a.sha2)
          AND NOT EXISTS (SELECT 1 FROM xapi_statements s, jsonb_array_elements(COALESCE(s.statement->'attachments', '[]')) x
                           WHERE NOT (s.enrollment_id = ANY($1::uuid[]) OR s.registration = ANY($1::uuid[]))
                             AND s.partner_id = a.partner_id AND lower(x->>'sha2') = a.sha2)`,
      [ids],
    );
    // The name only in the statements of the student's enrollments (another learner may share it); the email anywhere.
    const scoped = await scrubColumn(c.q, c.s, { table: 'xapi_statements', column: 'statement', kind: 'jsonb', where, params: params() });
    const statements = await scrubColumn(c.q, emailOnly(c.s), { table: 'xapi_statements', column: 'statement', kind: 'jsonb' });
    for (const column of ['agent_keys', 'related_agent_keys']) {
      await scrubColumn(c.q, c.s, { table: 'xapi_statements', column, kind: 'text[]', where, params: params() });
      await scrubColumn(c.q, emailOnly(c.s), { table: 'xapi_statements', column, kind: 'text[]' });
    }
    return { 'xAPI statements': statements + scoped, 'xAPI attachments': attachments };
  },

  /** LTI scores of the student's enrollments: the learner's LTI id becomes the pseudonym's, the name leaves the body. */
  async eraseLti(c) {
    const ids = await enrollmentIds(c);
    const [from, to] = [ltiSubject(c.s.studentId), ltiSubject(c.s.pseudonym)];
    const scores = await count(c, 'UPDATE lti_scores SET user_id = $2 WHERE enrollment_id = ANY($1::uuid[]) AND user_id <> $2', [ids, to]);
    const body = await scrubColumn(c.q, c.s, {
      table: 'lti_scores',
      column: 'body',
      kind: 'jsonb',
      extra: [[from, to]],
      ...ofEnrollments(ids),
    });
    const comments = await scrubColumn(c.q, c.s, { table: 'lti_scores', column: 'comment', kind: 'text', ...ofEnrollments(ids) });
    return { 'LTI scores (learner id)': Math.max(scores, body) + comments };
  },

  /** The audit log: the student's own actions are the pseudonym's; any entry's details lose the name and email. */
  async eraseAuditDetails(c) {
    const actor = await count(c, 'UPDATE audit_log SET actor_id = $2 WHERE actor_id = $1', [c.s.studentId, c.s.pseudonym]);
    const target = await count(c, 'UPDATE audit_log SET target_id = $2 WHERE target_id = $1', [c.s.studentId, c.s.pseudonym]);
    const details = await scrubColumn(c.q, c.s, { table: 'audit_log', column: 'details', kind: 'jsonb' });
    return { 'audit entries (student id)': actor + target, 'audit entry details': details };
  },

  /**
   * The access and disclosure log holds ids and short words, never the name or email (db/migrations/022): its entries
   * stay, as FERPA keeps the record of disclosures with the records (34 CFR 99.32(a)(2)), under the pseudonym.
   */
  async eraseDisclosures(c) {
    const entries = await count(c, 'UPDATE disclosure_log SET student_id = $2 WHERE student_id = $1', [c.s.studentId, c.s.pseudonym]);
    return { 'disclosure log entries (student id)': entries };
  },

  /** Webhook bodies hold ids only (lib/webhook-events.ts); any that named the student, and attempts' errors, are rewritten. */
  async eraseWebhookBodies(c) {
    const ids = await enrollmentIds(c);
    const bodies = await scrubColumn(c.q, c.s, { table: 'webhook_events', column: 'body', kind: 'text', ...ofEnrollments(ids) });
    const errors = await scrubColumn(c.q, c.s, {
      table: 'webhook_attempts',
      column: 'error',
      kind: 'text',
      where: 'delivery_id IN (SELECT id FROM webhook_deliveries WHERE enrollment_id = ANY($1::uuid[]))',
      params: new Params(ids),
    });
    return { 'webhook event bodies and attempt errors': bodies + errors };
  },

  /** The student's Idempotency-Keys and rate-limit counts go; others' stored answers lose any mention of them. */
  async eraseRequestTraces(c) {
    const keys = await count(c, 'DELETE FROM idempotency_keys WHERE actor_id = $1', [c.s.studentId]);
    const limits = await count(c, `DELETE FROM rate_limit_hits WHERE right(key, length($1) + 1) = ':' || $1`, [c.s.studentId]);
    const answers =
      (await scrubColumn(c.q, c.s, { table: 'idempotency_keys', column: 'response_body', kind: 'jsonb' })) +
      (await scrubColumn(c.q, c.s, { table: 'idempotency_keys', column: 'headers', kind: 'jsonb' }));
    return { 'idempotency keys and rate-limit counts': keys + limits, 'stored answers mentioning the student': answers };
  },

  /** The student's data exports: each ZIP deleted, the rows kept as expired under the pseudonym. */
  async eraseExports(c) {
    const { rows } = await c.q.query<{ id: string; file_key: string | null }>(
      'SELECT id, file_key FROM data_exports WHERE student_id IN ($1, $2)',
      [c.s.studentId, c.s.pseudonym],
    );
    const zips = await deleteFiles(
      c.files,
      rows.map((r) => r.file_key),
    );
    await c.q.query(
      `UPDATE data_exports SET student_id = $2, status = 'expired', file_key = NULL, expired_at = COALESCE(expired_at, now())
        WHERE student_id = $1`,
      [c.s.studentId, c.s.pseudonym],
    );
    return { 'data export files': zips };
  },

  /** Who the student is to the platform (their name and email as their sign-in gave them). */
  async eraseStudentRecord(c) {
    const students = await count(c, 'DELETE FROM students WHERE id = $1', [c.s.studentId]);
    const holders = await count(c, 'DELETE FROM program_holders WHERE id = $1', [c.s.studentId]);
    const reasons = await scrubColumn(c.q, c.s, {
      table: 'erasure_requests',
      column: 'reason',
      kind: 'text',
      where: 'student_id = $1',
      params: new Params(c.s.studentId),
    });
    return { 'student record (name, email)': students + holders, 'earlier erasure requests’ reasons': reasons };
  },

  /** The student's enrollment workflows, closed, are deleted from Temporal with their histories. */
  async eraseWorkflowHistories(c) {
    if (!c.workflowHistories) return { 'enrollment workflow histories': 0 };
    let deleted = 0;
    for (const id of await enrollmentIds(c)) {
      if ((await c.workflowHistories.deleteClosed(enrollmentWorkflowId(id))) === 'deleted') deleted += 1;
    }
    return { 'enrollment workflow histories': deleted };
  },

  /**
   * The sweep: the student's email in any text or JSON column of any table, wherever it got to (an address is theirs
   * alone, so unlike a name it is safe to replace everywhere).
   */
  async eraseEmailEverywhere(c) {
    let rows = 0;
    for (const col of await textColumns(c.q)) {
      if (col.table === 'erasure_requests') continue;
      rows += await scrubColumn(c.q, emailOnly(c.s), { table: `"${col.table}"`, column: col.column, kind: col.kind });
    }
    return { 'other records naming the email': rows };
  },
} satisfies Record<string, (c: StepContext) => Promise<StepResult>>;

/** Every updatable text, json, jsonb or text[] column of the application's tables. */
export async function textColumns(q: Pick<PoolClient, 'query'>) {
  const { rows } = await q.query<{ table: string; column: string; kind: 'text' | 'json' | 'jsonb' | 'text[]' }>(
    `SELECT c.table_name AS table, c.column_name AS column,
            CASE WHEN c.data_type = 'ARRAY' THEN 'text[]' WHEN c.data_type IN ('json', 'jsonb') THEN c.data_type ELSE 'text' END AS kind
       FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
        AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
             OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
      ORDER BY c.table_name, c.ordinal_position`,
  );
  return rows;
}
