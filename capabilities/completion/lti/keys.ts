/**
 * The LTI platform's own signing keys (RS256, what the 1EdTech Security Framework requires every tool to accept):
 * they sign launch hints, id_tokens and AGS access tokens. The newest key signs; a rotated key stays published in
 * `/lti/jwks` for a day, so whatever it signed still verifies. Kept in PostgreSQL so every API replica signs alike.
 */
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type Db, inTransaction } from '../../../db/pool';

export const LTI_ALG = 'RS256';
/** How long a retired key is still published. */
const RETIRED_KEY_PUBLISHED = '1 day';

async function newKey(): Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(LTI_ALG, { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: LTI_ALG, use: 'sig' };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: LTI_ALG }, publicJwk };
}

const insertKey = 'INSERT INTO lti_platform_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING';

/** The key that signs now; the first call makes one (concurrent first calls agree on one: a unique index). */
async function currentKey(db: Db): Promise<{ kid: string; privateJwk: JWK }> {
  const current = () =>
    db.query<{ kid: string; private_jwk: JWK }>('SELECT kid, private_jwk FROM lti_platform_keys WHERE retired_at IS NULL');
  let { rows } = await current();
  if (!rows[0]) {
    const k = await newKey();
    await db.query(insertKey, [k.kid, k.privateJwk, k.publicJwk]);
    ({ rows } = await current());
  }
  return { kid: rows[0].kid, privateJwk: rows[0].private_jwk };
}

/** Retires the signing key (still published for a day) and makes a new one; answers the new key's id. */
export async function rotateLtiSigningKey(db: Db): Promise<string> {
  const k = await newKey();
  await inTransaction(db, async (c) => {
    await c.query('UPDATE lti_platform_keys SET retired_at = now() WHERE retired_at IS NULL');
    await c.query(insertKey, [k.kid, k.privateJwk, k.publicJwk]);
  });
  return k.kid;
}

/** The public keys of `/lti/jwks`: the signing key and those retired less than a day ago. */
export async function publishedLtiKeys(db: Db): Promise<{ keys: JWK[] }> {
  await currentKey(db);
  const { rows } = await db.query<{ public_jwk: JWK }>(
    `SELECT public_jwk FROM lti_platform_keys WHERE retired_at IS NULL OR retired_at > now() - $1::interval
      ORDER BY created_at DESC`,
    [RETIRED_KEY_PUBLISHED],
  );
  return { keys: rows.map((r) => r.public_jwk) };
}

/** Signs claims with the current key (`kid` in the header). */
export async function signWithPlatformKey(
  db: Db,
  claims: JWTPayload,
  o: { issuer: string; audience: string | string[]; expiresInSeconds: number; subject?: string; typ?: string },
): Promise<string> {
  const { kid, privateJwk } = await currentKey(db);
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
  const jwks = createLocalJWKSet(await publishedLtiKeys(db));
  const { payload } = await jwtVerify(token, jwks, { issuer: o.issuer, audience: o.audience, algorithms: [LTI_ALG], typ: o.typ });
  return payload;
}
