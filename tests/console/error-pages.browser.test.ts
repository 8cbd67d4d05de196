/**
 * Issue 24, item 1, in Chromium: the pages a browser gets for an unknown URL and for the public verification of a
 * mistyped code pass axe-core, have a way back, and the verification's form takes the code again (the typing forgiven).
 * Screenshots in tests/artifacts/.
 */
import type { Browser } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, withAppAndBrowser } from '../helpers/browser';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

test('an unknown URL: a 404 page with a title and a link home, no axe violation', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${app.baseUrl}/no-such-page`);
  expect(res?.status()).toBe(404);
  await expect(page.title()).resolves.toBe('Page not found · Credential Marketplace');
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
  await checkPage(page, 'error-404');
  await Promise.all([page.waitForURL(`${app.baseUrl}/`), page.getByRole('link', { name: 'Go to the home page' }).click()]);
  await page.close();
});

test('a mistyped verification code: the page says so, passes axe, and its form finds the code typed again', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${app.baseUrl}/verify/7KQ2-M9XD-4HT9`);
  expect(res?.status()).toBe(404);
  await expect(page.title()).resolves.toBe('Certificate not found · Credential Marketplace');
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('No certificate has this code');
  await expect(page.getByRole('alert').textContent()).resolves.toContain('7KQ2-M9XD-4HT9');
  await checkPage(page, 'verify-unknown-code');
  // The form (the code typed again, sloppily): on to that code's page, here still unknown.
  const form = page.getByRole('form', { name: 'Check another code' });
  await form.getByRole('textbox', { name: 'Verification code' }).fill(' 7kq2 m9xd 4ht8 ');
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/verify/7KQ2-M9XD-4HT8`),
    form.getByRole('button', { name: 'Check certificate' }).click(),
  ]);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('No certificate has this code');
  await page.close();
});
