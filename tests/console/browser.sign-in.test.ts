/**
 * The console's front door in headless Chromium: the landing page and the development sign-in found by their
 * accessible names (api.md, "Web console"), checked with axe-core, with screenshots in tests/artifacts/.
 */
import type { Browser } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

test('landing page → Sign in → development form → the holder’s console → Sign out', async () => {
  const page = await browser.newPage();
  await page.goto(app.baseUrl);
  await checkPage(page, 'landing');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(`${app.baseUrl}/login`);
  await checkPage(page, 'sign-in-development');
  await signInAsDeveloper(page, app.baseUrl, 'program_holder');
  expect(new URL(page.url()).pathname).toBe('/holder');
  await checkPage(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${app.baseUrl}/`);
  await expect(page.getByRole('link', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
  await page.close();
});
