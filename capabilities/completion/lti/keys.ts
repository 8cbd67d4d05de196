/**
 * The LTI platform's own signing keys (RS256, what the 1EdTech Security Framework requires every tool to accept):
 * they sign launch hints, id_tokens and AGS access tokens. The newest key signs; a rotated key stays published in
 * `/lti/jwks` for a day, so whatever it signed still verifies. Kept in PostgreSQL so every API replica signs alike,
 * the private half sealed under DATA_ENCRYPTION_KEY (lib/secrets-at-rest.ts).
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type Db, inTransaction } from '../../../db/pool';
import { LTI_PRIVATE_KEYS, sealedPlace } from '../../../db/sealed-columns';
import type { CoreDeps } from '../../../core/deps';
import type { SecretsAtRest } from '../../../lib/secrets-at-rest';

/** What reads and writes the platform's keys: the database, and the configuration's secrets at rest. */
type KeyDeps = Pick<CoreDeps, 'db' | 'config'>;

export const LTI_ALG = 'RS256';
/** How long a retired key is still published. */
const RETIRED_KEY_PUBLISHED = '1 day';

async function newKey(): Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(LTI_ALG, { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: LTI_ALG, use: 'sig' };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: LTI_ALG }, publicJwk };
}

/** Inserts a new key, its private half sealed for its row (the key id). */
const insertKey = (db: Pick<Db, 'query'>, secrets: SecretsAtRest, k: { kid: string; privateJwk: JWK; publicJwk: JWK }) =>
  db.query('INSERT INTO lti_platform_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    k.kid,
    secrets.seal(JSON.stringify(k.privateJwk), sealedPlace(LTI_PRIVATE_KEYS, k.kid)),
    k.publicJwk,
  ]);

/** The key that signs now; the first call makes one (concurrent first calls agree on one: a unique index). */
async function currentKey(deps: KeyDeps): Promise<{ kid: string; privateJwk: JWK }> {
  const current = () =>
    deps.db.query<{ kid: string; private_jwk: string }>('SELECT kid, private_jwk FROM lti_platform_keys WHERE retired_at IS NULL');
  let { rows } = await current();
  if (!rows[0]) {
    await insertKey(deps.db, deps.config.secretsAtRest, await newKey());
    ({ rows } = await current());
  }
  const { kid, private_jwk } = rows[0];
  return { kid, privateJwk: JSON.parse(deps.config.secretsAtRest.open(private_jwk, sealedPlace(LTI_PRIVATE_KEYS, kid))) as JWK };
}

/** Retires the signing key (still published for a day) and makes a new one; answers the new key's id. */
export async function rotateLtiSigningKey(deps: KeyDeps): Promise<string> {
  const k = await newKey();
  await inTransaction(deps.db, async (c) => {
    await c.query('UPDATE lti_platform_keys SET retired_at = now() WHERE retired_at IS NULL');
    await insertKey(c, deps.config.secretsAtRest, k);
  });
  return k.kid;
}

/** The public keys of `/lti/jwks`: the signing key (made now if there is none) and those retired less than a day ago. */
export async function publishedLtiKeys(deps: KeyDeps): Promise<{ keys: JWK[] }> {
  await currentKey(deps);
  return publicKeys(deps.db);
}

/** The published public keys as they stand (what verifies the platform's tokens: no private half is opened). */
async function publicKeys(db: Db): Promise<{ keys: JWK[] }> {
  const { rows } = await db.query<{ public_jwk: JWK }>(
    `SELECT public_jwk FROM lti_platform_keys WHERE retired_at IS NULL OR retired_at > now() - $1::interval
      ORDER BY created_at DESC`,
    [RETIRED_KEY_PUBLISHED],
  );
  return { keys: rows.map((r) => r.public_jwk) };
}

/** Signs claims with the current key (`kid` in the header). */
export async function signWithPlatformKey(
  deps: KeyDeps,
  claims: JWTPayload,
  o: { issuer: string; audience: string | string[]; expiresInSeconds: number; subject?: string; typ?: string },
): Promise<string> {
  const { kid, privateJwk } = await currentKey(deps);
  const key = await importJWK(privateJwk, LTI_ALG);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: LTI_ALG, kid, typ: o.typ ?? 'JWT' })
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + o.expiresInSeconds)
    .setJti(randomUUID());
  if (o.subject) jwt.setSubject(o.subject);
  return jwt.sign(key);
}

/** Verifies a token this platform signed (any published key), or throws jose's error. */
export async function verifyPlatformToken(db: Db, token: string, o: { issuer: string; audience: string; typ?: string }) {
  const jwks = createLocalJWKSet(await publicKeys(db));
  const { payload } = await jwtVerify(token, jwks, { issuer: o.issuer, audience: o.audience, algorithms: [LTI_ALG], typ: o.typ });
  return payload;
}
