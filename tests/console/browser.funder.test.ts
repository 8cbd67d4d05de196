/**
 * The funder's journey in headless Chromium against the app in-process: issue a voucher through the form, a student
 * enrolls with it through the JSON API, and the funder sees the enrollment it funds; a CSV import with its dry run;
 * the export. Controls are found by their accessible names (api.md, "Web console"); axe-core checks every page, and
 * the main pages leave screenshots in tests/artifacts/.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { parseCsv } from '../../core/csv';
import { DEMO_USERS, SEEDED_PROGRAMS } from '../../db/seed';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const RISE = SEEDED_PROGRAMS.find((p) => p.partnerId === 'nrf')!;

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

test('a funder issues a voucher, a student enrolls with it, and the funder sees the enrollment it funds', async () => {
  // An enrollment of the demo student with the demo funder's seeded voucher, completed with a certificate and a WIOA exit.
  const demoStudent = await app.token('student', DEMO_USERS.student);
  const earlier = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token: demoStudent.token,
    json: { programId: RISE.id, fundingSource: 'wioa_ita', voucherNumber: 'WIOA-DEMO-0001' },
  });
  expect(earlier.status).toBe(201);
  const completedAt = new Date().toISOString();
  await app.advance(earlier.body.enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
  await app.activities.issueCertificate({ enrollmentId: earlier.body.enrollmentId, completedAt });
  await app.activities.recordWioaExit({ enrollmentId: earlier.body.enrollmentId, exitDate: completedAt.slice(0, 10) });

  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'funder');
  expect(new URL(page.url()).pathname).toBe('/funder/vouchers');
  await checkPage(page);

  // A mistake first: the form says what is wrong and keeps what was typed.
  const number = `ITA-${randomUUID().slice(0, 8).toUpperCase()}`;
  const email = `ada.${randomUUID().slice(0, 6)}@example.com`;
  const form = page.getByRole('form', { name: 'Issue voucher' });
  await form.getByRole('textbox', { name: 'Voucher number' }).fill(number);
  await form.getByRole('textbox', { name: 'Student email' }).fill(email);
  await form.getByRole('textbox', { name: 'Amount' }).fill('1250.001');
  await form.getByLabel('Expires on').fill(`${new Date().getUTCFullYear() + 1}-06-30`);
  await form.getByRole('combobox', { name: 'Funding source' }).selectOption('wioa_ita');
  await form.getByRole('button', { name: 'Issue voucher' }).click();
  await page.getByRole('alert').waitFor();
  expect(await form.getByRole('textbox', { name: 'Amount' }).getAttribute('aria-invalid')).toBe('true');
  expect(await form.getByRole('textbox', { name: 'Voucher number' }).inputValue()).toBe(number);
  await checkPage(page);

  await form.getByRole('textbox', { name: 'Amount' }).fill('1250.00');
  await form.getByRole('button', { name: 'Issue voucher' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Voucher ${number} issued to ${email} for $1,250.00` })
    .waitFor();
  const row = page.getByRole('row').filter({ hasText: number });
  await expect(row.getByText('Issued', { exact: true }).isVisible()).resolves.toBe(true);

  // The student enrolls with it through the JSON API.
  const student = await app.token('student', { email, name: 'Ada Browser' });
  const opened = await app.request<{ enrollmentId: string; status: string }>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: IC3.id, fundingSource: 'wioa_ita', voucherNumber: number },
  });
  expect({ status: opened.status, enrollment: opened.body.status }).toEqual({ status: 201, enrollment: 'ready_to_launch' });

  await page.reload();
  await expect(row.getByText('Used', { exact: true }).isVisible()).resolves.toBe(true);
  await expect(row.getByText(`Ada Browser in ${IC3.title}`).isVisible()).resolves.toBe(true);
  await checkPage(page, 'funder-vouchers');

  await page.getByRole('link', { name: 'Funded enrollments' }).click();
  await page.waitForURL(`${app.baseUrl}/funder/enrollments`);
  const funded = page.getByRole('row').filter({ hasText: 'Ada Browser' });
  await expect(funded.getByText(IC3.title).isVisible()).resolves.toBe(true);
  await expect(funded.getByText(number).isVisible()).resolves.toBe(true);
  await expect(funded.getByText('Ready to launch').isVisible()).resolves.toBe(true);
  const completed = page.getByRole('row').filter({ hasText: RISE.title });
  await expect(completed.getByText('Completed').isVisible()).resolves.toBe(true);
  await expect(completed.getByRole('link', { name: /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/ }).isVisible()).resolves.toBe(true);
  await checkPage(page, 'funder-enrollments');

  // The export downloads the same enrollments as a CSV.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export all as CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^funded-enrollments-demo-workforce-board-\d{4}-\d\d-\d\d\.csv$/);
  const exported = parseCsv(fs.readFileSync(await download.path(), 'utf8')).map((r) => r.fields);
  expect(exported.map((r) => r[0])).toEqual(expect.arrayContaining([opened.body.enrollmentId, earlier.body.enrollmentId]));
  const res = await page.request.get(download.url());
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^text\/csv/);
  await context.close();
});

test('a funder imports vouchers from a CSV file: the dry run shows each row, nothing is issued until it is confirmed', async () => {
  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'funder');
  const tag = randomUUID().slice(0, 6).toUpperCase();
  const expires = `${new Date().getUTCFullYear() + 1}-12-31`;
  const csv = [
    'number,fundingSource,studentEmail,amountCents,currency,expiresOn,programId',
    `CSV-${tag}-1,wioa_ita,one@example.com,150000,usd,${expires},`,
    `CSV-${tag}-2,sponsor,two@example.com,5000,usd,${expires},${IC3.id}`,
    `CSV-${tag}-3,wioa_ita,not-an-email,5000,usd,${expires},`,
  ].join('\r\n');

  await page.getByText('Import vouchers from a CSV file').click();
  await page.getByLabel('CSV file').setInputFiles({ name: 'vouchers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.getByRole('heading', { name: 'Check the voucher import' }).waitFor();
  await expect(page.getByText('Nothing has been issued yet').isVisible()).resolves.toBe(true);
  await expect(page.getByRole('cell', { name: 'Would be issued', exact: true }).count()).resolves.toBe(2);
  await expect(page.getByRole('cell', { name: 'Invalid', exact: true }).count()).resolves.toBe(1);
  await checkPage(page);
  const issuedBefore = await app.db.query('SELECT 1 FROM vouchers WHERE number LIKE $1', [`CSV-${tag}-%`]);
  expect(issuedBefore.rowCount).toBe(0);

  await page.getByRole('button', { name: 'Issue 2 vouchers' }).click();
  await page.getByRole('heading', { name: 'Vouchers imported' }).waitFor();
  await checkPage(page);
  const issued = await app.db.query<{ number: string; amount_cents: number }>(
    'SELECT number, amount_cents FROM vouchers WHERE number LIKE $1 ORDER BY number',
    [`CSV-${tag}-%`],
  );
  expect(issued.rows).toEqual([
    { number: `CSV-${tag}-1`, amount_cents: 150_000 },
    { number: `CSV-${tag}-2`, amount_cents: 5_000 },
  ]);
  await page.getByRole('link', { name: 'Back to the vouchers' }).click();
  await page
    .getByRole('row')
    .filter({ hasText: `CSV-${tag}-1` })
    .waitFor();
  await page.close();
});
