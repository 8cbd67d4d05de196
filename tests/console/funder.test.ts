/**
 * The funder's console at the HTTP level (the app in-process, a real PostgreSQL): the Issue voucher form (dollars to
 * exact cents, errors shown with what was typed, duplicates), the CSV import (a dry run, then apply), the funded
 * enrollments and their export, CSRF on every form, one organization's records only, and who may not come in.
 */
import { randomUUID } from 'node:crypto';
import { parseCsv } from '../../core/csv';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { type ConsoleClient, consoleClient } from '../helpers/console-client';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

const nextYear = `${new Date().getUTCFullYear() + 1}-06-30`;
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A funder of an organization of its own, signed in to the console. */
async function funderConsole(organizationId = unique('board')): Promise<{ browser: ConsoleClient; organizationId: string }> {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('funder', { userId: unique('funder'), organizationId });
  return { browser, organizationId };
}

async function vouchersOf(organizationId: string) {
  const { rows } = await app.db.query<{
    number: string;
    amount_cents: number;
    student_email: string;
    funding_source: string;
    program_id: string | null;
  }>(
    'SELECT number, amount_cents, student_email, funding_source, program_id FROM vouchers WHERE organization_id = $1 ORDER BY created_at',
    [organizationId],
  );
  return rows;
}

const voucherForm = (o: Record<string, string> = {}) => ({
  number: unique('ITA'),
  studentEmail: 'Learner@Example.com',
  amount: '1250.10',
  expiresOn: nextYear,
  fundingSource: 'wioa_ita',
  programId: '',
  ...o,
});

/** Issues a voucher for a student through the JSON API (as another client of the same command would). */
async function issueByApi(organizationId: string, student: Session) {
  const number = unique('API');
  const funder = await app.token('funder', { organizationId });
  const res = await app.request('POST', '/api/vouchers', {
    token: funder.token,
    json: { number, fundingSource: 'wioa_ita', studentId: student.actor.id, amountCents: 1_000_000, currency: 'usd', expiresOn: nextYear },
  });
  expect(res.status).toBe(201);
  return number;
}

describe('Issue voucher', () => {
  test('the page has the form by its accessible names; issuing converts dollars to exact cents and shows it in the list', async () => {
    const { browser, organizationId } = await funderConsole();
    const page = await browser.get('/funder/vouchers');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h2 id="issue-heading">Issue voucher</h2>');
    expect(page.html).toMatch(/<form method="post" action="\/funder\/vouchers" aria-labelledby="issue-heading"/);
    for (const [id, label] of [
      ['number', 'Voucher number'],
      ['studentEmail', 'Student email'],
      ['amount', 'Amount'],
      ['expiresOn', 'Expires on'],
      ['fundingSource', 'Funding source'],
      ['programId', 'Program'],
    ])
      expect(page.html).toContain(`<label for="${id}">${label}</label>`);
    expect(page.html).toContain('<button type="submit">Issue voucher</button>');
    expect(page.html).toContain(`Organization: <strong>${organizationId}</strong>`);

    // 1250.10 and 0.29 are not exact in binary floating point (×100 gives 125009.99… and 28.99…).
    const first = voucherForm({ amount: '1,250.10', programId: IC3.id });
    const issued = await browser.post('/funder/vouchers', first);
    expect(issued.status).toBe(303);
    expect(issued.location).toBe('/funder/vouchers');
    const second = voucherForm({ amount: '$0.29', fundingSource: 'sponsor' });
    expect((await browser.post('/funder/vouchers', second)).status).toBe(303);
    expect(await vouchersOf(organizationId)).toEqual([
      { number: first.number, amount_cents: 125_010, student_email: 'learner@example.com', funding_source: 'wioa_ita', program_id: IC3.id },
      { number: second.number, amount_cents: 29, student_email: 'learner@example.com', funding_source: 'sponsor', program_id: null },
    ]);

    const list = await browser.get('/funder/vouchers');
    expect(list.html).toMatch(new RegExp(`role="status">Voucher ${second.number} issued to learner@example.com for \\$0\\.29`));
    expect(list.html).toContain(first.number);
    expect(list.html).toContain('$1,250.10');
    expect(list.html).toContain('<span class="status status-issued">Issued</span>');
    expect(list.html).toContain(IC3.title);
    // The flash is shown once.
    expect((await browser.get('/funder/vouchers')).html).not.toContain('role="status">Voucher');
  });

  test('bad fields are shown on the form with what was typed, and nothing is issued', async () => {
    const { browser, organizationId } = await funderConsole();
    await browser.get('/funder/vouchers');
    const typed = voucherForm({ number: 'ITA-<b>7</b>', studentEmail: 'not-an-email', amount: '12.345', expiresOn: '2020-01-01' });
    const refused = await browser.post('/funder/vouchers', typed);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('role="alert"');
    expect(refused.html).toMatch(/id="amount-error">an amount such as 1250.00</);
    expect(refused.html).toMatch(/id="studentEmail-error">[^<]*email/i);
    expect(refused.html).toMatch(/id="expiresOn-error">is in the past</);
    expect(refused.html).toMatch(/id="amount" name="amount" type="text" value="12.345"[^>]*aria-invalid="true"/);
    expect(refused.html).toContain('value="ITA-&lt;b&gt;7&lt;/b&gt;"');
    expect(refused.html).toContain('value="not-an-email"');

    const missing = await browser.post('/funder/vouchers', {
      number: '',
      studentEmail: '',
      amount: '',
      expiresOn: '',
      fundingSource: 'wioa_ita',
    });
    expect(missing.status).toBe(400);
    for (const field of ['number', 'amount', 'expiresOn', 'studentEmail']) expect(missing.html).toContain(`id="${field}-error"`);
    // In words for the person filling the form, not the JSON API's field names.
    expect(missing.html).toContain('id="studentEmail-error">enter the email address of the student the voucher is for');
    expect(missing.html).not.toContain('studentId');
    expect(await vouchersOf(organizationId)).toEqual([]);
  });

  test('a number the organization issued already is a 409 on the form, the rest kept; another organization may use it', async () => {
    const { browser } = await funderConsole();
    await browser.get('/funder/vouchers');
    const form = voucherForm();
    expect((await browser.post('/funder/vouchers', form)).status).toBe(303);
    await browser.get('/funder/vouchers');
    const again = await browser.post('/funder/vouchers', { ...form, number: form.number.toLowerCase(), amount: '99.50' });
    expect(again.status).toBe(409);
    expect(again.html).toContain('already issued');
    expect(again.html).toContain('id="number-error"');
    expect(again.html).toContain('value="99.50"');

    const other = await funderConsole();
    await other.browser.get('/funder/vouchers');
    expect((await other.browser.post('/funder/vouchers', form)).status).toBe(303);
  });

  test('a form without its CSRF token is refused and issues nothing', async () => {
    const { browser, organizationId } = await funderConsole();
    await browser.get('/funder/vouchers');
    const forged = await browser.post('/funder/vouchers', { ...voucherForm(), _csrf: 'forged' });
    expect(forged.status).toBe(403);
    const csv = new FormData();
    csv.set('_csrf', 'forged');
    csv.set('csv', `number,fundingSource,studentEmail,amountCents,currency,expiresOn\r\nX-1,wioa_ita,a@example.com,100,usd,${nextYear}`);
    csv.set('apply', 'true');
    expect((await browser.post('/funder/vouchers/import', csv)).status).toBe(403);
    expect(await vouchersOf(organizationId)).toEqual([]);
  });

  test("a funder cannot issue for another organization, even by adding the field: the command's 403", async () => {
    const { browser, organizationId } = await funderConsole();
    await browser.get('/funder/vouchers');
    const res = await browser.post('/funder/vouchers', voucherForm({ organizationId: 'someone-else' }));
    expect(res.status).toBe(403);
    expect(await vouchersOf('someone-else')).toEqual([]);
    expect(await vouchersOf(organizationId)).toEqual([]);
  });
});

describe('CSV import', () => {
  const header = 'number,fundingSource,studentEmail,amountCents,currency,expiresOn,programId';

  test('a dry run shows each row and issues nothing; applying it issues the valid rows; the file field works too', async () => {
    const { browser, organizationId } = await funderConsole();
    await browser.get('/funder/vouchers');
    const csv = [
      header,
      `CSV-1,wioa_ita,a@example.com,250000,usd,${nextYear},`,
      `CSV-2,sponsor,b@example.com,1000,usd,${nextYear},${IC3.id}`,
      `csv-1,wioa_ita,a@example.com,250000,usd,${nextYear},`,
      `CSV-3,wioa_ita,not-an-email,10,usd,${nextYear},`,
    ].join('\r\n');
    const upload = new FormData();
    upload.set('file', new Blob([csv], { type: 'text/csv' }), 'vouchers.csv');
    const dry = await browser.post('/funder/vouchers/import', upload);
    expect(dry.status).toBe(200);
    expect(dry.html).toContain('<h1>Check the voucher import</h1>');
    expect(dry.html).toContain('Nothing has been issued yet');
    const rows = [
      ...dry.html.matchAll(
        /<td class="num">(\d+)<\/td>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<td class="num">([^<]*)<\/td>\s*<td>[^<]*<\/td>\s*<td><span class="status status-(\w+)">([^<]+)<\/span><\/td>/g,
      ),
    ].map(([, line, number, student, amount, outcome, label]) => [Number(line), number, student, amount, outcome, label]);
    // Each row as the file says it (number, student, amount), beside its outcome.
    expect(rows).toEqual([
      [2, 'CSV-1', 'a@example.com', '$2,500.00', 'issued', 'Would be issued'],
      [3, 'CSV-2', 'b@example.com', '$10.00', 'issued', 'Would be issued'],
      [4, 'csv-1', 'a@example.com', '$2,500.00', 'already_issued', 'Already issued'],
      [5, 'CSV-3', 'not-an-email', '$0.10', 'invalid', 'Invalid'],
    ]);
    // An invalid row: the form is there again to correct the file, with the rows as they were.
    expect(dry.html).toContain('<h2 id="again-heading">Correct the file and check it again</h2>');
    expect(dry.html).toContain('line 2 issues this number already');
    expect(dry.html).toContain('<button type="submit">Issue 2 vouchers</button>');
    expect(await vouchersOf(organizationId)).toEqual([]);

    // The apply form carries the checked file on, as a browser would post it.
    const carried = /<input type="hidden" name="csv" value="([^"]*)">/.exec(dry.html)![1];
    const apply = new FormData();
    apply.set('apply', 'true');
    apply.set(
      'csv',
      carried
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
    const applied = await browser.post('/funder/vouchers/import', apply);
    expect(applied.status).toBe(200);
    expect(applied.html).toContain('<h1>Vouchers imported</h1>');
    expect((await vouchersOf(organizationId)).map((v) => [v.number, v.amount_cents]).sort()).toEqual([
      ['CSV-1', 250_000],
      ['CSV-2', 1_000],
    ]);
    // Applying the same file again changes nothing.
    await browser.get('/funder/vouchers');
    const twice = new FormData();
    twice.set('apply', 'true');
    twice.set('csv', csv);
    expect((await browser.post('/funder/vouchers/import', twice)).html).toContain('<strong>0</strong> vouchers issued');
    expect(await vouchersOf(organizationId)).toHaveLength(2);
  });

  test('a file that is not a voucher CSV is explained on the page (400), a binary one 415', async () => {
    const { browser } = await funderConsole();
    await browser.get('/funder/vouchers');
    const pasted = new FormData();
    pasted.set('csv', 'number\r\nX-1');
    const refused = await browser.post('/funder/vouchers/import', pasted);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('role="alert"');
    expect(refused.html).toContain('missing fundingSource');
    // Not a dead end: the form again, with what was pasted, and the template.
    expect(refused.html).toMatch(/<textarea id="import-text" name="csv" rows="5">number\r?\nX-1<\/textarea>/);
    expect(refused.html).toContain('href="/funder/vouchers/import-template.csv"');

    await browser.get('/funder/vouchers');
    const binary = new FormData();
    binary.set('file', new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2])], { type: 'image/png' }), 'x.png');
    expect((await browser.post('/funder/vouchers/import', binary)).status).toBe(415);
  });
});

describe('CSV import in dollars, from the template', () => {
  test('the template downloads; filled in with amounts in dollars, as the form takes them, it imports', async () => {
    const { browser, organizationId } = await funderConsole();
    const template = await browser.get('/funder/vouchers/import-template.csv');
    expect(template.status).toBe(200);
    expect(template.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [head, example] = parseCsv(template.html).map((r) => r.fields);
    expect(head).toEqual(['number', 'fundingSource', 'studentEmail', 'amount', 'currency', 'expiresOn', 'programId']);
    expect(example[3]).toBe('1250.00');

    await browser.get('/funder/vouchers');
    const csv = [
      head.join(','),
      `DOL-1,wioa_ita,d@example.com,1250.50,usd,${nextYear},`,
      `DOL-2,wioa_ita,e@example.com,12.345,usd,${nextYear},`,
    ].join('\r\n');
    const apply = new FormData();
    apply.set('apply', 'true');
    apply.set('csv', csv);
    const applied = await browser.post('/funder/vouchers/import', apply);
    expect(applied.html).toContain('<strong>1</strong> voucher issued');
    expect((await vouchersOf(organizationId)).map((v) => [v.number, v.amount_cents])).toEqual([['DOL-1', 125_050]]);
    // A third decimal is refused in the words of the form.
    expect(applied.html).toContain('amount: an amount such as 1250.00');
  });
});

describe('what a funder sees', () => {
  test("a funder's pages show its own organization's vouchers and funded enrollments only, whatever it asks for", async () => {
    const a = await funderConsole();
    const b = await funderConsole();
    const student = await app.token('student', { name: 'Grace Hopper' });
    const number = await issueByApi(a.organizationId, student);
    const otherNumber = await issueByApi(b.organizationId, await app.token('student'));
    const opened = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
      token: student.token,
      json: { programId: IC3.id, fundingSource: 'wioa_ita', voucherNumber: number },
    });
    expect(opened.status).toBe(201);

    const vouchers = await a.browser.get(`/funder/vouchers?organizationId=${b.organizationId}`);
    expect(vouchers.html).toContain(number);
    expect(vouchers.html).not.toContain(otherNumber);
    expect(vouchers.html).toContain('<span class="status status-used">Used</span>');
    expect(vouchers.html).toContain(`Grace Hopper in ${IC3.title}`);

    const funded = await a.browser.get('/funder/enrollments');
    expect(funded.status).toBe(200);
    expect(funded.html).toContain('Grace Hopper');
    expect(funded.html).toContain(IC3.title);
    expect(funded.html).toContain('Ready to launch');
    expect((await b.browser.get(`/funder/enrollments?organizationId=${a.organizationId}`)).html).not.toContain('Grace Hopper');

    // The export link is the JSON API's CSV, which the session may download.
    const exportHref = /<a class="button secondary" href="([^"]+)" download>Export all as CSV<\/a>/.exec(funded.html)![1];
    expect(exportHref).toBe('/api/funded-enrollments?format=csv');
    const exported = await a.browser.get(exportHref);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(exported.headers.get('content-disposition')).toMatch(/^attachment; filename="?funded-enrollments-/);
    const [head, ...lines] = parseCsv(exported.html).map((r) => r.fields);
    expect(head.slice(0, 3)).toEqual(['enrollmentId', 'status', 'fundingSource']);
    expect(lines.map((l) => [l[0], l[1], l[head.indexOf('studentName')], l[head.indexOf('voucherNumber')]])).toEqual([
      [opened.body.enrollmentId, 'ready_to_launch', 'Grace Hopper', number],
    ]);
    const theirs = await b.browser.get(`${exportHref}&organizationId=${a.organizationId}`);
    expect(parseCsv(theirs.html)).toHaveLength(1);
  });

  test('a program holder or a student is refused (403); no session goes to the sign-in', async () => {
    for (const role of ['program_holder', 'student']) {
      const browser = consoleClient(app.baseUrl);
      await browser.signIn(role);
      for (const path of ['/funder/vouchers', '/funder/enrollments']) expect((await browser.get(path)).status).toBe(403);
      expect((await browser.post('/funder/vouchers', voucherForm())).status).toBe(403);
    }
    const anonymous = await consoleClient(app.baseUrl).get('/funder/enrollments');
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toBe('/login?returnTo=%2Ffunder%2Fenrollments');
  });

  test('an admin chooses the organization: the list narrows to it, and the form must name the one that issues', async () => {
    const organizationId = unique('board');
    const admin = consoleClient(app.baseUrl);
    await admin.signIn('admin');
    const page = await admin.get('/funder/vouchers');
    expect(page.html).toContain('<label for="issue-organization">Organization</label>');
    const unnamed = await admin.post('/funder/vouchers', voucherForm());
    expect(unnamed.status).toBe(400);
    expect(unnamed.html).toContain('id="issue-organization-error"');

    await admin.get('/funder/vouchers');
    const form = voucherForm({ organizationId });
    const issued = await admin.post('/funder/vouchers', form);
    expect(issued.status).toBe(303);
    expect(issued.location).toBe(`/funder/vouchers?organizationId=${organizationId}`);
    expect((await vouchersOf(organizationId)).map((v) => v.number)).toEqual([form.number]);
    const narrowed = await admin.get(issued.location!);
    expect(narrowed.html).toContain(form.number);
    expect(narrowed.html).toContain(`<option value="${organizationId}" selected>`);
    const otherBoard = await admin.get('/funder/vouchers?organizationId=demo-workforce-board');
    expect(otherBoard.html).not.toContain(form.number);
  });
});
