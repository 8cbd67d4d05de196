/**
 * The student's pages in Spanish and what they say next (issue 24, items 2, 9 and 12), at the HTTP level: every
 * student and public page in Spanish carries no English text of the catalog and says `<html lang="es">`, with the
 * switch back to English; the language is kept for the student's emails; **What to do next** follows the latest event
 * (a rejection's reason and the upload form inside it; the wait for a review; a voucher that covered the price, never
 * "Paid"); **My vouchers** lists the student's vouchers and enrolls with one without typing its number; and the tutor
 * is not offered when no model is configured.
 */
import { randomUUID } from 'node:crypto';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import { en } from '../../lib/i18n/messages.en';
import { es } from '../../lib/i18n/messages.es';
import { rejectedProof } from '../helpers/rejected-proof';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { type ConsoleClient, consoleClient } from '../helpers/console-client';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const now = () => new Date().toISOString();
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

let app: ApiApp;
beforeAll(async () => {
  // No tutor model: the pages must not offer the tutor.
  app = await startApiApp();
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

/** The literal words of every English message a student or the public reads (no staff words), six characters or more, that no Spanish message also has. */
function englishFragments(): string[] {
  const spanish = Object.values(es).join('\n');
  const literals = (elements: MessageFormatElement[]): string[] =>
    elements.flatMap((e) =>
      e.type === TYPE.literal
        ? [e.value]
        : e.type === TYPE.plural || e.type === TYPE.select
          ? Object.values(e.options).flatMap((o) => literals(o.value))
          : [],
    );
  const fragments = Object.entries(en)
    .filter(([id]) => !id.startsWith('staff.'))
    .flatMap(([, message]) => literals(parse(message)))
    .flatMap((literal) => literal.split(/[():]/))
    .map((s) => s.trim())
    .filter((s) => s.length >= 6 && !spanish.includes(s));
  return [...new Set(fragments)];
}
const ENGLISH = englishFragments();

/** What a reader sees of a page: its text, tags and entities gone. */
const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const langOf = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];
/** The region **What to do next** (the section labelled by its heading). */
const nextRegion = (html: string) => /<section aria-labelledby="next-title"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';

async function student(name = 'Rosa Estudiante'): Promise<{ browser: ConsoleClient; id: string; email: string }> {
  const id = `student-${randomUUID()}`;
  const email = `${id}@example.com`;
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('student', { userId: id, name, email });
  return { browser, id, email };
}

async function openedFor(studentId: string, programId: string = DEMO.id, body: Record<string, string> = { fundingSource: 'self_pay' }) {
  const { token } = await app.token('student', { id: studentId });
  const res = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', { token, json: { programId, ...body } });
  expect(res.status).toBe(201);
  return res.body.enrollmentId;
}

async function inProgressFor(studentId: string, programId: string = DEMO.id) {
  const id = await openedFor(studentId, programId);
  await app.advance(id, 'ready_to_launch', { paidAt: now() });
  await app.advance(id, 'in_progress', { launchedAt: now() });
  app.enrollments.reset();
  return id;
}

async function issueVoucher(
  to: { studentId?: string; studentEmail?: string },
  o: { number?: string; amountCents?: number; programId?: string } = {},
) {
  const admin = await app.token('admin');
  const number = o.number ?? `ITA-${randomUUID().slice(0, 8)}`;
  const res = await app.request('POST', '/api/vouchers', {
    token: admin.token,
    json: {
      number,
      fundingSource: 'wioa_ita',
      ...to,
      amountCents: o.amountCents ?? 1_000_000,
      currency: 'usd',
      expiresOn: inDays(30),
      organizationId: 'test-workforce-board',
      ...(o.programId && { programId: o.programId }),
    },
  });
  expect(res.status).toBe(201);
  return number;
}

describe('the student’s pages in Spanish', () => {
  test('every page says lang="es", offers English, and carries no English text of the catalog', async () => {
    expect(ENGLISH.length).toBeGreaterThan(100);
    const { browser, id, email } = await student();
    const enrollmentId = await inProgressFor(id);
    await rejectedProof(app, enrollmentId, id, 'El nombre del certificado no coincide.');
    await issueVoucher({ studentEmail: email });
    // Their program holder reads the enrollment: an entry of My data.
    const holder = await app.token('program_holder', { id: DEMO_HOLDER_ID, name: 'Hana Holder' });
    expect((await app.request('GET', `/api/enrollments/${enrollmentId}`, { token: holder.token })).status).toBe(200);

    const switched = await browser.get('/student/enrollments?lang=es');
    expect(switched.status).toBe(303);
    const pages = ['/student/enrollments', `/student/enrollments/${enrollmentId}`, '/student/vouchers', '/student/my-data', '/'];
    for (const path of pages) {
      const page = await browser.get(path);
      expect({ path, status: page.status, lang: langOf(page.html) }).toEqual({ path, status: 200, lang: 'es' });
      expect(page.html).toMatch(/<a href="[^"]*lang=en" lang="en" hreflang="en">English<\/a>/);
      const text = textOf(page.html);
      expect({ path, english: ENGLISH.filter((f) => text.includes(f)) }).toEqual({ path, english: [] });
    }
    const enrollment = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(nextRegion(enrollment.html)).toContain('<h2 id="next-title">Qué hacer ahora</h2>');
    expect(nextRegion(enrollment.html)).toContain('El nombre del certificado no coincide.');
    expect(enrollment.html).toContain('<label for="file">Comprobante de que terminó</label>');
    expect(enrollment.html).toMatch(/Estado: <strong[^>]*>En curso<\/strong>/);
    const myData = textOf((await browser.get('/student/my-data')).html);
    expect(myData).toContain('Hana Holder Responsable del programa');
    expect(myData).toContain('Inscripción nombre, correo electrónico, estado, programa, fechas');
    expect(myData).toContain('Revisar su inscripción y sus comprobantes');

    // Public pages follow the browser's language without a session.
    const visitor = consoleClient(app.baseUrl);
    for (const path of ['/', '/login']) {
      const page = await visitor.get(path, { 'accept-language': 'es-US,es;q=0.9' });
      expect(langOf(page.html)).toBe('es');
      expect(ENGLISH.filter((f) => textOf(page.html).includes(f))).toEqual([]);
    }
  });

  test('a certified enrollment, its public verification and the checkout’s return in Spanish', async () => {
    const { browser, id } = await student('Rosa Martínez');
    const enrollmentId = await inProgressFor(id, IC3.id);
    const completedAt = '2026-07-04T15:00:00.000Z';
    await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
    const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
    await browser.get('/student/enrollments?lang=es');
    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(nextRegion(page.html)).toContain('Descargar el certificado');
    expect(ENGLISH.filter((f) => textOf(page.html).includes(f))).toEqual([]);

    const employer = consoleClient(app.baseUrl);
    const verify = await employer.get(`/verify/${certificate.verificationCode}`, { 'accept-language': 'es' });
    expect(langOf(verify.html)).toBe('es');
    expect(verify.html).toContain(`<title>Certificado ${certificate.verificationCode} · Credential Marketplace</title>`);
    expect(textOf(verify.html)).toContain(`Certificado válido`);
    expect(textOf(verify.html)).toContain(`terminó ${IC3.title} con`);
    expect(textOf(verify.html)).toContain('el 4 jul 2026.');
    expect(textOf(verify.html)).toContain('Credencial: Certificación ocupacional');
    expect(ENGLISH.filter((f) => textOf(verify.html).includes(f))).toEqual([]);
    // In English: the credential and the day in words, no code or timestamp, nothing about Accept headers.
    const english = textOf((await employer.get(`/verify/${certificate.verificationCode}`)).html);
    expect(english).toContain('Credential: Occupational certification');
    expect(english).toContain('on Jul 4, 2026.');
    expect(english).not.toMatch(/occupational_certification|2026-07-04|Accept/);

    const back = await browser.get(`/checkout/return?enrollmentId=${enrollmentId}&result=cancelled`);
    expect(langOf(back.html)).toBe('es');
    expect(back.html).toContain('<h1>Pago cancelado</h1>');
    expect(back.html).toContain('>Ir a su inscripción</a>');
  });

  test('the language is kept for the student’s emails: set by the switch, changed by switching back', async () => {
    const { browser, id } = await student();
    await openedFor(id);
    const localeOf = async () =>
      (await app.db.query<{ locale: string | null }>('SELECT locale FROM students WHERE id = $1', [id])).rows[0]?.locale;
    // Signed in with an English browser: the first page kept English.
    await browser.get('/student/enrollments');
    expect(await localeOf()).toBe('en');
    await browser.get('/student/enrollments?lang=es');
    await browser.get('/student/enrollments');
    expect(await localeOf()).toBe('es');
    await browser.get('/student/enrollments?lang=en');
    await browser.get('/student/my-data');
    expect(await localeOf()).toBe('en');
    // Another device stored Spanish: the next page this one shows in English stores English again.
    await app.db.query(`UPDATE students SET locale = 'es' WHERE id = $1`, [id]);
    await browser.get('/student/vouchers');
    expect(await localeOf()).toBe('en');
  });

  test('a student enrolling from a Spanish page is kept as reading Spanish', async () => {
    const { browser, id } = await student();
    await browser.get('/student/enrollments?lang=es');
    const form = await browser.get('/student/enrollments');
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(form.html)![1];
    const res = await browser.post('/student/enrollments', { programId: DEMO.id, fundingSource: 'self_pay', idempotencyKey: key });
    expect(res.status).toBe(303);
    const { rows } = await app.db.query<{ locale: string }>('SELECT locale FROM students WHERE id = $1', [id]);
    expect(rows[0].locale).toBe('es');
    const page = await browser.get(res.location!);
    expect(page.html).toContain('Ya está inscrito. Pague el curso para empezarlo.');
    expect(nextRegion(page.html)).toMatch(/>Pagar [\d.,]+\s*US\$<\/a>/);
  });
});

describe('What to do next', () => {
  test('after a rejection: the reviewer’s reason and the upload form, inside the region', async () => {
    const { browser, id } = await student();
    const enrollmentId = await inProgressFor(id);
    await rejectedProof(app, enrollmentId, id, 'The certificate shows a different name (page 2).');
    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    const region = nextRegion(page.html);
    expect(region).toContain('<h2 id="next-title">What to do next</h2>');
    expect(region).toContain('Your program holder could not accept the proof you uploaded on');
    expect(region).toContain('The certificate shows a different name (page 2).');
    expect(region).toContain('<label for="file">Proof of completion</label>');
    expect(region).toContain('<label for="completedAt">Completion date</label>');
    expect(region).toContain('<button type="submit">Upload</button>');
    expect(region).not.toContain('Take the course');
  });

  test('waiting for a review: nothing to do, and the answer comes by email', async () => {
    const { browser, id } = await student();
    const enrollmentId = await inProgressFor(id);
    await app.advance(enrollmentId, 'awaiting_review');
    const region = nextRegion((await browser.get(`/student/enrollments/${enrollmentId}`)).html);
    expect(region).toContain('There is nothing for you to do now: you get an email as soon as it is decided');
    expect(region).not.toContain('name="file"');
  });

  test('payment pending: the pay link in the region', async () => {
    const { browser, id } = await student();
    const enrollmentId = await openedFor(id);
    const region = nextRegion((await browser.get(`/student/enrollments/${enrollmentId}`)).html);
    expect(region).toMatch(/<a class="button" href="[^"]+">Pay \$[\d,.]+<\/a>/);
  });

  test('a voucher that covers the price: covered, never "Paid"', async () => {
    const { browser, id } = await student();
    const number = await issueVoucher({ studentId: id });
    const enrollmentId = await openedFor(id, IC3.id, { fundingSource: 'wioa_ita', voucherNumber: number });
    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(nextRegion(page.html)).toContain('Your voucher covers the course, so there is nothing to pay');
    expect(page.html).toContain('<dt>Covered by your voucher</dt>');
    expect(page.html).not.toMatch(/>Paid</);
  });

  test('no tutor is offered while no model is configured', async () => {
    const { browser, id } = await student();
    const enrollmentId = await inProgressFor(id);
    for (const path of ['/student/enrollments', `/student/enrollments/${enrollmentId}`]) {
      const page = await browser.get(path);
      expect(page.html).not.toContain('<ai-tutor');
      expect(page.html).not.toContain('/widget/ai-tutor.js');
      expect(page.html).not.toContain('AI tutor');
    }
  });
});

describe('My vouchers', () => {
  test('lists the vouchers issued to the student (by id or email), none of another’s, and enrolls with one without typing it', async () => {
    const { browser, id, email } = await student();
    const byEmail = await issueVoucher({ studentEmail: email }, { amountCents: 50_000 });
    const byId = await issueVoucher({ studentId: id }, { amountCents: 149_00, programId: IC3.id });
    const others = await issueVoucher({ studentId: `student-${randomUUID()}` });

    const home = await browser.get('/student/enrollments');
    expect(home.html).toContain('<a href="/student/vouchers">My vouchers</a>');
    const page = await browser.get('/student/vouchers');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>My vouchers</h1>');
    const text = textOf(page.html);
    expect(text).toContain(byEmail);
    expect(text).toContain('$500.00');
    expect(text).toContain('Any program');
    expect(text).toContain(byId);
    expect(text).toContain('$149.00');
    expect(text).toContain(IC3.title);
    expect(text).toContain(new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(inDays(30))));
    expect(text).toContain('Ready to use');
    expect(text).not.toContain(others);

    // Enroll with the program's voucher: the form comes filled in.
    const link = new RegExp(`<a class="button" href="([^"]+)">Enroll with voucher ${byId}</a>`).exec(page.html)!;
    const href = link[1].replace(/&amp;/g, '&');
    const form = await browser.get(href);
    expect(form.html).toContain(`value="${byId}"`);
    expect(form.html).toMatch(/id="funding-wioa_ita" name="fundingSource" value="wioa_ita" checked/);
    expect(form.html).toContain(`<option value="${IC3.id}" selected>`);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(form.html)![1];
    const enrolled = await browser.post('/student/enrollments', {
      programId: IC3.id,
      fundingSource: 'wioa_ita',
      voucherNumber: byId,
      idempotencyKey: key,
    });
    expect(enrolled.status).toBe(303);

    // Now used, linking to its enrollment; no longer offered.
    const after = await browser.get('/student/vouchers');
    expect(textOf(after.html)).toContain(`Used for ${IC3.title}`);
    expect(after.html).not.toContain(`Enroll with voucher ${byId}`);
    expect(after.html).toContain(`<a href="${enrolled.location}">Go to the enrollment</a>`);
  });

  test('a student with none is told where vouchers come from', async () => {
    const { browser } = await student();
    const page = await browser.get('/student/vouchers');
    expect(textOf(page.html)).toContain('No voucher has been issued to you yet.');
  });
});
