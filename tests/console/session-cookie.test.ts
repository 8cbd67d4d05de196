/**
 * The console's session cookie as production sets it: httpOnly, SameSite=Lax and Secure behind the TLS-terminating
 * proxy it trusts; no cookie at all over plain http in production (never a session in the clear); and none for a
 * request that signs nobody in.
 */
import http from 'node:http';
import express from 'express';
import { generateKeyPairSync } from 'node:crypto';
import { consoleSessions } from '../../console/session';
import { loadConfig } from '../../lib/config';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { listenOnFreePort } from '../helpers/ports';
import { PRODUCTION_STAND_INS } from '../helpers/production-env';

let database: TestDatabase;
let server: http.Server;
let baseUrl: string;
beforeAll(async () => {
  database = await createTestDatabase();
  const signingJwk = JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));
  const config = loadConfig({ ...PRODUCTION_STAND_INS, CREDENTIAL_SIGNING_JWK: signingJwk });
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.use(consoleSessions(config, database.db));
  app.post('/sign-in', (req, res) => {
    req.session.actor = { id: 'holder-1', role: 'program_holder' };
    res.end();
  });
  app.get('/anonymous', (_req, res) => void res.end());
  server = http.createServer(app);
  baseUrl = `http://127.0.0.1:${await listenOnFreePort(server)}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await database?.drop();
});

test('behind the trusted proxy over https: Secure, HttpOnly, SameSite=Lax, and kept in PostgreSQL', async () => {
  const res = await fetch(`${baseUrl}/sign-in`, { method: 'POST', headers: { 'x-forwarded-proto': 'https' } });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cm_session='));
  expect(cookie).toMatch(/; Secure/);
  expect(cookie).toMatch(/; HttpOnly/);
  expect(cookie).toMatch(/; SameSite=Lax/);
  const { rows } = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_sessions');
  expect(rows[0].n).toBe(1);
});

test('over plain http in production no session cookie is set; a request that signs nobody in gets none either', async () => {
  const plain = await fetch(`${baseUrl}/sign-in`, { method: 'POST' });
  expect(plain.headers.getSetCookie()).toEqual([]);
  const anonymous = await fetch(`${baseUrl}/anonymous`, { headers: { 'x-forwarded-proto': 'https' } });
  expect(anonymous.headers.getSetCookie()).toEqual([]);
});
