/**
 * Issue 24, item 6: every console page fits a phone. Signed in as each role (and signed out), Chromium at 390×844
 * visits every page of that role with rows in its tables; each must not scroll sideways
 * (`document.documentElement.scrollWidth <= 390`: wide tables scroll inside their own box or stack) and pass axe-core.
 * Screenshots of each in .data/screenshots/phone/ (look at them as a program holder on a phone would).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_FUNDER_ID, DEMO_FUNDER_ORGANIZATION_ID } from '../../db/seed';
import { PROJECT_ROOT } from '../../lib/paths';
import type { ApiApp } from '../helpers/api-app';
import { accessibilityViolations, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { voucherFundedEnrollment } from '../helpers/vouchers';
import { holderFixtures, PNG } from './holder-fixtures';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

const PHONE = { width: 390, height: 844 };
const SCREENSHOTS = path.join(PROJECT_ROOT, '.data', 'screenshots', 'phone');

/** How wide the page is laid out (what scrolls sideways past the 390 px screen). */
const scrollWidth = (page: Page) =>
  page.evaluate(
    () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
  );

/** The elements reaching past the phone's right edge with no child that does (what a failure names). */
const widest = (page: Page) =>
  page.evaluate((limit) => {
    interface El {
      tagName: string;
      className: string;
      children: El[];
      getBoundingClientRect(): { right: number };
    }
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } }).document;
    const past = (e: El) => e.getBoundingClientRect().right > limit;
    return Array.from(doc.querySelectorAll('body *'))
      .filter((e) => past(e) && !Array.from(e.children).some(past))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} (right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
  }, PHONE.width + 1);

/** Visits each page, then reports every one wider than the phone or with an axe violation (all pages, then one expect). */
async function checkPages(page: Page, role: string, paths: string[]) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const found: Record<string, { width: number; violations: string[]; wide: string[] }> = {};
  for (const p of paths) {
    const res = await page.goto(`${app.baseUrl}${p}`);
    expect({ p, ok: (res?.status() ?? 500) < 500 }).toEqual({ p, ok: true });
    const name = `${role}${p.replace(/^\/(holder|funder|admin|student)/, '')}`
      .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id')
      .replace(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/g, 'code')
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/-$/, '');
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    found[p] = { width: await scrollWidth(page), violations: await accessibilityViolations(page), wide: await widest(page) };
  }
  const wrong = Object.entries(found).filter(([, f]) => f.width > PHONE.width || f.violations.length);
  expect(Object.fromEntries(wrong)).toEqual({});
}

async function phone(role?: 'student' | 'program_holder' | 'funder' | 'admin', fields: { userId?: string; name?: string } = {}) {
  const page = await browser.newPage({ viewport: PHONE });
  if (role) await signInAsDeveloper(page, app.baseUrl, role, fields);
  return page;
}

let data: { holderId: string; programId: string; enrollmentId: string; submissionId: string; studentId: string; certificateCode: string };

beforeAll(async () => {
  const fx = holderFixtures(app);
  fx.projectWorkflow();
  const holder = await app.token('program_holder', { name: 'Hana Holder', email: 'hana.holder@community-college.example' });
  const program = await fx.programOf(holder, 'Forklift Operator Certification with a Rather Long Program Title');
  const ada = await fx.inProgress(program, 'Adelaide Lovelace-Byron', 12);
  await fx.inProgress(program, 'Grace Brewster Murray Hopper', 40);
  const quinn = await fx.uploaded(program, 'Quinn Approve', PNG, '2026-11-20');
  const done = await fx.inProgress(program, 'Carla Certified', 5);
  await fx.project(done.enrollmentId, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
  const certificate = await app.activities.issueCertificate({ enrollmentId: done.enrollmentId, completedAt: new Date().toISOString() });
  for (const { enrollmentId } of [ada, done]) {
    await app.activities.recordPayment({
      enrollmentId,
      provider: 'simulated',
      providerRef: `cs_${enrollmentId}`,
      amountCents: 125_000,
      currency: 'usd',
      paidAt: new Date().toISOString(),
      status: 'accepted',
    });
    await app.activities.recordRevenueShare({ enrollmentId, basisCents: 125_000, currency: 'usd' });
  }
  const funder = await app.token('funder', { id: DEMO_FUNDER_ID, organizationId: DEMO_FUNDER_ORGANIZATION_ID });
  await voucherFundedEnrollment(app, funder, await app.token('student', { name: 'Vera Voucher-Funded' }), program);
  data = {
    holderId: holder.actor.id,
    programId: program,
    enrollmentId: ada.enrollmentId,
    submissionId: quinn.submissionId,
    studentId: ada.student.actor.id,
    certificateCode: certificate.verificationCode,
  };
});

test('signed out: home, sign-in, a certificate’s verification, an unknown code, an unknown page', async () => {
  const page = await phone();
  await checkPages(page, 'public', [
    '/',
    '/login',
    `/verify/${data.certificateCode}`,
    '/verify/7KQ2-M9XD-4HT9',
    '/verify',
    '/no-such-page',
  ]);
  await page.close();
});

test('program holder: dashboard, enrollments, an enrollment, the review queue and its confirmation, revenue share', async () => {
  const page = await phone('program_holder', { userId: data.holderId, name: 'Hana Holder' });
  await checkPages(page, 'holder', [
    '/holder',
    '/holder/enrollments',
    `/holder/enrollments/${data.enrollmentId}`,
    '/holder/review',
    '/holder/revenue',
    '/holder/outcomes',
    '/holder/webhooks',
  ]);
  // A confirmation page (the one pattern every action uses).
  await page.goto(`${app.baseUrl}/holder/review`);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Approve' }).first().click()]);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'holder-review-confirm.png'), fullPage: true });
  expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.close();
});

test('funder: vouchers (with the import form), funded enrollments', async () => {
  const page = await phone('funder');
  await checkPages(page, 'funder', ['/funder/vouchers', '/funder/enrollments', '/funder/outcomes']);
  await page.close();
});

test('admin: reports, partners, programs, certificates (one found), audit log, erasure requests', async () => {
  const page = await phone('admin');
  await checkPages(page, 'admin', [
    '/admin/reports',
    '/admin/outcomes',
    '/admin/partners',
    '/admin/programs',
    `/admin/programs/${data.programId}`,
    '/admin/certificates',
    `/admin/certificates?q=${data.certificateCode}`,
    '/admin/audit',
    '/admin/erasure-requests',
  ]);
  await page.close();
});

test('student: enrollments, an enrollment, my data', async () => {
  const page = await phone('student', { userId: data.studentId, name: 'Adelaide Lovelace-Byron' });
  await checkPages(page, 'student', ['/student/enrollments', `/student/enrollments/${data.enrollmentId}`, '/student/my-data']);
  await page.close();
});
