/**
 * Issue 24, items 4 and 10 (bulk review), at the HTTP level: the Review queue's boxes (**Select <student>**, **Select
 * all**, **Approve selected**), the one confirmation listing the students, nothing approved before **Confirm**, then
 * each approved through the same command as Approve with its own idempotency key, each student's outcome reported.
 * Select all works without script (its box means every item listed); the script that ticks the boxes is a file.
 * Mark complete's Cancel deletes the proof kept aside for its confirmation.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { confirmOn, type ConsoleClient, consoleClient } from '../helpers/console-client';
import { holderFixtures, PNG } from './holder-fixtures';

let app: ApiApp;
let fx: ReturnType<typeof holderFixtures>;
beforeAll(async () => {
  app = await startApiApp();
  fx = holderFixtures(app);
  fx.projectWorkflow();
});
afterAll(() => app?.close());

async function signedInHolder(): Promise<{ holder: Session; browser: ConsoleClient }> {
  const holder = await app.token('program_holder', { name: 'Bea Bulk', email: `${randomUUID().slice(0, 8)}@holder.example` });
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('program_holder', { userId: holder.actor.id, name: 'Bea Bulk', email: holder.actor.email! });
  return { holder, browser };
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

const statusOf = async (submissionId: string) =>
  (await app.db.query<{ status: string }>('SELECT status FROM completion_submissions WHERE id = $1', [submissionId])).rows[0].status;

const approvedIds = () => app.enrollments.callsOf('approve').map(([, submissionId]) => submissionId);

test('the queue: a box per student named after them, Select all, Approve selected; the script is a file', async () => {
  const { holder, browser } = await signedInHolder();
  const program = await fx.programOf(holder, 'Welding Basics');
  const ada = await fx.uploaded(program, 'Ada Lovelace');
  const queue = await browser.get('/holder/review');
  expect(queue.html).toContain(
    `<input type="checkbox" id="select-${ada.submissionId}" name="submissionId" value="${ada.submissionId}" form="bulk-approve" aria-label="Select Ada Lovelace">`,
  );
  expect(queue.html).toMatch(
    /<input type="checkbox" id="select-all" name="all" value="yes"[^>]*>\s*<label for="select-all">Select all<\/label>/,
  );
  expect(queue.html).toContain('<button type="submit">Approve selected</button>');
  expect(queue.html).toContain(`<input type="hidden" name="listed" value="${ada.submissionId}">`);
  expect(queue.html).toContain('<script src="/assets/review-select.js" defer></script>');
  const script = await fetch(`${app.baseUrl}/assets/review-select.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(await script.text()).toContain("getElementById('select-all')");
});

test('Approve selected: one confirmation listing the students, nothing before Confirm, then each approved with its own key', async () => {
  const { holder, browser } = await signedInHolder();
  const program = await fx.programOf(holder, 'Forklift Operator');
  const [ada, grace, ken] = [
    await fx.uploaded(program, 'Ada Lovelace'),
    await fx.uploaded(program, 'Grace Hopper'),
    await fx.uploaded(program, 'Ken Thompson'),
  ];
  await browser.get('/holder/review');
  const form = new URLSearchParams([
    ['submissionId', ada.submissionId],
    ['submissionId', grace.submissionId],
    ...[ada, grace, ken].map((s): [string, string] => ['listed', s.submissionId]),
  ]);
  const asked = await browser.post('/holder/review/approve-selected', form);
  expect(asked.status).toBe(200);
  const page = text(asked.html);
  expect(page).toContain('Approve the evidence of 2 students?');
  expect(page).toContain('A certificate is issued in each student’s name, and each student is emailed theirs.');
  expect(page).toMatch(/Ada Lovelace \(\S+@\S+\): Forklift Operator/);
  expect(page).toMatch(/Grace Hopper \(\S+@\S+\): Forklift Operator/);
  expect(page).not.toContain('Ken Thompson');
  // Nothing has happened yet.
  expect(approvedIds()).not.toEqual(expect.arrayContaining([ada.submissionId]));
  expect(await statusOf(ada.submissionId)).toBe('pending');
  expect(await statusOf(grace.submissionId)).toBe('pending');

  const done = await confirmOn(browser, asked);
  expect({ status: done.status, location: done.location }).toEqual({ status: 303, location: '/holder/review' });
  const calls = app.enrollments.callsOf('approve').filter(([, s]) => s === ada.submissionId || s === grace.submissionId);
  expect(calls).toHaveLength(2);
  const keys = calls.map(([, , , key]) => key as string);
  expect(keys[0]).toMatch(/^confirm:[0-9a-f-]{36}:/);
  expect(new Set(keys).size).toBe(2);
  expect(await statusOf(ada.submissionId)).toBe('approved');
  expect(await statusOf(grace.submissionId)).toBe('approved');
  expect(await statusOf(ken.submissionId)).toBe('pending');
  const after = text((await browser.get('/holder/review')).html);
  expect(after).toContain('Approved the evidence of 2 students: their enrollments are completed.');
  expect(after).toContain('Ada Lovelace: approved, the enrollment is completed.');
  expect(after).toContain('Grace Hopper: approved, the enrollment is completed.');
  // The result is shown once.
  expect(text((await browser.get('/holder/review')).html)).not.toContain('Ada Lovelace: approved');
});

test('Select all without script means every item listed; a student refused at Confirm is reported, the others approved', async () => {
  const { holder, browser } = await signedInHolder();
  const program = await fx.programOf(holder, 'Retail Fundamentals');
  const moved = await fx.programOf(holder, 'Moved Program');
  const [lin, mae] = [await fx.uploaded(program, 'Lin Listed'), await fx.uploaded(moved, 'Mae Moved')];
  await browser.get('/holder/review');
  const form = new URLSearchParams([['all', 'yes'], ...[lin, mae].map((s): [string, string] => ['listed', s.submissionId])]);
  const asked = await browser.post('/holder/review/approve-selected', form);
  expect(text(asked.html)).toContain('Approve the evidence of 2 students?');
  expect(text(asked.html)).toContain('Lin Listed');
  expect(text(asked.html)).toContain('Mae Moved');
  // Before Confirm, Mae's program passes to another holder: hers is refused, Lin's still approved.
  await app.db.query('UPDATE programs SET holder_id = $1 WHERE id = $2', [`holder-${randomUUID()}`, moved]);
  const done = await confirmOn(browser, asked);
  expect(done.status).toBe(303);
  expect(await statusOf(lin.submissionId)).toBe('approved');
  expect(await statusOf(mae.submissionId)).toBe('pending');
  const after = text((await browser.get('/holder/review')).html);
  expect(after).toContain('Approved 1 student of 2; see below for the ones not approved.');
  expect(after).toContain('Lin Listed: approved');
  expect(after).toMatch(/A student: not approved\. \S/);
});

test('nothing selected goes back with a message; CSRF is required; another holder’s submission is refused before any confirmation', async () => {
  const { browser } = await signedInHolder();
  await browser.get('/holder/review');
  const none = await browser.post('/holder/review/approve-selected', new URLSearchParams());
  expect({ status: none.status, location: none.location }).toEqual({ status: 303, location: '/holder/review' });
  expect(text((await browser.get('/holder/review')).html)).toContain('Select the students whose evidence to approve');

  const other = await app.token('program_holder');
  const theirs = await fx.uploaded(await fx.programOf(other, 'Theirs'), 'Tia Theirs');
  const forged = new URLSearchParams([
    ['submissionId', theirs.submissionId],
    ['_csrf', 'forged'],
  ]);
  expect((await browser.post('/holder/review/approve-selected', forged)).status).toBe(403);
  const refused = await browser.post('/holder/review/approve-selected', new URLSearchParams([['submissionId', theirs.submissionId]]));
  expect(refused.status).toBe(403);
  expect(refused.html).not.toContain('Confirm');
  expect(await statusOf(theirs.submissionId)).toBe('pending');
});

test('Mark complete’s Cancel: nothing is marked, and the proof kept aside for the confirmation is deleted', async () => {
  const { holder, browser } = await signedInHolder();
  const { enrollmentId } = await fx.inProgress(await fx.programOf(holder, 'Cancelled Mark'), 'Cal Cancel');
  await browser.get(`/holder/enrollments/${enrollmentId}`);
  const form = new FormData();
  form.set('completedAt', '2024-06-01');
  form.set('proof', new Blob([new Uint8Array(PNG)]), 'cert.png');
  const asked = await browser.post(`/holder/enrollments/${enrollmentId}/mark-complete`, form);
  expect(asked.status).toBe(200);
  const dir = path.join(app.config.filesDir, 'completion-proofs', enrollmentId);
  expect(fs.readdirSync(dir).filter((f) => f.startsWith('staged-'))).toHaveLength(1);
  // The Cancel form: its hidden fields, with cancel=yes, posted as the button does.
  const cancelForm =
    /<form method="post" action="[^"]+" enctype="multipart\/form-data">\s*((?:<input[^>]*>\s*)+)<button type="submit" class="secondary">Cancel<\/button>/.exec(
      asked.html,
    );
  expect(cancelForm).not.toBeNull();
  const fields = new FormData();
  for (const [, name, value] of cancelForm![1].matchAll(/name="([^"]+)" value="([^"]*)"/g)) fields.append(name, value);
  expect(fields.get('cancel')).toBe('yes');
  const cancelled = await browser.post(`/holder/enrollments/${enrollmentId}/mark-complete`, fields);
  expect({ status: cancelled.status, location: cancelled.location }).toEqual({
    status: 303,
    location: `/holder/enrollments/${enrollmentId}`,
  });
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(app.enrollments.callsOf('markComplete').map(([id]) => id)).not.toContain(enrollmentId);
});
