/**
 * Issue 24, item 10 (bulk review) and item 4 in Chromium: the Review queue's **Select all** ticks every student's box
 * (the script, a file), unticking one unticks it, **Approve selected** shows one confirmation listing the students,
 * and **Confirm** approves them, each student's outcome shown. axe-core on each page; screenshots in tests/artifacts/.
 */
import type { Browser, Page } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { holderFixtures } from './holder-fixtures';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

async function submitAndWait(page: Page, click: () => Promise<void>) {
  await Promise.all([page.waitForNavigation(), click()]);
}

test('Select all, untick one, Approve selected → the confirmation lists the students → Confirm approves them', async () => {
  const fx = holderFixtures(app);
  fx.projectWorkflow();
  const holder = await app.token('program_holder', { name: 'Hana Holder', email: 'hana@holder.example' });
  const program = await fx.programOf(holder, 'Forklift Operator Certification');
  const students = ['Ada Lovelace', 'Grace Hopper', 'Ken Thompson'];
  for (const name of students) await fx.uploaded(program, name);

  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'program_holder', { userId: holder.actor.id, name: 'Hana Holder' });
  await page.goto(`${app.baseUrl}/holder/review`);
  const box = (name: string) => page.getByRole('checkbox', { name: `Select ${name}` });
  const selectAll = page.getByRole('checkbox', { name: 'Select all' });
  await selectAll.check();
  for (const name of students) await expect(box(name).isChecked()).resolves.toBe(true);
  await box('Ken Thompson').uncheck();
  await expect(selectAll.isChecked()).resolves.toBe(false);
  await checkPage(page, 'holder-review-bulk');

  await submitAndWait(page, () => page.getByRole('button', { name: 'Approve selected' }).click());
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approve the evidence of 2 students?');
  const listed = await page.getByRole('list', { name: 'The students' }).textContent();
  expect(listed).toContain('Ada Lovelace');
  expect(listed).toContain('Grace Hopper');
  expect(listed).not.toContain('Ken Thompson');
  await checkPage(page, 'holder-review-bulk-confirm');
  expect(app.enrollments.callsOf('approve')).toEqual([]);

  await submitAndWait(page, () => page.getByRole('button', { name: 'Confirm' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('Approved the evidence of 2 students');
  await expect(page.getByText('Ada Lovelace: approved, the enrollment is completed.').isVisible()).resolves.toBe(true);
  await expect(page.getByText('Grace Hopper: approved, the enrollment is completed.').isVisible()).resolves.toBe(true);
  await expect(box('Ken Thompson').isVisible()).resolves.toBe(true);
  await expect(box('Ada Lovelace').count()).resolves.toBe(0);
  await checkPage(page, 'holder-review-bulk-done');
  expect(app.enrollments.callsOf('approve')).toHaveLength(2);
  await page.close();
});
