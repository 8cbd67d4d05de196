/**
 * What no rate limit holds back: a client over its limit still reads what its 429 means (the problem-type pages), the
 * orchestrator's probes, the OpenAPI document and its page, and static files; its API calls answer 429.
 */
import { startApiApp } from '../helpers/api-app';
import { expectProblem } from '../helpers/problems';

const EXEMPT = [
  '/problems/rate-limited',
  '/problems',
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/docs',
  '/docs/docs.js',
  '/assets/page.css',
  '/assets/console.css',
  '/widget/ai-tutor.js',
  '/lti/autopost.js',
];

test('a client over its limit gets 429 from the API and 200 from the problem pages, probes, the document and static files', async () => {
  const app = await startApiApp({ RATE_LIMIT_CLIENT: '2', RATE_LIMIT_WINDOW: '1d' });
  try {
    const student = await app.token('student');
    const anonymous = { 'x-forwarded-for': '198.51.100.20' };
    // Over the limit, as a user (by token) and as an address (no token).
    for (let i = 0; i < 3; i++) await app.request('GET', '/api/enrollments', { token: student.token });
    for (let i = 0; i < 3; i++) await app.request('GET', '/api/programs', { headers: anonymous });
    const limited = await app.request('GET', '/api/enrollments', { token: student.token });
    expectProblem(limited, 429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expectProblem(await app.request('GET', '/api/programs', { headers: anonymous }), 429);
    expectProblem(await app.request('GET', '/lti/jwks', { headers: anonymous }), 429);

    for (const path of EXEMPT) {
      for (const options of [{ token: student.token }, { headers: anonymous }]) {
        const res = await app.request('GET', path, options);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
    }
    // Still limited afterwards: the exempt requests neither counted nor reset anything.
    expectProblem(await app.request('GET', '/api/enrollments', { token: student.token }), 429);
  } finally {
    await app.close();
  }
});

test('from an address over its failed-authentication limit, a valid token still reads the problem pages and the probes', async () => {
  const app = await startApiApp({ RATE_LIMIT_AUTH_FAILURES: '2', RATE_LIMIT_WINDOW: '1d' });
  try {
    // Someone behind the same address (a shared NAT) guessed; a user there with a valid token is limited on the API.
    const shared = { 'x-forwarded-for': '198.51.100.21' };
    for (let i = 0; i < 2; i++) expectProblem(await app.request('GET', '/api/enrollments', { token: `bad-${i}`, headers: shared }), 401);
    const { token } = await app.token('student');
    expectProblem(await app.request('GET', '/api/enrollments', { token, headers: shared }), 429);
    for (const path of ['/problems/rate-limited', '/healthz', '/readyz', '/openapi.json', '/assets/page.css'])
      expect({ path, status: (await app.request('GET', path, { token, headers: shared })).status }).toEqual({ path, status: 200 });
  } finally {
    await app.close();
  }
});
