/**
 * Signing in to the console for real: the authorization code flow with PKCE against a real OpenID provider on
 * loopback (`oidc-provider`, its own login and consent pages), driven in headless Chromium. The role and the
 * organization come from the provider's claims; an account without a console role is refused; a callback that no
 * sign-in in this browser started is refused; the development sign-in is not offered.
 */
import type { Browser } from 'playwright-core';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { checkPage, launchBrowser } from '../helpers/browser';
import { consoleClient } from '../helpers/console-client';
import { startOidcProvider } from '../helpers/oidc-provider';

const CLIENT = { clientId: 'credential-marketplace-console', clientSecret: 'a-client-secret-for-the-test-provider' };

let app: ApiApp;
let provider: Awaited<ReturnType<typeof startOidcProvider>>;
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApiApp(async (baseUrl) => {
    provider = await startOidcProvider({ ...CLIENT, redirectUri: `${baseUrl}/auth/callback` });
    return { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret };
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await provider?.stop();
});

/** From the landing page's Sign in, through the provider's own login and consent pages, back to the console. */
async function signInAtProvider(login: string) {
  const page = await browser.newPage();
  await page.goto(app.baseUrl);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === provider.issuer);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  // The provider then asks for consent to share the profile with this client.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.origin === app.baseUrl);
  return page;
}

test('a program holder signs in at the identity provider and lands on their console, named as the provider says', async () => {
  const page = await signInAtProvider('program_holder:ada');
  expect(new URL(page.url()).pathname).toBe('/holder');
  await expect(page.getByText('Ada from the IdP').isVisible()).resolves.toBe(true);
  await checkPage(page);
  const { rows } = await app.db.query<{ sess: { actor: Record<string, unknown> } }>(
    "SELECT sess FROM console_sessions WHERE sess->'actor'->>'id' = 'program_holder:ada'",
  );
  expect(rows.map((r) => r.sess.actor)).toEqual([
    { id: 'program_holder:ada', role: 'program_holder', email: 'ada@idp.example', name: 'Ada from the IdP' },
  ]);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${app.baseUrl}/`);
  await page.close();
});

test('a funder gets the organization of its claim', async () => {
  const page = await signInAtProvider('funder:grace');
  expect(new URL(page.url()).pathname).toBe('/funder/vouchers');
  const { rows } = await app.db.query<{ org: string }>(
    "SELECT sess->'actor'->>'organizationId' AS org FROM console_sessions WHERE sess->'actor'->>'id' = 'funder:grace'",
  );
  expect(rows).toEqual([{ org: 'idp-workforce-board' }]);
  await page.close();
});

test('an account without a console role is refused, and nobody is signed in', async () => {
  const page = await signInAtProvider('visitor');
  await expect(page.getByRole('heading', { name: 'Not allowed' }).isVisible()).resolves.toBe(true);
  await expect(page.getByText('your account has no console role').isVisible()).resolves.toBe(true);
  const { rows } = await app.db.query("SELECT 1 FROM console_sessions WHERE sess->'actor'->>'id' = 'visitor'");
  expect(rows).toEqual([]);
  // Asked again, the provider remembers the account (single sign-on) and the console refuses it again.
  await page.goto(`${app.baseUrl}/holder`);
  await page.waitForURL((url) => url.origin === app.baseUrl && url.pathname === '/auth/callback');
  await expect(page.getByText('your account has no console role').isVisible()).resolves.toBe(true);
  await page.close();
});

test('a callback that no sign-in in this browser started is refused; the development form is not offered', async () => {
  const browserless = consoleClient(app.baseUrl);
  const forged = await browserless.get('/auth/callback?code=stolen&state=guess');
  expect(forged.status).toBe(400);
  const login = await browserless.get('/login');
  expect(login.status).toBe(303);
  expect(login.location).toMatch(new RegExp(`^${provider.issuer}/auth\\?`));
  const authorize = new URL(login.location!);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('client_id')).toBe(CLIENT.clientId);
  for (const param of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(param)).toMatch(/^[\w-]{20,}$/);
  // With the state of a real flow but a made-up code: the provider refuses the code, and the flow is used up.
  const state = authorize.searchParams.get('state')!;
  expect((await browserless.get(`/auth/callback?code=made-up&state=${state}`)).status).toBe(400);
  expect((await browserless.get(`/auth/callback?code=made-up&state=${state}`)).status).toBe(400);
  const devForm = await browserless.post('/login', { role: 'admin' });
  expect(devForm.status).toBe(404);
});
