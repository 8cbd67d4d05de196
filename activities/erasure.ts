/**
 * The erasure's activities (workflows/privacy.ts, erasureWorkflow): begin (who the student is, in names and emails),
 * one activity per step (activities/erasure-steps.ts), complete (what was erased, what is kept and why, until when).
 *
 * Done once: each step runs in a transaction that locks the request and records the step's result in it
 * (`erasure_requests.steps`); a step whose result is there answers it without running again, so a retried activity or
 * a replayed workflow erases nothing twice and reports the same counts. Files are deleted inside the step, before its
 * transaction commits: deleting again is a no-op. The names and emails sought live in the request (`subject`) only
 * while the erasure runs; the workflow's history holds the request's id and counts.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { PoolClient } from 'pg';
import { audit } from '../core/audit';
import { inTransaction } from '../db/pool';
import { afterPeriod, retentionFromEnv, type RetentionPeriods } from '../lib/retention-config';
import { openEnrollmentsOf } from '../capabilities/privacy/erasure-queries';
import { ERASURE_STEPS, type ErasureOutcome, type ErasureStep } from '../workflows/privacy-messages';
import type { ActivityDeps } from './deps';
import type { ErasureSubject } from './erasure-scrub';
import { ERASURE_STEP_WORK, type StepResult } from './erasure-steps';

/** Why a record stays after the erasure, and for how long (README, Privacy: Erasure). */
export const RETENTION_BASES = {
  /** Payments, refunds, transfers and the revenue-share ledger: the platform's books. */
  financial: { years: 7, basis: '26 U.S.C. 6001 and 26 CFR 1.6001-1(e) (books of account, kept while material: 26 U.S.C. 6501)' },
  /** Records of a federal award (WIOA individual training accounts): three years from the final expenditure report. */
  award: { years: 3, basis: '2 CFR 200.334 (adopted by the Department of Labor in 2 CFR 2900; state policy may ask longer)' },
  /** That the erasure was asked for, decided and done, and the pseudonymized trail of who did what. */
  /** For RETENTION_AUDIT_LOG, as the audit log (capabilities/privacy/retention-policy.ts). */
  accountability: { basis: 'GDPR Art. 5(2) and 17 (accountability: showing the erasure was done)' },
  /** The record of each disclosure is kept with the education records, as long as they are (FERPA). */
  disclosures: { basis: '34 CFR 99.32(a)(2) (the record of disclosures is kept as long as the education records are)' },
  /** That each tutor message sent to the model provider had the student's consent. */
  /** For RETENTION_AUDIT_LOG after the erasure, with the request. */
  consent: { basis: 'GDPR Art. 7(1) (the controller shows that consent was given)' },
} as const;

export interface KeptRecord {
  what: string;
  count: number;
  basis: string;
  /** The last day it is kept (YYYY-MM-DD); null: no end, as it names no one (a certificate's registry entry). */
  until: string | null;
}

export interface ErasedRecord {
  what: string;
  count: number;
}

interface RequestRow {
  student_id: string;
  status: 'requested' | 'rejected' | 'approved' | 'completed';
  pseudonym: string | null;
  subject: { names: string[]; emails: string[] } | null;
  steps: Record<string, StepResult>;
  erased: ErasedRecord[] | null;
  kept: KeptRecord[] | null;
}

const lock = async (q: PoolClient, requestId: string): Promise<RequestRow> => {
  const { rows } = await q.query<RequestRow>(
    'SELECT student_id, status, pseudonym, subject, steps, erased, kept FROM erasure_requests WHERE id = $1 FOR UPDATE',
    [requestId],
  );
  if (!rows[0]) throw ApplicationFailure.nonRetryable(`erasure request ${requestId} does not exist`, 'ErasureRequestMissing');
  return rows[0];
};

/** Every name and email the platform has known the student by: their sign-in, their enrollments, vouchers, sessions. */
async function collectSubject(q: PoolClient, studentId: string) {
  const { rows } = await q.query<{ names: string[]; emails: string[] }>(
    `SELECT COALESCE(array_agg(DISTINCT n) FILTER (WHERE n IS NOT NULL AND btrim(n) <> ''), '{}') AS names,
            COALESCE(array_agg(DISTINCT lower(m)) FILTER (WHERE m IS NOT NULL AND btrim(m) <> ''), '{}') AS emails
       FROM (SELECT name AS n, email AS m FROM students WHERE id = $1
             UNION ALL SELECT student_name, student_email FROM enrollments WHERE student_id = $1
             UNION ALL SELECT NULL, student_email FROM vouchers WHERE student_id = $1
             UNION ALL SELECT sess->'actor'->>'name', sess->'actor'->>'email' FROM console_sessions
                        WHERE sess->'actor'->>'id' = $1) AS known (n, m)`,
    [studentId],
  );
  return rows[0];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const plusYears = (d: Date, years: number) => {
  const r = new Date(d);
  r.setUTCFullYear(r.getUTCFullYear() + years);
  return day(r);
};

interface KeptFacts {
  enrollments: number;
  money: number;
  last_money: Date | null;
  last_closed: Date | null;
  wioa: number;
  last_exit: Date | null;
  vouchers: number;
  certificates: number;
  audit: number;
  consents: number;
  disclosures: number;
}

/** What stays of the student, tied to the pseudonym, with the basis and the last day of each. */
async function keptRecords(q: PoolClient, pseudonym: string, now: Date, periods: RetentionPeriods): Promise<KeptRecord[]> {
  const { rows } = await q.query<KeptFacts>(
    `WITH e AS (SELECT id, COALESCE(closed_at, withdrawn_at, expired_at, updated_at) AS closed FROM enrollments WHERE student_id = $1)
     SELECT (SELECT count(*) FROM e)::int AS enrollments,
            ((SELECT count(*) FROM payments WHERE enrollment_id IN (SELECT id FROM e))
             + (SELECT count(*) FROM refunds WHERE enrollment_id IN (SELECT id FROM e))
             + (SELECT count(*) FROM transfers WHERE enrollment_id IN (SELECT id FROM e))
             + (SELECT count(*) FROM ledger_entries WHERE enrollment_id IN (SELECT id FROM e)))::int AS money,
            (SELECT max(created_at) FROM ledger_entries WHERE enrollment_id IN (SELECT id FROM e)) AS last_money,
            (SELECT max(closed) FROM e) AS last_closed,
            (SELECT count(*) FROM wioa_outcomes WHERE enrollment_id IN (SELECT id FROM e))::int AS wioa,
            (SELECT max(COALESCE(exit_date, program_entry_date))::timestamptz FROM wioa_outcomes WHERE enrollment_id IN (SELECT id FROM e)) AS last_exit,
            (SELECT count(*) FROM vouchers WHERE student_id = $1)::int AS vouchers,
            (SELECT count(*) FROM certificates WHERE enrollment_id IN (SELECT id FROM e))::int AS certificates,
            (SELECT count(*) FROM audit_log WHERE actor_id = $1 OR target_id = $1)::int AS audit,
            (SELECT count(*) FROM tutor_consents WHERE student_id = $1)::int AS consents,
            (SELECT count(*) FROM disclosure_log WHERE student_id = $1)::int AS disclosures`,
    [pseudonym],
  );
  const f = rows[0];
  const closed = f.last_closed ?? now;
  const financialUntil = plusYears(f.last_money ?? closed, RETENTION_BASES.financial.years);
  const awardUntil = plusYears(f.last_exit && f.last_exit > closed ? f.last_exit : closed, RETENTION_BASES.award.years);
  const later = (a: string, b: string) => (a > b ? a : b);
  const recordsUntil = f.wioa ? later(financialUntil, awardUntil) : financialUntil;
  const kept: KeptRecord[] = [];
  const keep = (what: string, count: number, basis: string, until: string | null) => count && kept.push({ what, count, basis, until });
  keep(
    'enrollment records: program, dates, amounts, status history and completion evidence (no name, email, files or student id)',
    f.enrollments,
    `${RETENTION_BASES.financial.basis}; ${RETENTION_BASES.award.basis}`,
    recordsUntil,
  );
  keep(
    'access and disclosure log entries (who read or received the record, when, why)',
    f.disclosures,
    RETENTION_BASES.disclosures.basis,
    day(afterPeriod(now, periods.disclosureLog)),
  );
  keep('payments, refunds, transfers and revenue-share ledger entries', f.money, RETENTION_BASES.financial.basis, financialUntil);
  keep('WIOA participant records (PIRL; PIRL 100 is the platform’s own number)', f.wioa, RETENTION_BASES.award.basis, awardUntil);
  keep('vouchers issued to the student (the funder’s record, without the email)', f.vouchers, RETENTION_BASES.award.basis, awardUntil);
  keep(
    'certificate registry entries (verification code, program, dates: employers can still verify; the page shows no name)',
    f.certificates,
    'Verification of the issued credential (its page, Open Badges 3.0 status list); it names no one',
    null,
  );
  keep(
    'tutor consent records (when consent was given and withdrawn, the notice shown)',
    f.consents,
    RETENTION_BASES.consent.basis,
    day(afterPeriod(now, periods.auditLog)),
  );
  keep('audit log entries, pseudonymized', f.audit, RETENTION_BASES.accountability.basis, day(afterPeriod(now, periods.auditLog)));
  keep(
    'this erasure request (who asked, who decided, what was done)',
    1,
    RETENTION_BASES.accountability.basis,
    day(afterPeriod(now, periods.auditLog)),
  );
  return kept;
}

export function createErasureActivities({ db, files, mailer, workflowHistories, retention = retentionFromEnv() }: ActivityDeps) {
  /** Runs one step once: its recorded result, or the step's work and its result recorded in the same transaction. */
  const runStep = (step: ErasureStep) =>
    async function ({ requestId }: { requestId: string }): Promise<{ step: ErasureStep; records: number }> {
      const result = await inTransaction(db, async (q) => {
        const r = await lock(q, requestId);
        if (r.status === 'completed' || r.steps[step]) return r.steps[step] ?? {};
        if (r.status !== 'approved' || !r.pseudonym || !r.subject) {
          throw ApplicationFailure.nonRetryable(`erasure request ${requestId} is ${r.status}, not under way`, 'ErasureNotApproved');
        }
        const s: ErasureSubject = { requestId, studentId: r.student_id, pseudonym: r.pseudonym, ...r.subject };
        const done = await ERASURE_STEP_WORK[step]({ q, s, files, mailer, workflowHistories });
        await q.query(`UPDATE erasure_requests SET steps = steps || jsonb_build_object($2::text, $3::jsonb) WHERE id = $1`, [
          requestId,
          step,
          JSON.stringify(done),
        ]);
        return done;
      });
      return { step, records: Object.values(result).reduce((a, b) => a + b, 0) };
    };
  const steps = Object.fromEntries(ERASURE_STEPS.map((step) => [step, runStep(step)])) as Record<ErasureStep, ReturnType<typeof runStep>>;

  return {
    /**
     * Starts an approved request: checks that no enrollment has been opened since the approval (one has: the request
     * goes back to `requested` and the workflow ends, to be approved again once it is closed) and records who the
     * student is, in names and emails, for the steps to look for.
     */
    async beginErasure({ requestId }: { requestId: string }): Promise<{ status: string }> {
      const open = await inTransaction(db, async (q) => {
        const r = await lock(q, requestId);
        if (r.status === 'completed' || (r.status === 'approved' && r.subject)) return [];
        if (r.status !== 'approved') {
          throw ApplicationFailure.nonRetryable(`erasure request ${requestId} is ${r.status}, not approved`, 'ErasureNotApproved');
        }
        const enrollments = await openEnrollmentsOf(q, r.student_id);
        if (enrollments.length) {
          await q.query(`UPDATE erasure_requests SET status = 'requested', decided_by = NULL, decided_at = NULL WHERE id = $1`, [
            requestId,
          ]);
          return enrollments;
        }
        const subject = await collectSubject(q, r.student_id);
        await q.query('UPDATE erasure_requests SET subject = $2 WHERE id = $1', [requestId, JSON.stringify(subject)]);
        return [];
      });
      if (open.length) {
        throw ApplicationFailure.nonRetryable(
          `the student has open enrollments again (${open.map((e) => e.id).join(', ')}); approve again once they are closed`,
          'ErasureBlocked',
        );
      }
      return { status: 'under_way' };
    },

    ...steps,

    /** Records what was erased and what is kept (with basis and until), forgets the names and emails sought, and ends. */
    async completeErasure({ requestId }: { requestId: string }): Promise<ErasureOutcome> {
      return inTransaction(db, async (q) => {
        const r = await lock(q, requestId);
        if (r.status === 'completed') return { requestId, erased: r.erased?.length ?? 0, kept: r.kept?.length ?? 0 };
        if (r.status !== 'approved' || !r.pseudonym) {
          throw ApplicationFailure.nonRetryable(`erasure request ${requestId} is ${r.status}, not under way`, 'ErasureNotApproved');
        }
        const erased: ErasedRecord[] = ERASURE_STEPS.flatMap((step) =>
          Object.entries(r.steps[step] ?? {}).map(([what, count]) => ({ what, count })),
        );
        const kept = await keptRecords(q, r.pseudonym, new Date(), retention.periods);
        await q.query(
          `UPDATE erasure_requests SET status = 'completed', completed_at = now(), subject = NULL, erased = $2, kept = $3 WHERE id = $1`,
          [requestId, JSON.stringify(erased), JSON.stringify(kept)],
        );
        await audit(
          q,
          { id: 'system:erasure', role: 'system' },
          'erasure.complete',
          { type: 'erasure_request', id: requestId },
          { erased: erased.reduce((n, e) => n + e.count, 0), kept: kept.length },
        );
        return { requestId, erased: erased.length, kept: kept.length };
      });
    },
  };
}
