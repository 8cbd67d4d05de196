/**
 * The student's pages in English and Spanish in headless Chromium (issue 24, items 2, 9 and 12): axe-core checks every
 * page in both languages, at a desktop width and at 390 px (where no page scrolls sideways); the language switch
 * (**Español** / **English**) sets `<html lang>`; the region **What to do next** holds a rejection's reason and the
 * upload form; **My vouchers** enrolls with a voucher without typing its number. Screenshots of the enrollment page
 * in both languages and widths go to .data/screenshots/student-i18n/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { PROJECT_ROOT } from '../../lib/paths';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { rejectedProof } from '../helpers/rejected-proof';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const SCREENSHOTS = path.join(PROJECT_ROOT, '.data', 'screenshots', 'student-i18n');
const now = () => new Date().toISOString();

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

/** A student in progress in DEMO whose uploaded proof was rejected, with a voucher for IC3 issued to their email. */
async function studentWithHistory(studentId: string, email: string) {
  const { token } = await app.token('student', { id: studentId, email });
  const opened = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  const enrollmentId = opened.body.enrollmentId;
  await app.advance(enrollmentId, 'ready_to_launch', { paidAt: now() });
  await app.advance(enrollmentId, 'in_progress', { launchedAt: now() });
  await rejectedProof(app, enrollmentId, studentId, 'The certificate shows a different name (page 2).');
  const admin = await app.token('admin');
  const voucherNumber = `ITA-${randomUUID().slice(0, 8)}`;
  const issued = await app.request('POST', '/api/vouchers', {
    token: admin.token,
    json: {
      number: voucherNumber,
      fundingSource: 'wioa_ita',
      studentEmail: email,
      amountCents: IC3.priceCents,
      currency: 'usd',
      expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      organizationId: 'test-workforce-board',
      programId: IC3.id,
    },
  });
  expect(issued.status).toBe(201);
  app.enrollments.reset();
  return { enrollmentId, voucherNumber };
}

/** axe-core on the page, and nothing wider than the window (no sideways scrolling). */
async function checkBoth(page: Page, width: number) {
  await checkPage(page);
  const scrollWidth = await page.evaluate(
    () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
  );
  // The elements that stick out, named, when any does.
  const wide =
    scrollWidth <= width
      ? []
      : await page.evaluate((w) => {
          type El = {
            tagName: string;
            id: string;
            className: string;
            closest(s: string): unknown;
            getBoundingClientRect(): { right: number };
          };
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
          // A table that scrolls inside its own box (.table-wrap) is not the page scrolling sideways.
          return Array.from(doc.querySelectorAll('body *'))
            .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('.table-wrap'))
            .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${el.className}` : ''}`)
            .slice(0, 8);
        }, width);
  expect({ url: page.url(), wide }).toEqual({ url: page.url(), wide: [] });
}

test.each([
  ['desktop', 1200],
  ['phone', 390],
])(
  'the student’s pages in both languages at %s width: axe-core, the switch, What to do next, My vouchers',
  async (name, width) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const studentId = `student-${randomUUID()}`;
    const email = `${studentId}@example.com`;
    const { enrollmentId, voucherNumber } = await studentWithHistory(studentId, email);
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await signInAsDeveloper(page, app.baseUrl, 'student', { userId: studentId, name: 'Ada Lovelace', email });
    const pages = ['/student/enrollments', `/student/enrollments/${enrollmentId}`, '/student/vouchers', '/student/my-data'];

    // English: the region names the rejection's reason and holds the upload form.
    await page.goto(`${app.baseUrl}/student/enrollments/${enrollmentId}`);
    const next = page.getByRole('region', { name: 'What to do next' });
    await expect(next.getByText('The certificate shows a different name (page 2).').isVisible()).resolves.toBe(true);
    await expect(next.getByLabel('Proof of completion').isVisible()).resolves.toBe(true);
    await expect(next.getByLabel('Completion date').isVisible()).resolves.toBe(true);
    await expect(next.getByRole('button', { name: 'Upload' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, `enrollment-en-${name}.png`), fullPage: true });
    for (const p of pages) {
      await page.goto(`${app.baseUrl}${p}`);
      await checkBoth(page, width);
    }

    // The switch: Español, then every page in Spanish.
    await page.goto(`${app.baseUrl}/student/enrollments/${enrollmentId}`);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'Español' }).click()]);
    await page.getByRole('heading', { name: 'Qué hacer ahora' }).waitFor();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('es');
    const siguiente = page.getByRole('region', { name: 'Qué hacer ahora' });
    await expect(siguiente.getByText('The certificate shows a different name (page 2).').isVisible()).resolves.toBe(true);
    await expect(siguiente.getByLabel('Comprobante de que terminó').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, `enrollment-es-${name}.png`), fullPage: true });
    for (const p of pages) {
      await page.goto(`${app.baseUrl}${p}`);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('es');
      await checkBoth(page, width);
    }

    // My vouchers (Mis cupones): enroll with the voucher, its number filled in.
    await page.goto(`${app.baseUrl}/student/enrollments`);
    await Promise.all([page.waitForURL(/\/student\/vouchers$/), page.getByRole('link', { name: 'Mis cupones' }).click()]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `vouchers-es-${name}.png`), fullPage: true });
    await Promise.all([
      page.waitForURL(/\/student\/enrollments\?/),
      page.getByRole('link', { name: `Inscribirme con el cupón ${voucherNumber}` }).click(),
    ]);
    await expect(page.getByRole('textbox', { name: 'Número de cupón' }).inputValue()).resolves.toBe(voucherNumber);
    await checkBoth(page, width);
    await Promise.all([page.waitForURL(/\/student\/enrollments\/[0-9a-f-]+$/), page.getByRole('button', { name: 'Inscribirme' }).click()]);
    await expect(page.getByRole('region', { name: 'Qué hacer ahora' }).getByText('Su cupón cubre el curso').isVisible()).resolves.toBe(
      true,
    );
    await checkBoth(page, width);

    // And back to English.
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'English' }).click()]);
    await page.getByRole('heading', { name: 'What to do next' }).waitFor();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(page.getByRole('link', { name: 'My vouchers' }).isVisible()).resolves.toBe(true);
    await context.close();
  },
  180_000,
);
