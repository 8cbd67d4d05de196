-- Secrets at rest (issue 23): the secrets kept here are sealed with AES-256-GCM under DATA_ENCRYPTION_KEY
-- (lib/secrets-at-rest.ts), as `v1.<key id>.<iv>.<tag>.<ciphertext>` bound to their table, column and row
-- (db/sealed-columns.ts), so a dump of the database yields no usable secret.
--
-- SQL cannot seal (the key never reaches the database): values kept in clear before this migration are sealed by the
-- re-encryption that `node dist/db/migrate.js` and `npm start` run right after the migrations (`npm run reencrypt`
-- alone does the same). The checks are NOT VALID for that reason: they hold every value written from now on, and
-- every value once the re-encryption has run.

-- The LTI platform's private JWK becomes a sealed string (its JSON text until it is sealed).
ALTER TABLE lti_platform_keys ALTER COLUMN private_jwk TYPE text USING private_jwk::text;
ALTER TABLE lti_platform_keys ADD CONSTRAINT lti_platform_keys_private_jwk_sealed CHECK (private_jwk LIKE 'v1.%') NOT VALID;

-- The Standard Webhooks signing secrets: sealed, each for its row (the id is drawn before the insert).
ALTER TABLE webhook_endpoint_secrets ADD CONSTRAINT webhook_endpoint_secrets_secret_sealed CHECK (secret LIKE 'v1.%') NOT VALID;
