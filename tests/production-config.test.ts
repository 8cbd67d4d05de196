/**
 * Production fails closed at start: `loadConfig` names every development stand-in that production lacks, and the
 * API and the worker, started bare (no NODE_ENV: production), refuse to start with that message.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs';
import { DEVELOPMENT_JWT_SECRET, loadConfig, MAX_WORKERS, PUBLISHED_SECRETS } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import { dataKeyId, DEVELOPMENT_DATA_ENCRYPTION_KEY } from '../lib/secrets-at-rest';
import { PRODUCTION_STAND_INS, productionDataKey, productionSecret } from './helpers/production-env';

const SIGNING_JWK = JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));
const COMPLETE = { ...PRODUCTION_STAND_INS, CREDENTIAL_SIGNING_JWK: SIGNING_JWK };
const REQUIRED = [
  'DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'PUBLIC_BASE_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'SMTP_URL',
  'JWT_SECRET',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'METRICS_TOKEN',
  'CREDENTIAL_SIGNING_JWK',
  'OIDC_ISSUER',
  'SESSION_SECRET',
  'DATA_ENCRYPTION_KEY',
];

const errorOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the configuration loaded');
};

describe('loadConfig in production', () => {
  test('an unset NODE_ENV is production and names every missing variable at once', () => {
    const message = errorOf({});
    expect(message).toContain('NODE_ENV=unset, so production');
    for (const name of REQUIRED) expect(message).toMatch(new RegExp(`(^|; |: )${name}: `));
  });

  test.each(REQUIRED.filter((n) => n !== 'JWT_SECRET' && n !== 'METRICS_TOKEN'))('without %s it refuses, naming only that one', (name) => {
    const { [name as keyof typeof COMPLETE]: _left, ...rest } = COMPLETE;
    const message = errorOf(rest);
    expect(message).toMatch(new RegExp(`: ${name}: `));
    expect(message.split('; ')).toHaveLength(1);
  });

  test('JWT_JWKS_URL stands in for JWT_SECRET, METRICS_PORT for METRICS_TOKEN; neither development secret nor public metrics', () => {
    const { JWT_SECRET: _s, METRICS_TOKEN: _t, ...rest } = COMPLETE;
    const message = errorOf(rest);
    expect(message).toContain('JWT_SECRET: JWT_SECRET or JWT_JWKS_URL is required in production');
    expect(message).toContain('METRICS_TOKEN: METRICS_TOKEN or METRICS_PORT is required in production');
    const config = loadConfig({ ...rest, JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json', METRICS_PORT: '9464' });
    expect({ env: config.env, jwks: config.jwt.jwksUrl, metrics: config.metrics }).toEqual({
      env: 'production',
      jwks: 'https://id.example/.well-known/jwks.json',
      metrics: { token: undefined, port: 9464 },
    });
  });

  test('a complete production configuration loads; a short metrics token does not', () => {
    expect(loadConfig(COMPLETE).stripe.secretKey).toBe('sk_test_stand_in');
    expect(errorOf({ ...COMPLETE, METRICS_TOKEN: 'short' })).toContain('METRICS_TOKEN: at least 32 bytes in production, this one has 5');
  });

  test('an OpenID provider needs its client; a session secret is long', () => {
    const message = errorOf({ ...COMPLETE, OIDC_CLIENT_ID: '', OIDC_CLIENT_SECRET: undefined, SESSION_SECRET: 'short' });
    expect(message).toContain('OIDC_CLIENT_ID: required when OIDC_ISSUER is set');
    expect(message).toContain('OIDC_CLIENT_SECRET: required when OIDC_ISSUER is set');
    expect(message).toContain('SESSION_SECRET: at least 32 bytes in production');
    expect(loadConfig(COMPLETE).console.oidc).toMatchObject({ issuer: 'https://id.marketplace.example', roleClaim: 'role' });
  });

  test('development and test keep their local stand-ins and defaults', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/credential_marketplace');
    expect(config.rateLimit).toEqual({ windowMs: 60_000, client: 600, partner: 1_200, authFailures: 20 });
    expect(loadConfig({ NODE_ENV: 'test' }).metrics).toEqual({ token: undefined, port: undefined });
  });
});

/** The platform's own secrets: production wants each random and at least 32 bytes, and never a published value. */
const PLATFORM_SECRETS = ['JWT_SECRET', 'SESSION_SECRET', 'METRICS_TOKEN'] as const;

/**
 * Every literal the repository gives one of those variables (`NAME: '…'`, `NAME = '…'`, `NAME=…`, in code, tests,
 * docs and deployment files): each is published, so production must refuse it.
 */
function secretLiteralsInRepository(names: readonly string[] = PLATFORM_SECRETS): { file: string; value: string }[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|js|cjs|mjs|md|ya?ml|sh|json|env)$|(^|\/)\.env[^/]*$|Dockerfile$/.test(f) && !f.startsWith('node_modules'));
  const found: { file: string; value: string }[] = [];
  const quoted = new RegExp(`\\w*(?:${names.join('|')})\\w*['"]?\\s*[:=]\\s*(['"\`])([^'"\`$\\n]+)\\1`, 'g');
  const unquoted = new RegExp(`\\b(?:${names.join('|')})=([^\\s'"\`$]+)`, 'g');
  for (const file of files) {
    const full = path.join(PROJECT_ROOT, file);
    if (!fs.existsSync(full) || !fs.statSync(full).isFile()) continue;
    const text = fs.readFileSync(full, 'utf8');
    for (const m of text.matchAll(quoted)) found.push({ file, value: m[2] });
    for (const m of text.matchAll(unquoted)) found.push({ file, value: m[1] });
  }
  return found;
}

describe('weak and published secrets', () => {
  test.each(PLATFORM_SECRETS)('%s: "x", 31 bytes and the development secret are refused in production, naming it', (name) => {
    for (const value of ['x', 'a'.repeat(31), DEVELOPMENT_JWT_SECRET, ...PUBLISHED_SECRETS]) {
      const message = errorOf({ ...COMPLETE, [name]: value });
      expect({ value, message }).toEqual({ value, message: expect.stringMatching(new RegExp(`: ${name}: `)) as string });
      expect(message.split('; ')).toHaveLength(1);
    }
    expect(errorOf({ ...COMPLETE, [name]: 'x' })).toContain(`${name}: at least 32 bytes in production, this one has 1`);
    expect(errorOf({ ...COMPLETE, [name]: DEVELOPMENT_JWT_SECRET })).toContain(`${name}: a published development or test value`);
    expect(loadConfig({ ...COMPLETE, [name]: productionSecret() }).env).toBe('production');
  });

  test('every secret literal in the repository (tests, docs, compose, the development defaults) is refused in production', () => {
    const literals = secretLiteralsInRepository();
    expect(literals.map((l) => l.value)).toEqual(expect.arrayContaining([DEVELOPMENT_JWT_SECRET, 'api-level-test-secret']));
    for (const { file, value } of literals) {
      for (const name of PLATFORM_SECRETS) {
        expect({ file, value, name, refused: errorOf({ ...COMPLETE, [name]: value }) }).toEqual({
          file,
          value,
          name,
          refused: expect.stringContaining(`${name}: `) as string,
        });
      }
    }
  });

  test('development and tests keep short and development secrets', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).jwt.secret).toBe(DEVELOPMENT_JWT_SECRET);
    expect(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x' }).jwt.secret).toBe('x');
  });

  test('JWT_MAX_LIFETIME: 24 h unless set, a duration of at least a minute', () => {
    expect(loadConfig(COMPLETE).jwt.maxLifetimeMs).toBe(24 * 3_600_000);
    expect(loadConfig({ ...COMPLETE, JWT_MAX_LIFETIME: '15m' }).jwt.maxLifetimeMs).toBe(900_000);
    expect(errorOf({ ...COMPLETE, JWT_MAX_LIFETIME: '100y' })).toContain('JWT_MAX_LIFETIME: ');
    expect(errorOf({ ...COMPLETE, JWT_MAX_LIFETIME: '10s' })).toContain('JWT_MAX_LIFETIME: at least 1m');
  });
});

/** The key that seals the secrets kept in PostgreSQL: 32 random bytes in base64, older keys after it while rotating. */
describe('DATA_ENCRYPTION_KEY', () => {
  const base64 = (bytes: Buffer) => bytes.toString('base64');
  const refusal = (value: string, env: NodeJS.ProcessEnv = COMPLETE) => {
    const message = errorOf({ ...env, DATA_ENCRYPTION_KEY: value });
    // Named, and the only problem.
    expect(message.split('; ')).toHaveLength(1);
    return message.slice(message.indexOf('DATA_ENCRYPTION_KEY: '));
  };

  test('production refuses a key that is not 32 bytes of base64, all one byte, text, or the development key', () => {
    expect(refusal('x')).toBe('DATA_ENCRYPTION_KEY: not 32 bytes in base64 (generate one with: openssl rand -base64 32)');
    expect(refusal(base64(randomBytes(16)))).toContain('not 32 bytes in base64');
    expect(refusal(base64(randomBytes(33)))).toContain('not 32 bytes in base64');
    expect(refusal(base64(Buffer.alloc(32)))).toContain('not random: every byte is the same');
    expect(refusal(base64(Buffer.from('0123456789abcdef'.repeat(2))))).toMatch(/not random: (only 16|it is text)/);
    expect(refusal(base64(Buffer.from('The quick brown fox jumps over!!')))).toContain('not random: it is text');
    expect(refusal(DEVELOPMENT_DATA_ENCRYPTION_KEY)).toContain('the published development key, refused in production');
  });

  test('an older key listed after the current one is judged too; a key listed twice is refused anywhere', () => {
    const current = productionDataKey();
    expect(refusal(`${current}, ${DEVELOPMENT_DATA_ENCRYPTION_KEY}`)).toContain('key 2 of the list: the published development key');
    expect(refusal(`${current},nope`)).toContain('key 2 of the list: not 32 bytes in base64');
    expect(refusal(`${current},${current}`, { NODE_ENV: 'development' })).toBe('DATA_ENCRYPTION_KEY: lists one key twice');
  });

  test('a random key loads; with older keys listed, the first seals and every one opens', () => {
    const [older, newer] = [randomBytes(32), randomBytes(32)];
    const sealedBefore = loadConfig({ ...COMPLETE, DATA_ENCRYPTION_KEY: base64(older) }).secretsAtRest.seal('s3cret', 'place');
    const rotating = loadConfig({ ...COMPLETE, DATA_ENCRYPTION_KEY: `${base64(newer)},${older.toString('base64url')}` }).secretsAtRest;
    expect(rotating.keyId).toBe(dataKeyId(newer));
    expect(rotating.open(sealedBefore, 'place')).toBe('s3cret');
    expect(rotating.isCurrent(sealedBefore)).toBe(false);
    expect(rotating.isCurrent(rotating.seal('s3cret', 'place'))).toBe(true);
  });

  test('development and tests use the development key when it is unset; a malformed key is refused there too', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).secretsAtRest.keyId).toBe(
      dataKeyId(Buffer.from(DEVELOPMENT_DATA_ENCRYPTION_KEY, 'base64')),
    );
    expect(loadConfig({ NODE_ENV: 'test', DATA_ENCRYPTION_KEY: DEVELOPMENT_DATA_ENCRYPTION_KEY }).env).toBe('test');
    expect(refusal('short', { NODE_ENV: 'test' })).toContain('not 32 bytes in base64');
  });

  test('every DATA_ENCRYPTION_KEY literal in the repository (the development key among them) is refused in production', () => {
    const literals = secretLiteralsInRepository(['DATA_ENCRYPTION_KEY']);
    expect(literals.map((l) => l.value)).toContain(DEVELOPMENT_DATA_ENCRYPTION_KEY);
    for (const { file, value } of literals) {
      expect({ file, value, refused: errorOf({ ...COMPLETE, DATA_ENCRYPTION_KEY: value }) }).toEqual({
        file,
        value,
        refused: expect.stringContaining('DATA_ENCRYPTION_KEY: ') as string,
      });
    }
  });
});

describe('TRUST_PROXY', () => {
  test('takes a hop count or addresses, subnets and the named ranges; never "trust everyone"', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).trustProxy).toBe('loopback');
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '10.0.0.0/8, fd00::/8, loopback' }).trustProxy).toBe(
      '10.0.0.0/8, fd00::/8, loopback',
    );
    for (const value of ['true', 'all', '*', '10.0.0.1/x', 'loopback/8'])
      expect(errorOf({ NODE_ENV: 'test', TRUST_PROXY: value })).toContain('TRUST_PROXY: ');
  });
});

describe('WORKERS', () => {
  test('how many worker processes npm start runs: 1 unless set, a whole number from 1 to MAX_WORKERS', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).workers).toBe(1);
    expect(loadConfig({ NODE_ENV: 'development', WORKERS: '2' }).workers).toBe(2);
    expect(loadConfig({ NODE_ENV: 'test', WORKERS: String(MAX_WORKERS) }).workers).toBe(MAX_WORKERS);
    for (const value of ['0', 'two', '', '1.5', '-1', '2x', String(MAX_WORKERS + 1)]) {
      const message = errorOf({ NODE_ENV: 'development', WORKERS: value });
      expect(message).toBe(`Invalid configuration (NODE_ENV=development): WORKERS: a whole number from 1 to ${MAX_WORKERS}`);
    }
  });
});

describe('WORKER_* tuning', () => {
  test('unset, the SDK decides; set, each reaches the worker options; a value the SDK would refuse is named', () => {
    expect(Object.values(loadConfig({ NODE_ENV: 'test' }).temporal.worker).every((v) => v === undefined)).toBe(true);
    const tuned = loadConfig({
      NODE_ENV: 'test',
      WORKER_MAX_CACHED_WORKFLOWS: '500',
      WORKER_WORKFLOW_POLLERS: '4',
      WORKER_WORKFLOW_THREADS: '2',
      WORKER_EAGER_ACTIVITIES: '0',
    }).temporal.worker;
    expect(tuned).toMatchObject({
      maxCachedWorkflows: 500,
      maxConcurrentWorkflowTaskPolls: 4,
      workflowThreadPoolSize: 2,
      maxEagerActivityReservationsPerWorkflowTask: 0,
    });
    expect(tuned.maxConcurrentActivityTaskExecutions).toBeUndefined();
    // The SDK needs at least two workflow pollers (a normal and a sticky one) and two workflow task slots.
    expect(errorOf({ NODE_ENV: 'development', WORKER_WORKFLOW_POLLERS: '1' })).toMatch(/WORKER_WORKFLOW_POLLERS/);
    expect(errorOf({ NODE_ENV: 'development', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toMatch(/WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/);
    expect(errorOf({ NODE_ENV: 'development', WORKER_WORKFLOW_THREADS: 'many' })).toMatch(/WORKER_WORKFLOW_THREADS/);
  });
});

describe.each([
  ['the API', 'api/server.js', '[api] could not start: Invalid configuration'],
  ['the worker', 'worker/main.js', '[worker] stopped: Invalid configuration'],
])('%s started bare', (_name, file, prefix) => {
  test('exits with 1 and names each missing variable on stderr, without a stack trace', () => {
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', file)], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(prefix);
    expect(result.stderr).toContain('NODE_ENV=unset, so production');
    for (const name of REQUIRED) expect(result.stderr).toContain(`${name}: `);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
