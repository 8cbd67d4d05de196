/**
 * Tokens from an identity provider's JWKS (JWT_JWKS_URL), served by a real HTTP server on loopback: the same claim
 * rules as with JWT_SECRET, and a provider whose keys are out of reach is an outage (503 with Retry-After), not a
 * 401 that would send every user to sign in again. A token valid for longer than JWT_MAX_LIFETIME is refused, and a
 * production configuration refuses tokens signed with the development secret.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type Authenticator, authenticate, createAuthenticator, InvalidToken, requireRole, signDevelopmentToken } from '../api/auth';
import { problemHandler } from '../api/problems';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../lib/config';
import { expectProblem } from './helpers/problems';
import { PRODUCTION_STAND_INS } from './helpers/production-env';
import { httpClient } from './helpers/system';

/** JWT_MAX_LIFETIME's default. */
const { maxLifetimeMs } = loadConfig({ NODE_ENV: 'test' }).jwt;
const DAY_S = 24 * 3600;

const ISSUER = 'https://tenant.id.example/';
const AUDIENCE = 'credential-marketplace';
let jwks: http.Server;
let jwksUrl = '';
let sign: (claims: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
});
afterAll(() => new Promise((resolve) => jwks.close(resolve)));

const now = () => Math.floor(Date.now() / 1000);

/** An admin-only route behind the bearer-token reader, asked once with `token`. */
async function serveAdminRoute(verify: Authenticator, token: string) {
  const app = express()
    .use(authenticate(verify))
    .get('/x', requireRole('admin'), (_req, res) => void res.json({ ok: true }))
    .use(problemHandler);
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    return await httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)('GET', '/x', { token });
  } finally {
    server.close();
  }
}
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'user-1',
  role: 'admin',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...extra,
});

test('a token signed with a key of the JWKS, from the issuer for the audience, is accepted', async () => {
  const verify = createAuthenticator({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, maxLifetimeMs });
  await expect(verify(await sign(claims()))).resolves.toEqual(expect.objectContaining({ id: 'user-1', role: 'admin' }));
});

test.each([
  ['no exp', { exp: undefined }, 'the exp claim is missing or not accepted'],
  ['another issuer', { iss: 'https://other.id.example/' }, 'the iss claim is missing or not accepted'],
  ['another audience', { aud: 'another-api' }, 'the aud claim is missing or not accepted'],
  ['nbf in 2 minutes', { nbf: now() + 120 }, 'the nbf claim is missing or not accepted'],
  ['iat in 2 minutes', { iat: now() + 120 }, 'the iat claim is missing or not accepted'],
  ['a NUL in the name', { name: 'Mallory\u0000' }, "the token's claims are invalid: name"],
])('%s → InvalidToken saying why', async (_what, extra, message) => {
  const verify = createAuthenticator({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, maxLifetimeMs });
  const payload = Object.fromEntries(Object.entries(claims(extra)).filter(([, v]) => v !== undefined));
  await expect(verify(await sign(payload))).rejects.toEqual(new InvalidToken(message));
});

test('JWKS out of reach → 503 with Retry-After through the middleware; a refused token → 401 with its challenge', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
  await new Promise((resolve) => closed.close(resolve));

  const serve = (url: string, token: string) => serveAdminRoute(createAuthenticator({ jwksUrl: url, maxLifetimeMs }), token);
  const token = await sign(claims());
  const outage = await serve(deadUrl, token);
  expectProblem(outage, 503);
  expect(outage.headers.get('retry-after')).toBe('5');
  expect(outage.headers.get('www-authenticate')).toBeNull();

  const expired = await serve(jwksUrl, await sign(claims({ iat: now() - 7200, exp: now() - 3600 })));
  expectProblem(expired, 401);
  expect(expired.headers.get('www-authenticate')).toBe(
    'Bearer realm="credential-marketplace", error="invalid_token", error_description="the token has expired"',
  );
  expect((await serve(jwksUrl, token)).status).toBe(200);
});

describe('JWT_MAX_LIFETIME (default 24 h)', () => {
  const verify = () => createAuthenticator({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, maxLifetimeMs });

  test('a token valid for 100 years is refused, saying why; one of exactly 24 h is accepted', async () => {
    const century = await sign(claims({ exp: now() + 100 * 365 * DAY_S }));
    await expect(verify()(century)).rejects.toThrow(
      new RegExp(`^the token is valid for \\d+ s \\(exp - iat\\), longer than the ${DAY_S} s this API accepts$`),
    );
    const res = await serveAdminRoute(verify(), century);
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token", error_description="the token is valid for');
    await expect(verify()(await sign(claims({ exp: now() + DAY_S })))).resolves.toMatchObject({ id: 'user-1' });
  });

  test('issued long ago, still valid: exp − iat counts, not what is left', async () => {
    await expect(verify()(await sign(claims({ iat: now() - 30 * DAY_S, exp: now() + 600 })))).rejects.toThrow(
      /valid for \d+ s \(exp - iat\)/,
    );
  });

  test('without iat, the time left (exp − now) counts', async () => {
    await expect(verify()(await sign(claims({ iat: undefined, exp: now() + 2 * DAY_S })))).rejects.toThrow(/\(exp - now\)/);
    await expect(verify()(await sign(claims({ iat: undefined, exp: now() + DAY_S - 60 })))).resolves.toMatchObject({ id: 'user-1' });
  });

  test('a shorter setting is honoured (HS256 too)', async () => {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'lifetime-test-secret', JWT_MAX_LIFETIME: '1h' });
    const hs = createAuthenticator(config.jwt);
    await expect(hs(await signDevelopmentToken(config.jwt, { id: 'a', role: 'admin' }, '1h'))).resolves.toMatchObject({ id: 'a' });
    await expect(hs(await signDevelopmentToken(config.jwt, { id: 'a', role: 'admin' }, '2h'))).rejects.toThrow(/longer than the 3600 s/);
  });
});

describe('a production configuration', () => {
  const signingJwk = JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));
  const production = loadConfig({ ...PRODUCTION_STAND_INS, CREDENTIAL_SIGNING_JWK: signingJwk });
  const admin = { id: 'admin-1', role: 'admin' } as const;

  test('refuses an admin token signed with the development secret (401); its own secret, issuer and audience pass', async () => {
    const verify = createAuthenticator(production.jwt);
    const forged = await signDevelopmentToken(
      { secret: DEVELOPMENT_JWT_SECRET, issuer: production.jwt.issuer, audience: production.jwt.audience },
      admin,
    );
    const res = await serveAdminRoute(verify, forged);
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await serveAdminRoute(verify, await signDevelopmentToken(production.jwt, admin))).status).toBe(200);
    // Its own secret without the issuer and audience production requires is refused too.
    expect((await serveAdminRoute(verify, await signDevelopmentToken({ secret: production.jwt.secret }, admin))).status).toBe(401);
  });

  test('with JWT_JWKS_URL alone there is no HS256 key at all: a development-secret token is refused', async () => {
    const { JWT_SECRET: _none, ...rest } = PRODUCTION_STAND_INS;
    const config = loadConfig({ ...rest, JWT_JWKS_URL: jwksUrl, CREDENTIAL_SIGNING_JWK: signingJwk });
    expect(config.jwt.secret).toBeUndefined();
    const forged = await signDevelopmentToken(
      { secret: DEVELOPMENT_JWT_SECRET, issuer: config.jwt.issuer, audience: config.jwt.audience },
      admin,
    );
    expectProblem(await serveAdminRoute(createAuthenticator(config.jwt), forged), 401);
  });
});
