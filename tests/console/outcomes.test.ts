/**
 * The Outcomes page (issue 24, item 11): per program, the funnel of a period's enrollments (enrolled → launched →
 * completed → credential) and the completion and credential rates, for an admin (every program), a funder (the
 * enrollments its vouchers fund) and a program holder (their programs), with a chart and a table; checked at the
 * HTTP level and in Chromium with axe-core, at desktop and phone widths.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import type { ApiApp, Session } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { consoleClient } from '../helpers/console-client';
import { createTestProgram } from '../helpers/programs';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

/**
 * Enrollments written straight into the read model (as the workflow writes them), in a program of their own:
 * `stages` lists how far each got; `organizationId` funds them with a voucher of that organization.
 */
async function enrollmentsIn(
  programId: string,
  stages: ('pending' | 'enrolled' | 'launched' | 'completed' | 'credential' | 'revoked')[],
  o: { organizationId?: string; createdAt?: string } = {},
) {
  for (const stage of stages) {
    const id = randomUUID();
    const student = `outcome-student-${randomUUID().slice(0, 8)}`;
    let voucherId: string | null = null;
    if (o.organizationId) {
      voucherId = randomUUID();
      await app.db.query(
        `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, amount_cents, currency, expires_on, issued_by)
         VALUES ($1, $2, $3, 'wioa_ita', $4, 5000, 'usd', current_date + 30, 'test-funder')`,
        [voucherId, o.organizationId, `OUT-${id.slice(0, 8)}`, student],
      );
    }
    const at = o.createdAt ?? new Date().toISOString();
    const paid = stage !== 'pending';
    const launched = ['launched', 'completed', 'credential', 'revoked'].includes(stage);
    const completed = ['completed', 'credential', 'revoked'].includes(stage);
    await app.db.query(
      `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, voucher_id, price_cents, currency,
                                status, status_seq, paid_at, launched_at, completed_at, completion_method, created_at)
       VALUES ($1, $2, $3, $3 || '@example.org', 'Outcome Student', $4, $5, 5000, 'usd', $6, 1, $7, $8, $9, $10, $11)`,
      [
        id,
        programId,
        student,
        voucherId ? 'wioa_ita' : 'self_pay',
        voucherId,
        completed ? 'closed' : launched ? 'in_progress' : paid ? 'ready_to_launch' : 'pending_payment',
        paid ? at : null,
        launched ? at : null,
        completed ? at : null,
        completed ? 'manual' : null,
        at,
      ],
    );
    if (stage === 'credential' || stage === 'revoked') {
      await app.db.query(
        `INSERT INTO certificates (id, enrollment_id, verification_code, file_key, completed_at, revoked_at, revoked_reason)
         VALUES ($1, $2, $3, 'outcomes/none.pdf', $4, $5, $6)`,
        [
          randomUUID(),
          id,
          randomUUID().slice(0, 14).toUpperCase(),
          at,
          stage === 'revoked' ? at : null,
          stage === 'revoked' ? 'issued in error' : null,
        ],
      );
    }
  }
}

/** The table's row of a program, as cells of text. */
function rowOf(html: string, title: string): string[] {
  const row = new RegExp(`<tr>\\s*<th scope="row">${title}</th>([\\s\\S]*?)</tr>`).exec(html);
  if (!row) throw new Error(`no row for ${title}`);
  return [...row[1].matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
}

let holder: Session;
let programA: string, titleA: string, titleB: string;
const organizationId = `outcomes-board-${randomUUID().slice(0, 6)}`;
beforeAll(async () => {
  holder = await app.token('program_holder', { name: 'Olive Outcomes' });
  const admin = await app.token('admin');
  const tag = randomUUID().slice(0, 6);
  titleA = `Outcomes Welding ${tag}`;
  titleB = `Outcomes Nursing ${tag}`;
  programA = await createTestProgram(app.request, admin.token, { title: titleA, holderId: holder.actor.id });
  await createTestProgram(app.request, admin.token, { title: titleB, holderId: holder.actor.id });
  // A: 1 abandoned checkout, 1 enrolled only, 1 launched, 1 completed without a certificate, 2 credentials, 1 revoked.
  await enrollmentsIn(programA, ['pending', 'enrolled', 'launched', 'completed', 'credential', 'credential', 'revoked']);
  // A, funded by the board: 2 launched, 2 with a credential; and one last year (outside the default period).
  await enrollmentsIn(programA, ['launched', 'launched', 'credential', 'credential'], { organizationId });
  await enrollmentsIn(programA, ['credential'], { organizationId, createdAt: `${new Date().getUTCFullYear() - 1}-06-01T12:00:00Z` });
});

test('an admin: per program the funnel and both rates, a total, this year by default; a chosen period', async () => {
  const admin = consoleClient(app.baseUrl);
  await admin.signIn('admin');
  const page = await admin.get('/admin/outcomes');
  expect(page.status).toBe(200);
  expect(page.html).toContain('<a href="/admin/outcomes" aria-current="page">Outcomes</a>');
  // Enrolled 10 (not the abandoned checkout), launched 9, completed 6, credential 4 (the revoked one is not): 60%, 40%.
  expect(rowOf(page.html, titleA)).toEqual(['10', '9', '6', '4', '60.0%', '40.0%']);
  // A program with no enrollment in the period is not listed for an admin.
  expect(page.html).not.toContain(titleB);
  expect(page.html).toMatch(/<svg role="img" aria-labelledby="chart-title chart-desc"/);

  const lastYear = new Date().getUTCFullYear() - 1;
  const earlier = await admin.get(`/admin/outcomes?from=${lastYear}-01-01&to=${lastYear}-12-31`);
  expect(rowOf(earlier.html, titleA)).toEqual(['1', '1', '1', '1', '100.0%', '100.0%']);

  const wrong = await admin.get('/admin/outcomes?from=2026-05-01&to=2026-04-01');
  expect(wrong.status).toBe(400);
  expect(wrong.html).toContain('must be on or after from');
});

test('a funder sees only what its vouchers fund; a holder sees their programs, even one with no enrollment', async () => {
  const funder = consoleClient(app.baseUrl);
  await funder.signIn('funder', { organizationId });
  const funded = await funder.get('/funder/outcomes');
  expect(funded.status).toBe(200);
  expect(rowOf(funded.html, titleA)).toEqual(['4', '4', '2', '2', '50.0%', '50.0%']);

  const own = consoleClient(app.baseUrl);
  await own.signIn('program_holder', { userId: holder.actor.id, name: 'Olive Outcomes' });
  const mine = await own.get('/holder/outcomes');
  expect(rowOf(mine.html, titleA)).toEqual(['10', '9', '6', '4', '60.0%', '40.0%']);
  expect(rowOf(mine.html, titleB)).toEqual(['0', '0', '0', '0', '—', '—']);

  const other = consoleClient(app.baseUrl);
  await other.signIn('program_holder', { userId: `another-holder-${randomUUID().slice(0, 6)}` });
  expect((await other.get('/holder/outcomes')).html).not.toContain(titleA);
  // Students have no Outcomes page.
  const student = consoleClient(app.baseUrl);
  await student.signIn('student');
  expect((await student.get('/admin/outcomes')).status).toBe(403);
});

test('in Chromium: the Outcomes link, the chart as an image with its description, the table; no axe violation; fits a phone', async () => {
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await signInAsDeveloper(page, app.baseUrl, 'admin');
    await page.getByRole('link', { name: 'Outcomes' }).click();
    await page.getByRole('heading', { name: 'Outcomes', level: 1 }).waitFor();
    await page.getByRole('img', { name: /^Enrollments that began from/ }).waitFor();
    expect(await page.getByRole('row', { name: new RegExp(titleA) }).count()).toBe(1);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(viewport.width);
    await checkPage(page, `outcomes-admin-${viewport.width}`);
    await context.close();
  }
});
