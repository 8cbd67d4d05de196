/**
 * The access and disclosure log in the console at the HTTP level (the app in-process, a real PostgreSQL, the fake
 * enrollment client writing the read model as the workflow would): every console page that shows a student's personal
 * data to someone else writes one entry per student shown; the student's own pages write none; the student's My data
 * page lists who has seen their record, newest first, a page at a time, and only theirs.
 */
import { randomUUID } from 'node:crypto';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { type ConsoleClient, consoleClient } from '../helpers/console-client';
import { by, byStudent, disclosureRecorder, entry, summary } from '../helpers/disclosures';
import { voucherFundedEnrollment } from '../helpers/vouchers';
import { holderFixtures } from './holder-fixtures';

let app: ApiApp;
let fx: ReturnType<typeof holderFixtures>;
beforeAll(async () => {
  app = await startApiApp();
  fx = holderFixtures(app);
  fx.projectWorkflow();
});
afterAll(() => app?.close());

const recorded = (read: () => Promise<unknown>) => disclosureRecorder(app.db)(read);

/** Someone of `role` signed in to the console (a new user unless `session` says who). */
async function signedIn(role: Session['actor']['role'], fields: Record<string, string> = {}): Promise<ConsoleClient> {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn(role, fields);
  return browser;
}

/** A new holder signed in, with a program of their own. */
async function holderConsole() {
  const holder = await app.token('program_holder', { name: 'Hana Holder' });
  const browser = await signedIn('program_holder', { userId: holder.actor.id, name: 'Hana Holder', email: holder.actor.email! });
  return { holder, browser, programId: await fx.programOf(holder, `Welding ${randomUUID().slice(0, 6)}`) };
}

/** The text of a page without its tags (what a reader sees, roughly). */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

/** The rows of the My data table, as text. */
const logRows = (html: string) =>
  [
    ...(/<caption[^>]* class="title">Who has seen my record<\/caption>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '').matchAll(
      /<tr>([\s\S]*?)<\/tr>/g,
    ),
  ].map((m) => textOf(m[1]).trim());

describe('console pages that show students to others', () => {
  test('a holder’s enrollment list, an enrollment’s page and the review queue: one entry per student shown, for review', async () => {
    const { holder, browser, programId } = await holderConsole();
    const ada = await fx.uploaded(programId, 'Ada Console');
    const bo = await fx.inProgress(programId, 'Bo Console');
    const asHolder = (via: string, student: Session, record: string[]) => entry(student, by(holder), via, record, 'review');
    const list = await recorded(async () => expect((await browser.get('/holder/enrollments')).status).toBe(200));
    expect(list.map(summary)).toEqual(
      byStudent([
        asHolder('enrollment list page', ada.student, ['enrollment', ada.enrollmentId]),
        asHolder('enrollment list page', bo.student, ['enrollment', bo.enrollmentId]),
      ]),
    );
    const page = await recorded(async () => expect((await browser.get(`/holder/enrollments/${bo.enrollmentId}`)).status).toBe(200));
    expect(page.map(summary)).toEqual([asHolder('enrollment page', bo.student, ['enrollment', bo.enrollmentId])]);
    const queue = await recorded(async () => expect((await browser.get('/holder/review')).html).toContain('Ada Console'));
    expect(queue.map(summary)).toEqual([asHolder('review queue page', ada.student, ['submission', ada.submissionId])]);
    // The dashboard shows counts only.
    expect(await recorded(() => browser.get('/holder'))).toEqual([]);
  });

  test('a holder’s revenue share page names its students: one entry each, for revenue reconciliation', async () => {
    const { holder, browser, programId } = await holderConsole();
    const paid = await fx.enrolled(programId, 'Cy Paid');
    await fx.project(paid.enrollmentId, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
    await app.activities.recordRevenueShare({ enrollmentId: paid.enrollmentId, basisCents: 10_000, currency: 'usd' });
    const entries = await recorded(async () => expect((await browser.get('/holder/revenue')).html).toContain('Cy Paid'));
    expect(entries.map(summary)).toEqual([
      entry(paid.student, by(holder), 'revenue share page', ['ledger', paid.enrollmentId], 'revenue_reconciliation'),
    ]);
  });

  test('a funder’s funded enrollments and vouchers pages are disclosures; an admin’s certificates page is support', async () => {
    const organizationId = `board-${randomUUID().slice(0, 8)}`;
    const funderId = `funder-${randomUUID()}`;
    const funder = await signedIn('funder', { userId: funderId, name: 'Fay Funder', organizationId });
    const funderToken = await app.token('funder', { id: funderId, organizationId });
    const student = await app.token('student', { name: 'Di Funded' });
    const programId = (await holderConsole()).programId;
    const { voucherId, enrollmentId: id } = await voucherFundedEnrollment(app, funderToken, student, programId);
    const asFunder = (via: string, record: string[]) => entry(student, ['funder', funderId], via, record, 'funding_oversight', true);
    const enrollments = await recorded(async () => expect((await funder.get('/funder/enrollments')).html).toContain('Di Funded'));
    expect(enrollments.map(summary)).toEqual([asFunder('funded enrollments page', ['enrollment', id])]);
    expect(enrollments[0].actor_organization_id).toBe(organizationId);
    const vouchers = await recorded(async () => expect((await funder.get('/funder/vouchers')).html).toContain('Di Funded'));
    expect(vouchers.map(summary)).toEqual([asFunder('voucher list page', ['voucher', voucherId])]);

    await fx.project(id, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
    const cert = await app.activities.issueCertificate({ enrollmentId: id, completedAt: new Date().toISOString() });
    const admin = await signedIn('admin');
    const found = await recorded(async () => expect((await admin.get(`/admin/certificates?q=${cert.verificationCode}`)).status).toBe(200));
    // The certificate found and the latest issued (this one among them): one entry for its student.
    expect(found.filter((e) => e.student_id === student.actor.id).map(summary)).toEqual([
      expect.objectContaining({ via: 'certificates page', record: ['certificate', cert.id], purpose: 'support', disclosure: false }),
    ]);
    // The audit log names staff and things, never a student (a student acting is "A student").
    expect(await recorded(() => admin.get('/admin/audit'))).toEqual([]);
  });

  test('the student’s own pages write nothing', async () => {
    const { programId } = await holderConsole();
    const { student, enrollmentId } = await fx.inProgress(programId, 'Eve Own');
    const browser = await signedIn('student', { userId: student.actor.id, name: 'Eve Own', email: student.actor.email! });
    expect(
      await recorded(async () => {
        for (const path of ['/student/enrollments', `/student/enrollments/${enrollmentId}`, '/student/my-data']) {
          expect((await browser.get(path)).status).toBe(200);
        }
      }),
    ).toEqual([]);
  });
});

describe('My data', () => {
  test('the student’s link My data opens the table Who has seen my record: who, what, why, whether it left the platform', async () => {
    const { browser: holderBrowser, programId } = await holderConsole();
    const { student, enrollmentId } = await fx.inProgress(programId, 'Fay Seen');
    const other = await fx.inProgress(programId, 'Gus Other');
    const browser = await signedIn('student', { userId: student.actor.id, name: 'Fay Seen', email: student.actor.email! });

    const empty = await browser.get('/student/my-data');
    expect(empty.status).toBe(200);
    expect(empty.html).toMatch(/<a href="\/student\/my-data" aria-current="page">My data<\/a>/);
    expect(logRows(empty.html)).toEqual(['No one but you has seen your record yet.']);

    await holderBrowser.get(`/holder/enrollments/${enrollmentId}`);
    await app.request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token });
    const page = await browser.get('/student/my-data');
    expect(logRows(page.html)).toEqual([
      expect.stringMatching(
        /UTC NRF Foundation RISE Up Training partner · nrf Course launch enrollment id .* Delivering your course Yes \(a disclosure\)$/,
      ),
      expect.stringMatching(/UTC Hana Holder Program holder Enrollment page name, email, .* Reviewing your enrollment and evidence No$/),
    ]);
    expect(textOf(page.html)).toContain('1–2 of 2');
    // Only the student's own entries: the other student's record was read too, and is not here.
    await holderBrowser.get(`/holder/enrollments/${other.enrollmentId}`);
    expect(logRows((await browser.get('/student/my-data')).html)).toHaveLength(2);
  });

  test('a page of 50, newest first, with links to older and newer entries', async () => {
    const { holder, programId } = await holderConsole();
    const { student, enrollmentId } = await fx.inProgress(programId, 'Hal Paged');
    for (let i = 0; i < 52; i++) await app.request('GET', `/api/enrollments/${enrollmentId}`, { token: holder.token });
    const browser = await signedIn('student', { userId: student.actor.id, name: 'Hal Paged', email: student.actor.email! });
    const first = await browser.get('/student/my-data');
    expect(logRows(first.html)).toHaveLength(50);
    expect(first.html).toContain('<a href="/student/my-data?offset=50" rel="next">Older</a>');
    expect(first.html).not.toContain('rel="prev"');
    const second = await browser.get('/student/my-data?offset=50');
    expect(logRows(second.html)).toHaveLength(2);
    expect(second.html).toContain('<a href="/student/my-data" rel="prev">Newer</a>');
    expect(textOf(second.html)).toContain('51–52 of 52');
  });

  test('is the student’s page only: other roles are refused', async () => {
    for (const role of ['program_holder', 'funder', 'admin'] as const) {
      const browser = await signedIn(role);
      expect((await browser.get('/student/my-data')).status).toBe(403);
    }
    expect((await consoleClient(app.baseUrl).get('/student/my-data')).location).toBe('/login?returnTo=%2Fstudent%2Fmy-data');
  });
});
