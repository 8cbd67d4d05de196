/**
 * The holder's Mark complete with a certificate proof, through the real enrollment workflow (time-skipping server,
 * fake activities): the proof's key and facts and the notes reach the completion's evidence record.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { markCompleteUpdate, statusQuery } from '../../workflows/messages';
import { fakeActivities } from '../helpers/fake-activities';
import { createTestWorker, createTimeSkippingEnv, startEnrollment } from '../helpers/temporal';
import { workflowInput } from '../helpers/workflow-input';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

test('the proof and the notes of a mark are kept with the applied completion', async () => {
  const fake = fakeActivities();
  const { worker, taskQueue } = await createTestWorker(env, fake.activities);
  const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: `ITA-${randomUUID().slice(0, 6)}`, deadlineDays: 365 });
  const proof = {
    fileKey: `completion-proofs/${input.enrollmentId}/p.pdf`,
    contentType: 'application/pdf',
    sizeBytes: 1234,
    sha256: 'ab'.repeat(32),
  };
  await worker.runUntil(async () => {
    const handle = await startEnrollment(env.client, taskQueue, input);
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    while ((await handle.query(statusQuery)).status !== 'ready_to_launch') await new Promise((r) => setTimeout(r, 50));
    const marked = await handle.executeUpdate(markCompleteUpdate, {
      args: [{ completedAt: today, markedBy: 'holder-1', certificateUrl: 'https://partner.example/c/1', notes: 'Passed on site', proof }],
    });
    expect(marked.status).toBe('completed');
    await handle.result();
  });
  expect(fake.callsOf('recordCompletionEvidence')).toEqual([
    expect.objectContaining({
      method: 'manual',
      outcome: 'applied',
      reportedBy: 'holder-1',
      evidenceUrl: 'https://partner.example/c/1',
      notes: 'Passed on site',
      proof,
    }),
  ]);
});
