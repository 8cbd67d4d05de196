/**
 * Secrets at rest (issue 23): the secrets the platform keeps in PostgreSQL are sealed under DATA_ENCRYPTION_KEY, each
 * for its own row; read back raw, no column holds a usable secret; a rotation moves them under the new key and the
 * old one can go; an upgrade from before migration 021 leaves no clear secret.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { createActivities } from '../activities';
import { createWebhookActivities } from '../activities/webhooks';
import { publishedLtiKeys, rotateLtiSigningKey, signWithPlatformKey } from '../capabilities/completion/lti/keys';
import { insertWebhookSecret, newWebhookSecret } from '../capabilities/webhooks/webhook-endpoints';
import { ensureDatabase, migrate, sealSecretsAfterMigrating } from '../db/migrate';
import { createPool, type Db } from '../db/pool';
import { reencryptSecrets } from '../db/sealed-columns';
import { seed, SEEDED_PROGRAMS } from '../db/seed';
import { loadConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import { dataKeyId, SecretAtRestError, type SecretsAtRest, secretsAtRest } from '../lib/secrets-at-rest';
import { DEVELOPMENT_KEY_PLACE } from '../services/credentials';
import { createLocalFileStore } from '../services/file-store';
import { createOutboxMailer } from '../services/mailer';
import { createSimulatedPaymentProvider } from '../services/payment-provider';
import type { WebhookRequest } from '../services/webhook-sender';
import { type ApiApp, startApiApp } from './helpers/api-app';
import { createTestDatabase, SERVER_URL, type TestDatabase } from './helpers/db';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const key = () => randomBytes(32);
const configWith = (...keys: Buffer[]) =>
  loadConfig({ NODE_ENV: 'test', DATA_ENCRYPTION_KEY: keys.map((k) => k.toString('base64')).join(',') });

describe('sealing', () => {
  const secrets = secretsAtRest([key()]);

  test('a value opens in its place only; the form names its key; each seal draws its own IV', () => {
    const sealed = secrets.seal('whsec_abc', 'webhook_endpoint_secrets.secret:1');
    expect(sealed).toMatch(new RegExp(`^v1\\.${secrets.keyId}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]+$`));
    expect(secrets.open(sealed, 'webhook_endpoint_secrets.secret:1')).toBe('whsec_abc');
    expect(secrets.seal('whsec_abc', 'webhook_endpoint_secrets.secret:1')).not.toBe(sealed);
    expect(() => secrets.open(sealed, 'webhook_endpoint_secrets.secret:2')).toThrow(/does not open .*sealed for another place/);
    expect(() => secrets.open(sealed, 'lti_platform_keys.private_jwk:1')).toThrow(SecretAtRestError);
  });

  test('an altered value, a relabelled key id, a clear value and an unknown key are refused, each saying why', () => {
    const sealed = secrets.seal('s3cret', 'p');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4], 'base64url');
    flipped[0] ^= 1;
    expect(() => secrets.open([...parts.slice(0, 4), flipped.toString('base64url')].join('.'), 'p')).toThrow(/altered/);
    const other = secretsAtRest([key(), key()]);
    const relabelled = [parts[0], dataKeyId(key()), ...parts.slice(2)].join('.');
    expect(() => other.open(relabelled, 'p')).toThrow(/DATA_ENCRYPTION_KEY does not list/);
    expect(() => secrets.open('whsec_clear', 'p')).toThrow(/not sealed .*npm run reencrypt/);
    expect(() => other.open(sealed, 'p')).toThrow(`p is sealed under key ${secrets.keyId}, which DATA_ENCRYPTION_KEY does not list`);
  });
});

/** A fresh enrollment's first event, delivered to `endpointId` by the real attempt activity; what it sent. */
async function deliveryTo(db: Db, endpointId: string, secrets: SecretsAtRest): Promise<WebhookRequest> {
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-secrets-'));
  const activities = createActivities({
    db,
    files: createLocalFileStore(files),
    payments: createSimulatedPaymentProvider('https://marketplace.test'),
    mailer: createOutboxMailer(files, 'test@marketplace.test'),
    publicBaseUrl: 'https://marketplace.test',
  });
  const enrollmentId = randomUUID();
  const openedAt = new Date().toISOString();
  await activities.openEnrollmentRecord({
    enrollmentId,
    programId: DEMO.id,
    studentId: `student-${enrollmentId}`,
    fundingSource: 'self_pay',
    priceCents: 100,
    currency: 'usd',
    openedAt,
  });
  await activities.recordEnrollmentStatus({ enrollmentId, seq: 1, status: 'pending_payment', at: openedAt });
  fs.rmSync(files, { recursive: true, force: true });
  const {
    rows: [d],
  } = await db.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND enrollment_id = $2', [
    endpointId,
    enrollmentId,
  ]);
  const sent: WebhookRequest[] = [];
  const sender = (request: WebhookRequest) => {
    sent.push(request);
    return Promise.resolve({ statusCode: 204, durationMs: 1 });
  };
  const attempt = createWebhookActivities({ db, webhooks: { sender }, secretsAtRest: secrets });
  expect(await attempt.attemptWebhookDelivery({ deliveryId: d.id })).toEqual({ outcome: 'delivered', statusCode: 204 });
  return sent[0];
}

/** Whether `secret` signed the request (Standard Webhooks verification, as a receiver does it). */
const signedBy = (request: WebhookRequest, secret: string) => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

/** An enabled admin endpoint hearing every event, with `secret` kept as the platform keeps it. */
async function endpointWith(db: Db, secrets: SecretsAtRest, secret: string): Promise<string> {
  const id = randomUUID();
  await db.query(`INSERT INTO webhook_endpoints (id, owner_role, owner_id, url, event_types) VALUES ($1, 'admin', 'admin-1', $2, '{*}')`, [
    id,
    'http://127.0.0.1:9/hooks',
  ]);
  await insertWebhookSecret(db, secrets, id, secret);
  return id;
}

describe('the platform keeps its secrets sealed in PostgreSQL', () => {
  let app: ApiApp;
  beforeAll(async () => {
    app = await startApiApp();
  });
  afterAll(() => app?.close());

  test('a webhook secret, shown once, is kept sealed for its row and still signs the deliveries', async () => {
    const admin = await app.token('admin');
    const created = await app.request<{ id: string; secret: string }>('POST', '/api/webhook-endpoints', {
      token: admin.token,
      json: { url: 'http://127.0.0.1:9/hooks', events: ['*'] },
    });
    expect(created.status).toBe(201);
    const rotated = await app.request<{ secret: string }>('POST', `/api/webhook-endpoints/${created.body.id}/rotate-secret`, {
      token: admin.token,
      json: { overlapSeconds: 3600 },
    });
    const { rows } = await app.db.query<{ secret: string }>(
      'SELECT secret FROM webhook_endpoint_secrets WHERE endpoint_id = $1 ORDER BY id',
      [created.body.id],
    );
    expect(rows).toHaveLength(2);
    for (const [i, shown] of [created.body.secret, rotated.body.secret].entries()) {
      expect(rows[i].secret.startsWith(`v1.${app.config.secretsAtRest.keyId}.`)).toBe(true);
      expect(rows[i].secret).not.toContain(shown.slice('whsec_'.length));
    }
    const request = await deliveryTo(app.db, created.body.id, app.config.secretsAtRest);
    // Both live secrets sign (the rotation's overlap), each opened from its own row.
    expect([signedBy(request, created.body.secret), signedBy(request, rotated.body.secret)]).toEqual([true, true]);
  });

  test('a sealed secret copied into another endpoint’s row does not open there', async () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const [endpointA, endpointB] = [
      await endpointWith(app.db, app.config.secretsAtRest, a),
      await endpointWith(app.db, app.config.secretsAtRest, b),
    ];
    await app.db.query(
      `UPDATE webhook_endpoint_secrets SET secret = (SELECT secret FROM webhook_endpoint_secrets WHERE endpoint_id = $1) WHERE endpoint_id = $2`,
      [endpointA, endpointB],
    );
    await expect(deliveryTo(app.db, endpointB, app.config.secretsAtRest)).rejects.toThrow(
      /webhook_endpoint_secrets\.secret:\d+ does not open/,
    );
    expect(signedBy(await deliveryTo(app.db, endpointA, app.config.secretsAtRest), a)).toBe(true);
  });

  test('the LTI platform key’s private half is kept sealed; it signs what the published key verifies', async () => {
    const { keys } = await publishedLtiKeys(app);
    const { rows } = await app.db.query<{ kid: string; private_jwk: string }>('SELECT kid, private_jwk FROM lti_platform_keys');
    expect(rows.map((r) => r.kid)).toEqual([keys[0].kid]);
    expect(rows[0].private_jwk.startsWith(`v1.${app.config.secretsAtRest.keyId}.`)).toBe(true);
    expect(rows[0].private_jwk).not.toMatch(/"d"|"p"|"q"/);
    const opened = JSON.parse(app.config.secretsAtRest.open(rows[0].private_jwk, `lti_platform_keys.private_jwk:${rows[0].kid}`)) as {
      n: string;
      d: string;
    };
    expect(opened.n).toBe(keys[0].n);
    const token = await signWithPlatformKey(app, { x: 1 }, { issuer: 'i', audience: 'a', expiresInSeconds: 60 });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({ kid: keys[0].kid });
  });

  test('a dump of the database (pg_dump --data-only) holds no secret the platform keeps', async () => {
    const secret = newWebhookSecret();
    await endpointWith(app.db, app.config.secretsAtRest, secret);
    const { rows } = await app.db.query<{ kid: string; private_jwk: string }>('SELECT kid, private_jwk FROM lti_platform_keys');
    const privateKeys = rows.map(
      (r) => JSON.parse(app.config.secretsAtRest.open(r.private_jwk, `lti_platform_keys.private_jwk:${r.kid}`)) as { d: string },
    );
    const { rows: here } = await app.db.query<{ name: string }>('SELECT current_database() AS name');
    const dump = execFileSync('pg_dump', ['--data-only', `${SERVER_URL}/${here[0].name}`], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(dump).toContain('webhook_endpoint_secrets');
    for (const needle of [secret.slice('whsec_'.length), ...privateKeys.map((k) => k.d)]) expect(dump).not.toContain(needle);
  });
});

describe('rotation: a new key seals, the old one opens until `reencrypt` moves everything under the new one', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  test('write under A; configure B with A listed after it: everything still works; reencrypt; remove A: it works', async () => {
    const { db } = database;
    const [a, b] = [key(), key()];
    const underA = configWith(a);
    const secrets = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const endpoints: string[] = [];
    for (const s of secrets) endpoints.push(await endpointWith(db, underA.secretsAtRest, s));
    const ltiKid = await rotateLtiSigningKey({ db, config: underA });
    const sign = (config: ReturnType<typeof configWith>) =>
      signWithPlatformKey({ db, config }, {}, { issuer: 'i', audience: 'a', expiresInSeconds: 60 });

    const rotating = configWith(b, a);
    expect(signedBy(await deliveryTo(db, endpoints[0], rotating.secretsAtRest), secrets[0])).toBe(true);
    await expect(sign(rotating)).resolves.toEqual(expect.any(String));

    // In batches of one: each row its own transaction.
    expect(await reencryptSecrets(db, rotating.secretsAtRest, { batchSize: 1 })).toEqual({
      'webhook_endpoint_secrets.secret': { sealed: 0, resealed: 3, current: 0 },
      'lti_platform_keys.private_jwk': { sealed: 0, resealed: 1, current: 0 },
    });
    const raw = await db.query<{ value: string }>(
      'SELECT secret AS value FROM webhook_endpoint_secrets UNION ALL SELECT private_jwk FROM lti_platform_keys',
    );
    expect(raw.rows.map((r) => r.value.split('.')[1])).toEqual(Array(4).fill(dataKeyId(b)));
    // Idempotent: a second run finds everything current.
    expect(await reencryptSecrets(db, rotating.secretsAtRest)).toEqual({
      'webhook_endpoint_secrets.secret': { sealed: 0, resealed: 0, current: 3 },
      'lti_platform_keys.private_jwk': { sealed: 0, resealed: 0, current: 1 },
    });

    const underB = configWith(b);
    for (const [i, endpoint] of endpoints.entries())
      expect(signedBy(await deliveryTo(db, endpoint, underB.secretsAtRest), secrets[i])).toBe(true);
    expect(JSON.parse(Buffer.from((await sign(underB)).split('.')[0], 'base64url').toString())).toMatchObject({ kid: ltiKid });
    // A alone no longer opens anything.
    await expect(sign(underA)).rejects.toThrow(`sealed under key ${dataKeyId(b)}, which DATA_ENCRYPTION_KEY does not list`);
  });
});

describe('the reencrypt command (node dist/scripts/reencrypt.js, what npm run reencrypt runs)', () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-reencrypt-'));
  });
  afterAll(async () => {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const reencrypt = (...keys: Buffer[]) =>
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'reencrypt.js'), '--batch-size', '2'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        DATA_ENCRYPTION_KEY: keys.map((k) => k.toString('base64')).join(','),
      },
    });

  test('moves every secret and the development credential key under the new key, reporting counts per table', async () => {
    const [a, b] = [key(), key()];
    const underA = configWith(a);
    for (let i = 0; i < 5; i++) await endpointWith(database.db, underA.secretsAtRest, newWebhookSecret());
    // The development credential key as it was kept before secrets at rest: its JSON in clear.
    const keyFile = path.join(dataDir, 'keys', 'credential-signing.jwk');
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });

    expect(reencrypt(b, a).split('\n')).toEqual([
      `[reencrypt] sealing under key ${dataKeyId(b)}`,
      '[reencrypt] webhook_endpoint_secrets.secret: 0 sealed from clear, 5 re-encrypted from an older key, 0 already under the current key',
      '[reencrypt] lti_platform_keys.private_jwk: 0 sealed from clear, 0 re-encrypted from an older key, 0 already under the current key',
      `[reencrypt] development credential key (${keyFile}): sealed from clear`,
      '',
    ]);
    const stored = fs.readFileSync(keyFile, 'utf8');
    expect(stored.startsWith(`v1.${dataKeyId(b)}.`)).toBe(true);
    expect(JSON.parse(configWith(b).secretsAtRest.open(stored, DEVELOPMENT_KEY_PLACE))).toEqual(jwk);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    // Run again, with A gone: nothing is left under it.
    expect(reencrypt(b)).toContain('0 sealed from clear, 0 re-encrypted from an older key, 5 already under the current key');
    expect(reencrypt(b)).toContain(`development credential key (${keyFile}): already under the current key`);
  });

  test('a value no configured key opens stops it, naming the row and the variable', () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      reencrypt(key());
    } catch (err) {
      failure = err as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toMatch(
      /^\[reencrypt\] stopped: webhook_endpoint_secrets\.secret:\d+ is sealed under key .*, which DATA_ENCRYPTION_KEY does not list/,
    );
  });
});

describe('upgrade: the clear secrets kept before migration 021 are sealed right after it', () => {
  let database: { url: string; db?: Db } | undefined;
  afterAll(() => dropDatabase(database));

  test('until sealed a clear value is refused; after it none is left, each still works, and the column refuses clear values', async () => {
    const name = `cm_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = `${SERVER_URL}/${name}`;
    database = { url };
    await ensureDatabase(url);
    await migrateUntil(url, '021');
    const db = createPool(url, 4);
    database.db = db;
    // As the platform kept them before: the webhook secret and the LTI private JWK in clear.
    const secret = newWebhookSecret();
    const endpointId = randomUUID();
    await db.query(
      `INSERT INTO webhook_endpoints (id, owner_role, owner_id, url, event_types) VALUES ($1, 'admin', 'admin-1', $2, '{*}')`,
      [endpointId, 'http://127.0.0.1:9/hooks'],
    );
    await db.query('INSERT INTO webhook_endpoint_secrets (endpoint_id, secret) VALUES ($1, $2)', [endpointId, secret]);
    const pre = configWith(key());
    const jwk = { kty: 'RSA', kid: 'legacy', ...(await legacyRsaJwk()) };
    await db.query(`INSERT INTO lti_platform_keys (kid, private_jwk, public_jwk) VALUES ('legacy', $1, $2)`, [
      jwk,
      { kty: 'RSA', kid: 'legacy', n: jwk.n, e: jwk.e },
    ]);

    expect(await migrate(url)).toContain('021_secrets_at_rest.sql');
    await seed(db);
    await expect(deliveryTo(db, endpointId, pre.secretsAtRest)).rejects.toThrow(/is not sealed .*npm run reencrypt/);

    expect(await sealSecretsAfterMigrating(url, pre.secretsAtRest)).toEqual([
      'webhook_endpoint_secrets.secret: 1 sealed from clear, 0 re-encrypted from an older key, 0 already under the current key',
      'lti_platform_keys.private_jwk: 1 sealed from clear, 0 re-encrypted from an older key, 0 already under the current key',
    ]);
    const raw = await db.query<{ value: string }>(
      'SELECT secret AS value FROM webhook_endpoint_secrets UNION ALL SELECT private_jwk FROM lti_platform_keys',
    );
    for (const { value } of raw.rows) {
      expect(value.startsWith(`v1.${pre.secretsAtRest.keyId}.`)).toBe(true);
      expect(value).not.toContain(secret.slice('whsec_'.length));
      expect(value).not.toContain(jwk.d);
    }
    expect(signedBy(await deliveryTo(db, endpointId, pre.secretsAtRest), secret)).toBe(true);
    const token = await signWithPlatformKey({ db, config: pre }, {}, { issuer: 'i', audience: 'a', expiresInSeconds: 60 });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({ kid: 'legacy' });
    // Nothing more to do on the next start.
    expect(await sealSecretsAfterMigrating(url, pre.secretsAtRest)).toEqual([]);
    await expect(
      db.query('INSERT INTO webhook_endpoint_secrets (endpoint_id, secret) VALUES ($1, $2)', [endpointId, newWebhookSecret()]),
    ).rejects.toThrow(/webhook_endpoint_secrets_secret_sealed/);
  });
});

/** Applies the migrations before `first` only, as a database last migrated by an older release. */
async function migrateUntil(url: string, first: string) {
  const dir = path.join(PROJECT_ROOT, 'db', 'migrations');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const older = fs.readdirSync(dir).filter((f) => f.endsWith('.sql') && f < first);
    for (const file of older.sort()) {
      await client.query(fs.readFileSync(path.join(dir, file), 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
    }
  } finally {
    await client.end();
  }
}

/** A private RSA JWK as the platform generated them before (what `jose` exports). */
async function legacyRsaJwk() {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  return (await exportJWK(privateKey)) as { n: string; e: string; d: string };
}

async function dropDatabase(database: { url: string; db?: Db } | undefined) {
  if (!database) return;
  await database.db?.end();
  const admin = new Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${new URL(database.url).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
}
