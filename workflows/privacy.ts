/**
 * A student's rights over their records (issue 23), as durable jobs: the data export (GDPR Art. 15 and 20, FERPA
 * 34 CFR 99.10) and the erasure an admin approved (GDPR Art. 17). Both hold ids only; every step is an activity that
 * a retry or a replay runs to the same end (activities/dataExports.ts, activities/erasure.ts).
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { PrivacyActivities } from '../activities/privacy';
import { type DataExportInput, ERASURE_STEPS, type ErasureInput, type ErasureOutcome } from './privacy-messages';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' } as const;

/** Reading a student's records and writing the ZIP (or one erasure step over the database) may take a while. */
const privacy = proxyActivities<PrivacyActivities>({ startToCloseTimeout: '10m', retry: RETRY });

/**
 * Builds the export, emails the student that it is ready, and removes it once it expires (RETENTION_EXPORTS, 7 days,
 * after it was ready): the durable timer is the expiry, so the link stops working even if no one looks again.
 */
export async function dataExportWorkflow(input: DataExportInput): Promise<{ status: 'expired' | 'gone' }> {
  const built = await privacy.buildDataExport(input);
  if (built.status === 'gone') return { status: 'gone' };
  if (built.status === 'ready') {
    await privacy.sendDataExportReadyEmail(input);
    const wait = Date.parse(built.expiresAt) - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await privacy.expireDataExport(input);
  return { status: 'expired' };
}

/**
 * Erases or pseudonymizes the student everywhere, one step at a time (ERASURE_STEPS), then records what was erased
 * and what is kept, with the legal basis and until when. A step already done (its result is in the request) is not
 * done again, so a retried activity or a replayed workflow changes nothing twice.
 */
export async function erasureWorkflow(input: ErasureInput): Promise<ErasureOutcome> {
  await privacy.beginErasure(input);
  for (const step of ERASURE_STEPS) await privacy[step](input);
  return privacy.completeErasure(input);
}
