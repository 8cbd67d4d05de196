/**
 * The admin's journeys in headless Chromium against the app in-process: each report downloaded from its form, an API
 * key created (shown once) and revoked after a confirmation, a certificate revoked with a reason, the audit log
 * filtered, programs and the funder's pages for any organization. Controls are found by their accessible names
 * (api.md, "Web console"); axe-core checks every page, and the main pages leave screenshots in tests/artifacts/.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { SEEDED_PROGRAMS } from '../../db/seed';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

/** A completed enrollment with its certificate and revenue shares, as the workflow's activities leave them. */
async function certified(studentName: string) {
  const student = await app.token('student', { name: studentName });
  const opened = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: IC3.id, fundingSource: 'self_pay' },
  });
  const enrollmentId = opened.body.enrollmentId;
  const completedAt = new Date().toISOString();
  await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
  await app.activities.recordRevenueShare({ enrollmentId, basisCents: IC3.priceCents, currency: 'usd' });
  return app.activities.issueCertificate({ enrollmentId, completedAt });
}

/** Submits a report's form and answers the file it downloads, once its status and type are checked. */
async function download(page: Page, button: string, type: RegExp) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  // The download's own request is the browser's; the same URL read with the page's session gives its status and type.
  const res = await page.request.get(file.url());
  expect({ url: file.url(), status: res.status() }).toEqual({ url: file.url(), status: 200 });
  expect(res.headers()['content-type']).toMatch(type);
  return { url: new URL(file.url()), name: file.suggestedFilename(), text: fs.readFileSync(await file.path(), 'utf8') };
}

test('an admin downloads each report from its form; a bad period is explained on the form', async () => {
  await certified('Report Student');
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'admin');
  expect(new URL(page.url()).pathname).toBe('/admin/reports');
  await checkPage(page, 'admin-reports');
  const today = new Date().toISOString().slice(0, 10);

  const wioa = await download(page, 'Download WIOA report (CSV)', /^text\/csv/);
  expect(wioa.url.pathname).toBe('/api/reports/wioa');
  expect(wioa.name).toBe(`wioa-pirl-1900-01-01-${today}.csv`);
  expect(wioa.text).toContain('PIRL 100');

  const etpForm = page.getByRole('form', { name: 'Eligible training provider (ETP) counts' });
  await etpForm.getByRole('combobox', { name: 'Format' }).selectOption('csv');
  const etp = await download(page, 'Download ETP report', /^text\/csv/);
  expect(etp.name).toBe(`etp-${today.slice(0, 4)}.csv`);
  expect(etp.text).toContain(IC3.title);
  await etpForm.getByRole('combobox', { name: 'Format' }).selectOption('json');
  const etpJson = await download(page, 'Download ETP report', /^application\/json/);
  expect(etpJson.name).toBe(`etp-${today.slice(0, 4)}.json`);
  expect((JSON.parse(etpJson.text) as { programs: unknown[] }).programs.length).toBeGreaterThan(0);

  const revenueForm = page.getByRole('form', { name: 'Revenue share' });
  await revenueForm.getByLabel('From').fill(today);
  await revenueForm.getByLabel('To').fill(today);
  const revenueCsv = await download(page, 'Download revenue-share report', /^text\/csv/);
  expect(revenueCsv.url.search).toBe(`?from=${today}&to=${today}&format=csv`);
  const [header, ...entries] = revenueCsv.text.trim().split('\r\n');
  expect(header).toBe('enrollmentId,programId,party,partyId,entryType,amountCents,currency,createdAt,program,student,partyName,amount');
  expect(entries).toHaveLength(3);
  await revenueForm.getByRole('combobox', { name: 'Format' }).selectOption('json');
  const revenueJson = await download(page, 'Download revenue-share report', /^application\/json/);
  const ledger = JSON.parse(revenueJson.text) as { from: string; to: string; entries: unknown[]; reconciled: unknown };
  expect([ledger.from, ledger.to, ledger.entries.length, typeof ledger.reconciled]).toEqual([today, today, 3, 'boolean']);

  // A period that ends before it starts stays on the page, with the message on the field.
  await revenueForm.getByLabel('From').fill('2026-03-01');
  await revenueForm.getByLabel('To').fill('2026-01-01');
  await page.getByRole('button', { name: 'Download revenue-share report' }).click();
  await page.getByRole('alert').waitFor();
  await expect(page.getByText('must be on or after from').isVisible()).resolves.toBe(true);
  await checkPage(page);
  await context.close();
});

test('an admin creates an API key (shown once), revokes another after confirming, and the audit log shows both', async () => {
  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'admin');
  await page.getByRole('link', { name: 'Partners' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/partners`);
  await checkPage(page);

  const create = async () => {
    await page.getByRole('combobox', { name: 'Partner' }).selectOption('demo');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByRole('heading', { name: /^API key created for Demo Partner/ }).waitFor();
    return (await page.locator('code.secret').textContent())!;
  };
  const first = await create();
  expect(first).toMatch(/^cmk_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByText('this is the only time it is').isVisible()).resolves.toBe(true);
  await checkPage(page);
  await page.getByRole('link', { name: 'Back to the partners' }).click();
  expect(await page.content()).not.toContain(first);
  const second = await create();
  await page.goBack();
  await page.reload();
  expect(await page.content()).not.toContain(second);

  const { rows } = await app.db.query<{ id: string }>("SELECT id FROM partner_api_keys WHERE partner_id = 'demo' ORDER BY created_at");
  const revokeLink = page.getByRole('link', { name: `Revoke key ${rows[0].id.slice(0, 8)} of Demo Partner (local stand-in)` });
  await revokeLink.click();
  await page.getByRole('heading', { name: /^Revoke API key [0-9a-f]{8}… of Demo Partner/ }).waitFor();
  await checkPage(page);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/partners`);
  await page.getByRole('status').filter({ hasText: 'is revoked' }).waitFor();
  await expect(revokeLink.count()).resolves.toBe(0);
  await checkPage(page, 'admin-partners');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/audit`);
  await expect(page.getByRole('cell', { name: 'partner.api_key.revoke' }).count()).resolves.toBe(1);
  await expect(page.getByRole('cell', { name: 'partner.api_key.create' }).count()).resolves.toBe(2);
  await page.close();
});

test('an admin finds a certificate by its code and revokes it with a reason; the audit log and the public page show it', async () => {
  const cert = await certified('Grace Revoked');
  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'admin');
  await page.getByRole('link', { name: 'Certificates' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/certificates`);
  await checkPage(page);
  await page.getByRole('textbox', { name: 'Verification code, certificate ID or student' }).fill(cert.verificationCode.toLowerCase());
  await page.getByRole('button', { name: 'Find certificate' }).click();
  await page.getByRole('heading', { name: `Certificate ${cert.verificationCode}` }).waitFor();
  await checkPage(page);

  // The reason is required: blank is refused on the page (the browser itself stops an empty one).
  await page.getByRole('textbox', { name: 'Reason' }).fill('   ');
  await page.getByRole('button', { name: 'Revoke certificate' }).click();
  await page.getByRole('alert').waitFor();
  await expect(page.getByText('a reason is required').isVisible()).resolves.toBe(true);
  await checkPage(page);
  await page.getByRole('textbox', { name: 'Reason' }).fill('Exam taken by someone else');
  await page.getByRole('button', { name: 'Revoke certificate' }).click();
  // The confirmation states what will happen; Confirm revokes.
  await page.getByRole('heading', { name: `Revoke certificate ${cert.verificationCode}?` }).waitFor();
  await expect(page.getByText('with your reason: “Exam taken by someone else”').isVisible()).resolves.toBe(true);
  await checkPage(page, 'admin-certificate-revoke-confirm');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Certificate ${cert.verificationCode} is revoked` })
    .waitFor();
  await expect(page.getByText('Exam taken by someone else').isVisible()).resolves.toBe(true);
  await checkPage(page, 'admin-certificates');

  const verify = await app.request<{ status: string; revocationReason: string }>('GET', `/verify/${cert.verificationCode}`, {
    headers: { accept: 'application/json' },
  });
  expect(verify.body).toEqual(expect.objectContaining({ status: 'revoked', revocationReason: 'Exam taken by someone else' }));

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('combobox', { name: 'Action' }).selectOption('certificate.revoked');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/action=certificate\.revoked/);
  const entry = page.getByRole('row').filter({ hasText: `Certificate ${cert.verificationCode}` });
  await expect(entry.getByText('reason: Exam taken by someone else').isVisible()).resolves.toBe(true);
  await page.getByRole('link', { name: 'Show all' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/audit`);
  await checkPage(page, 'admin-audit');
  await page.close();
});

test('an admin creates a program, and uses the funder pages for any organization', async () => {
  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'admin');
  await page.getByRole('link', { name: 'Programs' }).click();
  await page.waitForURL(`${app.baseUrl}/admin/programs`);
  await checkPage(page);
  const form = page.getByRole('form', { name: 'Create program' });
  await form.getByRole('textbox', { name: 'Title' }).fill('Forklift Operator Safety');
  await form.getByRole('combobox', { name: 'Partner', exact: true }).selectOption('nrf');
  await form.getByRole('textbox', { name: 'Price' }).fill('249.90');
  // The holder by name and email (the demo holder signed in once, so the platform knows them).
  await form.getByRole('combobox', { name: 'Program holder' }).selectOption({ label: 'Demo Program Holder <holder@example.com>' });
  await form.getByRole('textbox', { name: 'Deadline (days)' }).fill('60');
  await form.getByRole('textbox', { name: 'Platform share' }).fill('20');
  await form.getByRole('textbox', { name: 'Holder share' }).fill('50');
  await form.getByRole('textbox', { name: 'Partner share' }).fill('20');
  await form.getByRole('button', { name: 'Create program' }).click();
  await page.getByRole('alert').waitFor();
  await expect(page.getByText('the three shares must add up to 100%').isVisible()).resolves.toBe(true);
  await checkPage(page);
  await form.getByRole('textbox', { name: 'Partner share' }).fill('30');
  await form.getByRole('button', { name: 'Create program' }).click();
  await page.getByRole('status').filter({ hasText: 'Forklift Operator Safety' }).waitFor();
  await expect(page.getByRole('row').filter({ hasText: 'Forklift Operator Safety' }).getByText('$249.90').isVisible()).resolves.toBe(true);
  await checkPage(page, 'admin-programs');

  await page.getByRole('link', { name: 'Vouchers' }).click();
  await page.waitForURL(`${app.baseUrl}/funder/vouchers`);
  await page
    .getByRole('form', { name: 'Choose the organization' })
    .getByRole('combobox', { name: 'Organization' })
    .selectOption('demo-workforce-board');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/organizationId=demo-workforce-board/);
  await page.getByRole('row').filter({ hasText: 'WIOA-DEMO-0001' }).waitFor();
  await checkPage(page);
  await page.close();
});
