import type { CompletionMethod, CompletionReport, PaymentConfirmation, ProofFile, ReportOutcome } from '../workflows/messages';
import type { Db } from './pool';

/*
 * The rows that both the workflow's activities and the API's commands write (the API writes them for an enrollment
 * whose workflow has ended): one statement each, idempotent, so either side may write first or twice.
 */

/** A completion as kept: a channel's report, a holder's mark or an approved upload; the applied one or a later one. */
export type EvidenceRecord = Omit<CompletionReport, 'method'> & {
  enrollmentId: string;
  method: CompletionMethod;
  outcome: ReportOutcome['outcome'];
  /** A holder's mark: their notes and the certificate proof they uploaded. */
  notes?: string;
  proof?: ProofFile;
};

/** Every completion report is kept: the applied one and each that came after it (first completion wins). */
export async function insertCompletionEvidence(db: Db, e: EvidenceRecord): Promise<void> {
  await db.query(
    `INSERT INTO completion_evidence (enrollment_id, method, report_id, completed_at, reported_by, score, evidence_url, outcome,
                                      notes, proof_file_key, proof_content_type, proof_size_bytes, proof_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (enrollment_id, method, report_id) DO NOTHING`,
    [
      e.enrollmentId,
      e.method,
      e.reportId,
      e.completedAt,
      e.reportedBy,
      e.score ?? null,
      e.evidenceUrl ?? null,
      e.outcome,
      e.notes ?? null,
      e.proof?.fileKey ?? null,
      e.proof?.contentType ?? null,
      e.proof?.sizeBytes ?? null,
      e.proof?.sha256 ?? null,
    ],
  );
}

/** A payment as kept: a provider's confirmation (or a voucher's), accepted or rejected (for a refund). */
export type PaymentRecord = Omit<PaymentConfirmation, 'provider'> & {
  enrollmentId: string;
  provider: string;
  status: 'accepted' | 'rejected';
  reason?: string;
  voucherNumber?: string;
};

/**
 * Keeps one payment, once per provider and provider ref; true when this call wrote it. The workflow's activity and the
 * Stripe webhook (for a payment to an enrollment whose workflow has ended) both write through this.
 */
export async function insertPayment(db: Db, p: PaymentRecord): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO payments (enrollment_id, provider, provider_ref, amount_cents, currency, status, reason, paid_at, voucher_number)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider, provider_ref) DO NOTHING`,
    [p.enrollmentId, p.provider, p.providerRef, p.amountCents, p.currency, p.status, p.reason ?? null, p.paidAt, p.voucherNumber ?? null],
  );
  return rowCount === 1;
}
