/**
 * Headless Chromium for console tests (Debian's `chromium`, driven by playwright-core), with the checks every
 * page gets: axe-core finds no serious or critical violation, and a screenshot of the page in tests/artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { PROJECT_ROOT } from '../../lib/paths';
import { type ApiApp, startApiApp } from './api-app';

const CHROMIUM = '/usr/bin/chromium';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const ARTIFACTS = path.join(PROJECT_ROOT, 'tests', 'artifacts');

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-debian-packages.sh chromium\` (npm test does it)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (each as "rule: help (selectors)"). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no inline scripts) stays as served.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> } })
      .axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Fails the test when the page has a serious or critical accessibility violation; optionally saves a screenshot. */
export async function checkPage(page: Page, screenshot?: string): Promise<void> {
  expect(await accessibilityViolations(page)).toEqual([]);
  if (screenshot) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${screenshot}.png`), fullPage: true });
  }
}

/** Signs in through the development form (the console's accessible names), as a role's demo user unless told otherwise. */
export async function signInAsDeveloper(
  page: Page,
  baseUrl: string,
  role: 'student' | 'program_holder' | 'funder' | 'admin',
  fields: { userId?: string; name?: string; email?: string } = {},
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByRole('combobox', { name: 'Role' }).selectOption(role);
  if (fields.userId) await page.getByRole('textbox', { name: 'User ID' }).fill(fields.userId);
  if (fields.name) await page.getByRole('textbox', { name: 'Name' }).fill(fields.name);
  if (fields.email) await page.getByRole('textbox', { name: 'Email' }).fill(fields.email);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** The app in process and Chromium for one test file: both started before its tests (handed to `use`), stopped after. */
export function withAppAndBrowser(
  use: (started: { app: ApiApp; browser: Browser }) => void,
  options: Parameters<typeof startApiApp>[1] = {},
): void {
  let started: { app: ApiApp; browser: Browser } | undefined;
  beforeAll(async () => {
    const [app, browser] = await Promise.all([startApiApp({}, options), launchBrowser()]);
    started = { app, browser };
    use(started);
  });
  afterAll(async () => {
    await started?.browser.close();
    await started?.app.close();
  });
}
