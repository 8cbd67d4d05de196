/**
 * The activities of the privacy workflows (workflows/privacy.ts): the data export's and the erasure's, built by the one
 * factory with the worker's dependencies.
 */
import { listDisclosures } from '../capabilities/privacy/queries';
import type { Db } from '../db/pool';
import { createDataExportActivities } from './dataExports';
import type { ActivityDeps } from './deps';
import { createErasureActivities } from './erasure';

const DISCLOSURES_PAGE = 1_000;

/** Every entry of the student's access and disclosure log, newest first (the list GET /api/me/disclosures pages). */
async function disclosuresOf(db: Db, studentId: string): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let offset = 0; ; offset += DISCLOSURES_PAGE) {
    const { items } = await listDisclosures(db, studentId, { limit: DISCLOSURES_PAGE, offset });
    all.push(...items);
    if (items.length < DISCLOSURES_PAGE) return all;
  }
}

export function createPrivacyActivities(deps: ActivityDeps) {
  return { ...createDataExportActivities(deps, disclosuresOf), ...createErasureActivities(deps) };
}

export type PrivacyActivities = ReturnType<typeof createPrivacyActivities>;
