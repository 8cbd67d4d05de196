/**
 * Live status (issue 24, item 7): a student's enrollment page that waits for something to happen in seconds (a payment
 * being confirmed, a certificate being issued) says what it waits for, offers to load the page again (without script),
 * and with script updates itself when the status moves on. In Chromium against the app in process; the read model is
 * moved on as the workflow would.
 */
import type { Browser } from 'playwright-core';
import { SEEDED_PROGRAMS } from '../../db/seed';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import type { OpenedEnrollment } from '../helpers/contract';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

test('waiting for the payment: the page says so, and shows the launch as soon as the payment is confirmed', async () => {
  const student = await app.token('student', { name: 'Lina Live', email: 'lina.live@example.org' });
  const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  expect(opened.status).toBe(201);
  const id = opened.body.enrollmentId;

  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'student', { userId: student.actor.id, name: 'Lina Live', email: 'lina.live@example.org' });
  await page.goto(`${app.baseUrl}/student/enrollments/${id}`);
  const waiting = page.getByText('This page updates itself as soon as the payment is confirmed');
  await waiting.waitFor();
  // Without script the same words, and a link that loads the page again.
  expect(await page.getByRole('link', { name: 'Load the page again' }).getAttribute('href')).toBe(`/student/enrollments/${id}`);
  await checkPage(page);

  await app.advance(id, 'ready_to_launch', { paidAt: new Date().toISOString() });
  // No click: the page asks every 2 s and reloads itself.
  await page.getByRole('link', { name: 'Launch course' }).waitFor({ timeout: 15_000 });
  expect(await waiting.count()).toBe(0);
  await page.close();
});
