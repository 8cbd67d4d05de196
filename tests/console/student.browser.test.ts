/**
 * A student's journey through the console in headless Chromium (the app in-process, the fake enrollment client; the
 * workflow's status changes projected with `app.advance`): sign in, enroll (self-pay), pay at the checkout and come
 * back, launch, upload proof, download the certificate. Every control is found by its accessible name (api.md, "Web
 * console"); axe-core checks every page; the AI tutor widget is on each one and talks to the API with the session
 * (consent first, issue 23). Once certified, the student chooses initials for the public verification page.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { SEEDED_PROGRAMS } from '../../db/seed';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { downTutor } from '../helpers/down-tutor';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const PDF = Buffer.from('%PDF-1.4\n% proof of completion from the partner\n');

let app: ApiApp;
let browser: Browser;
// A model is configured (its provider down): the tutor is offered on every student page.
withAppAndBrowser((started) => ({ app, browser } = started), { tutor: downTutor() });

/** The tutor widget is on the page, its launcher reachable by name, signed in by the session (no token). */
async function expectTutor(page: Page) {
  await expect(page.getByRole('button', { name: 'Ask the AI tutor' }).isVisible()).resolves.toBe(true);
  const tutor = page.locator('ai-tutor');
  expect(await tutor.getAttribute('token')).toBeNull();
  expect(await tutor.getAttribute('csrf-token')).toMatch(/.{16,}/);
}

/** A console page: checked by axe-core (and saved as a screenshot when named), with the tutor on it. */
async function studentPage(page: Page, screenshot?: string) {
  await checkPage(page, screenshot);
  await expectTutor(page);
}

test('a student enrolls, pays, launches, uploads proof and downloads the certificate', async () => {
  const studentId = `student-${randomUUID()}`;
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && problems.push(m.text())));
  // The launch goes to the demo partner's course page (served by the app in development), where the workflow's
  // launch activity would have registered the student.
  app.enrollments.on('launch', (id) =>
    Promise.resolve({
      launchUrl: `${app.baseUrl}/partners/demo/launch?courseId=${DEMO.partnerCourseId}&enrollmentId=${id}`,
      launchedAt: new Date().toISOString(),
    }),
  );

  await signInAsDeveloper(page, app.baseUrl, 'student', { userId: studentId, name: 'Ada Lovelace', email: `${studentId}@example.com` });
  expect(new URL(page.url()).pathname).toBe('/student/enrollments');
  await studentPage(page);
  await expect(page.getByRole('link', { name: 'My enrollments' }).getAttribute('aria-current')).resolves.toBe('page');
  await expect(page.getByText('You have no enrollments yet.').isVisible()).resolves.toBe(true);

  // Enroll (self-pay) from the catalog form.
  await page.getByRole('combobox', { name: 'Program' }).selectOption(DEMO.id);
  await page.getByRole('radio', { name: /I pay myself/ }).check();
  await Promise.all([page.waitForURL(/\/student\/enrollments\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Enroll' }).click()]);
  const enrollmentId = new URL(page.url()).pathname.split('/').pop()!;
  const enrollmentUrl = page.url();
  await studentPage(page);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(DEMO.title);
  await expect(page.getByRole('status').textContent()).resolves.toContain('You are enrolled.');
  await expect(page.getByText('Status: Waiting for payment').isVisible()).resolves.toBe(true);
  expect(await page.getByRole('link', { name: 'Launch course' }).count()).toBe(0);

  // My enrollments lists it, in words.
  await page.getByRole('link', { name: 'My enrollments' }).click();
  await page.waitForURL(`${app.baseUrl}/student/enrollments`);
  const row = page.getByRole('row', { name: new RegExp(DEMO.title) });
  await expect(row.getByRole('cell', { name: 'Waiting for payment' }).isVisible()).resolves.toBe(true);
  await studentPage(page, 'student-enrollments');
  await Promise.all([page.waitForURL(enrollmentUrl), row.getByRole('link', { name: DEMO.title }).click()]);

  // Pay at the (simulated) checkout; its return page leads back to the enrollment.
  await page.getByRole('link', { name: /^Pay \$/ }).click();
  await page.waitForURL(`${app.baseUrl}/checkout/simulated/${enrollmentId}`);
  await page.getByRole('button', { name: /\(simulated\)$/ }).click();
  await page.waitForURL(/\/checkout\/return\?/);
  await checkPage(page);
  expect(app.enrollments.callsOf('confirmPayment').map(([id]) => id)).toEqual([enrollmentId]);
  // The workflow confirms the payment: ready to launch.
  await app.advance(enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
  await Promise.all([page.waitForURL(enrollmentUrl), page.getByRole('link', { name: 'Go to your enrollment' }).click()]);
  await expect(page.getByText('Status: Ready to launch').isVisible()).resolves.toBe(true);
  expect(await page.getByRole('link', { name: /^Pay / }).count()).toBe(0);
  await studentPage(page);

  // Launch course: recorded by the same launch as the JSON API, then on to the partner's course.
  const registered = await app.request('POST', '/demo-partner/v1/registrations', {
    json: { registration: enrollmentId, courseId: DEMO.partnerCourseId },
  });
  expect(registered.status).toBe(201);
  await Promise.all([page.waitForURL(/\/partners\/demo\/launch\?/), page.getByRole('link', { name: 'Launch course' }).click()]);
  expect(app.enrollments.callsOf('launch')).toEqual([[enrollmentId]]);
  await app.advance(enrollmentId, 'in_progress', { launchedAt: new Date().toISOString() });
  // The partner's pages lead back: its "Course finished" page links to the enrollment.
  await page.getByRole('button', { name: 'Finish course' }).click();
  await page.getByRole('heading', { name: 'Course finished' }).waitFor();
  await Promise.all([page.waitForURL(enrollmentUrl), page.getByRole('link', { name: 'Back to your enrollment' }).click()]);
  await expect(page.getByText('Status: In progress').isVisible()).resolves.toBe(true);
  await studentPage(page, 'student-enrollment');

  // The tutor talks to the API with the session: the request carries the page's CSRF token and no bearer token,
  // and gets past both (this app's model provider is down, so the answer is the tutor's 503, shown in the panel). Before the
  // first question, it asks for consent (recorded with the session and its CSRF token).
  const chat = page.waitForRequest((r) => r.url().endsWith('/api/ai-tutor/chat'));
  await page.getByRole('button', { name: 'Ask the AI tutor' }).click();
  await page.getByRole('region', { name: 'What the tutor sends' }).waitFor();
  await checkPage(page);
  await page.getByRole('button', { name: 'I agree, start the tutor' }).click();
  const question = page.getByLabel('Your question (Enter sends, Shift+Enter adds a line)');
  await question.fill('What do I do after the course?');
  await question.press('Enter');
  const sent = await chat;
  const headers = await sent.allHeaders();
  expect(headers['x-csrf-token']).toBe(await page.locator('ai-tutor').getAttribute('csrf-token'));
  expect(headers.authorization).toBeUndefined();
  expect(sent.postDataJSON()).toEqual({ message: 'What do I do after the course?', enrollmentId });
  const alert = page.getByRole('dialog', { name: 'AI tutor chat' }).getByRole('alert');
  await alert.waitFor();
  await expect(alert.textContent()).resolves.toContain('not answering');
  await page.getByRole('button', { name: 'Close the AI tutor' }).click();

  // Upload proof: a mistake first (no file), shown on the form, then the file.
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Completion date').fill(today);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForLoadState();
  // The browser's own check stops nothing (novalidate): the server's message is on the form.
  await expect(page.getByText('Choose the file that proves you completed the course').isVisible()).resolves.toBe(true);
  await studentPage(page);
  await page.getByLabel('Proof of completion').setInputFiles({ name: 'certificate.pdf', mimeType: 'application/pdf', buffer: PDF });
  await expect(page.getByLabel('Completion date').inputValue()).resolves.toBe(today);
  await Promise.all([page.waitForURL(enrollmentUrl), page.getByRole('button', { name: 'Upload' }).click()]);
  await expect(page.getByRole('status').textContent()).resolves.toContain('Your proof of completion was uploaded.');
  const [[uploadedFor, submission]] = app.enrollments.callsOf('submitEvidence') as [[string, { completedAt: string; sizeBytes: number }]];
  expect(uploadedFor).toBe(enrollmentId);
  expect(submission).toMatchObject({ completedAt: `${today}T00:00:00.000Z`, sizeBytes: PDF.length });
  await app.advance(enrollmentId, 'awaiting_review');
  await page.reload();
  await expect(page.getByText('Status: Proof under review').isVisible()).resolves.toBe(true);
  expect(await page.getByRole('button', { name: 'Upload' }).count()).toBe(0);
  await studentPage(page);

  // The holder approves: completed, the certificate is issued; download it and follow the verify link.
  const completedAt = new Date().toISOString();
  await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
  const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
  await page.reload();
  await expect(page.getByText('Status: Completed').isVisible()).resolves.toBe(true);
  await studentPage(page, 'student-enrollment-completed');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download certificate' }).click()]);
  expect(download.suggestedFilename()).toBe(`certificate-${certificate.verificationCode}.pdf`);
  expect(
    fs
      .readFileSync(await download.path())
      .subarray(0, 5)
      .toString(),
  ).toBe('%PDF-');
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/verify/${certificate.verificationCode}`),
    page.getByRole('link', { name: 'the certificate’s verification page' }).click(),
  ]);
  await expect(page.getByText('Ada Lovelace').first().isVisible()).resolves.toBe(true);

  // The name on the verification page: initials, chosen on the enrollment page.
  await page.goBack();
  await page.getByRole('radio', { name: 'Initials only (A. L.)' }).check();
  await Promise.all([page.waitForURL(enrollmentUrl), page.getByRole('button', { name: 'Save name choice' }).click()]);
  await expect(page.getByRole('status').textContent()).resolves.toContain('now shows your initials only (A. L.)');
  await expect(page.getByRole('radio', { name: 'Initials only (A. L.)' }).isChecked()).resolves.toBe(true);
  await studentPage(page);
  await Promise.all([
    page.waitForURL(`${app.baseUrl}/verify/${certificate.verificationCode}`),
    page.getByRole('link', { name: 'the certificate’s verification page' }).click(),
  ]);
  // (The page's header still names whoever is signed in: the student, in their own browser.)
  await expect(page.locator('.card').getByText('A. L.', { exact: true }).isVisible()).resolves.toBe(true);
  expect(await page.locator('.card').getByText('Ada Lovelace').count()).toBe(0);

  expect(problems).toEqual([]);
  await context.close();
}, 120_000);
