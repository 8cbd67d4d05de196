/**
 * Issue 23, shown over the running system (the Temporal dev server, the worker and API processes, PostgreSQL, the
 * model stand-in; mail in the development outbox): a student with a unique name and email is funded by a workforce
 * board, enrolls, chats with the tutor once they consent, uploads evidence that the holder rejects with a reason
 * naming them and then approves, completes, is reported to the funder and verified by the public. Their disclosure
 * list names the holder, the funder and the public; their export holds each piece; erasure is refused while the
 * enrollment is open and, approved after it closes, leaves the name and email nowhere: not in a dump of the database
 * (`pg_dump --data-only`) nor any text column, not in the file store or the outbox, not in any process's log, not in
 * a Temporal history. The ledger, the WIOA and ETP reports and the certificate's verification are unchanged.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { EXPORT_KEYS } from '../capabilities/privacy/export-data';
import { enrollmentWorkflowId } from '../workflows/messages';
import type {
  DataExport,
  Disclosure,
  DisclosureList,
  ErasureRequest,
  OpenedEnrollment,
  Problem,
  Reviewed,
  SubmissionAccepted,
  TutorReply,
  Verification,
} from './helpers/contract';
import { eventually } from './helpers/eventually';
import { type OpenAiStandIn, startOpenAiStandIn } from './helpers/openai-stand-in';
import { columnsMentioning, filesMentioning, historyText } from './helpers/pii-scan';
import { postgresBin } from './helpers/private-postgres';
import { expectProblem } from './helpers/problems';
import { evidenceForm, httpClient, samplePdf, type Session, startSystem, type System, waitForStatus } from './helpers/system';
import { unzip } from './helpers/zip';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const TODAY = new Date().toISOString().slice(0, 10);
const ORGANIZATION = `e2e-privacy-board-${randomUUID().slice(0, 6)}`;

let model: OpenAiStandIn;
let system: System;
let temporal: Client;
let request: ReturnType<typeof httpClient>;
let student: Session, holder: Session, funder: Session, admin: Session;
let name: string, email: string, needles: string[];
let enrollmentId: string;
let certificate: { id: string; verificationCode: string };

beforeAll(async () => {
  model = await startOpenAiStandIn();
  system = await startSystem({
    // No SMTP server: mail goes to the development outbox (DATA_DIR/outbox), one of the places the erasure clears.
    env: { SMTP_URL: '', OPENAI_API_KEY: 'sk-test-stand-in', OPENAI_BASE_URL: model.baseUrl, OPENAI_MODEL: 'stand-in-model' },
  });
  request = httpClient(system.baseUrl);
  temporal = new Client({ connection: await Connection.connect({ address: system.temporalAddress }) });
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  name = `Ottoline Vanbrugh${tag}`;
  email = `ottoline.${tag}@example.org`;
  needles = [name, email];
  student = await system.token('student', { name, email });
  holder = await system.token('program_holder', { id: DEMO_HOLDER_ID, name: 'Hal Holder' });
  funder = await system.token('funder', { organizationId: ORGANIZATION, name: 'Fran Funder' });
  admin = await system.token('admin', { name: 'Ada Admin' });
}, 180_000);
afterAll(async () => {
  await temporal?.connection.close().catch(() => undefined);
  await system?.stop();
  await model?.close();
}, 60_000);

/** An entry's actor, as far as a test names it. */
const actor = (fields: Partial<Disclosure['actor']>): unknown => expect.objectContaining(fields);

/** Every place outside PostgreSQL where a name could be left: the data folder (file store, outbox) and the logs. */
const dataFiles = () => filesMentioning(system.dataDir, needles).map((f) => path.relative(system.dataDir, f));
const logFiles = () =>
  fs
    .readdirSync(path.dirname(system.logPrefix))
    .filter((f) => f.startsWith(path.basename(system.logPrefix)))
    .map((f) => path.join(path.dirname(system.logPrefix), f));

/** The database as `pg_dump --data-only` writes it: every row of every table, as text. */
const dump = () =>
  execFileSync(path.join(postgresBin(), 'pg_dump'), ['--data-only', system.databaseUrl], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
const mentions = (text: string) => needles.filter((n) => text.toLowerCase().includes(n.toLowerCase()));

/**
 * Every workflow this system's Temporal knows (open and closed), with each run's history decoded. A run that
 * visibility still lists for a moment after its deletion has no history to read: it is gone, and left out.
 */
async function histories(): Promise<{ workflowId: string; runId: string; text: string }[]> {
  const found = [];
  for await (const w of temporal.workflow.list()) {
    const text = await historyText(temporal, w.workflowId, w.runId).catch((err: Error) => {
      if (/not found/i.test(err.message)) return undefined;
      throw err;
    });
    if (text !== undefined) found.push({ workflowId: w.workflowId, runId: w.runId, text });
  }
  return found;
}

/** What must not change when the student is erased: the money, the state reports and the certificate's registry entry. */
async function keptFacts() {
  const { rows: ledger } = await system.db.query<{ party: string; amount_cents: number; currency: string }>(
    'SELECT party, amount_cents, currency FROM ledger_entries WHERE enrollment_id = $1 ORDER BY party',
    [enrollmentId],
  );
  const wioa = await request<string>('GET', '/api/reports/wioa', { token: admin.token });
  const etp = await request<{ programs: { programId: string }[] }>('GET', `/api/reports/etp?year=${TODAY.slice(0, 4)}`, {
    token: admin.token,
  });
  const verified = await request<Verification>('GET', `/verify/${certificate.verificationCode}`, {
    headers: { accept: 'application/json' },
  });
  const { holder: shownName, ...verification } = verified.body;
  return {
    ledger,
    wioaParticipants: wioa.body.trim().split('\n').length - 1,
    etp: etp.body.programs.find((p) => p.programId === DEMO.id),
    verification,
    shownName,
  };
}

test('the student’s journey: funded, tutored after consent, rejected by name, approved, completed, reported, verified', async () => {
  const voucherNumber = `ITA-${randomUUID().slice(0, 8)}`;
  const voucher = await request('POST', '/api/vouchers', {
    token: funder.token,
    json: {
      number: voucherNumber,
      fundingSource: 'wioa_ita',
      studentEmail: email,
      amountCents: DEMO.priceCents,
      currency: 'usd',
      expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  expect(voucher.status).toBe(201);
  const opened = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'wioa_ita', voucherNumber },
  });
  expect(opened.status).toBe(201);
  enrollmentId = opened.body.enrollmentId;
  await waitForStatus(system, student.token, enrollmentId, 'ready_to_launch');
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
  await waitForStatus(system, student.token, enrollmentId, 'in_progress');

  // The tutor: refused until the student consents; then their words (name and email included) reach the model.
  const question = { enrollmentId, message: `Hello, I am ${name} (${email}). How do I finish module 3?` };
  const asked = model.requests.length;
  expectProblem(await request('POST', '/api/ai-tutor/chat', { token: student.token, json: question }), 409);
  expect(model.requests.length).toBe(asked);
  expect((await request('PUT', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
  const answered = await request<TutorReply>('POST', '/api/ai-tutor/chat', { token: student.token, json: question });
  expect(answered.status).toBe(200);
  expect(answered.body.reply).toContain(name);

  // Evidence: the holder opens it, rejects it with a reason that names the student, then approves the second upload.
  const upload = async (text: string) => {
    const res = await request<SubmissionAccepted>('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
      token: student.token,
      body: evidenceForm(await samplePdf(text), 'certificate.pdf', TODAY),
    });
    expect(res.status).toBe(202);
    await waitForStatus(system, student.token, enrollmentId, 'awaiting_review');
    return res.body.submissionId;
  };
  const first = await upload(`Partner certificate awarded to ${name}`);
  expect((await request('GET', `/api/enrollments/${enrollmentId}`, { token: holder.token })).status).toBe(200);
  expect((await request('GET', `/api/submissions/${first}/file`, { token: holder.token })).status).toBe(200);
  const reason = `${name}, the scan is cut off at the bottom; please upload the whole page.`;
  const rejected = await request<Reviewed>('POST', `/api/program-holder/submissions/${first}/reject`, {
    token: holder.token,
    json: { reason },
  });
  expect(rejected.status).toBe(200);
  await waitForStatus(system, student.token, enrollmentId, 'in_progress');
  const second = await upload(`Partner certificate awarded to ${name} (whole page)`);
  const approved = await request<Reviewed>('POST', `/api/program-holder/submissions/${second}/approve`, { token: holder.token });
  expect(approved.status).toBe(200);
  const closed = await waitForStatus(system, student.token, enrollmentId, 'closed');
  certificate = closed.certificate!;
  expect(certificate.verificationCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

  // The funder's oversight (its page of funded enrollments, its CSV, its WIOA report) and a public verification.
  const fundedList = await request<string>('GET', '/api/funded-enrollments?format=csv', { token: funder.token });
  expect(fundedList.status).toBe(200);
  expect(fundedList.body).toContain(enrollmentId);
  expect((await request('GET', '/api/reports/wioa', { token: funder.token })).status).toBe(200);
  const verified = await request<Verification>('GET', `/verify/${certificate.verificationCode}`, {
    headers: { accept: 'application/json' },
  });
  expect(verified.body).toEqual(expect.objectContaining({ status: 'valid', holder: name }));

  // Who has seen my record: the holder (review), the funder (a disclosure for funding oversight), the public.
  const log = await request<DisclosureList>('GET', '/api/me/disclosures?limit=100', { token: student.token });
  expect(log.status).toBe(200);
  const seen = log.body.items.map((d) => [d.actor.role, d.actor.name, d.purpose, d.disclosure].join(' | '));
  console.log(`Who has seen ${student.actor.id}'s record (${seen.length} entries):\n  ${[...new Set(seen)].join('\n  ')}`);
  expect(log.body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ actor: actor({ role: 'program_holder', name: 'Hal Holder' }), purpose: 'review' }),
      expect.objectContaining({
        actor: actor({ role: 'funder', name: 'Fran Funder', organizationId: ORGANIZATION }),
        purpose: 'funding_oversight',
        disclosure: true,
      }),
      expect.objectContaining({ actor: actor({ role: 'public' }), purpose: 'verification', disclosure: true }),
    ]),
  );
  expect(log.body.items.some((d) => d.actor.id === student.actor.id)).toBe(false);
}, 240_000);

test('the export: one ZIP with data.json and every file, for the student alone', async () => {
  const asked = await request<DataExport>('POST', '/api/me/exports', { token: student.token });
  expect(asked.status).toBe(202);
  const ready = await eventually(async () => {
    const got = await request<DataExport>('GET', `/api/me/exports/${asked.body.id}`, { token: student.token });
    return got.body.status === 'ready' && got.body;
  }, 'the export to be ready');
  const other = await system.token('student');
  expect((await fetch(ready.downloadUrl!, { headers: { authorization: `Bearer ${other.token}` } })).status).toBe(404);
  const res = await fetch(ready.downloadUrl!, { headers: { authorization: `Bearer ${student.token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  const zip = Buffer.from(await res.arrayBuffer());
  const entries = await unzip(zip);
  const data = JSON.parse(entries.get('data.json')!.toString('utf8')) as {
    student: { name: string; email: string };
    enrollments: { id: string; history: { status: string }[] }[];
    submissions: { reason: string | null; file: string }[];
    certificates: { pdf: string; credential: string; verificationCode: string }[];
    payments: { amountCents: number }[];
    vouchers: { studentEmail: string }[];
    tutor: { conversations: { messages: { content: string }[] }[] };
    emails: { kind: string; to: string }[];
    disclosures: unknown[];
  };
  console.log(`The export: ${zip.length} bytes, ${entries.size} entries: ${[...entries.keys()].join(', ')}`);
  expect(Object.keys(data)).toEqual(['exportedAt', ...EXPORT_KEYS]);
  expect(data.student).toEqual(expect.objectContaining({ name, email }));
  expect(data.enrollments.map((e) => e.id)).toEqual([enrollmentId]);
  expect(data.enrollments[0].history.map((h) => h.status)).toEqual(
    expect.arrayContaining(['ready_to_launch', 'in_progress', 'awaiting_review', 'completed', 'closed']),
  );
  expect(data.submissions).toHaveLength(2);
  expect(data.submissions.map((s) => s.reason)).toContainEqual(expect.stringContaining('the scan is cut off'));
  for (const s of data.submissions) expect(entries.get(s.file)!.subarray(0, 5).toString()).toBe('%PDF-');
  expect(data.certificates).toEqual([expect.objectContaining({ verificationCode: certificate.verificationCode })]);
  expect(entries.get(data.certificates[0].pdf)!.subarray(0, 5).toString()).toBe('%PDF-');
  expect(entries.get(data.certificates[0].credential)!.toString()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(data.payments).toEqual([expect.objectContaining({ amountCents: DEMO.priceCents })]);
  expect(data.vouchers).toHaveLength(1);
  expect(data.tutor.conversations[0].messages.map((m) => m.content)).toContainEqual(expect.stringContaining(email));
  expect(data.emails.map((e) => e.kind)).toEqual(expect.arrayContaining(['completion', 'submission_rejected']));
  expect(data.disclosures.length).toBeGreaterThanOrEqual(3);
}, 120_000);

test('erasure: refused while an enrollment is open, approved once it is closed; then the name and email are nowhere', async () => {
  // A second enrollment, open: the request is refused and names it.
  const again = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: SEEDED_PROGRAMS.find((p) => p.id !== DEMO.id && p.priceCents > 0)!.id, fundingSource: 'self_pay' },
  });
  expect(again.status).toBe(201);
  const refused = await request<Problem>('POST', '/api/me/erasure-requests', { token: student.token });
  expectProblem(refused, 409);
  expect(refused.body.detail).toContain(again.body.enrollmentId);
  const withdrawn = await request('POST', `/api/enrollments/${again.body.enrollmentId}/withdraw`, { token: student.token, json: {} });
  expect(withdrawn.status).toBe(200);
  await waitForStatus(system, student.token, again.body.enrollmentId, 'withdrawn');

  // Before: the name and email are in the database, the files, the outbox and the enrollment's history (the reason).
  const before = await keptFacts();
  expect(before.shownName).toBe(name);
  expect(mentions(dump())).toEqual(needles);
  const columnsBefore = await columnsMentioning(system.db, needles);
  const filesBefore = dataFiles();
  expect(filesBefore.filter((f) => f.startsWith('files/')).length).toBeGreaterThanOrEqual(3);
  expect(filesBefore.filter((f) => f.startsWith('outbox/')).length).toBeGreaterThanOrEqual(3);
  const historiesBefore = await histories();
  const namedHistories = historiesBefore.filter((h) => mentions(h.text).length).map((h) => h.workflowId);
  expect(namedHistories).toEqual([enrollmentWorkflowId(enrollmentId)]);
  console.log(
    `Before the erasure: ${columnsBefore.length} columns name the student (${columnsBefore.map((c) => `${c.table}.${c.column}`).join(', ')}); ` +
      `${filesBefore.length} files (${filesBefore.join(', ')}); histories naming them: ${namedHistories.join(', ')}`,
  );

  const asked = await request<ErasureRequest>('POST', '/api/me/erasure-requests', { token: student.token });
  expect(asked.status).toBe(202);
  const listed = await request<{ requests: ErasureRequest[] }>('GET', '/api/erasure-requests', { token: admin.token });
  expect(listed.body.requests.map((r) => r.id)).toContain(asked.body.id);
  const approved = await request('POST', `/api/erasure-requests/${asked.body.id}/approve`, { token: admin.token });
  expect(approved.status).toBe(202);
  const started = Date.now();
  const done = await eventually(async () => {
    const got = await request<ErasureRequest>('GET', `/api/erasure-requests/${asked.body.id}`, { token: admin.token });
    return got.body.status === 'completed' && got.body;
  }, 'the erasure to complete');
  console.log(`The erasure completed in ${Date.now() - started} ms.`);
  console.log(`Erased:\n  ${done.erased!.map((e) => `${e.count} × ${e.what}`).join('\n  ')}`);
  console.log(`Kept:\n  ${done.kept!.map((k) => `${k.count} × ${k.what}: ${k.basis}, until ${k.until ?? 'no end'}`).join('\n  ')}`);
  expect(done.kept!.map((k) => k.what)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^payments, refunds, transfers and revenue-share ledger/),
      expect.stringMatching(/^WIOA participant records/),
      expect.stringMatching(/^certificate registry entries/),
    ]),
  );

  // Temporal deletes the enrollment's history in the background (the dev server takes up to half a minute).
  await eventually(
    async () => !(await histories()).some((h) => h.workflowId === enrollmentWorkflowId(enrollmentId)),
    'the enrollment’s history to be deleted',
    120_000,
  );
  const historiesAfter = await histories();
  expect(historiesAfter.filter((h) => mentions(h.text).length).map((h) => h.workflowId)).toEqual([]);
  // Not vacuous: the erasure's own workflow and the export's are there, and were searched.
  expect(historiesAfter.length).toBeGreaterThanOrEqual(2);

  // Nowhere: the dump, every text column, the file store and the outbox, every process's log.
  const text = dump();
  expect(mentions(text)).toEqual([]);
  expect(await columnsMentioning(system.db, needles)).toEqual([]);
  // The dev server's SQLite file is left out: a deleted history's bytes stay in its free pages until SQLite reuses
  // them, as a deleted row's stay in PostgreSQL's until VACUUM; what Temporal serves is checked above (README, Privacy).
  expect(dataFiles().filter((f) => !f.startsWith('temporal-'))).toEqual([]);
  const logs = logFiles();
  expect(logs.length).toBeGreaterThanOrEqual(3);
  expect(logs.filter((f) => mentions(fs.readFileSync(f, 'utf8')).length)).toEqual([]);
  console.log(
    `After: pg_dump ${text.length} characters, ${historiesAfter.length} workflow histories, ${logs.length} logs: no name, no email.`,
  );

  // Unchanged: the ledger, the WIOA and ETP reports, the certificate's verification (now without a name).
  const after = await keptFacts();
  expect(after.ledger.reduce((sum, r) => sum + r.amount_cents, 0)).toBe(DEMO.priceCents);
  expect({ ...after, shownName: undefined }).toEqual({ ...before, shownName: undefined });
  expect(after.shownName).not.toContain(name.split(' ')[1]);
  console.log(`Kept and unchanged: ${JSON.stringify({ ...after.etp, ledger: after.ledger, wioaParticipants: after.wioaParticipants })}`);
  // The student, signed in still, finds no enrollment of theirs; their request is theirs to read.
  expectProblem(await request('GET', `/api/enrollments/${enrollmentId}`, { token: student.token }), 404);
}, 300_000);
