import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { outboundPolicy } from './outbound-guard';
import { retentionSettings, retentionVariables } from './retention-config';
import { DEVELOPMENT_DATA_ENCRYPTION_KEY, parseDataEncryptionKeys, secretsAtRest, weakDataKeyProblem } from './secrets-at-rest';

/** The development secrets (`npm start`, `npm run token`) when none is set: never in production. */
export const DEVELOPMENT_JWT_SECRET = 'credential-marketplace-development-secret-do-not-use-in-production';
const DEVELOPMENT_SESSION_SECRET = 'credential-marketplace-development-session-secret-not-for-production';

/**
 * Every secret value this repository publishes or once published (the development secrets above, and those the
 * tests, the README and the compose file's test use): anyone can sign an admin token or a session cookie with them,
 * so production refuses each (tests/production-config.test.ts finds such literals in the repository and checks they
 * are refused). Tests that load a production configuration generate their secrets instead.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  DEVELOPMENT_JWT_SECRET,
  DEVELOPMENT_SESSION_SECRET,
  'test-secret-for-the-end-to-end-system',
  'metrics-token-for-tests-0123456789',
  'session-secret-for-tests-0123456789abcdef',
  'metrics-token-for-the-fail-closed-test',
  'a-production-session-secret-0123456789',
  'dummy-metrics-token-for-config-test',
  'dummy-session-secret-for-config-test-0123456789',
];

/**
 * The secrets the platform itself chooses (HMAC keys and a bearer token), which production wants random and at least
 * this long: 32 bytes, HS256's key size (RFC 7518 §3.2). Secrets issued by a third party (Stripe's keys and webhook
 * secret, the OpenID client secret, the OpenAI key) come in their issuer's format and strength, and are not judged here.
 */
export const MIN_SECRET_BYTES = 32;
const PLATFORM_SECRETS = ['JWT_SECRET', 'SESSION_SECRET', 'METRICS_TOKEN'] as const;

/** Why a platform secret must not be used in production, or undefined when it may. */
function weakSecretProblem(value: string): string | undefined {
  const generate = 'generate one with: openssl rand -base64 32';
  if (PUBLISHED_SECRETS.includes(value)) return `a published development or test value, refused in production (${generate})`;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < MIN_SECRET_BYTES) return `at least ${MIN_SECRET_BYTES} bytes in production, this one has ${bytes} (${generate})`;
  return undefined;
}

/** Every setting the platform reads from the environment, validated once; `loadConfig` fails fast naming the bad variable. */
const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 72h or 7d')
  .transform((value) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(value)!;
    const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Number(amount) * factor;
  });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const optionalUrl = optionalString.pipe(z.url().optional());

/** The most worker processes `npm start` runs on one machine; more belong on more machines (a worker per container). */
export const MAX_WORKERS = 16;

const schema = z
  .object({
    // Unset means production, so a bare `node dist/api/server.js` fails closed; `npm start` sets development.
    NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_BASE_URL: optionalUrl,
    /** Unset: the local development database (refused in production). */
    DATABASE_URL: optionalString,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /** How long a request waits for a database connection before it answers 503 (PostgreSQL down or saturated). */
    DATABASE_CONNECT_TIMEOUT: durationMs.default(5_000),
    TEMPORAL_ADDRESS: optionalString,
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_TASK_QUEUE: z.string().default('enrollments'),
    /** How long the API waits on one workflow call (an update waits for a worker); then it answers 503. */
    TEMPORAL_CALL_TIMEOUT: durationMs.default(20_000),
    /** How long an Idempotency-Key stays claimed by a request without an answer; longer than TEMPORAL_CALL_TIMEOUT. */
    IDEMPOTENCY_LEASE: durationMs.default(30_000),
    /** Ports of the dev server that `npm start` runs when TEMPORAL_ADDRESS is unset. */
    TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
    TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
    /** Unset: the dev server picks free ports for its HTTP API and metrics. */
    TEMPORAL_DEV_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    TEMPORAL_DEV_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /**
     * How many worker processes `npm start` runs (replicas polling the same task queues). Production runs one worker
     * per container and scales the containers instead. Each holds DATABASE_POOL_SIZE connections of its own.
     */
    WORKERS: z
      .string()
      .default('1')
      .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= MAX_WORKERS, `a whole number from 1 to ${MAX_WORKERS}`)
      .transform(Number),
    /**
     * The enrollment worker's tuning (unset: the SDK's defaults). The README's Performance section says what each one
     * bought on the benchmark; the defaults were the best measured on two cores.
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
    WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).optional(),
    WORKER_WORKFLOW_POLLERS: z.coerce.number().int().min(2).optional(),
    WORKER_ACTIVITY_POLLERS: z.coerce.number().int().min(1).optional(),
    /** Threads that run workflow code (each a V8 context): more than 1 pays only with spare cores. */
    WORKER_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(16).optional(),
    /** Activity slots a workflow task may reserve for eager execution (0: none; needs the server's dynamic config). */
    WORKER_EAGER_ACTIVITIES: z.coerce.number().int().min(0).optional(),
    JWT_SECRET: optionalString,
    JWT_JWKS_URL: optionalUrl,
    /** When set (always in production), a token's `iss` / `aud` must match. */
    JWT_ISSUER: optionalString,
    JWT_AUDIENCE: optionalString,
    /** The longest a bearer token may be valid (`exp` − `iat`, or `exp` − now without `iat`): a stolen one stays usable no longer. */
    JWT_MAX_LIFETIME: durationMs.default(24 * 3_600_000).refine((ms) => ms >= 60_000, 'at least 1m'),
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    /** Where the `stripe` client sends its requests; only for local stand-ins (tests, benchmarks). */
    STRIPE_API_BASE: optionalUrl,
    SMTP_URL: optionalString,
    MAIL_FROM: z.string().default('Credential Marketplace <no-reply@credential-marketplace.local>'),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_MODEL: z.string().default('gpt-4o-mini'),
    /** The AI tutor's guardrails: chat requests per student per minute, tokens per student per day. */
    TUTOR_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(10),
    TUTOR_DAILY_TOKENS: z.coerce.number().int().min(1).default(20_000),
    /** How much saved history goes back to the model with each question (estimated tokens). */
    TUTOR_HISTORY_TOKENS: z.coerce.number().int().min(0).default(3_000),
    /** Per model request (a stream: the longest silence); retried once. Nudges wait at most TUTOR_NUDGE_TIMEOUT. */
    TUTOR_TIMEOUT: durationMs.default(30_000),
    TUTOR_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
    TUTOR_NUDGE_TIMEOUT: durationMs.default(15_000),
    DATA_DIR: z.string().default('.data'),
    PAYMENT_WINDOW: durationMs.default(72 * 3_600_000),
    UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    /** The most of one answer read from a partner API, the tutor model and Stripe; a larger one is refused while it streams. */
    PARTNER_RESPONSE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024),
    OPENAI_RESPONSE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    STRIPE_RESPONSE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(2 * 1024 * 1024),
    /**
     * The private JWK (JSON: RSA of 2048 bits or more for RS256, EC P-256 for ES256, or OKP Ed25519 for EdDSA) that
     * signs Open Badges credentials and status lists. RS256 is what every Open Badges 3.0 verifier must accept.
     */
    CREDENTIAL_SIGNING_JWK: optionalString,
    /** The issuer's name in credentials (the issuer's id is PUBLIC_BASE_URL). */
    CREDENTIAL_ISSUER_NAME: z.string().default('Credential Marketplace'),
    /** /metrics needs `Authorization: Bearer <METRICS_TOKEN>` when set; METRICS_PORT serves it on that port only. */
    METRICS_TOKEN: optionalString,
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** Requests per fixed window (RATE_LIMIT_WINDOW) per client (user or IP) and per partner API key, over all replicas. */
    RATE_LIMIT_WINDOW: durationMs.default(60_000),
    RATE_LIMIT_CLIENT: z.coerce.number().int().min(1).default(600),
    RATE_LIMIT_PARTNER: z.coerce.number().int().min(1).default(1_200),
    /** Failed authentications (refused tokens and keys) per window, per address and per claimed partner or user. */
    RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).default(20),
    /**
     * The web console's sign-in: OpenID Connect (authorization code flow with PKCE) against this issuer; the role and
     * the funder's organization come from these claims of the ID token or userinfo. Unset (never in production): a
     * labelled development sign-in instead.
     */
    OIDC_ISSUER: optionalUrl,
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_SCOPES: z.string().default('openid email profile'),
    OIDC_ROLE_CLAIM: z.string().default('role'),
    OIDC_ORGANIZATION_CLAIM: z.string().default('organizationId'),
    /** Signs the console's session cookie (sessions themselves are kept in PostgreSQL). */
    SESSION_SECRET: optionalString,
    /**
     * The keys that seal the secrets the platform keeps (lib/secrets-at-rest.ts): base64 of 32 random bytes each,
     * comma-separated, the newest first. The first seals; the others only open, while `npm run reencrypt` moves what
     * they sealed to the first. Unset (never in production): the published development key.
     */
    DATA_ENCRYPTION_KEY: optionalString.transform((value, ctx) => {
      if (value === undefined) return undefined;
      const keys = parseDataEncryptionKeys(value);
      if (typeof keys !== 'string') return keys;
      ctx.addIssue({ code: 'custom', message: keys });
      return z.NEVER;
    }),
    /** How long a console session lasts without use. */
    SESSION_IDLE: durationMs.default(8 * 3_600_000),
    /**
     * Outbound webhooks: how long one attempt may take, and the exponential back-off (first wait, longest wait, and how
     * long after an event it is retried before it is given up).
     */
    WEBHOOK_TIMEOUT: durationMs.default(10_000).refine((ms) => ms >= 100 && ms <= 30_000, 'from 100ms to 30s'),
    WEBHOOK_RETRY_INITIAL: durationMs.default(5_000).refine((ms) => ms >= 10, 'at least 10ms'),
    WEBHOOK_RETRY_MAX_INTERVAL: durationMs.default(4 * 3_600_000),
    WEBHOOK_RETRY_FOR: durationMs.default(3 * 86_400_000),
    /** How long each kind of record is kept (lib/retention-config.ts; README, Privacy: Retention). */
    ...retentionVariables,
    /**
     * Which proxies' X-Forwarded-For names the client (per-address rate limits, logs): a hop count, or addresses,
     * subnets and the names loopback / linklocal / uniquelocal, comma-separated. Never "all": anyone could pose as anyone.
     */
    TRUST_PROXY: z
      .string()
      .default('loopback')
      .refine(
        (v) =>
          /^\d+$/.test(v.trim()) ||
          v.split(',').every((item) => {
            const [address, bits, ...rest] = item.trim().split('/');
            return (
              rest.length === 0 &&
              (['loopback', 'linklocal', 'uniquelocal'].includes(address)
                ? bits === undefined
                : isIP(address) !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits)))
            );
          }),
        'a hop count, or addresses / subnets / loopback, linklocal, uniquelocal separated by commas',
      )
      .transform((v) => (/^\d+$/.test(v.trim()) ? Number(v) : v)),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      // Production fails closed: every development stand-in (local database and Temporal, simulated checkout, .eml
      // outbox, development JWT secret, public metrics) needs its real counterpart instead.
      const required: [keyof typeof env, string][] = [
        ['DATABASE_URL', 'no local development database in production'],
        ['TEMPORAL_ADDRESS', 'no embedded Temporal dev server in production'],
        ['PUBLIC_BASE_URL', 'the public https address of the API'],
        ['STRIPE_SECRET_KEY', 'no simulated checkout in production'],
        ['STRIPE_WEBHOOK_SECRET', 'Stripe confirms payments through its signed webhook'],
        ['SMTP_URL', 'no .eml outbox in production'],
        ['OIDC_ISSUER', 'the console signs people in through the identity provider, not the development sign-in'],
        ['SESSION_SECRET', 'signs the console session cookie, never with the development secret'],
        ['DATA_ENCRYPTION_KEY', 'seals the secrets kept in the database: 32 random bytes in base64 (openssl rand -base64 32)'],
        ['JWT_ISSUER', 'a bearer token must come from the identity provider this API trusts'],
        ['JWT_AUDIENCE', 'a bearer token must be meant for this API, not another client of the same provider'],
      ];
      for (const [name, why] of required) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `required in production (${why})` });
      }
      if (!env.JWT_SECRET && !env.JWT_JWKS_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: 'JWT_SECRET or JWT_JWKS_URL is required in production (no development secret)',
        });
      }
      if (!env.METRICS_TOKEN && env.METRICS_PORT === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['METRICS_TOKEN'],
          message: 'METRICS_TOKEN or METRICS_PORT is required in production (metrics are not public)',
        });
      }
      for (const name of PLATFORM_SECRETS) {
        const problem = env[name] === undefined ? undefined : weakSecretProblem(env[name]);
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      }
      // Every listed key, older ones too: what a weak key sealed is as good as clear.
      const keys = env.DATA_ENCRYPTION_KEY ?? [];
      for (const [i, key] of keys.entries()) {
        const problem = weakDataKeyProblem(key);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            path: ['DATA_ENCRYPTION_KEY'],
            message: keys.length > 1 ? `key ${i + 1} of the list: ${problem}` : problem,
          });
      }
    }
    if (env.NODE_ENV !== 'production' && env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_WEBHOOK_SECRET'], message: 'required when STRIPE_SECRET_KEY is set' });
    }
    if (env.OIDC_ISSUER) {
      for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when OIDC_ISSUER is set' });
      }
    }
    if (env.IDEMPOTENCY_LEASE <= env.TEMPORAL_CALL_TIMEOUT) {
      // A lease that ends while its request may still be waiting on the workflow would let a retry run it twice at once.
      ctx.addIssue({ code: 'custom', path: ['IDEMPOTENCY_LEASE'], message: 'must be longer than TEMPORAL_CALL_TIMEOUT' });
    }
    if (env.NODE_ENV === 'production' && !env.CREDENTIAL_SIGNING_JWK) {
      ctx.addIssue({
        code: 'custom',
        path: ['CREDENTIAL_SIGNING_JWK'],
        message: 'a private signing JWK (EC P-256 or Ed25519) is required in production',
      });
    }
    if (env.CREDENTIAL_SIGNING_JWK) {
      const problem = signingJwkProblem(env.CREDENTIAL_SIGNING_JWK);
      if (problem) ctx.addIssue({ code: 'custom', path: ['CREDENTIAL_SIGNING_JWK'], message: problem });
    }
  });

/** The name of every environment variable the configuration reads (the deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Why a CREDENTIAL_SIGNING_JWK value cannot sign credentials, or undefined when it can. */
function signingJwkProblem(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'must be a JSON Web Key (JSON)';
  }
  if (!parsed || typeof parsed !== 'object') return 'must be a JSON Web Key (JSON object)';
  const jwk: { kty?: unknown; crv?: unknown; d?: unknown } = parsed;
  const supported = jwk.kty === 'RSA' || (jwk.kty === 'EC' && jwk.crv === 'P-256') || (jwk.kty === 'OKP' && jwk.crv === 'Ed25519');
  if (!supported) return 'must be an RSA (RS256), EC P-256 (ES256) or OKP Ed25519 (EdDSA) key';
  if (typeof jwk.d !== 'string') return 'must be a private key (with "d")';
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: parsed as JsonWebKey, format: 'jwk' });
  } catch (err) {
    return `is not a usable private key (${(err as Error).message})`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (jwk.kty === 'RSA' && bits < MIN_RSA_BITS) return `must be an RSA key of at least ${MIN_RSA_BITS} bits (this one has ${bits})`;
  return undefined;
}

/** RS256 keys shorter than this are refused (NIST SP 800-57: 2048-bit RSA for signatures). */
export const MIN_RSA_BITS = 2048;

export type Config = ReturnType<typeof loadConfig>;

/** A configuration the process must not start with; `message` names each bad or missing variable. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration (NODE_ENV=${env.NODE_ENV || 'unset, so production'}): ${problems}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/credential_marketplace',
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT,
    idempotencyLeaseMs: e.IDEMPOTENCY_LEASE,
    /** Worker processes `npm start` runs (WORKERS). */
    workers: e.WORKERS,
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_DEV_PORT}`,
      /** Whether `npm start` runs its own dev server (no TEMPORAL_ADDRESS given). */
      embedded: !e.TEMPORAL_ADDRESS,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      httpPort: e.TEMPORAL_DEV_HTTP_PORT,
      metricsPort: e.TEMPORAL_DEV_METRICS_PORT,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      callTimeoutMs: e.TEMPORAL_CALL_TIMEOUT,
      worker: {
        maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
        maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
        maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
        maxConcurrentLocalActivityExecutions: e.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
        maxConcurrentWorkflowTaskPolls: e.WORKER_WORKFLOW_POLLERS,
        maxConcurrentActivityTaskPolls: e.WORKER_ACTIVITY_POLLERS,
        workflowThreadPoolSize: e.WORKER_WORKFLOW_THREADS,
        maxEagerActivityReservationsPerWorkflowTask: e.WORKER_EAGER_ACTIVITIES,
      },
    },
    jwt: {
      // Production never falls back to the development secret (with JWT_JWKS_URL alone, no HS256 key at all).
      secret: e.JWT_SECRET ?? (e.NODE_ENV === 'production' ? undefined : DEVELOPMENT_JWT_SECRET),
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxLifetimeMs: e.JWT_MAX_LIFETIME,
    },
    stripe: { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiBase: e.STRIPE_API_BASE },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, outboxDir: path.join(dataDir, 'outbox') },
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    tutor: {
      ratePerMinute: e.TUTOR_RATE_PER_MINUTE,
      dailyTokens: e.TUTOR_DAILY_TOKENS,
      historyTokens: e.TUTOR_HISTORY_TOKENS,
      timeoutMs: e.TUTOR_TIMEOUT,
      maxRetries: e.TUTOR_MAX_RETRIES,
      nudgeTimeoutMs: e.TUTOR_NUDGE_TIMEOUT,
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT },
    console: {
      /** Undefined: the development sign-in (the schema refuses that in production). */
      oidc: e.OIDC_ISSUER
        ? {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID!,
            clientSecret: e.OIDC_CLIENT_SECRET!,
            scopes: e.OIDC_SCOPES,
            roleClaim: e.OIDC_ROLE_CLAIM,
            organizationClaim: e.OIDC_ORGANIZATION_CLAIM,
          }
        : undefined,
      sessionSecret: e.SESSION_SECRET ?? DEVELOPMENT_SESSION_SECRET,
      sessionIdleMs: e.SESSION_IDLE,
      /** The Temporal Web UI, linked from the landing page in development when `npm start` runs the dev server. */
      temporalUiUrl: e.NODE_ENV !== 'production' && !e.TEMPORAL_ADDRESS ? `http://localhost:${e.TEMPORAL_UI_PORT}` : undefined,
    },
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT,
      retry: {
        initialIntervalMs: e.WEBHOOK_RETRY_INITIAL,
        maximumIntervalMs: e.WEBHOOK_RETRY_MAX_INTERVAL,
        giveUpAfterMs: e.WEBHOOK_RETRY_FOR,
      },
    },
    /**
     * Where the platform may connect for someone (webhooks, LTI tools' JWKS, partner APIs; lib/outbound-guard.ts):
     * production https to public addresses only; development and tests http and loopback too.
     */
    outbound: { policy: outboundPolicy(e.NODE_ENV) },
    trustProxy: e.TRUST_PROXY,
    /** The retention policy's periods, applied daily by the `retention` Schedule (capabilities/privacy/retention-policy.ts). */
    retention: retentionSettings(e),
    rateLimit: {
      windowMs: e.RATE_LIMIT_WINDOW,
      client: e.RATE_LIMIT_CLIENT,
      partner: e.RATE_LIMIT_PARTNER,
      authFailures: e.RATE_LIMIT_AUTH_FAILURES,
    },
    /** Seals and opens the secrets the platform keeps (production never falls back to the development key). */
    secretsAtRest: secretsAtRest(e.DATA_ENCRYPTION_KEY ?? [Buffer.from(DEVELOPMENT_DATA_ENCRYPTION_KEY, 'base64')]),
    dataDir,
    filesDir: path.join(dataDir, 'files'),
    paymentWindowMs: e.PAYMENT_WINDOW,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    responseMaxBytes: { partner: e.PARTNER_RESPONSE_MAX_BYTES, openai: e.OPENAI_RESPONSE_MAX_BYTES, stripe: e.STRIPE_RESPONSE_MAX_BYTES },
    credentials: {
      signingJwk: e.CREDENTIAL_SIGNING_JWK ? (JSON.parse(e.CREDENTIAL_SIGNING_JWK) as Record<string, unknown>) : undefined,
      issuerName: e.CREDENTIAL_ISSUER_NAME,
      /** Where development keeps the key it generates when none is configured. */
      devKeyFile: path.join(dataDir, 'keys', 'credential-signing.jwk'),
    },
  };
}
