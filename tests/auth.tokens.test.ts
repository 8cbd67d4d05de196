/**
 * Tokens from an identity provider's JWKS (JWT_JWKS_URL), served by a real HTTP server on loopback: the same claim
 * rules as with JWT_SECRET, and a provider whose keys are out of reach is an outage (503 with Retry-After), not a
 * 401 that would send every user to sign in again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { authenticate, createAuthenticator, InvalidToken, requireRole } from '../api/auth';
import { problemHandler } from '../api/problems';
import { expectProblem } from './helpers/problems';
import { httpClient } from './helpers/system';

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
  const verify = createAuthenticator({ secret: 'unused', jwksUrl, issuer: ISSUER, audience: AUDIENCE });
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
  const verify = createAuthenticator({ secret: 'unused', jwksUrl, issuer: ISSUER, audience: AUDIENCE });
  const payload = Object.fromEntries(Object.entries(claims(extra)).filter(([, v]) => v !== undefined));
  await expect(verify(await sign(payload))).rejects.toEqual(new InvalidToken(message));
});

test('JWKS out of reach → 503 with Retry-After through the middleware; a refused token → 401 with its challenge', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
  await new Promise((resolve) => closed.close(resolve));

  const serve = async (url: string, token: string) => {
    const app = express()
      .use(authenticate(createAuthenticator({ secret: 'unused', jwksUrl: url })))
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
  };
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
