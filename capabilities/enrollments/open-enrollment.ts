import type { Locale } from '../../lib/i18n';
import { createHash, randomUUID } from 'node:crypto';
import { openingRefusal } from '../../db/opening-rules';
import type { Db } from '../../db/pool';
import type { Config } from '../../lib/config';
import { type EnrollmentWorkflowInput, type FundingSource, partnerTaskQueue } from '../../workflows/messages';
import type { Actor } from '../../core/actor';
import { type EnrollmentClient, refusalProblem } from '../../core/enrollment-client';
import { refuse } from '../../core/refusals';
import { audit } from '../../core/audit';
import { rememberStudent } from './student-contact';

/** What a program's row says that an enrollment's workflow needs. */
export interface ProgramTerms {
  id: string;
  partner_id: string;
  price_cents: number;
  currency: string;
  deadline_days: number;
  nudge_days: number[];
  refund_after_launch_bps: number;
  api_base_url: string | null;
  poll_interval_seconds: number;
  archived: boolean;
}

export async function programTerms(db: Db, programId: string): Promise<ProgramTerms | undefined> {
  const { rows } = await db.query<ProgramTerms>(
    `SELECT p.id, p.partner_id, p.price_cents, p.currency, p.deadline_days, p.nudge_days, p.refund_after_launch_bps,
            pa.api_base_url, pa.poll_interval_seconds, p.archived_at IS NOT NULL AS archived
       FROM programs p JOIN partners pa ON pa.id = p.partner_id WHERE p.id = $1`,
    [programId],
  );
  return rows[0];
}

/** The workflow's input for one enrollment in a program, on the program's terms as they are today. */
export function enrollmentWorkflowInput(
  program: ProgramTerms,
  e: { enrollmentId: string; studentId: string; fundingSource: FundingSource; voucherNumber?: string; paymentWindowMs: number },
): EnrollmentWorkflowInput {
  return {
    ...e,
    programId: program.id,
    partnerId: program.partner_id,
    priceCents: program.price_cents,
    currency: program.currency,
    deadlineDays: program.deadline_days,
    nudgeDays: program.nudge_days,
    refundAfterLaunchBps: program.refund_after_launch_bps,
    // A partner with a completion API is asked on a durable timer; failures back off to a day, or the interval if longer.
    polling: program.api_base_url
      ? {
          taskQueue: partnerTaskQueue(program.partner_id),
          intervalMs: program.poll_interval_seconds * 1000,
          maxIntervalMs: Math.max(program.poll_interval_seconds * 1000, 86_400_000),
        }
      : undefined,
  };
}

/**
 * The enrollment id of a create request: derived from the student and the Idempotency-Key when there is one, so a
 * retry after a crash reaches the same workflow (and its answer) instead of opening a second enrollment.
 */
export function enrollmentIdFor(studentId: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const h = createHash('sha256').update(`enrollment\n${studentId}\n${idempotencyKey}`).digest('hex');
  // RFC 9562 version 8 (custom) with the RFC variant bits.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Opens an enrollment (the student needs an email address): the student's name and email are kept where the
 * workflow's record copies them from, then the
 * workflow starts and writes the record itself (the voucher and uniqueness rules are checked there, in the database).
 * A request those rules refuse is answered before that, read-only and with the same problem: bad input starts no
 * workflow (a failed one each would bury the real failures ops look for, and cost an execution).
 */
export async function openEnrollment(
  deps: { db: Db; enrollments: EnrollmentClient; config: Config },
  student: Actor,
  request: { programId: string; fundingSource: FundingSource; voucherNumber?: string },
  idempotencyKey?: string,
  /** The language of the page the student enrolled from (the API's clients leave the one kept). */
  locale?: Locale,
) {
  if (!student.email) throw refuse.invalid('your account has no email address (no email claim); the certificate and emails need one');
  const program = await programTerms(deps.db, request.programId);
  if (!program) throw refuse.notFound(`program ${request.programId}`);
  if (program.archived) throw refuse.conflict('this program is closed to new enrollments (archived); choose another from the catalog');
  await rememberStudent(deps.db, student, locale);
  const enrollmentId = enrollmentIdFor(student.id, idempotencyKey);
  const input = enrollmentWorkflowInput(program, {
    enrollmentId,
    studentId: student.id,
    fundingSource: request.fundingSource,
    voucherNumber: request.fundingSource === 'self_pay' ? undefined : request.voucherNumber,
    paymentWindowMs: deps.config.paymentWindowMs,
  });
  const refusal = await openingRefusal(deps.db, input);
  const refused = refusal && refusalProblem(refusal.type, refusal.message);
  if (refused) throw refused;
  const opened = await deps.enrollments.start(input);
  await audit(deps.db, student, 'enrollment.create', { type: 'enrollment', id: enrollmentId }, { fundingSource: request.fundingSource });
  return { enrollmentId, ...opened };
}
