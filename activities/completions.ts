import type { CompletionMethod } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export interface EvidenceRecord {
  enrollmentId: string;
  method: CompletionMethod;
  reportId: string;
  completedAt: string;
  reportedBy: string;
  score?: number;
  evidenceUrl?: string;
  outcome: 'applied' | 'already_complete';
}

/** Every completion report is kept: the applied one and each that came after it (first completion wins). */
export async function insertCompletionEvidence(db: ActivityDeps['db'], e: EvidenceRecord): Promise<void> {
  await db.query(
    `INSERT INTO completion_evidence (enrollment_id, method, report_id, completed_at, reported_by, score, evidence_url, outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (enrollment_id, method, report_id) DO NOTHING`,
    [e.enrollmentId, e.method, e.reportId, e.completedAt, e.reportedBy, e.score ?? null, e.evidenceUrl ?? null, e.outcome],
  );
}

export function createCompletionActivities({ db }: ActivityDeps) {
  return {
    recordCompletionEvidence: (e: EvidenceRecord) => insertCompletionEvidence(db, e),
  };
}
