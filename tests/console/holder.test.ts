/**
 * The program holder's console at the HTTP level (the app in-process, a real PostgreSQL, the fake enrollment client
 * writing the read model as the workflow would): the dashboard's counts, the enrollment list's search and filters,
 * an enrollment's timeline and its Mark complete form with a proof file, the review queue, the revenue share; an
 * evidence file the retention policy deleted, as the answer, its link, the timeline and the student's page say it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { applyRetentionBatch } from '../../capabilities/privacy/retention';
import { FailureType } from '../../workflows/messages';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { confirmOn, type ConsoleClient, consoleClient } from '../helpers/console-client';
import type { EnrollmentList, Problem, ReviewQueue } from '../helpers/contract';
import { refusedUpdate } from '../helpers/fake-enrollment-client';
import { holderFixtures, PDF, PNG } from './holder-fixtures';

let app: ApiApp;
let fx: ReturnType<typeof holderFixtures>;
beforeAll(async () => {
  app = await startApiApp();
  fx = holderFixtures(app);
  fx.projectWorkflow();
});
afterAll(() => app?.close());

/** A holder of their own (a new user id) signed in to the console. */
async function signedInHolder(name = 'Hana Holder'): Promise<{ holder: Session; browser: ConsoleClient }> {
  const holder = await app.token('program_holder', { name, email: `${randomUUID().slice(0, 8)}@holder.example` });
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('program_holder', { userId: holder.actor.id, name, email: holder.actor.email! });
  return { holder, browser };
}

/** The text of the page without tags, spaces collapsed (what a reader sees, roughly). */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;/g, "'")
    .replace(/\s+/g, ' ');

/** The enrollments a list page links to, in order. */
const linkedEnrollments = (html: string) => [...html.matchAll(/<a href="\/holder\/enrollments\/([0-9a-f-]{36})">/g)].map((m) => m[1]);

describe('dashboard', () => {
  test('counts awaiting review, in progress, overdue and completed this month over the holder’s own programs, each linking to its list', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Forklift Safety', 30);
    await fx.uploaded(program, 'Ada Review');
    await fx.inProgress(program, 'Ben Progress');
    const late = await fx.inProgress(program, 'Cy Late', 40); // paid 40 days ago on a 30-day program
    const expired = await fx.inProgress(program, 'Di Expired', 45);
    await fx.project(expired.enrollmentId, 'expired');
    const done = await fx.inProgress(program, 'Eve Done');
    await fx.project(done.enrollmentId, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
    await fx.project(done.enrollmentId, 'closed');
    const lastYear = await fx.inProgress(program, 'Fay Earlier');
    await fx.project(lastYear.enrollmentId, 'completed', { completedAt: '2024-01-15T00:00:00.000Z', completionMethod: 'manual' });
    await fx.enrolled(program, 'Gus Unpaid');
    // Another holder's students count for them only.
    const other = await app.token('program_holder');
    await fx.inProgress(await fx.programOf(other, 'Not Mine'), 'Hal Elsewhere', 50);

    const page = await browser.get('/holder');
    expect(page.status).toBe(200);
    const card = (count: number, label: string, status: string) =>
      expect(page.html).toContain(
        `<a href="/holder/enrollments?status=${status}"><span class="figure">${count}</span> <span class="card-label">${label}</span></a>`,
      );
    card(1, 'Awaiting review', 'awaiting_review');
    card(2, 'In progress', 'in_progress');
    card(2, 'Overdue', 'overdue');
    card(1, 'Completed this month', 'completed_this_month');
    expect(page.html).toMatch(/<a href="\/holder" aria-current="page">Dashboard<\/a>/);

    const overdue = await browser.get('/holder/enrollments?status=overdue');
    expect(linkedEnrollments(overdue.html).sort()).toEqual([late.enrollmentId, expired.enrollmentId].sort());
    const completed = await browser.get('/holder/enrollments?status=completed_this_month');
    expect(linkedEnrollments(completed.html)).toEqual([done.enrollmentId]);
    expect(completed.html).toMatch(/<a href="\/holder\/enrollments" aria-current="page">Enrollments<\/a>/);
    expect(completed.html).not.toMatch(/<a href="\/holder" aria-current/);
  });
});

describe('enrollments', () => {
  test('each row shows the student’s name and email, the program, the status in words, launch and deadline, and links to the enrollment', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Retail <Basics> & More');
    const { enrollmentId, student } = await fx.inProgress(program, 'Zoë O’Brien');
    const page = await browser.get('/holder/enrollments');
    expect(page.status).toBe(200);
    const row = page.html.slice(page.html.indexOf(`/holder/enrollments/${enrollmentId}`));
    expect(row).toMatch(/^\/holder\/enrollments\/[0-9a-f-]{36}">Zoë O’Brien<\/a>/);
    expect(row).toContain(student.actor.email);
    expect(row).toContain('Retail &lt;Basics&gt; &amp; More');
    expect(row).toContain('In progress');
    const day = (ms: number) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(ms));
    expect(row).toContain(day(Date.now() - 86_400_000)); // launched
    expect(row).toContain(day(Date.now() - 86_400_000 + 30 * 86_400_000)); // the deadline: 30 days from the payment
  });

  test('Search finds a student by part of the name or email in any case; status and program narrow; another holder’s never show', async () => {
    const { holder, browser } = await signedInHolder();
    const [welding, plumbing] = await Promise.all([fx.programOf(holder, 'Welding'), fx.programOf(holder, 'Plumbing')]);
    const ada = await fx.inProgress(welding, 'Ada Lovelace');
    const grace = await fx.enrolled(plumbing, 'Grace Hopper', 'g.hopper@navy.example');
    const alan = await fx.uploaded(plumbing, 'Alan Turing');
    const other = await app.token('program_holder');
    const foreign = await fx.inProgress(await fx.programOf(other, 'Elsewhere'), 'Ada Elsewhere');

    const list = async (query: string) => linkedEnrollments((await browser.get(`/holder/enrollments${query}`)).html).sort();
    expect(await list('')).toEqual([ada.enrollmentId, grace.enrollmentId, alan.enrollmentId].sort());
    expect(await list('?q=LOVE')).toEqual([ada.enrollmentId]);
    expect(await list('?q=navy.EXAMPLE')).toEqual([grace.enrollmentId]);
    expect(await list('?q=a')).toEqual([ada.enrollmentId, grace.enrollmentId, alan.enrollmentId].sort());
    expect(await list('?q=ada')).toEqual([ada.enrollmentId]);
    expect(await list('?q=%25')).toEqual([]); // a LIKE wildcard is just a character
    expect(await list('?status=awaiting_review')).toEqual([alan.enrollmentId]);
    expect(await list(`?programId=${plumbing}`)).toEqual([grace.enrollmentId, alan.enrollmentId].sort());
    expect(await list(`?programId=${plumbing}&status=pending_payment&q=hopper`)).toEqual([grace.enrollmentId]);
    expect(await list(`?programId=&status=&q=`)).toEqual([ada.enrollmentId, grace.enrollmentId, alan.enrollmentId].sort());

    // The form keeps what was asked, and names its controls.
    const page = await browser.get(`/holder/enrollments?q=turing&status=awaiting_review&programId=${plumbing}`);
    expect(page.html).toMatch(/<label for="q">Search<\/label>\s*<input id="q" type="search" name="q" value="turing"/);
    expect(page.html).toContain('<option value="awaiting_review" selected>Awaiting review</option>');
    expect(page.html).toContain(`<option value="${plumbing}" selected>Plumbing</option>`);
    expect(page.html).not.toContain('Elsewhere');

    // The JSON API searches the same way (the same read-model query).
    const json = await app.request<EnrollmentList>('GET', '/api/enrollments?q=HOPPER', { token: holder.token });
    expect(json.body.enrollments.map((e) => e.enrollmentId)).toEqual([grace.enrollmentId]);
    expect(json.body.enrollments[0]).toEqual(expect.objectContaining({ studentName: 'Grace Hopper', programTitle: 'Plumbing' }));
    const admin = consoleClient(app.baseUrl);
    await admin.signIn('admin');
    expect(linkedEnrollments((await admin.get('/holder/enrollments?q=ada')).html)).toContain(foreign.enrollmentId);
    expect(await list('?status=finished')).toEqual([]);
    expect((await browser.get('/holder/enrollments?status=finished')).status).toBe(400);
  });

  test('pages of 25, newest first, with links that keep the filters', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Paged');
    const ids: string[] = [];
    for (let i = 0; i < 27; i++) ids.push((await fx.enrolled(program, `Pat Page ${i}`)).enrollmentId);
    const first = await browser.get('/holder/enrollments?q=pat');
    expect(linkedEnrollments(first.html)).toEqual(ids.slice(2).reverse());
    expect(text(first.html)).toContain('Showing 1–25 of 27 enrollments.');
    expect(first.html).toContain('<a href="/holder/enrollments?q=pat&amp;page=2" rel="next">Next page</a>');
    const second = await browser.get('/holder/enrollments?q=pat&page=2');
    expect(linkedEnrollments(second.html)).toEqual(ids.slice(0, 2).reverse());
    expect(second.html).toContain('rel="prev">Previous page</a>');
    expect(second.html).not.toContain('Next page');
  });

  test('sorted by deadline, name or status; the same list as a CSV a spreadsheet opens, each student’s read recorded', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Sorting Safety', 30);
    const zoe = await fx.inProgress(program, 'Zoë Zimmer', 25); // deadline in 5 days
    const abe = await fx.inProgress(program, 'Abe Archer', 2); // in 28 days
    const mia = await fx.inProgress(program, 'Mia Moreno', 10); // in 20 days
    await fx.project(mia.enrollmentId, 'expired');
    const ids = { zoe: zoe.enrollmentId, abe: abe.enrollmentId, mia: mia.enrollmentId };

    const byName = await browser.get(`/holder/enrollments?programId=${program}&sort=name`);
    expect(linkedEnrollments(byName.html)).toEqual([ids.abe, ids.mia, ids.zoe]);
    expect(byName.html).toContain('<option value="name" selected>Student name</option>');
    const byDeadline = await browser.get(`/holder/enrollments?programId=${program}&sort=deadline`);
    expect(linkedEnrollments(byDeadline.html)).toEqual([ids.zoe, ids.mia, ids.abe]);
    const byStatus = await browser.get(`/holder/enrollments?programId=${program}&sort=status`);
    expect(linkedEnrollments(byStatus.html)).toEqual([ids.mia, ids.abe, ids.zoe]);
    expect((await browser.get(`/holder/enrollments?sort=height`)).status).toBe(400);

    const link = /<a href="([^"]+)" download>Download these enrollments \(CSV\)<\/a>/.exec(byDeadline.html)![1].replace(/&amp;/g, '&');
    expect(link).toBe(`/holder/enrollments.csv?programId=${program}&sort=deadline`);
    const before = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM disclosure_log WHERE via = $1', [
      'enrollment list CSV',
    ]);
    const csv = await browser.get(link);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="?enrollments-\d{4}-\d{2}-\d{2}\.csv"?$/);
    const lines = csv.html
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('Student,Email,Program,Status,Funding,Enrolled on,Launched on,Deadline,Completed on');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4))).toEqual([
      ['Zoë Zimmer', expect.any(String), 'Sorting Safety', 'In progress'],
      ['Mia Moreno', expect.any(String), 'Sorting Safety', 'Deadline passed'],
      ['Abe Archer', expect.any(String), 'Sorting Safety', 'In progress'],
    ]);
    expect(lines[1].split(',')[7]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const after = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM disclosure_log WHERE via = $1', [
      'enrollment list CSV',
    ]);
    expect(after.rows[0].n - before.rows[0].n).toBe(3);
    // Another holder's CSV holds none of these students.
    const other = await signedInHolder('Other Holder');
    expect((await other.browser.get(`/holder/enrollments.csv?programId=${program}`)).html).not.toContain('Zimmer');
  });
});

describe('an enrollment’s page', () => {
  test('the student’s name in the heading, the status, a timeline of statuses, evidence with links, emails and the certificate', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Timeline Program');
    const { enrollmentId, submissionId } = await fx.uploaded(program, 'Tim Line');
    const reject = await app.request('POST', `/api/program-holder/submissions/${submissionId}/reject`, {
      token: holder.token,
      json: { reason: 'The name on the certificate is not yours' },
    });
    expect(reject.status).toBe(200);
    const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt: '2024-05-01T00:00:00.000Z' });

    const page = await browser.get(`/holder/enrollments/${enrollmentId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Tim Line</h1>');
    expect(page.html).toContain('<span class="status status-in_progress">In progress</span>');
    const timeline = text(page.html.slice(page.html.indexOf('id="timeline-heading"')));
    for (const step of [
      'Status: Waiting for payment',
      'Status: Paid, course not started',
      'Status: In progress',
      'Evidence uploaded by the student',
      'Status: Awaiting review',
      'Evidence rejected Reason: The name on the certificate is not yours',
      `Email sent to ${'tim.line'}`,
      'needs another look',
    ]) {
      expect(timeline).toContain(step);
    }
    expect(page.html).toContain(`<a href="${app.baseUrl}/api/submissions/${submissionId}/file">View uploaded evidence</a>`);
    expect(page.html).toContain(`<a href="${app.baseUrl}/api/certificates/${certificate.id}.pdf">Download certificate (PDF)</a>`);
    expect(page.html).toContain(`<a href="${app.baseUrl}/verify/${certificate.verificationCode}">Verify certificate</a>`);
  });

  test('another holder’s enrollment is 403, an unknown one 404, a bad id 400', async () => {
    const { browser } = await signedInHolder();
    const other = await app.token('program_holder');
    const { enrollmentId } = await fx.inProgress(await fx.programOf(other, 'Theirs'), 'Someone Else');
    expect((await browser.get(`/holder/enrollments/${enrollmentId}`)).status).toBe(403);
    expect((await browser.get(`/holder/enrollments/${randomUUID()}`)).status).toBe(404);
    expect((await browser.get('/holder/enrollments/not-an-id')).status).toBe(400);
    const form = new FormData();
    form.set('completedAt', '2024-05-01');
    expect((await browser.post(`/holder/enrollments/${enrollmentId}/mark-complete`, form)).status).toBe(403);
    expect(app.enrollments.callsOf('markComplete').map(([id]) => id)).not.toContain(enrollmentId);
  });
});

describe('Mark complete', () => {
  /** The Mark complete form's multipart body, as a browser sends it. */
  const markForm = (fields: Record<string, string>, proof?: { data: Buffer; name: string }) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('proof', proof ? new Blob([new Uint8Array(proof.data)]) : new Blob([]), proof?.name ?? '');
    return form;
  };

  test('with a proof file: the same command as the JSON API, the file stored and kept as the completion’s evidence, shown inline', async () => {
    const { holder, browser } = await signedInHolder();
    const { enrollmentId } = await fx.inProgress(await fx.programOf(holder, 'Proof Program'), 'Pru Proof');
    const page = await browser.get(`/holder/enrollments/${enrollmentId}`);
    expect(page.html).toMatch(
      /<form method="post" action="\/holder\/enrollments\/[0-9a-f-]+\/mark-complete" enctype="multipart\/form-data" class="stack" aria-labelledby="mark-complete-heading">/,
    );
    expect(page.html).toContain('<h2 id="mark-complete-heading">Mark complete</h2>');
    for (const [id, label] of [
      ['completedAt', 'Completion date'],
      ['proof', 'Certificate proof'],
      ['certificateUrl', 'Certificate URL'],
      ['notes', 'Notes'],
    ]) {
      expect(page.html).toContain(`<label for="${id}">${label}</label>`);
    }
    expect(page.html).toContain('<button type="submit">Mark complete</button>');

    const asked = await browser.post(
      `/holder/enrollments/${enrollmentId}/mark-complete`,
      markForm(
        { completedAt: '2024-06-01', certificateUrl: 'https://partner.example/cert/42', notes: 'Passed the exam on site' },
        { data: PNG, name: 'cert.png' },
      ),
    );
    // First the confirmation, stating what will happen; nothing is marked before Confirm.
    expect(asked.status).toBe(200);
    expect(text(asked.html)).toContain('Mark Pru Proof’s enrollment complete?');
    expect(text(asked.html)).toContain('Pru Proof’s enrollment in Proof Program is completed as of Jun 1, 2024.');
    expect(text(asked.html)).toContain('A certificate is issued in Pru Proof’s name');
    expect(text(asked.html)).toContain('The certificate proof you attached is kept');
    expect(app.enrollments.callsOf('markComplete').filter(([e]) => e === enrollmentId)).toEqual([]);
    const done = await confirmOn(browser, asked);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/holder/enrollments/${enrollmentId}`);
    const [[id, mark, key]] = app.enrollments.callsOf('markComplete').filter(([e]) => e === enrollmentId) as [
      [string, Record<string, unknown>, string],
    ];
    expect(id).toBe(enrollmentId);
    expect(key).toMatch(/^confirm:[0-9a-f-]{36}:/);
    // The proof waited aside for Confirm, and is gone from there.
    expect(
      fs.readdirSync(path.join(app.config.filesDir, 'completion-proofs', enrollmentId)).filter((f) => f.startsWith('staged-')),
    ).toEqual([]);
    const { fileKey, sha256 } = mark.proof as { fileKey: string; sha256: string };
    expect(fileKey).toMatch(new RegExp(`^completion-proofs/${enrollmentId}/[0-9a-f-]{36}\\.png$`));
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(mark).toEqual({
      completedAt: '2024-06-01T00:00:00.000Z',
      markedBy: holder.actor.id,
      certificateUrl: 'https://partner.example/cert/42',
      notes: 'Passed the exam on site',
      proof: { fileKey, contentType: 'image/png', sizeBytes: PNG.length, sha256 },
    });
    expect(await app.files.get(fileKey)).toEqual(PNG);
    const { rows } = await app.db.query<{ proof_file_key: string; notes: string; method: string }>(
      'SELECT proof_file_key, notes, method FROM completion_evidence WHERE enrollment_id = $1',
      [enrollmentId],
    );
    expect(rows).toEqual([{ proof_file_key: fileKey, notes: 'Passed the exam on site', method: 'manual' }]);

    const after = await browser.get(`/holder/enrollments/${enrollmentId}`);
    expect(after.html).toContain('Marked complete.');
    expect(after.html).toContain('<span class="status status-completed">Completed</span>');
    expect(after.html).not.toContain('<button type="submit">Mark complete</button>');
    expect(text(after.html)).toContain('it cannot be marked complete');
    const proofLink = /<a href="([^"]+)">View certificate proof<\/a>/.exec(after.html);
    expect(proofLink).not.toBeNull();
    expect(text(after.html)).toContain('Notes: Passed the exam on site');
    // The proof opens in the browser for the signed-in holder (the session reads the JSON API), and for nobody else.
    const cookie = `cm_session=${browser.cookies.get('cm_session')}`;
    const file = await fetch(proofLink![1], { headers: { cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toMatch(/^inline; filename="[0-9a-f-]{36}\.png"$/);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
    expect((await fetch(proofLink![1])).status).toBe(401);
    const stranger = await app.token('program_holder');
    expect((await fetch(proofLink![1], { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(403);
    // The JSON view shows it too.
    const view = await app.request<{ completionEvidence: { proofUrl: string | null; notes: string | null }[] }>(
      'GET',
      `/api/enrollments/${enrollmentId}`,
      {
        token: holder.token,
      },
    );
    expect(view.body.completionEvidence).toEqual([expect.objectContaining({ proofUrl: proofLink![1], notes: 'Passed the exam on site' })]);
  });

  test('without a file, the date alone is enough (the JSON API’s contract)', async () => {
    const { holder, browser } = await signedInHolder();
    const { enrollmentId } = await fx.inProgress(await fx.programOf(holder, 'No Proof'), 'Nat Noproof');
    await browser.get(`/holder/enrollments/${enrollmentId}`);
    const asked = await browser.post(
      `/holder/enrollments/${enrollmentId}/mark-complete`,
      markForm({ completedAt: '2024-06-02', certificateUrl: '', notes: '' }),
    );
    expect(text(asked.html)).not.toContain('The certificate proof you attached');
    const done = await confirmOn(browser, asked);
    expect(done.status).toBe(303);
    const [[, mark]] = app.enrollments.callsOf('markComplete').filter(([e]) => e === enrollmentId) as [[string, Record<string, unknown>]];
    expect(mark).toEqual({ completedAt: '2024-06-02T00:00:00.000Z', markedBy: holder.actor.id });
  });

  test('refusals are shown on the page with what was typed: bad fields 400, not a PDF/PNG/JPEG 415, the workflow’s 409; no file is left behind', async () => {
    const { holder, browser } = await signedInHolder();
    const { enrollmentId } = await fx.inProgress(await fx.programOf(holder, 'Refusals'), 'Rae Refused');
    const url = `/holder/enrollments/${enrollmentId}/mark-complete`;
    await browser.get(`/holder/enrollments/${enrollmentId}`);
    const before = app.enrollments.callsOf('markComplete').length;

    const empty = await browser.post(url, markForm({ completedAt: '', certificateUrl: 'ftp://nope', notes: 'kept <as typed>' }));
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('Enter the date the student completed the program.');
    expect(empty.html).toContain('id="certificateUrl-error"');
    expect(empty.html).toMatch(/<textarea id="notes"[^>]*>kept &lt;as typed&gt;<\/textarea>/);
    expect(empty.html).toContain('value="ftp://nope"');
    expect(empty.html).toMatch(/id="completedAt" name="completedAt" type="date" required max="[\d-]+" value="" aria-invalid="true"/);

    const future = await browser.post(url, markForm({ completedAt: '2999-01-01' }));
    expect(future.status).toBe(400);
    expect(future.html).toContain('id="completedAt-error"');

    const notPdf = await browser.post(
      url,
      markForm({ completedAt: '2024-06-01', notes: 'see file' }, { data: Buffer.from('<html>not a pdf</html>'), name: 'cert.pdf' }),
    );
    expect(notPdf.status).toBe(415);
    expect(notPdf.html).toContain('the file must be a PDF, PNG or JPEG');
    expect(notPdf.html).toContain('id="proof-error"');
    expect(app.enrollments.callsOf('markComplete').length).toBe(before);

    app.enrollments.refuse('markComplete', refusedUpdate('the enrollment is already completed', FailureType.conflict));
    try {
      const asked = await browser.post(url, markForm({ completedAt: '2024-06-01', notes: 'late' }, { data: PDF, name: 'cert.pdf' }));
      const refused = await confirmOn(browser, asked);
      expect(refused.status).toBe(409);
      expect(text(refused.html)).toContain('This enrollment cannot be marked complete: the enrollment is already completed.');
      expect(refused.html).toContain('role="alert"');
    } finally {
      app.enrollments.reset();
      fx.projectWorkflow();
    }
    const { rows } = await app.db.query('SELECT 1 FROM completion_evidence WHERE enrollment_id = $1', [enrollmentId]);
    expect(rows).toEqual([]);
    const dir = path.join(app.config.filesDir, 'completion-proofs', enrollmentId);
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  });

  test('a file too large is 413 on the page; a form without its CSRF token is refused', async () => {
    const { holder, browser } = await signedInHolder();
    const { enrollmentId } = await fx.inProgress(await fx.programOf(holder, 'Large'), 'Lars Large');
    const url = `/holder/enrollments/${enrollmentId}/mark-complete`;
    await browser.get(`/holder/enrollments/${enrollmentId}`);
    const big = Buffer.concat([PDF, Buffer.alloc(app.config.uploadMaxBytes)]);
    const tooLarge = await browser.post(url, markForm({ completedAt: '2024-06-01' }, { data: big, name: 'big.pdf' }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.html).toContain('id="proof-error"');
    const forged = markForm({ completedAt: '2024-06-01', _csrf: 'forged' });
    expect((await browser.post(url, forged)).status).toBe(403);
    expect(app.enrollments.callsOf('markComplete').map(([id]) => id)).not.toContain(enrollmentId);
  });

  test('not offered while the status does not allow it', async () => {
    const { holder, browser } = await signedInHolder();
    const { enrollmentId } = await fx.enrolled(await fx.programOf(holder, 'Unpaid'), 'Una Unpaid');
    const page = await browser.get(`/holder/enrollments/${enrollmentId}`);
    expect(page.html).not.toContain('<button type="submit">Mark complete</button>');
    expect(text(page.html)).toMatch(/This enrollment is waiting for payment ?, so it cannot be marked complete until it is paid\./);
  });
});

describe('review queue', () => {
  test('one item per pending submission with the student’s name and program, evidence that opens inline, approve and reject with a reason', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Reviewed Program');
    const first = await fx.uploaded(program, 'Quinn Approve', PDF, '2024-04-01');
    const second = await fx.uploaded(program, 'Rita Reject', PNG, '2024-04-02');
    const other = await app.token('program_holder');
    await fx.uploaded(await fx.programOf(other, 'Other Queue'), 'Sam Elsewhere');

    const queue = await browser.get('/holder/review');
    expect(queue.status).toBe(200);
    const items = queue.html.split('<li class="card">').slice(1);
    expect(items).toHaveLength(2);
    expect(items[0]).toContain('<h2 id="item-');
    expect(items[0]).toContain('Quinn Approve</h2>');
    expect(items[0]).toContain('Reviewed Program · completed on Apr 1, 2024');
    expect(items[1]).toContain('Rita Reject</h2>');
    expect(queue.html).not.toContain('Sam Elsewhere');
    for (const item of items) {
      expect(item).toContain('>View evidence</a>');
      expect(item).toContain('<button type="submit">Approve</button>');
      expect(item).toMatch(/<label for="reason-[0-9a-f-]+">Reason<\/label>/);
      expect(item).toContain('<button type="submit" class="danger">Reject</button>');
    }

    // View evidence: the file itself, inline, with its content type, for the signed-in holder.
    const evidence = /<a href="([^"]+)" target="_blank" rel="noopener" aria-describedby="evidence-hint">View evidence<\/a>/.exec(items[1])!;
    expect(evidence[1]).toBe(`${app.baseUrl}/api/submissions/${second.submissionId}/file`);
    const cookie = `cm_session=${browser.cookies.get('cm_session')}`;
    const file = await fetch(evidence[1], { headers: { cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toBe(`inline; filename="${second.submissionId}.png"`);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);

    // Approve: first the confirmation (the certificate, the student's email); the submission is still pending after it.
    const askedApprove = await browser.post(`/holder/review/${first.submissionId}/approve`);
    expect(askedApprove.status).toBe(200);
    expect(text(askedApprove.html)).toContain('Approve Quinn Approve’s evidence?');
    expect(text(askedApprove.html)).toContain('A certificate is issued in Quinn Approve’s name');
    expect(text(askedApprove.html)).toMatch(/Quinn Approve is emailed the certificate at \S+@/);
    expect(askedApprove.html).toContain('<button type="submit">Confirm</button>');
    expect(askedApprove.html).toContain('<button type="submit" class="secondary">Cancel</button>');
    expect(app.enrollments.callsOf('approve').map(([id]) => id)).not.toContain(first.enrollmentId);
    const pending = await app.db.query<{ status: string }>('SELECT status FROM completion_submissions WHERE id = $1', [first.submissionId]);
    expect(pending.rows).toEqual([{ status: 'pending' }]);
    const approved = await confirmOn(browser, askedApprove);
    expect(approved.status).toBe(303);
    expect(approved.location).toBe('/holder/review');
    expect(app.enrollments.callsOf('approve')).toContainEqual([
      first.enrollmentId,
      first.submissionId,
      holder.actor.id,
      expect.stringMatching(/^confirm:[0-9a-f-]{36}:/),
    ]);

    const noReason = await browser.post(`/holder/review/${second.submissionId}/reject`, { reason: '   ' });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toMatch(new RegExp(`<p id="reason-error-${second.submissionId}" class="error" role="alert">Give a reason`));
    expect(noReason.html).toMatch(
      new RegExp(`id="reason-${second.submissionId}" name="reason" type="text" maxlength="2000" aria-invalid="true"`),
    );
    expect(app.enrollments.callsOf('reject').map(([id]) => id)).not.toContain(second.enrollmentId);

    const askedReject = await browser.post(`/holder/review/${second.submissionId}/reject`, { reason: 'The date on it is unreadable' });
    expect(text(askedReject.html)).toContain('Reject Rita Reject’s evidence?');
    expect(text(askedReject.html)).toMatch(/Rita Reject is emailed your reason at \S+: “The date on it is unreadable”/);
    expect(app.enrollments.callsOf('reject').map(([id]) => id)).not.toContain(second.enrollmentId);
    const rejected = await confirmOn(browser, askedReject);
    expect(rejected.status).toBe(303);
    expect(app.enrollments.callsOf('reject')).toContainEqual([
      second.enrollmentId,
      second.submissionId,
      holder.actor.id,
      'The date on it is unreadable',
      expect.stringMatching(/^confirm:[0-9a-f-]{36}:/),
    ]);
    const after = await browser.get('/holder/review');
    expect(text(after.html)).toContain('Rejected Rita Reject’s evidence; they are emailed your reason and may upload again.');
    expect(after.html).toContain('Nothing is waiting for review.');
    // The same review commands as the JSON API: its queue agrees, and the audit log names the holder.
    const json = await app.request<ReviewQueue>('GET', '/api/program-holder/submissions', { token: holder.token });
    expect(json.body.items).toEqual([]);
    const audit = await app.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE actor_id = $1 AND action LIKE 'submission.%' ORDER BY id`,
      [holder.actor.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['submission.approve', 'submission.reject']);
  });

  test('another holder’s submission cannot be reviewed; a review the workflow refuses comes back as a message', async () => {
    const { holder, browser } = await signedInHolder();
    const other = await app.token('program_holder');
    const theirs = await fx.uploaded(await fx.programOf(other, 'Not Reviewable'), 'Tia Theirs');
    await browser.get('/holder/review');
    expect((await browser.post(`/holder/review/${theirs.submissionId}/approve`)).status).toBe(403);
    expect((await browser.post(`/holder/review/${randomUUID()}/approve`)).status).toBe(404);

    const mine = await fx.uploaded(await fx.programOf(holder, 'Raced'), 'Uma Raced');
    app.enrollments.refuse('approve', refusedUpdate('the enrollment is already completed', FailureType.conflict));
    try {
      const refused = await confirmOn(browser, await browser.post(`/holder/review/${mine.submissionId}/approve`));
      expect(refused.status).toBe(303);
      expect(text((await browser.get('/holder/review')).html)).toContain(
        'Uma Raced’s evidence could not be approved: the enrollment is already completed.',
      );
    } finally {
      app.enrollments.reset();
      fx.projectWorkflow();
    }
  });
});

describe('revenue share', () => {
  test('the holder’s own entries and totals, everything up to today by default or a period, and a CSV link that works in the browser', async () => {
    const { holder, browser } = await signedInHolder();
    const program = await fx.programOf(holder, 'Shared Program');
    const { enrollmentId } = await fx.inProgress(program, 'Val Revenue');
    await app.activities.recordPayment({
      enrollmentId,
      provider: 'simulated',
      providerRef: `cs_${randomUUID()}`,
      amountCents: 10_000,
      currency: 'usd',
      paidAt: new Date().toISOString(),
      status: 'accepted',
    });
    await app.activities.recordRevenueShare({ enrollmentId, basisCents: 10_000, currency: 'usd' });
    const other = await app.token('program_holder');
    const theirs = await fx.inProgress(await fx.programOf(other, 'Their Revenue'), 'Wes Theirs');
    await app.activities.recordRevenueShare({ enrollmentId: theirs.enrollmentId, basisCents: 10_000, currency: 'usd' });

    const page = await browser.get('/holder/revenue');
    expect(page.status).toBe(200);
    const shown = text(page.html);
    expect(shown).toContain('Reconciled: the shares add up exactly to what was collected.');
    expect(shown).toContain('Shared Program $100.00 $20.00 $60.00 $20.00');
    expect(shown).not.toContain('Their Revenue');
    expect(page.html.match(new RegExp(`<a href="/holder/enrollments/${enrollmentId}">Val Revenue</a>`, 'g'))).toHaveLength(3);
    const today = new Date().toISOString().slice(0, 10);
    expect(page.html).toContain(`<input id="to" name="to" type="date" value="${today}"`);
    const csvLink = /<a href="([^"]+)" download>Download CSV<\/a>/.exec(page.html)![1].replace(/&amp;/g, '&');
    expect(csvLink).toBe(`/api/reports/revenue-share?to=${today}&format=csv`);

    const csv = await browser.get(csvLink);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.html.trim().split(/\r?\n/);
    expect(lines[0]).toBe('enrollmentId,programId,party,partyId,entryType,amountCents,currency,createdAt,program,student,partyName,amount');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3))).toEqual(
      ['platform', 'holder', 'partner'].map((party) => [enrollmentId, program, party]),
    );
    // The JSON API answers JSON unless asked (format=json wins over an Accept for CSV).
    const asJson = await app.request('GET', '/api/reports/revenue-share?format=json', {
      token: holder.token,
      headers: { accept: 'text/csv' },
    });
    expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);

    const past = await browser.get('/holder/revenue?from=2020-01-01&to=2020-12-31');
    expect(text(past.html)).toContain('No revenue shares were recorded in this period.');
    const bad = await browser.get('/holder/revenue?from=2021-02-30&to=2020-01-01');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="from-error"');
  });
});

describe('an evidence file the retention policy deleted', () => {
  test('the answer, the file link and both pages say the file was deleted', async () => {
    const { holder, browser } = await signedInHolder('Rita Review');
    const program = await fx.programOf(holder, 'Records Management');
    const { enrollmentId, submissionId, student } = await fx.uploaded(program, 'Olga Oldfile');
    expect((await app.request('POST', `/api/program-holder/submissions/${submissionId}/approve`, { token: holder.token })).status).toBe(
      200,
    );
    await fx.project(enrollmentId, 'closed');
    // The enrollment closed four years ago: its self-paid evidence is past RETENTION_EVIDENCE_FILES (3y).
    await app.db.query(`UPDATE enrollments SET closed_at = now() - interval '4 years' WHERE id = $1`, [enrollmentId]);
    const batch = await applyRetentionBatch(
      { db: app.db, files: app.files, periods: app.config.retention.periods, now: new Date(), limit: 10 },
      'evidenceFiles',
    );
    expect(batch).toEqual({ done: 1, more: false });

    const view = await app.request<{ submissions: { fileDeletedAt: string | null }[] }>('GET', `/api/enrollments/${enrollmentId}`, {
      token: holder.token,
    });
    const deletedAt = view.body.submissions[0].fileDeletedAt;
    expect(deletedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    const file = await app.request<Problem>('GET', `/api/submissions/${submissionId}/file`, { token: holder.token });
    expect(file.status).toBe(404);
    expect(file.body.detail).toBe(
      `the file of submission ${submissionId} was deleted on ${deletedAt!.slice(0, 10)} (retention policy or erasure); the record of it stays`,
    );

    const timeline = (await browser.get(`/holder/enrollments/${enrollmentId}`)).html;
    expect(timeline).toContain('File deleted on');
    expect(timeline).toContain('(retention policy or erasure)');
    expect(timeline).not.toContain('View uploaded evidence');

    const studentBrowser = consoleClient(app.baseUrl);
    await studentBrowser.signIn('student', { userId: student.actor.id, name: student.actor.name!, email: student.actor.email! });
    const page = (await studentBrowser.get(`/student/enrollments/${enrollmentId}`)).html;
    expect(page).toContain('(file deleted on');
    expect(page).not.toContain(`/api/submissions/${submissionId}/file`);
  });
});
