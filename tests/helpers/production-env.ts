import { randomBytes } from 'node:crypto';

/** A secret as production wants one: random, 32 bytes, never written in the repository (which would publish it). */
export const productionSecret = () => randomBytes(32).toString('base64url');

/** A DATA_ENCRYPTION_KEY as production wants one: 32 random bytes in base64 (what `openssl rand -base64 32` prints). */
export const productionDataKey = () => randomBytes(32).toString('base64');

/**
 * What production requires besides the signing key, as stand-in values for tests that load a production
 * configuration (nothing here is contacted unless a test points it at a running stand-in). The platform's own
 * secrets are generated per test process: production refuses any value written in the repository.
 */
export const PRODUCTION_STAND_INS = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PUBLIC_BASE_URL: 'https://marketplace.example',
  JWT_SECRET: productionSecret(),
  JWT_ISSUER: 'https://id.marketplace.example',
  JWT_AUDIENCE: 'credential-marketplace-api',
  STRIPE_SECRET_KEY: 'sk_test_stand_in',
  STRIPE_WEBHOOK_SECRET: 'whsec_stand_in',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  METRICS_TOKEN: productionSecret(),
  OIDC_ISSUER: 'https://id.marketplace.example',
  OIDC_CLIENT_ID: 'credential-marketplace',
  OIDC_CLIENT_SECRET: 'oidc-client-secret-stand-in',
  SESSION_SECRET: productionSecret(),
  DATA_ENCRYPTION_KEY: productionDataKey(),
} as const;
