/**
 * What production requires besides the signing key and the JWT secret, as stand-in values for tests that load a
 * production configuration (nothing here is contacted unless a test points it at a running stand-in).
 */
export const PRODUCTION_STAND_INS = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  PUBLIC_BASE_URL: 'https://marketplace.example',
  STRIPE_SECRET_KEY: 'sk_test_stand_in',
  STRIPE_WEBHOOK_SECRET: 'whsec_stand_in',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  METRICS_TOKEN: 'metrics-token-for-tests-0123456789',
  OIDC_ISSUER: 'https://id.marketplace.example',
  OIDC_CLIENT_ID: 'credential-marketplace',
  OIDC_CLIENT_SECRET: 'oidc-client-secret-stand-in',
  SESSION_SECRET: 'session-secret-for-tests-0123456789abcdef',
} as const;
