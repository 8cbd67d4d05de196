import { type EvidenceRecord, insertCompletionEvidence } from '../db/records';
import type { ActivityDeps } from './deps';

export function createCompletionActivities({ db }: ActivityDeps) {
  return {
    recordCompletionEvidence: (e: EvidenceRecord) => insertCompletionEvidence(db, e),
  };
}
