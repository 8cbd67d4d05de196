/**
 * /docs in headless Chromium: Swagger UI renders every operation of /openapi.json from files of this origin, under the
 * page's Content-Security-Policy without a single violation, and axe-core finds no serious or critical violation
 * (collapsed, and with an operation and the schemas open). A screenshot in tests/artifacts/docs.png.
 */
import type { Browser, Page } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, withAppAndBrowser } from '../helpers/browser';
import type { OpenApi } from '../helpers/openapi';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

/** What the page refused or failed at: CSP violations (as the browser reports them), script errors, failed loads. */
async function watch(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  // Collected through the DevTools protocol, so the page's own CSP stays as served.
  await page.addInitScript(() => {
    type Violation = { effectiveDirective: string; blockedURI: string };
    const page = globalThis as unknown as { cspViolations: string[]; addEventListener(type: string, f: (e: Violation) => void): void };
    const seen: string[] = (page.cspViolations = []);
    page.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI || 'inline'}`));
  });
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`failed: ${req.url()}`));
  page.on('response', (res) => void (res.status() >= 400 && problems.push(`${res.status()} ${res.url()}`)));
  page.on('request', (req) => void (!req.url().startsWith(app.baseUrl) && problems.push(`outside request: ${req.url()}`)));
  return async () => [
    ...problems,
    ...(await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations)).map((v) => `CSP: ${v}`),
  ];
}

test('/docs renders every operation of /openapi.json, within its CSP, with no serious accessibility violation', async () => {
  const doc = (await app.request<OpenApi>('GET', '/openapi.json')).body;
  const operations = Object.values(doc.paths).flatMap((p) => Object.keys(p)).length;
  const page = await browser.newPage();
  const problems = await watch(page);
  await page.goto(`${app.baseUrl}/docs`);
  await page.locator('.opblock').first().waitFor();
  expect(await page.locator('.opblock').count()).toBe(operations);
  await expect(page.getByRole('heading', { name: /credential-marketplace/ }).isVisible()).resolves.toBe(true);
  await checkPage(page, 'docs');

  // One operation open: its parameters, responses and schemas.
  const getEnrollment = page.locator('#operations-Enrollments-getEnrollment');
  await getEnrollment
    .getByRole('button', { name: /\/api\/enrollments\/\{enrollmentId\}/ })
    .first()
    .click();
  await getEnrollment.locator('.responses-wrapper').waitFor();
  await expect(getEnrollment.locator('.parameters').textContent()).resolves.toContain('enrollmentId');
  await expect(getEnrollment.locator('.responses-wrapper').textContent()).resolves.toContain('application/problem+json');
  await checkPage(page);
  // The schemas, one of them open.
  await page.getByRole('button', { name: 'Schemas' }).click();
  const problem = page.locator('section.models article').filter({ has: page.getByRole('button', { name: 'Problem', exact: true }) });
  await problem.getByRole('button', { name: 'Problem', exact: true }).click();
  await expect(problem.textContent()).resolves.toContain('errors');
  await checkPage(page);

  // Try it out: the request goes to this origin (connect-src 'self') and its answer shows.
  const listPrograms = page.locator('#operations-Catalog-listPrograms');
  await listPrograms
    .getByRole('button', { name: /\/api\/programs/ })
    .first()
    .click();
  await listPrograms.getByRole('button', { name: 'Try it out' }).click();
  await listPrograms.getByRole('button', { name: 'Execute' }).click();
  const status = listPrograms.locator('.live-responses-table tbody .response-col_status');
  await status.waitFor();
  await expect(status.textContent()).resolves.toContain('200');
  await checkPage(page);

  expect(await problems()).toEqual([]);
  await page.close();
});

test('the problem type pages: the list links each page, which says what the problem means and what to do', async () => {
  const page = await browser.newPage();
  const problems = await watch(page);
  await page.goto(`${app.baseUrl}/problems`);
  await checkPage(page, 'problem-types');
  await page.getByRole('link', { name: '/problems/bad-request' }).click();
  await page.waitForURL(`${app.baseUrl}/problems/bad-request`);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Bad request');
  await expect(page.getByRole('heading', { name: 'What to do' }).isVisible()).resolves.toBe(true);
  await checkPage(page, 'problem-type');
  expect(await problems()).toEqual([]);
  await page.close();
});
