/**
 * The student's console at the HTTP level (the app in-process, a real PostgreSQL, the fake enrollment client):
 * My enrollments and the enroll form, an enrollment's page (status in words, Pay, Launch course, the upload form,
 * the certificate), only the student's own enrollments, errors shown on the page, CSRF, the pages that lead back to
 * the enrollment (checkout return, the partner's finish, the emails), and all of it in production too.
 */
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VOUCHER_UNUSABLE } from '../../db/opening-rules';
import type { Actor } from '../../core/actor';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { FailureType } from '../../workflows/messages';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { downTutor } from '../helpers/down-tutor';
import { type ConsoleClient, consoleClient } from '../helpers/console-client';
import { refusedUpdate } from '../helpers/fake-enrollment-client';
import { PRODUCTION_STAND_INS } from '../helpers/production-env';
import { evidenceForm } from '../helpers/system';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const PDF = Buffer.from('%PDF-1.4\n% a stand-in: the API checks the first bytes only\n');
const today = () => new Date().toISOString().slice(0, 10);
const now = () => new Date().toISOString();

let app: ApiApp;
beforeAll(async () => {
  // A model is configured (its provider down): the pages offer the tutor.
  app = await startApiApp({}, { tutor: downTutor() });
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

/** A new student signed in to the console (and their id). */
async function student(name = 'Grace Student'): Promise<{ browser: ConsoleClient; id: string }> {
  const id = `student-${randomUUID()}`;
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('student', { userId: id, name, email: `${id}@example.com` });
  return { browser, id };
}

/** An enrollment opened through the JSON API for that student (as another client of the same command would). */
async function openedFor(studentId: string, programId: string = DEMO.id): Promise<string> {
  const { token } = await app.token('student', { id: studentId });
  const res = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token,
    json: { programId, fundingSource: 'self_pay' },
  });
  expect(res.status).toBe(201);
  return res.body.enrollmentId;
}

async function inProgressFor(studentId: string, programId: string = DEMO.id): Promise<string> {
  const id = await openedFor(studentId, programId);
  await app.advance(id, 'ready_to_launch', { paidAt: now() });
  await app.advance(id, 'in_progress', { launchedAt: now() });
  app.enrollments.reset();
  return id;
}

const idempotencyKeyOf = (html: string) => /name="idempotencyKey" value="([^"]+)"/.exec(html)![1];

/** The text of a page without its tags (what a reader sees, roughly). */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

async function enrollmentsOf(studentId: string): Promise<string[]> {
  const { rows } = await app.db.query<{ id: string }>('SELECT id FROM enrollments WHERE student_id = $1', [studentId]);
  return rows.map((r) => r.id);
}

describe('My enrollments', () => {
  test('lists the student’s own enrollments with program title and status in words, each linking to its page', async () => {
    const { browser, id } = await student();
    const mine = await inProgressFor(id, IC3.id);
    const other = await openedFor(`student-${randomUUID()}`);

    const page = await browser.get('/student/enrollments');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>My enrollments</h1>');
    expect(page.html).toMatch(/<a href="\/student\/enrollments">My enrollments<\/a>|aria-current="page">My enrollments</);
    expect(page.html).toContain(`<a href="/student/enrollments/${mine}">${IC3.title}</a>`);
    expect(textOf(page.html)).toContain('In progress');
    expect(page.html).not.toContain(other);
    // The catalog to enroll from, and the tutor widget with the session's CSRF token.
    expect(page.html).toContain(`<option value="${DEMO.id}"`);
    expect(page.html).toContain('<script src="/widget/ai-tutor.js" defer></script>');
    expect(page.html).toMatch(new RegExp(`<ai-tutor csrf-token="${browser.csrfToken()}" student-id="${id}" enrollment-id="${mine}"`));
  });

  test('a student with none is told how to start; signed out goes to the sign-in; another role is 403', async () => {
    const { browser } = await student();
    const page = await browser.get('/student/enrollments');
    expect(textOf(page.html)).toContain('You have no enrollments yet.');
    expect(page.html).toContain('<ai-tutor csrf-token=');

    const anonymous = await consoleClient(app.baseUrl).get('/student/enrollments/' + randomUUID());
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toMatch(/^\/login\?returnTo=%2Fstudent%2Fenrollments%2F/);
    const holder = consoleClient(app.baseUrl);
    await holder.signIn('program_holder');
    expect((await holder.get('/student/enrollments')).status).toBe(403);
  });

  test('another student’s enrollment is 404 everywhere: its page, its launch and its upload', async () => {
    const { browser } = await student();
    const theirs = await inProgressFor(`student-${randomUUID()}`);
    await browser.get('/student/enrollments');

    const page = await browser.get(`/student/enrollments/${theirs}`);
    expect(page.status).toBe(404);
    // A page for people (issue 24): no ids or stack words, a way back.
    expect(page.html).toContain('<h1>Page not found</h1>');
    expect((await browser.get(`/student/enrollments/${theirs}/launch`)).status).toBe(404);
    const upload = evidenceForm(PDF, 'proof.pdf', today());
    expect((await browser.post(`/student/enrollments/${theirs}/proof`, upload)).status).toBe(404);
    expect(app.enrollments.calls).toEqual([]);
    expect((await browser.get('/student/enrollments/not-an-id')).status).toBe(404);
    expect((await browser.get(`/student/enrollments/${randomUUID()}`)).status).toBe(404);
  });
});

describe('enrolling from the console', () => {
  test('self-pay: the same command as POST /api/enrollments; a double submit enrolls once; the page shows Pay', async () => {
    const { browser, id } = await student();
    const form = await browser.get('/student/enrollments');
    const key = idempotencyKeyOf(form.html);
    const fields = { programId: DEMO.id, fundingSource: 'self_pay', voucherNumber: '', idempotencyKey: key };

    const first = await browser.post('/student/enrollments', fields);
    expect(first.status).toBe(303);
    const [enrollmentId] = await enrollmentsOf(id);
    expect(first.location).toBe(`/student/enrollments/${enrollmentId}`);
    // The form sent again (a double click, a reload of the POST): the same enrollment, not a second one.
    const second = await browser.post('/student/enrollments', fields);
    expect(second.status).toBe(303);
    expect(second.location).toBe(first.location);
    expect(await enrollmentsOf(id)).toEqual([enrollmentId]);
    const started = app.enrollments.callsOf('start') as [{ enrollmentId: string; fundingSource: string; programId: string }][];
    expect(started.map(([input]) => input.enrollmentId)).toEqual([enrollmentId, enrollmentId]);
    expect(started[0][0]).toMatchObject({ programId: DEMO.id, fundingSource: 'self_pay' });

    const page = await browser.get(first.location!);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('You are enrolled. Pay for the course to start it.');
    expect(page.html).toContain(`<h1>${DEMO.title}</h1>`);
    expect(text).toContain('Status: Waiting for payment');
    const { rows } = await app.db.query<{ checkout_url: string }>('SELECT checkout_url FROM enrollments WHERE id = $1', [enrollmentId]);
    expect(page.html).toContain(`<a class="button" href="${rows[0].checkout_url}">Pay $`);
    // Not launchable, nothing to upload yet; the tutor knows which enrollment it is about.
    expect(text).not.toContain('Launch course');
    expect(page.html).not.toContain('name="file"');
    expect(page.html).toContain(`enrollment-id="${enrollmentId}" course-id="${DEMO.id}"></ai-tutor>`);

    // Another rendering of the form carries another key (a new enrollment is a new request).
    expect(idempotencyKeyOf((await browser.get('/student/enrollments')).html)).not.toBe(key);
  });

  test('with a voucher that covers the price: ready to launch at once', async () => {
    const { browser, id } = await student();
    const admin = await app.token('admin');
    const voucherNumber = `ITA-${randomUUID().slice(0, 8)}`;
    const issued = await app.request('POST', '/api/vouchers', {
      token: admin.token,
      json: {
        number: voucherNumber,
        fundingSource: 'wioa_ita',
        studentId: id,
        amountCents: 1_000_000,
        currency: 'usd',
        expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
        organizationId: 'test-workforce-board',
      },
    });
    expect(issued.status).toBe(201);
    const form = await browser.get('/student/enrollments');
    const res = await browser.post('/student/enrollments', {
      programId: IC3.id,
      fundingSource: 'wioa_ita',
      voucherNumber,
      idempotencyKey: idempotencyKeyOf(form.html),
    });
    expect(res.status).toBe(303);
    const page = await browser.get(res.location!);
    const text = textOf(page.html);
    expect(text).toContain('Status: Ready to launch');
    expect(text).toContain('your voucher covers the course');
    expect(page.html).toContain(`href="${res.location}/launch">Launch course</a>`);
    expect(page.html).not.toContain('>Pay ');
  });

  test('errors are shown on the page with what was typed: 422 voucher, 409 already enrolled, 400 missing fields, 403 CSRF', async () => {
    const { browser, id } = await student();
    let form = await browser.get('/student/enrollments');

    const unusable = await browser.post('/student/enrollments', {
      programId: IC3.id,
      fundingSource: 'sponsor',
      voucherNumber: 'NOT-A-VOUCHER',
      idempotencyKey: idempotencyKeyOf(form.html),
    });
    expect(unusable.status).toBe(422);
    expect(textOf(unusable.html)).toContain(VOUCHER_UNUSABLE.charAt(0).toUpperCase() + VOUCHER_UNUSABLE.slice(1));
    expect(unusable.html).toMatch(/role="alert"/);
    expect(unusable.html).toContain('value="NOT-A-VOUCHER"');
    expect(unusable.html).toMatch(new RegExp(`<option value="${IC3.id}" selected>`));
    expect(unusable.html).toMatch(/id="funding-sponsor" name="fundingSource" value="sponsor" checked/);

    const missingVoucher = await browser.post('/student/enrollments', {
      programId: IC3.id,
      fundingSource: 'wioa_ita',
      voucherNumber: '  ',
      idempotencyKey: idempotencyKeyOf(unusable.html),
    });
    expect(missingVoucher.status).toBe(400);
    expect(missingVoucher.html).toContain('<p id="voucherNumber-error" class="field-error">Enter your voucher number');
    expect(missingVoucher.html).toMatch(/id="voucherNumber"[^>]*aria-invalid="true"/);
    const noProgram = await browser.post('/student/enrollments', { fundingSource: 'self_pay', idempotencyKey: randomUUID() });
    expect(noProgram.status).toBe(400);
    expect(noProgram.html).toContain('Choose a program.');
    expect(await enrollmentsOf(id)).toEqual([]);

    form = await browser.get('/student/enrollments');
    const first = await browser.post('/student/enrollments', {
      programId: DEMO.id,
      fundingSource: 'self_pay',
      idempotencyKey: idempotencyKeyOf(form.html),
    });
    expect(first.status).toBe(303);
    form = await browser.get('/student/enrollments');
    const again = await browser.post('/student/enrollments', {
      programId: DEMO.id,
      fundingSource: 'self_pay',
      idempotencyKey: idempotencyKeyOf(form.html),
    });
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain('You already have an open enrollment in this program');
    expect(again.html).toContain(`<a href="${first.location}">Open your enrollment in ${DEMO.title}</a>`);

    const forged = await browser.post('/student/enrollments', {
      programId: IC3.id,
      fundingSource: 'self_pay',
      idempotencyKey: randomUUID(),
      _csrf: 'forged',
    });
    expect(forged.status).toBe(403);
    expect(await enrollmentsOf(id)).toHaveLength(1);
  });
});

describe('an enrollment’s page', () => {
  test('Launch course: the same launch as the JSON API, then on to the partner; a refusal is shown on the page', async () => {
    const { browser, id } = await student();
    const enrollmentId = await openedFor(id);
    await app.advance(enrollmentId, 'ready_to_launch', { paidAt: now() });
    app.enrollments.reset();
    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(textOf(page.html)).toContain('Status: Ready to launch');

    const launched = await browser.get(`/student/enrollments/${enrollmentId}/launch`);
    expect(launched.status).toBe(303);
    expect(launched.location).toBe(`https://partner.example/launch?registration=${enrollmentId}`);
    expect(app.enrollments.callsOf('launch')).toEqual([[enrollmentId]]);

    // A link planted on another site only opens the enrollment's page: nothing is launched.
    const planted = await browser.get(`/student/enrollments/${enrollmentId}/launch`, { 'sec-fetch-site': 'cross-site' });
    expect(planted.status).toBe(303);
    expect(planted.location).toBe(`/student/enrollments/${enrollmentId}`);
    expect(app.enrollments.callsOf('launch')).toHaveLength(1);

    app.enrollments.refuse('launch', refusedUpdate('the partner did not answer: timeout', FailureType.partnerUnavailable));
    const refused = await browser.get(`/student/enrollments/${enrollmentId}/launch`);
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`/student/enrollments/${enrollmentId}`);
    app.enrollments.refuse(
      'launch',
      refusedUpdate('the course cannot be launched while the enrollment is pending_payment', FailureType.conflict),
    );
    const conflict = await browser.get(`/student/enrollments/${enrollmentId}/launch`);
    expect(conflict.status).toBe(303);
    const shown = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(textOf(shown.html)).toContain(
      'The course could not be launched: The course cannot be launched while the enrollment is pending_payment.',
    );
    expect(shown.html).toContain('class="flash flash-error" role="alert"');
  });

  test('Upload: the file and the date go to the same command as the JSON API; every error is shown on the form', async () => {
    const { browser, id } = await student();
    const enrollmentId = await inProgressFor(id);
    const url = `/student/enrollments/${enrollmentId}/proof`;
    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(page.html).toContain(`action="${url}" enctype="multipart/form-data"`);
    expect(page.html).toContain('<label for="file">Proof of completion</label>');
    expect(page.html).toContain('<label for="completedAt">Completion date</label>');

    const noFile = new FormData();
    noFile.set('completedAt', today());
    const missing = await browser.post(url, noFile);
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('<p id="file-error" class="field-error">Choose the file that proves you completed the course');
    expect(missing.html).toContain(`value="${today()}"`);

    const text = await browser.post(url, evidenceForm(Buffer.from('just some text'), 'proof.pdf', today()));
    expect(text.status).toBe(415);
    expect(text.html).toMatch(/id="file-error" class="field-error">The file must be a PDF, PNG or JPEG/);

    const future = await browser.post(url, evidenceForm(PDF, 'proof.pdf', '2999-01-01'));
    expect(future.status).toBe(400);
    expect(future.html).toMatch(/<p id="completedAt-error" class="field-error">[^<]+<\/p>/);
    expect(future.html).toMatch(/id="completedAt"[^>]*aria-invalid="true"/);

    const tooLarge = await browser.post(
      url,
      evidenceForm(Buffer.concat([PDF, Buffer.alloc(app.config.uploadMaxBytes)]), 'big.pdf', today()),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.html).toContain('The file is too large');

    app.enrollments.refuse('submitEvidence', refusedUpdate('earlier evidence is still waiting for review', FailureType.conflict));
    const refused = await browser.post(url, evidenceForm(PDF, 'proof.pdf', today()));
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain('Earlier evidence is still waiting for review.');
    app.enrollments.reset();

    const forged = evidenceForm(PDF, 'proof.pdf', today());
    forged.set('_csrf', 'forged');
    expect((await browser.post(url, forged)).status).toBe(403);
    expect(app.enrollments.callsOf('submitEvidence')).toEqual([]);

    const sent = await browser.post(url, evidenceForm(PDF, 'proof.pdf', today()));
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`/student/enrollments/${enrollmentId}`);
    const [[calledFor, submission]] = app.enrollments.callsOf('submitEvidence') as [[string, { completedAt: string; contentType: string }]];
    expect(calledFor).toBe(enrollmentId);
    expect(submission).toMatchObject({ completedAt: `${today()}T00:00:00.000Z`, contentType: 'application/pdf' });
    const after = await browser.get(sent.location!);
    expect(textOf(after.html)).toContain('Your proof of completion was uploaded.');

    await app.advance(enrollmentId, 'awaiting_review');
    const review = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(textOf(review.html)).toContain('Status: Proof under review');
    expect(review.html).not.toContain('name="file"');
  });

  test('once completed: Download certificate (the PDF, with the session) and the verification link', async () => {
    const { browser, id } = await student();
    const enrollmentId = await inProgressFor(id);
    const completedAt = now();
    await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
    const before = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(textOf(before.html)).toContain('Status: Completed');
    expect(textOf(before.html)).toContain('Your certificate is being issued');
    expect(before.html).not.toContain('Download certificate');

    const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    const link = new RegExp(`<a class="button" href="([^"]+)" download>Download certificate</a>`).exec(page.html);
    expect(link?.[1]).toBe(`${app.baseUrl}/api/certificates/${certificate.id}.pdf`);
    expect(page.html).toContain(`<a href="${app.baseUrl}/verify/${certificate.verificationCode}">`);
    const pdf = await browser.get(link![1]);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.html.startsWith('%PDF-')).toBe(true);
  });
});

describe('the way back to the enrollment page', () => {
  test('the checkout’s return page and the demo partner’s "Course finished" page link to it', async () => {
    const enrollmentId = randomUUID();
    const back = `${app.baseUrl}/student/enrollments/${enrollmentId}`;
    for (const result of ['paid', 'cancelled']) {
      const page = await app.request<string>('GET', `/checkout/return?enrollmentId=${enrollmentId}&result=${result}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`<a href="${back}">Go to your enrollment</a>`);
    }
    expect((await app.request<string>('GET', '/checkout/return?enrollmentId=<script>&result=paid')).body).toContain(
      '<a href="/student/enrollments">Go to My enrollments</a>',
    );

    const registered = await app.request('POST', '/demo-partner/v1/registrations', {
      json: { registration: enrollmentId, courseId: 'c1' },
    });
    expect(registered.status).toBe(201);
    const finished = await app.request<string>('POST', `/demo-partner/v1/registrations/${enrollmentId}/complete`, {
      body: 'score=',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(finished.status).toBe(200);
    expect(finished.body).toContain('<h1>Course finished</h1>');
    expect(finished.body).toContain(`<a href="${back}">Back to your enrollment</a>`);
    const launchPage = await app.request<string>('GET', `/partners/demo/launch?courseId=c1&enrollmentId=${enrollmentId}`);
    expect(launchPage.body).toContain(`<a href="${back}">Back to your enrollment</a>`);
  });

  test('the emails to the student (enrollment, payment, reminder, evidence not accepted, completion) link to the enrollment page', async () => {
    const { id } = await student('Ada Emailed');
    // As the workflow sends them: enrolled once the checkout is open, payment received once it is accepted.
    const enrollmentId = await openedFor(id);
    await app.activities.sendEnrolledEmail({ enrollmentId });
    const paidAt = now();
    await app.activities.recordPayment({
      enrollmentId,
      provider: 'simulated',
      providerRef: `sim_${enrollmentId}`,
      amountCents: DEMO.priceCents,
      currency: 'usd',
      paidAt,
      status: 'accepted',
    });
    await app.advance(enrollmentId, 'ready_to_launch', { paidAt });
    await app.activities.sendPaymentReceivedEmail({ enrollmentId });
    await app.advance(enrollmentId, 'in_progress', { launchedAt: now() });
    await app.activities.sendNudgeEmail({ enrollmentId, day: 7 });
    await app.activities.sendSubmissionRejectedEmail({ enrollmentId, submissionId: randomUUID(), reason: 'The scan is unreadable.' });
    const completedAt = now();
    await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
    const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
    await app.activities.sendCompletionEmail({
      enrollmentId,
      certificateId: certificate.id,
      verificationCode: certificate.verificationCode,
    });

    const emails = emailsTo(`${id}@example.com`);
    const subjects = emails.map((m) => /^Subject: (.*(?:\r?\n[ \t].*)*)$/m.exec(m)?.[1].replace(/\r?\n[ \t]+/g, ' '));
    expect(subjects.sort()).toEqual([
      `Congratulations: you completed ${DEMO.title}`,
      `How is ${DEMO.title} going?`,
      `Payment received for ${DEMO.title}`,
      `You are enrolled in ${DEMO.title}`,
      `Your completion evidence for ${DEMO.title} needs another look`,
    ]);
    for (const email of emails) expect(email).toContain(`${app.baseUrl}/student/enrollments/${enrollmentId}`);
  });
});

/** The text of the .eml files in the app's outbox addressed to `to` (quoted-printable undone, attachments left out). */
function emailsTo(to: string): string[] {
  const dir = app.config.mail.outboxDir;
  return fs
    .readdirSync(dir)
    .map((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split(/^Content-Type: application\/pdf/m)[0]
        .replace(/=\r?\n/g, '')
        .replace(/=3D/g, '='),
    )
    .filter((m) => m.includes(`To: ${to}`));
}

describe('in production', () => {
  let prod: ApiApp;
  beforeAll(async () => {
    const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    prod = await startApiApp({ ...PRODUCTION_STAND_INS, CREDENTIAL_SIGNING_JWK: JSON.stringify(signingKey) }, { tutor: downTutor() });
  });
  afterAll(() => prod?.close());

  /** A console session as the OpenID Connect sign-in leaves it (a row in PostgreSQL, its id signed in the cookie). */
  async function signedInAs(actor: Actor): Promise<ConsoleClient> {
    const sid = randomUUID();
    const expires = new Date(Date.now() + 3_600_000);
    await prod.db.query('INSERT INTO console_sessions (sid, sess, expire) VALUES ($1, $2, $3)', [
      sid,
      JSON.stringify({
        cookie: { originalMaxAge: 3_600_000, expires: expires.toISOString(), secure: true, httpOnly: true, path: '/', sameSite: 'lax' },
        actor,
      }),
      expires,
    ]);
    const signature = createHmac('sha256', PRODUCTION_STAND_INS.SESSION_SECRET).update(sid).digest('base64').replace(/=+$/, '');
    const browser = consoleClient(prod.baseUrl);
    browser.cookies.set('cm_session', encodeURIComponent(`s:${sid}.${signature}`));
    return browser;
  }

  test('the student pages work (not a demo): My enrollments, enrolling, the enrollment page with the tutor', async () => {
    expect((await prod.request('GET', '/demo/student')).status).toBe(404);
    const id = `student-${randomUUID()}`;
    const browser = await signedInAs({ id, role: 'student', name: 'Prod Student', email: `${id}@example.com` });
    const list = await browser.get('/student/enrollments');
    expect(list.status).toBe(200);
    expect(list.html).not.toContain('dev-banner');
    const created = await browser.post('/student/enrollments', {
      programId: IC3.id,
      fundingSource: 'self_pay',
      idempotencyKey: idempotencyKeyOf(list.html),
    });
    expect(created.status).toBe(303);
    const page = await browser.get(created.location!);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain('Status: Waiting for payment');
    expect(page.html).toContain('<ai-tutor csrf-token=');
    const back = await prod.request<string>('GET', `/checkout/return?enrollmentId=${created.location!.split('/').pop()}&result=paid`);
    expect(back.body).toContain(`<a href="https://marketplace.example${created.location}">Go to your enrollment</a>`);
  });
});
