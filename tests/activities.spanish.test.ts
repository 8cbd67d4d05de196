/**
 * The emails and the certificate of a student who reads Spanish (issue 24, item 12): written from the catalog in the
 * language kept for the student (students.locale, set by their pages), the same each time for the same language,
 * and English for a student with none kept. A real SMTP server receives the emails; pdftotext reads the PDF.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EnrollmentActivities } from '../activities';
import { certificateFileKey } from '../activities/certificates';
import type { Db } from '../db/pool';
import { SEEDED_PROGRAMS } from '../db/seed';
import { renderCertificatePdf } from '../services/certificate-pdf';
import { createSmtpMailer } from '../services/mailer';
import { createSimulatedPaymentProvider } from '../services/payment-provider';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { localActivities } from './helpers/local-activities';
import { startSmtpServer } from './helpers/smtp';

const PUBLIC_BASE_URL = 'https://marketplace.test';
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;

let database: TestDatabase;
let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let filesRoot: string;
let acts: EnrollmentActivities;

beforeAll(async () => {
  [database, smtp] = await Promise.all([createTestDatabase(), startSmtpServer()]);
  db = database.db;
  filesRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-spanish-'));
  acts = localActivities(db, filesRoot, {
    payments: createSimulatedPaymentProvider(PUBLIC_BASE_URL),
    mailer: createSmtpMailer(smtp.url, 'Credential Marketplace <no-reply@marketplace.test>'),
    publicBaseUrl: PUBLIC_BASE_URL,
  });
});
afterAll(async () => {
  await smtp?.close();
  await database?.drop();
  if (filesRoot) fs.rmSync(filesRoot, { recursive: true, force: true });
});

/** A student (with the language kept for them, if any) and their enrollment in IC3, in `status`. */
async function enrollmentOf(name: string, locale: 'en' | 'es' | null, status = 'in_progress', voucherCents = 0) {
  const id = randomUUID();
  const studentId = `student-${id.slice(0, 8)}`;
  const email = `${studentId}@example.com`;
  await db.query('INSERT INTO students (id, email, name, locale) VALUES ($1, $2, $3, $4)', [studentId, email, name, locale]);
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, price_cents, currency,
                              status, voucher_cents, amount_due_cents, checkout_url)
     VALUES ($1, $2, $3, $4, $5, 'self_pay', $6, 'usd', $7, $8, $9, $10)`,
    [id, IC3.id, studentId, email, name, IC3.priceCents, status, voucherCents, IC3.priceCents - voucherCents, 'https://checkout.test/pay'],
  );
  return { id, email };
}

test('the certificate PDF in Spanish: every line from the catalog, the day in Spanish words', async () => {
  const e = await enrollmentOf('Rosa Martínez', 'es');
  const cert = await acts.issueCertificate({ enrollmentId: e.id, completedAt: '2026-07-04T15:00:00.000Z' });
  const pdfPath = path.join(filesRoot, certificateFileKey(cert.id));
  const text = execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' });
  expect(text).toContain('Certificado de Finalización');
  expect(text).toContain('Se certifica que');
  expect(text).toContain('Rosa Martínez');
  expect(text).toContain('ha terminado');
  expect(text).toContain(`Credencial: Certificación ocupacional`);
  expect(text).toContain('Terminado el 4 de julio de 2026');
  expect(text).toContain(`Código de verificación: ${cert.verificationCode}`);
  expect(text).toContain('Escanee para verificar');
  for (const english of [
    'Certificate of Completion',
    'This certifies',
    'has completed',
    'Completed on',
    'Verification code',
    'Scan to verify',
  ]) {
    expect(text).not.toContain(english);
  }
});

test('the same certificate in the same language renders to the same bytes (an activity retried is the same)', async () => {
  const content = {
    studentName: 'Rosa Martínez',
    programTitle: IC3.title,
    partnerName: 'Certiport',
    credentialType: 'occupational_certification',
    completedAt: new Date('2026-07-04T15:00:00Z'),
    issuedAt: new Date('2026-07-05T10:00:00Z'),
    verificationCode: 'ABCD-EFGH-JKMN',
    verifyUrl: `${PUBLIC_BASE_URL}/verify/ABCD-EFGH-JKMN`,
  };
  const [a, b, english] = await Promise.all([
    renderCertificatePdf({ ...content, locale: 'es' }),
    renderCertificatePdf({ ...content, locale: 'es' }),
    renderCertificatePdf(content),
  ]);
  expect(a.equals(b)).toBe(true);
  expect(a.equals(english)).toBe(false);
});

test('the emails in Spanish: enrolled (money in Spanish words), rejected (the reason kept as written), completion with the certificate', async () => {
  const e = await enrollmentOf('Rosa Martínez', 'es', 'pending_payment');
  expect(await acts.sendEnrolledEmail({ enrollmentId: e.id })).toBe('sent');
  expect(await acts.sendEnrolledEmail({ enrollmentId: e.id })).toBe('already_sent');
  const [enrolled] = smtp.to(e.email);
  expect(enrolled.subject).toBe(`Ya está inscrito en ${IC3.title}`);
  expect(enrolled.text).toContain('Hola, Rosa Martínez:');
  expect(enrolled.text).toContain('dólares estadounidenses en la página de pago: https://checkout.test/pay');
  expect(enrolled.text).not.toMatch(/Hello|Next,|enrollment page/);

  await db.query(`UPDATE enrollments SET status = 'in_progress' WHERE id = $1`, [e.id]);
  const submissionId = randomUUID();
  await acts.sendSubmissionRejectedEmail({ enrollmentId: e.id, submissionId, reason: 'The name does not match.' });
  const rejected = smtp.to(e.email).find((m) => m.subject?.startsWith('Su comprobante'))!;
  expect(rejected.subject).toBe(`Su comprobante de ${IC3.title} necesita otra revisión`);
  expect(rejected.text).toContain('no pudo aceptarlo:\n\n  The name does not match.');

  const cert = await acts.issueCertificate({ enrollmentId: e.id, completedAt: '2026-07-04T15:00:00.000Z' });
  await acts.sendCompletionEmail({ enrollmentId: e.id, certificateId: cert.id, verificationCode: cert.verificationCode });
  const completion = smtp.to(e.email).find((m) => m.subject?.startsWith('Felicidades'))!;
  expect(completion.subject).toBe(`Felicidades: terminó ${IC3.title}`);
  expect(completion.text).toContain(`Cualquier persona puede verificarlo en ${PUBLIC_BASE_URL}/verify/${cert.verificationCode}`);
  const attached = execFileSync('pdftotext', ['-', '-'], { input: completion.attachments[0].content, encoding: 'utf8' });
  expect(attached).toContain('Certificado de Finalización');
});

test('a nudge in Spanish counts its days in Spanish; a student with no language kept gets English', async () => {
  const spanish = await enrollmentOf('Rosa Martínez', 'es');
  await acts.sendNudgeEmail({ enrollmentId: spanish.id, day: 1 });
  await acts.sendNudgeEmail({ enrollmentId: spanish.id, day: 7 });
  const texts = smtp.to(spanish.email).map((m) => m.text ?? '');
  expect(texts.some((t) => t.includes(`Ya pasó 1 día desde que empezó ${IC3.title}`))).toBe(true);
  expect(texts.some((t) => t.includes(`Ya pasaron 7 días desde que empezó ${IC3.title}`))).toBe(true);

  const english = await enrollmentOf('Ada Lovelace', null);
  await acts.sendNudgeEmail({ enrollmentId: english.id, day: 7 });
  const [mail] = smtp.to(english.email);
  expect(mail.subject).toBe(`How is ${IC3.title} going?`);
  expect(mail.text).toContain(`It has been 7 days since you started ${IC3.title}`);
});

test('the data export’s email in Spanish', async () => {
  const studentId = `student-${randomUUID().slice(0, 8)}`;
  const email = `${studentId}@example.com`;
  await db.query('INSERT INTO students (id, email, name, locale) VALUES ($1, $2, $3, $4)', [studentId, email, 'Rosa Martínez', 'es']);
  const exportId = randomUUID();
  await db.query(
    `INSERT INTO data_exports (id, student_id, status, file_key, ready_at, expires_at) VALUES ($1, $2, 'ready', 'x', now(), $3)`,
    [exportId, studentId, new Date('2030-01-08T10:30:00Z')],
  );
  expect(await acts.sendDataExportReadyEmail({ exportId })).toBe('sent');
  const [mail] = smtp.to(email);
  expect(mail.subject).toBe('Sus datos están listos para descargar');
  expect(mail.text).toContain('Hola, Rosa Martínez:');
  expect(mail.text).toContain('hasta el 2030-01-08 10:30 UTC:');
});
