/**
 * The student's My data page (Download my data, Request erasure) and the admin's Erasure requests page (Approve, a
 * Reason and Reject) in headless Chromium against the app in process, found by their accessible names (api.md,
 * Privacy); the export's and erasure's jobs run in process (tests/helpers/privacy-jobs.ts). axe-core checks each page.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { DEMO } from '../helpers/privacy-fixtures';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

async function submitAndWait(page: Page, click: () => Promise<void>) {
  await Promise.all([page.waitForNavigation(), click()]);
}

async function signedInStudent(): Promise<{ page: Page; id: string; token: string }> {
  const id = `student-${randomUUID().slice(0, 8)}`;
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await signInAsDeveloper(page, app.baseUrl, 'student', { userId: id, name: `Console ${id}`, email: `${id}@example.org` });
  const { token } = await app.token('student', { id, name: `Console ${id}`, email: `${id}@example.org` });
  return { page, id, token };
}

test('a student downloads their data from My data, and asks to be forgotten once their enrollment is closed', async () => {
  const { page, id, token } = await signedInStudent();
  await page.goto(`${app.baseUrl}/student/my-data`);
  await checkPage(page, 'student-my-data-requests');

  await submitAndWait(page, () => page.getByRole('button', { name: 'Download my data' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('You will get an email when it is ready');
  await app.privacyJobs.idle();
  await page.reload();
  const link = page.getByRole('link', { name: 'download the ZIP' });
  const res = await page.request.get(new URL((await link.getAttribute('href'))!, app.baseUrl).toString());
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/zip');

  // An open enrollment: the request is refused, naming it.
  const opened = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  await submitAndWait(page, () => page.getByRole('button', { name: 'Request erasure' }).click());
  await expect(page.getByRole('alert').textContent()).resolves.toContain(opened.body.enrollmentId);
  await checkPage(page);

  await app.advance(opened.body.enrollmentId, 'expired');
  await submitAndWait(page, () => page.getByRole('button', { name: 'Request erasure' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('is with the platform’s staff');
  await expect(page.getByText('waiting for a decision').isVisible()).resolves.toBe(true);
  // One open request at a time: the button is gone while it is.
  await expect(page.getByRole('button', { name: 'Request erasure' }).count()).resolves.toBe(0);
  expect((await app.db.query('SELECT 1 FROM erasure_requests WHERE student_id = $1', [id])).rowCount).toBe(1);
});

test('an admin rejects one request with a reason (required) and approves another, from Erasure requests', async () => {
  const asking = await Promise.all([signedInStudent(), signedInStudent()]);
  for (const s of asking) expect((await app.request('POST', '/api/me/erasure-requests', { token: s.token })).status).toBe(202);
  const [rejected, approved] = asking;

  const page = await (await browser.newContext()).newPage();
  await signInAsDeveloper(page, app.baseUrl, 'admin');
  await page.getByRole('link', { name: 'Erasure requests' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/erasure-requests`);
  await checkPage(page, 'admin-erasure-requests');

  const card = (studentId: string) => page.getByRole('listitem').filter({ hasText: studentId });
  // Without a reason the rejection stays on the page, the message on the field.
  await submitAndWait(page, () => card(rejected.id).getByRole('button', { name: 'Reject' }).click());
  await expect(card(rejected.id).getByRole('alert').textContent()).resolves.toContain('required');
  await checkPage(page);
  await card(rejected.id).getByRole('textbox', { name: 'Reason' }).fill('A complaint about this enrollment is still open');
  await submitAndWait(page, () => card(rejected.id).getByRole('button', { name: 'Reject' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('is rejected');
  await expect(card(rejected.id).textContent()).resolves.toContain('rejected: A complaint about this enrollment is still open');

  await submitAndWait(page, () => card(approved.id).getByRole('button', { name: 'Approve' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('is approved');
  await app.privacyJobs.idle();
  await page.reload();
  await expect(card(approved.id).textContent()).resolves.toContain('completed');
  await card(approved.id).getByText('What was erased and what is kept').click();
  await expect(card(approved.id).textContent()).resolves.toContain('Kept: 1 × this erasure request');
  await checkPage(page);

  // The student reads the decision on My data.
  await rejected.page.goto(`${app.baseUrl}/student/my-data`);
  await expect(rejected.page.getByText('rejected: A complaint about this enrollment is still open').isVisible()).resolves.toBe(true);
});
