/**
 * Issue 24, item 1: every answer to a browser's navigation is a page for people (its status kept, `<title>`,
 * `<html lang>`, a way back), errors included: an unknown URL, 401, 403, 405 and the public verification of an
 * unknown code (which says so and offers the form again). API clients (JSON, `* / *` or no Accept) keep getting the
 * same `application/problem+json` documents as before.
 */
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { consoleClient } from '../helpers/console-client';
import type { Problem } from '../helpers/contract';

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(() => app?.close());

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(new URL(path, app.baseUrl), { method, headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** What a page for people must have: HTML, a title, the language, a link back; no codes or field names. */
function expectPage(
  page: { headers: Headers; text: string },
  { lang = 'en', title, back }: { lang?: string; title: string; back: string },
) {
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.text).toContain(`<html lang="${lang}">`);
  expect(page.text).toContain(`<title>${title} · Credential Marketplace</title>`);
  expect(page.text).toMatch(new RegExp(`<a href="${back.replace(/[?]/g, '\\?')}">`));
  const main = page.text.slice(page.text.indexOf('<main'));
  expect(main).not.toMatch(/problem|\/problems\/|"type"|does not exist or is not visible|GET \/|\b40[0-9]\b|\b50[0-9]\b/);
}

describe('an unknown URL', () => {
  test('a browser gets a page: 404, its title, <html lang>, a link home; in Spanish when the browser asks for it', async () => {
    const page = await get('/no-such-page', { accept: BROWSER });
    expect(page.status).toBe(404);
    expectPage(page, { title: 'Page not found', back: '/' });
    expect(page.text).toContain('There is no page at this address.');

    const es = await get('/no-such-page', { accept: BROWSER, 'accept-language': 'es-MX,es;q=0.9' });
    expect(es.status).toBe(404);
    expectPage(es, { lang: 'es', title: 'Página no encontrada', back: '/' });
  });

  test('signed in, the way back is the role’s start page', async () => {
    const holder = consoleClient(app.baseUrl);
    await holder.signIn('program_holder');
    const page = await holder.get('/holder/no-such-page');
    expect(page.status).toBe(404);
    expectPage({ headers: page.headers, text: page.html }, { title: 'Page not found', back: '/holder' });
    expect(page.html).toContain('Go to your start page');
  });

  test.each([
    ['application/json', { accept: 'application/json' }],
    ['*/*', { accept: '*/*' }],
    ['no Accept', {}],
  ])('an API client (%s) gets the problem document, unchanged', async (_name, headers: Record<string, string>) => {
    for (const path of ['/no-such-page', '/api/no-such-thing']) {
      const res = await get(path, headers);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(res.text)).toEqual({
        type: '/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: `GET ${path} does not exist or is not visible to you`,
      });
    }
  });
});

describe('401, 403 and 405', () => {
  test('401: a page with a Sign in link back to the page, the challenge kept; the API client’s problem unchanged', async () => {
    const page = await get('/api/enrollments', { accept: BROWSER });
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toBe('Bearer realm="credential-marketplace"');
    expectPage(page, { title: 'Please sign in', back: '/login?returnTo=%2Fapi%2Fenrollments' });

    const api = await get('/api/enrollments', { accept: 'application/json' });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="credential-marketplace"');
    expect((JSON.parse(api.text) as Problem).type).toBe('/problems/unauthorized');
  });

  test('403: another role’s page (the console) and another role’s API read (a browser) are pages with a way back', async () => {
    const student = consoleClient(app.baseUrl);
    await student.signIn('student');
    const page = await student.get('/admin/reports');
    expect(page.status).toBe(403);
    expectPage({ headers: page.headers, text: page.html }, { title: 'Not allowed', back: '/student/enrollments' });

    const apiRead = await student.get('/api/reports/etp?year=2025', { accept: BROWSER });
    expect(apiRead.status).toBe(403);
    expectPage({ headers: apiRead.headers, text: apiRead.html }, { title: 'Not allowed', back: '/student/enrollments' });
    const json = await student.get('/api/reports/etp?year=2025', { accept: 'application/json' });
    expect(json.status).toBe(403);
    expect((JSON.parse(json.html) as Problem).type).toBe('/problems/forbidden');
  });

  test('405: a page with Allow kept; the API client’s problem unchanged', async () => {
    const page = await get('/healthz', { accept: BROWSER }, 'DELETE');
    expect(page.status).toBe(405);
    expect(page.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expectPage(page, { title: 'This page cannot be used that way', back: '/' });

    const api = await get('/healthz', {}, 'DELETE');
    expect(api.status).toBe(405);
    expect(JSON.parse(api.text)).toEqual({
      type: '/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: 'this path answers GET, HEAD, OPTIONS',
    });
  });
});

describe('the public verification of an unknown code', () => {
  test('a browser: 404, a page saying the code was not found, how to check it, and the form to type it again', async () => {
    for (const code of ['AAAA-BBBB-CCCC', 'not-a-code']) {
      const page = await get(`/verify/${code}`, { accept: BROWSER });
      expect(page.status).toBe(404);
      expectPage(page, { title: 'Certificate not found', back: '/' });
      expect(page.text).toContain('<h1>No certificate has this code</h1>');
      expect(page.text).toContain(`We could not find a certificate with the code ${code}.`);
      expect(page.text).toContain('Check the code printed on the certificate');
      expect(page.text).toContain('<form method="get" action="/verify"');
      expect(page.text).toMatch(/<label for="code">Verification code<\/label>\s*<input id="code" name="code"[^>]* value="[^"]*"/);
    }
    const es = await get('/verify/AAAA-BBBB-CCCC', { accept: BROWSER, 'accept-language': 'es' });
    expectPage(es, { lang: 'es', title: 'Certificado no encontrado', back: '/' });
    expect(es.text).toContain('Ningún certificado tiene este código');
  });

  test('what was typed is shown escaped', async () => {
    const page = await get(`/verify/${encodeURIComponent('<b>x</b>')}`, { accept: BROWSER });
    expect(page.status).toBe(404);
    expect(page.text).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(page.text).not.toContain('<b>x</b>');
  });

  test('an API client keeps the problem document', async () => {
    for (const headers of [{ accept: 'application/json' }, {}] as Record<string, string>[]) {
      const res = await get('/verify/AAAA-BBBB-CCCC', headers);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(res.text)).toEqual({
        type: '/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: 'certificate with verification code AAAA-BBBB-CCCC does not exist or is not visible to you',
      });
    }
  });

  test('the form: an empty one to start, and a typed code on to its page, the typing forgiven', async () => {
    const form = await get('/verify', { accept: BROWSER });
    expect(form.status).toBe(200);
    expectPage(form, { title: 'Check a certificate', back: '/' });
    const typed = await get(`/verify?code=${encodeURIComponent(' 7kq2 m9xd 4ht8 ')}`, { accept: BROWSER });
    expect(typed.status).toBe(303);
    expect(typed.headers.get('location')).toBe('/verify/7KQ2-M9XD-4HT8');
    // O is zero and I or L one: letters the codes never use.
    expect((await get('/verify?code=OOOO-IIII-LLLL')).headers.get('location')).toBe('/verify/0000-1111-1111');
    expect((await get('/verify?code=short')).headers.get('location')).toBe('/verify/short');
  });
});
