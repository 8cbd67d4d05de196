/**
 * An evidence file the retention policy deleted: the enrollment's answer says when (`fileDeletedAt`), the file's link
 * answers 404 saying it was deleted under the policy, and the holder's timeline and the student's page say the file is
 * gone instead of linking to nothing.
 */
import { applyRetentionBatch } from '../../capabilities/privacy/retention';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { consoleClient } from '../helpers/console-client';
import type { Problem } from '../helpers/contract';
import { holderFixtures } from './holder-fixtures';

let app: ApiApp;
let fx: ReturnType<typeof holderFixtures>;
beforeAll(async () => {
  app = await startApiApp();
  fx = holderFixtures(app);
  fx.projectWorkflow();
});
afterAll(() => app?.close());

test('the answer, the file link and both pages say the file was deleted under the retention policy', async () => {
  const holder = await app.token('program_holder', { name: 'Rita Review' });
  const program = await fx.programOf(holder, 'Records Management');
  const { enrollmentId, submissionId, student } = await fx.uploaded(program, 'Olga Oldfile');
  const approved = await app.request('POST', `/api/program-holder/submissions/${submissionId}/approve`, { token: holder.token });
  expect(approved.status).toBe(200);
  await fx.project(enrollmentId, 'closed');
  // The enrollment closed four years ago: its self-paid evidence is past RETENTION_EVIDENCE_FILES (3y).
  await app.db.query(`UPDATE enrollments SET closed_at = now() - interval '4 years' WHERE id = $1`, [enrollmentId]);
  const batch = await applyRetentionBatch(
    { db: app.db, files: app.files, periods: app.config.retention.periods, now: new Date(), limit: 10 },
    'evidenceFiles',
  );
  expect(batch).toEqual({ done: 1, more: false });

  const view = await app.request<{ submissions: { fileDeletedAt: string | null }[] }>('GET', `/api/enrollments/${enrollmentId}`, {
    token: holder.token,
  });
  const deletedAt = view.body.submissions[0].fileDeletedAt;
  expect(deletedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  const file = await app.request<Problem>('GET', `/api/submissions/${submissionId}/file`, { token: holder.token });
  expect(file.status).toBe(404);
  expect(file.body.detail).toBe(
    `the file of submission ${submissionId} was deleted on ${deletedAt!.slice(0, 10)} (retention policy or erasure); the record of it stays`,
  );

  const holderBrowser = consoleClient(app.baseUrl);
  await holderBrowser.signIn('program_holder', { userId: holder.actor.id, name: holder.actor.name!, email: holder.actor.email! });
  const timeline = (await holderBrowser.get(`/holder/enrollments/${enrollmentId}`)).html;
  expect(timeline).toContain('File deleted on');
  expect(timeline).toContain('(retention policy or erasure)');
  expect(timeline).not.toContain('View uploaded evidence');

  const studentBrowser = consoleClient(app.baseUrl);
  await studentBrowser.signIn('student', { userId: student.actor.id, name: student.actor.name!, email: student.actor.email! });
  const page = (await studentBrowser.get(`/student/enrollments/${enrollmentId}`)).html;
  expect(page).toContain('(file deleted on');
  expect(page).not.toContain(`/api/submissions/${submissionId}/file`);
});
