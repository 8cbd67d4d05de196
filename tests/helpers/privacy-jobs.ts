/**
 * The privacy workflows' steps run in process, for API-level tests (no Temporal): the same activities in the workflows'
 * order (workflows/privacy.ts), started in the background like a workflow, so a request answers before its job is done.
 * `idle()` waits for every job started so far and throws the first failure. Expiry (the workflow's 7-day timer) is
 * not run here: tests/workflow.privacy.test.ts runs it on the time-skipping server.
 */
import type { PrivacyActivities } from '../../activities/privacy';
import { ERASURE_STEPS, type PrivacyJobs } from '../../workflows/privacy-messages';

export type InProcessPrivacyJobs = PrivacyJobs & {
  idle(): Promise<void>;
  started: { kind: 'export' | 'erasure'; id: string }[];
};

export function inProcessPrivacyJobs(a: PrivacyActivities): InProcessPrivacyJobs {
  const running: Promise<void>[] = [];
  const failures: unknown[] = [];
  const started: InProcessPrivacyJobs['started'] = [];
  const run = (job: () => Promise<void>) => {
    running.push(new Promise<void>((resolve) => setImmediate(resolve)).then(job).catch((err: unknown) => void failures.push(err)));
  };
  return {
    started,
    startExport(exportId) {
      started.push({ kind: 'export', id: exportId });
      run(async () => {
        const built = await a.buildDataExport({ exportId });
        if (built.status === 'ready') await a.sendDataExportReadyEmail({ exportId });
      });
      return Promise.resolve();
    },
    startErasure(requestId) {
      started.push({ kind: 'erasure', id: requestId });
      run(async () => {
        await a.beginErasure({ requestId });
        for (const step of ERASURE_STEPS) await a[step]({ requestId });
        await a.completeErasure({ requestId });
      });
      return Promise.resolve();
    },
    async idle() {
      while (running.length) await Promise.all(running.splice(0));
      if (failures.length) throw failures.splice(0)[0];
    },
  };
}
