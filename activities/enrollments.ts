import { ApplicationFailure } from '@temporalio/common';
import {
  findVoucher,
  openEnrollmentConflict,
  openEnrollmentIn,
  UNIQUE_RULES,
  type VoucherCandidate,
  voucherRefusal,
} from '../db/opening-rules';
import { inTransaction } from '../db/pool';
import { type EnrollmentBefore, type Queryable, recordWithWebhookEvents } from '../db/webhook-outbox';
import type { WebhookEventDraft, WebhookEventType } from '../lib/webhook-events';
import {
  type CompletionMethod,
  type EnrollmentStatus,
  type EnrollmentWorkflowInput,
  FailureType,
  type OpenedEnrollment,
  type Refusal,
} from '../workflows/messages';
import type { ActivityDeps } from './deps';
import { fundingSplit } from './funding';

/** A refusal as the workflow receives it: not retried, and answered to the opening update (the API maps the type). */
const refused = (r: Refusal) => ApplicationFailure.nonRetryable(r.message, r.type);

export interface StatusProjection {
  enrollmentId: string;
  /** The workflow's running number of status changes; keeps the read model monotonic under retries and races. */
  seq: number;
  status: EnrollmentStatus;
  at: string;
  checkoutUrl?: string;
  paidAt?: string;
  launchedAt?: string;
  completedAt?: string;
  completionMethod?: CompletionMethod;
}

/** The statuses a webhook event announces when the workflow moves to them. */
const STATUS_EVENTS: Partial<Record<EnrollmentStatus, WebhookEventType>> = {
  completed: 'enrollment.completed',
  withdrawn: 'enrollment.withdrawn',
  expired: 'enrollment.expired',
};

/**
 * The webhook events of one status change, from the projection and the record as it was before it: the first status
 * (`enrollment.created`), the payment (`enrollment.funded` for the voucher's part, `enrollment.paid` for the
 * checkout's), the first launch, and completion, withdrawal or expiry. A projection applied already (a retry, whose
 * events were recorded with it) announces nothing; each event's key names its fact once per enrollment.
 */
export function statusEvents(p: StatusProjection, before: EnrollmentBefore): WebhookEventDraft[] {
  if (before.statusSeq >= p.seq) return [];
  const data = { enrollmentId: p.enrollmentId, programId: before.programId, status: p.status, fundingSource: before.fundingSource };
  const event = (
    type: WebhookEventType,
    occurredAt: string,
    facts: Record<string, string | number | undefined> = {},
  ): WebhookEventDraft => ({
    key: `enrollment:${p.enrollmentId}:${type}`,
    type,
    occurredAt,
    data: { ...data, ...facts },
  });
  const events: WebhookEventDraft[] = [];
  if (p.seq === 1) events.push(event('enrollment.created', p.at));
  if (p.paidAt && !before.paid) {
    if (before.voucherCents > 0) events.push(event('enrollment.funded', p.paidAt, { paidAt: p.paidAt, voucherCents: before.voucherCents }));
    if (before.fundingSource === 'self_pay' || (before.amountDueCents ?? 0) > 0) {
      events.push(event('enrollment.paid', p.paidAt, { paidAt: p.paidAt, amountDueCents: before.amountDueCents ?? undefined }));
    }
  }
  if (p.launchedAt && !before.launched) events.push(event('enrollment.launched', p.launchedAt, { launchedAt: p.launchedAt }));
  const type = STATUS_EVENTS[p.status];
  if (type === 'enrollment.completed') {
    events.push(event(type, p.at, { completedAt: p.completedAt, completionMethod: p.completionMethod }));
  } else if (type) {
    events.push(event(type, p.at));
  }
  return events;
}

export type OpenEnrollmentRequest = Pick<
  EnrollmentWorkflowInput,
  'enrollmentId' | 'programId' | 'studentId' | 'fundingSource' | 'voucherNumber' | 'priceCents' | 'currency'
> & {
  /** When the workflow started (ISO): the record's creation time, and the day a voucher must still be valid on. */
  openedAt: string;
};

/** How an enrollment already recorded is funded: what a retried opening answers from. */
interface EnrollmentFundingRow {
  voucher_id: string | null;
  voucher_cents: number;
  /** Null on records written before co-pays existed: the whole price is due. */
  amount_due_cents: number | null;
  funding_source: string;
}

export function createEnrollmentActivities({ db, webhooks }: ActivityDeps) {
  return {
    /**
     * The enrollment's record, written by its own workflow as its first step, so the record and the workflow exist
     * together or not at all. The database's unique indexes refuse a second open enrollment in the program and a second
     * enrollment on one voucher, whoever races; the voucher is checked in the same transaction, by the rules the API's
     * pre-check asks too (db/opening-rules.ts). A retry after a crash finds the row and answers what it says.
     */
    async openEnrollmentRecord(r: OpenEnrollmentRequest): Promise<OpenedEnrollment> {
      try {
        return await inTransaction(db, async (client) => {
          const existing = await client.query<EnrollmentFundingRow>(
            'SELECT voucher_id, voucher_cents, amount_due_cents, funding_source FROM enrollments WHERE id = $1',
            [r.enrollmentId],
          );
          const row = existing.rows[0];
          if (row) {
            const amountDueCents = row.amount_due_cents ?? r.priceCents;
            return {
              status: row.funding_source === 'self_pay' || amountDueCents > 0 ? 'pending_payment' : 'ready_to_launch',
              voucherId: row.voucher_id ?? undefined,
              voucherCents: row.voucher_cents,
              amountDueCents,
            };
          }
          let voucher: VoucherCandidate | undefined;
          if (r.fundingSource !== 'self_pay') {
            const choice = await findVoucher(client, { ...r, voucherNumber: r.voucherNumber ?? '', today: r.openedAt.slice(0, 10) });
            if ('problem' in choice) throw refused(voucherRefusal(choice));
            voucher = choice.voucher;
          }
          const split = fundingSplit(r.priceCents, voucher?.amount_cents ?? 0);
          // Self-paid and co-paid enrollments wait for the checkout; one the voucher covers in full is ready at once.
          const status = r.fundingSource === 'self_pay' || split.amountDueCents > 0 ? 'pending_payment' : 'ready_to_launch';
          await client.query(
            `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, voucher_number,
                                      voucher_id, voucher_cents, amount_due_cents, price_cents, currency, status, created_at)
             SELECT $1, $2, $3, s.email, COALESCE(s.name, s.email), $4, $5, $6, $7, $8, $9, $10, $11, $12
               FROM (VALUES (1)) AS one LEFT JOIN students s ON s.id = $3`,
            [
              r.enrollmentId,
              r.programId,
              r.studentId,
              r.fundingSource,
              voucher?.number ?? null,
              voucher?.id ?? null,
              split.voucherCents,
              split.amountDueCents,
              r.priceCents,
              r.currency,
              status,
              r.openedAt,
            ],
          );
          return { status, voucherId: voucher?.id, ...split };
        });
      } catch (err) {
        const constraint = (err as { constraint?: string }).constraint ?? '';
        if ((err as { code?: string }).code !== '23505' || !UNIQUE_RULES[constraint]) throw err;
        throw refused(
          constraint === 'enrollments_one_open_per_program_idx'
            ? openEnrollmentConflict(await openEnrollmentIn(db, r))
            : { type: FailureType.conflict, message: UNIQUE_RULES[constraint] },
        );
      }
    },

    /**
     * Removes the record of an enrollment that could not be opened after all (its checkout could not be created),
     * so the student may simply try again; only while nothing but the record exists (no status projected yet).
     */
    async discardEnrollmentRecord(r: { enrollmentId: string }): Promise<void> {
      await db.query('DELETE FROM enrollments WHERE id = $1 AND status_seq = 0', [r.enrollmentId]);
    },

    /**
     * Projects one status change of the workflow into the read model and its history table, and records the webhook
     * events it announces in the same transaction (see statusEvents).
     */
    async recordEnrollmentStatus(p: StatusProjection): Promise<void> {
      const project = (q: Queryable) =>
        q.query(
          `WITH history AS (
             INSERT INTO enrollment_status_history (enrollment_id, seq, status, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING
           )
           UPDATE enrollments SET
             status            = CASE WHEN status_seq < $2 THEN $3 ELSE status END,
             status_seq        = GREATEST(status_seq, $2),
             checkout_url      = COALESCE(checkout_url, $5),
             paid_at           = COALESCE(paid_at, $6),
             launched_at       = COALESCE(launched_at, $7),
             completed_at      = COALESCE(completed_at, $8),
             completion_method = COALESCE(completion_method, $9),
             closed_at         = CASE WHEN $3 = 'closed' THEN COALESCE(closed_at, $4) ELSE closed_at END,
             withdrawn_at      = CASE WHEN $3 = 'withdrawn' THEN COALESCE(withdrawn_at, $4) ELSE withdrawn_at END,
             expired_at        = CASE WHEN $3 = 'expired' THEN COALESCE(expired_at, $4) ELSE expired_at END,
             updated_at        = now()
           WHERE id = $1`,
          [
            p.enrollmentId,
            p.seq,
            p.status,
            p.at,
            p.checkoutUrl ?? null,
            p.paidAt ?? null,
            p.launchedAt ?? null,
            p.completedAt ?? null,
            p.completionMethod ?? null,
          ],
        );
      await recordWithWebhookEvents(
        db,
        { enrollmentId: p.enrollmentId, write: project, events: (_written, before) => statusEvents(p, before) },
        webhooks?.dispatcher,
      );
    },
  };
}
