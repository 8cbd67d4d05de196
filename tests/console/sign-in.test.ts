/**
 * The console's front door at the HTTP level (the app in-process, a real PostgreSQL): the landing page, the
 * development sign-in, session cookies kept in PostgreSQL, CSRF on every form, role gates, sign-out, and a session
 * reading the JSON API from the browser.
 */
import { DEMO_HOLDER_ID, DEMO_USERS } from '../../db/seed';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { consoleClient } from '../helpers/console-client';

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(() => app?.close());

test('the landing page says what this is and links to the sign-in and the API docs', async () => {
  const page = await consoleClient(app.baseUrl).get('/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.html).toMatch(/<a class="button" href="\/login">Sign in<\/a>/);
  expect(page.html).toContain('href="/docs"');
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
});

test('development sign-in: a demo user by default, a session cookie that is httpOnly and SameSite=Lax, kept in PostgreSQL', async () => {
  const browser = consoleClient(app.baseUrl);
  const form = await browser.get('/login');
  expect(form.status).toBe(200);
  for (const field of ['role', 'userId', 'name', 'email']) expect(form.html).toContain(`name="${field}"`);
  expect(form.html).toContain('Development sign-in');

  const signedIn = await browser.signIn('program_holder');
  expect(signedIn.location).toBe('/holder');
  const setCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('cm_session='))!;
  expect(setCookie).toMatch(/; HttpOnly/i);
  expect(setCookie).toMatch(/; SameSite=Lax/i);
  expect(setCookie).not.toMatch(/; Secure/i);
  const { rows } = await app.db.query<{ sess: { actor: { id: string; role: string } } }>('SELECT sess FROM console_sessions');
  expect(rows.map((r) => r.sess.actor)).toContainEqual(expect.objectContaining({ id: DEMO_HOLDER_ID, role: 'program_holder' }));

  const home = await browser.get('/holder');
  expect(home.status).toBe(200);
  expect(home.html).toContain(DEMO_USERS.program_holder.name);
  expect(home.html).toMatch(/<button type="submit">Sign out<\/button>/);
});

test('a form without its CSRF token is refused, and a session is renewed at sign-in (no fixation)', async () => {
  const browser = consoleClient(app.baseUrl);
  await browser.get('/login');
  const forged = await browser.post('/login', { role: 'admin', _csrf: 'not-the-token' });
  expect(forged.status).toBe(403);

  // A session made before signing in (by the CSRF token) is not the one that comes out of it.
  const before = browser.cookies.get('cm_session');
  await browser.signIn('admin');
  expect(browser.cookies.get('cm_session')).toBeDefined();
  expect(browser.cookies.get('cm_session')).not.toBe(before);
  const logout = await consoleClient(app.baseUrl).post('/logout', { _csrf: browser.csrfToken() });
  expect(logout.status).toBe(403);
});

test('pages are for their role: no session goes to the sign-in and back, another role is 403', async () => {
  const anonymous = await consoleClient(app.baseUrl).get('/holder/enrollments?status=in_progress');
  expect(anonymous.status).toBe(303);
  expect(anonymous.location).toBe('/login?returnTo=%2Fholder%2Fenrollments%3Fstatus%3Din_progress');

  const student = consoleClient(app.baseUrl);
  await student.signIn('student', { returnTo: '/student/enrollments' });
  const refused = await student.get('/holder');
  expect(refused.status).toBe(403);
  expect(refused.html).toContain('program holder or admin');
});

test('after sign-in it goes back where it was asked, never to another site', async () => {
  const browser = consoleClient(app.baseUrl);
  expect((await browser.signIn('admin', { returnTo: '/admin/audit' })).location).toBe('/admin/audit');
  for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
    const other = consoleClient(app.baseUrl);
    expect((await other.signIn('admin', { returnTo })).location).toBe('/admin/reports');
  }
});

test('a user id, name and email of their own; bad fields are named', async () => {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('student', { userId: 'student-42', name: 'Ada <b>Lovelace</b>', email: 'ada@example.com' });
  const page = await browser.get('/student');
  expect(page.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
  expect(page.html).not.toContain('<b>Lovelace</b>');

  const bad = consoleClient(app.baseUrl);
  await bad.get('/login');
  const refused = await bad.post('/login', { role: 'janitor', email: 'not-an-email' });
  expect(refused.status).toBe(400);
  expect(refused.html).toContain('role:');
  expect(refused.html).toContain('email:');
});

test('sign-out ends the session for good', async () => {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('funder');
  const cookie = browser.cookies.get('cm_session')!;
  await browser.get('/funder/vouchers');
  const out = await browser.post('/logout');
  expect(out.status).toBe(303);
  expect(out.location).toBe('/');
  // The old cookie, replayed, no longer signs anyone in.
  const replay = await fetch(`${app.baseUrl}/funder/vouchers`, { headers: { cookie: `cm_session=${cookie}` }, redirect: 'manual' });
  expect(replay.status).toBe(303);
});

test('a session reads the JSON API from the browser; writing through it needs the CSRF token', async () => {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('admin');
  const cookie = `cm_session=${browser.cookies.get('cm_session')}`;
  const list = await fetch(`${app.baseUrl}/api/enrollments`, { headers: { cookie } });
  expect(list.status).toBe(200);
  const body = JSON.stringify({ title: 'x' });
  const headers = { cookie, 'content-type': 'application/json' };
  const withoutToken = await fetch(`${app.baseUrl}/api/programs`, { method: 'POST', headers, body });
  expect(withoutToken.status).toBe(403);
  const withToken = await fetch(`${app.baseUrl}/api/programs`, {
    method: 'POST',
    headers: { ...headers, 'x-csrf-token': browser.csrfToken() },
    body,
  });
  // Past the CSRF check, into the command's own validation.
  expect(withToken.status).toBe(400);
});

test('a request another site started does not carry the session into the JSON API', async () => {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('admin');
  const cookie = `cm_session=${browser.cookies.get('cm_session')}`;
  const fromElsewhere = await fetch(`${app.baseUrl}/api/enrollments`, { headers: { cookie, 'sec-fetch-site': 'cross-site' } });
  expect(fromElsewhere.status).toBe(401);
  const fromHere = await fetch(`${app.baseUrl}/api/enrollments`, { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
  expect(fromHere.status).toBe(200);
  // Typed in the address bar or opened from an email: no site started it.
  const typed = await fetch(`${app.baseUrl}/api/enrollments`, { headers: { cookie, 'sec-fetch-site': 'none' } });
  expect(typed.status).toBe(200);
});

test('a form sent after the session ended is not lost silently: the sign-in says so and leads back to its page', async () => {
  const browser = consoleClient(app.baseUrl);
  await browser.signIn('admin');
  const page = await browser.get('/admin/programs');
  expect(page.status).toBe(200);
  const csrf = browser.csrfToken();
  // The session ends (idle limit, another tab signing out): its row is gone.
  await app.db.query('DELETE FROM console_sessions');
  const sent = await browser.post(
    '/admin/programs',
    { _csrf: csrf, title: 'Lost program' },
    { referer: `${app.baseUrl}/admin/programs?x=1` },
  );
  expect(sent.status).toBe(303);
  expect(sent.location).toBe('/login?expired=1&returnTo=%2Fadmin%2Fprograms%3Fx%3D1');
  expect((await app.db.query(`SELECT 1 FROM programs WHERE title = 'Lost program'`)).rowCount).toBe(0);

  const login = await browser.get(sent.location!);
  expect(login.html).toMatch(/role="alert">Your session ended before your form was sent, so nothing was saved\./);
  expect(login.html).toContain('name="returnTo" value="/admin/programs?x=1"');
  const back = await browser.post('/login', { role: 'admin', returnTo: '/admin/programs?x=1' });
  expect(back.location).toBe('/admin/programs?x=1');
  const again = await browser.get(back.location!);
  expect(again.html).toContain('The form you sent while signed out was not saved: please send it again.');

  // A Referer from another site is not followed: the sign-in then leads to the role's home.
  const other = consoleClient(app.baseUrl);
  const elsewhere = await other.post('/admin/programs', { title: 'x' }, { referer: 'https://evil.example/admin/programs' });
  expect(elsewhere.location).toBe('/login?expired=1');
});
