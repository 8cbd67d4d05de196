/**
 * The program holder's journey in headless Chromium (the app in-process): sign in, the dashboard, search an
 * enrollment by name, open it and mark it complete with a proof file, then approve one upload and reject another
 * with a reason (the students uploaded through the JSON API). Every control is found by its accessible name
 * (api.md, "Web console"); axe-core checks every page; screenshots in tests/artifacts/.
 */
import type { Browser, Page } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { samplePdf } from '../helpers/system';
import { holderFixtures, PNG } from './holder-fixtures';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

/** The header's navigation (api.md's links are there). */
const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** Submits with `click` and waits for the page it leads to (post/redirect/get). */
async function submitAndWait(page: Page, click: () => Promise<void>) {
  await Promise.all([page.waitForNavigation(), click()]);
}

test('holder: dashboard → search → mark complete with a proof file → approve one upload, reject one with a reason', async () => {
  const fx = holderFixtures(app);
  const PDF = await samplePdf('Certificate of completion: Forklift Operator');
  fx.projectWorkflow();
  const holder = await app.token('program_holder', { name: 'Hana Holder', email: 'hana@holder.example' });
  const [forklift, retail] = await Promise.all([
    fx.programOf(holder, 'Forklift Operator Certification'),
    fx.programOf(holder, 'Retail Industry Fundamentals'),
  ]);
  const ada = await fx.inProgress(forklift, 'Ada Lovelace', 12);
  await fx.inProgress(retail, 'Grace Hopper', 3);
  await fx.inProgress(retail, 'Ken Thompson', 35);
  await fx.enrolled(forklift, 'Linus Torvalds');
  const quinn = await fx.uploaded(forklift, 'Quinn Approve', PDF, '2026-11-20');
  const rita = await fx.uploaded(retail, 'Rita Reject', PNG, '2026-11-25');

  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'program_holder', {
    userId: holder.actor.id,
    name: 'Hana Holder',
    email: 'hana@holder.example',
  });
  expect(new URL(page.url()).pathname).toBe('/holder');
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Dashboard');
  await expect(page.getByRole('link', { name: '2 Awaiting review' }).isVisible()).resolves.toBe(true);
  await checkPage(page, 'holder-dashboard');

  // Enrollments: search by name.
  await nav(page).getByRole('link', { name: 'Enrollments' }).click();
  await page.waitForURL(`${app.baseUrl}/holder/enrollments`);
  await checkPage(page);
  await page.getByRole('searchbox', { name: 'Search' }).fill('lovelace');
  await submitAndWait(page, () => page.getByRole('button', { name: 'Filter' }).click());
  expect(new URL(page.url()).searchParams.get('q')).toBe('lovelace');
  const rows = page.getByRole('row');
  await expect(rows.count()).resolves.toBe(2); // the header and Ada
  await expect(rows.nth(1).textContent()).resolves.toMatch(/Ada Lovelace.*Forklift Operator Certification.*In progress/s);
  await checkPage(page, 'holder-enrollments');

  // The enrollment: mark complete with a proof file.
  await page.getByRole('link', { name: 'Ada Lovelace' }).click();
  await page.waitForURL(`${app.baseUrl}/holder/enrollments/${ada.enrollmentId}`);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Ada Lovelace');
  await checkPage(page, 'holder-enrollment');
  const form = page.getByRole('form', { name: 'Mark complete' });
  await form.getByLabel('Completion date').fill('2026-11-28');
  await form.getByLabel('Certificate proof').setInputFiles({ name: 'forklift-certificate.pdf', mimeType: 'application/pdf', buffer: PDF });
  await form.getByRole('textbox', { name: 'Certificate URL' }).fill('https://partner.example/certificates/ada');
  await form.getByRole('textbox', { name: 'Notes' }).fill('Passed the practical test on site.');
  await submitAndWait(page, () => form.getByRole('button', { name: 'Mark complete' }).click());
  // The confirmation: what will happen (the certificate, the student's email); Cancel goes back, Confirm marks.
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Mark Ada Lovelace’s enrollment complete?');
  await expect(page.getByText('A certificate is issued in Ada Lovelace’s name').isVisible()).resolves.toBe(true);
  await checkPage(page, 'holder-mark-complete-confirm');
  expect(app.enrollments.callsOf('markComplete')).toEqual([]);
  await submitAndWait(page, () => page.getByRole('button', { name: 'Confirm' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('Marked complete.');
  await expect(page.locator('.facts').textContent()).resolves.toContain('Completed');
  const proof = await page.getByRole('link', { name: 'View certificate proof' }).getAttribute('href');
  const proofFile = await page.request.get(proof!);
  expect(proofFile.status()).toBe(200);
  expect(proofFile.headers()['content-type']).toBe('application/pdf');
  expect(proofFile.headers()['content-disposition']).toMatch(/^inline;/);
  expect(await proofFile.body()).toEqual(PDF);
  await checkPage(page, 'holder-enrollment-completed');

  // The review queue: evidence opens inline; approve one, reject one (a reason is required).
  await nav(page).getByRole('link', { name: 'Review queue' }).click();
  await page.waitForURL(`${app.baseUrl}/holder/review`);
  const item = (name: string) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
  await expect(item('Quinn Approve').isVisible()).resolves.toBe(true);
  await expect(item('Rita Reject').isVisible()).resolves.toBe(true);
  await checkPage(page, 'holder-review-queue');

  const [evidenceTab] = await Promise.all([
    page.waitForEvent('popup'),
    item('Rita Reject').getByRole('link', { name: 'View evidence' }).click(),
  ]);
  await evidenceTab.waitForLoadState();
  expect(evidenceTab.url()).toBe(`${app.baseUrl}/api/submissions/${rita.submissionId}/file`);
  await expect(
    evidenceTab.evaluate(() => (globalThis as unknown as { document: { contentType: string } }).document.contentType),
  ).resolves.toBe('image/png');
  await evidenceTab.close();
  // A PDF opens in the browser's viewer (served inline, not downloaded).
  let downloaded = false;
  page.context().on('download', () => (downloaded = true));
  const [pdfTab] = await Promise.all([
    page.waitForEvent('popup'),
    item('Quinn Approve').getByRole('link', { name: 'View evidence' }).click(),
  ]);
  await pdfTab.waitForLoadState();
  expect(pdfTab.url()).toBe(`${app.baseUrl}/api/submissions/${quinn.submissionId}/file`);
  await expect(pdfTab.evaluate(() => (globalThis as unknown as { document: { contentType: string } }).document.contentType)).resolves.toBe(
    'application/pdf',
  );
  await pdfTab.close();
  expect(downloaded).toBe(false);
  const pdfEvidence = await page.request.get(`${app.baseUrl}/api/submissions/${quinn.submissionId}/file`);
  expect(pdfEvidence.headers()['content-type']).toBe('application/pdf');
  expect(pdfEvidence.headers()['content-disposition']).toBe(`inline; filename="${quinn.submissionId}.pdf"`);

  // Approve asks first; Cancel leaves the evidence pending; Approve again and Confirm approves it.
  await submitAndWait(page, () => item('Quinn Approve').getByRole('button', { name: 'Approve' }).click());
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approve Quinn Approve’s evidence?');
  await checkPage(page, 'holder-approve-confirm');
  await submitAndWait(page, () => page.getByRole('button', { name: 'Cancel' }).click());
  expect(new URL(page.url()).pathname).toBe('/holder/review');
  expect(app.enrollments.callsOf('approve')).toEqual([]);
  await submitAndWait(page, () => item('Quinn Approve').getByRole('button', { name: 'Approve' }).click());
  await submitAndWait(page, () => page.getByRole('button', { name: 'Confirm' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('Approved Quinn Approve’s evidence');
  await expect(item('Quinn Approve').count()).resolves.toBe(0);
  await checkPage(page);

  await submitAndWait(page, () => item('Rita Reject').getByRole('button', { name: 'Reject' }).click());
  await expect(page.getByRole('alert').textContent()).resolves.toContain('Give a reason');
  await expect(item('Rita Reject').getByRole('textbox', { name: 'Reason' }).getAttribute('aria-invalid')).resolves.toBe('true');
  await checkPage(page);
  await item('Rita Reject').getByRole('textbox', { name: 'Reason' }).fill('The certificate shows another name.');
  await submitAndWait(page, () => item('Rita Reject').getByRole('button', { name: 'Reject' }).click());
  await expect(page.getByText('Rita Reject is emailed your reason').isVisible()).resolves.toBe(true);
  await submitAndWait(page, () => page.getByRole('button', { name: 'Confirm' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('Rejected Rita Reject’s evidence');
  await expect(page.getByText('Nothing is waiting for review.').isVisible()).resolves.toBe(true);
  await checkPage(page);
  expect(app.enrollments.callsOf('approve')).toContainEqual([
    quinn.enrollmentId,
    quinn.submissionId,
    holder.actor.id,
    expect.stringMatching(/^confirm:[0-9a-f-]{36}:/),
  ]);
  expect(app.enrollments.callsOf('reject')).toContainEqual([
    rita.enrollmentId,
    rita.submissionId,
    holder.actor.id,
    'The certificate shows another name.',
    expect.stringMatching(/^confirm:[0-9a-f-]{36}:/),
  ]);

  // Revenue share (the workflow records the shares once the certificate is out), then back to the dashboard.
  for (const { enrollmentId } of [ada, quinn]) {
    await app.activities.recordPayment({
      enrollmentId,
      provider: 'simulated',
      providerRef: `cs_${enrollmentId}`,
      amountCents: 10_000,
      currency: 'usd',
      paidAt: new Date().toISOString(),
      status: 'accepted',
    });
    await app.activities.recordRevenueShare({ enrollmentId, basisCents: 10_000, currency: 'usd' });
  }
  await nav(page).getByRole('link', { name: 'Revenue share' }).click();
  await page.waitForURL(`${app.baseUrl}/holder/revenue`);
  await expect(page.getByRole('link', { name: 'Download CSV' }).isVisible()).resolves.toBe(true);
  await expect(page.getByRole('row', { name: /Forklift Operator Certification \$200\.00/ }).isVisible()).resolves.toBe(true);
  await checkPage(page, 'holder-revenue');
  await nav(page).getByRole('link', { name: 'Dashboard' }).click();
  await page.waitForURL(`${app.baseUrl}/holder`);
  await expect(page.getByRole('link', { name: '0 Awaiting review' }).isVisible()).resolves.toBe(true);
  await checkPage(page);
  await page.close();
});
