/**
 * The student's My data page in headless Chromium against the app in-process: reached by the link **My data**, its
 * table found by its accessible name **Who has seen my record** (api.md, "Privacy"), checked by axe-core and left as a
 * screenshot in tests/artifacts/.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';

const RISE = SEEDED_PROGRAMS.find((p) => p.partnerId === 'nrf')!;

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

test('the student opens My data and reads who has seen their record', async () => {
  const studentId = `student-${randomUUID()}`;
  const student = await app.token('student', { id: studentId, name: 'Ada Lovelace' });
  const opened = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: RISE.id, fundingSource: 'self_pay' },
  });
  const enrollmentId = opened.body.enrollmentId;
  // The program's holder opens the enrollment, an admin too, and the student launches the course at the partner.
  await app.request('GET', `/api/enrollments/${enrollmentId}`, {
    token: (await app.token('program_holder', { id: DEMO_HOLDER_ID })).token,
  });
  await app.request('GET', `/api/enrollments/${enrollmentId}`, { token: (await app.token('admin', { name: 'Platform Admin' })).token });
  await app.advance(enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
  await app.request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token });

  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await signInAsDeveloper(page, app.baseUrl, 'student', { userId: studentId, name: 'Ada Lovelace', email: `${studentId}@example.com` });
  await Promise.all([page.waitForURL(`${app.baseUrl}/student/my-data`), page.getByRole('link', { name: 'My data' }).click()]);
  await expect(page.getByRole('link', { name: 'My data' }).getAttribute('aria-current')).resolves.toBe('page');
  const table = page.getByRole('table', { name: 'Who has seen my record' });
  await expect(table.isVisible()).resolves.toBe(true);
  // A header row and one row per entry, newest first.
  const rows = table.getByRole('row');
  await expect(rows.count()).resolves.toBe(4);
  await expect(rows.nth(1).textContent()).resolves.toMatch(/Training partner[\s\S]*Delivering your course[\s\S]*Yes \(a disclosure\)/);
  await expect(rows.nth(2).textContent()).resolves.toMatch(/Platform Admin[\s\S]*Support from the platform’s staff[\s\S]*No/);
  await expect(rows.nth(3).textContent()).resolves.toMatch(/Program holder[\s\S]*Reviewing your enrollment and evidence/);
  await checkPage(page, 'student-my-data');
});
