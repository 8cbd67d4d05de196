/**
 * Verifiable credentials for certificates: the platform's signing key, Open Badges 3.0 credentials signed in the
 * OB 3.0 "JSON Web Token Proof Format", the W3C Bitstring Status List and the 1EdTech Revocation List that publish
 * revocations.
 *
 * Specs followed:
 * - Open Badges 3.0 (1EdTech), context https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json, §8.2 "JSON Web
 *   Token Proof Format": JOSE header `alg` (RS256 the minimum; ES256 and EdDSA offered too), `kid` a URI that
 *   dereferences to the public JWK, `typ` "JWT", and no other header; the payload is the credential itself with the
 *   claims `iss` = issuer.id, `jti` = id, `nbf` = validFrom, `sub` = credentialSubject.id and `exp` = validUntil when
 *   there is one. A verifier MUST reject `nbf` ≠ validFrom, so validFrom is kept to whole seconds, as NumericDate is.
 * - OB 3.0 §B.1 AchievementSubject / IdentityObject: the recipient is identified by a stable `id` and by an
 *   IdentityObject whose identityHash is 'sha256$' + hex(sha256(email + salt)) with `hashed: true` and the `salt`.
 * - OB 3.0 §B.1 CredentialStatus and the 1EdTech Revocation List Status Method 1.0 (VCRL): see `credentialStatusOf`.
 * - W3C Verifiable Credentials Data Model 2.0 and VC-JOSE-COSE (the status list credential: `typ: vc+jwt`).
 * - W3C Bitstring Status List v1.0: a bitstring of at least 16 KiB (131,072 entries), index 0 the left-most bit of
 *   the first byte, published as `encodedList` = Multibase base64url (prefix "u", no padding) of its GZIP.
 */
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { calculateJwkThumbprint, CompactSign, type JWK } from 'jose';
import { z } from 'zod';
import { revocationListUrl, signingKeyUrl, statusListUrl, verificationUrl } from '../lib/certificate-links';
import { MIN_RSA_BITS } from '../lib/config';
import { isSealed, type SecretsAtRest } from '../lib/secrets-at-rest';
import type { CredentialType } from '../lib/program-rules';

export const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** The media type the API contract names for the credential's compact JWS. */
export const VC_JWT_MEDIA_TYPE = 'application/vc+jwt';
/** 1EdTech's JSON Schema of an OpenBadgeCredential / AchievementCredential (JSON Schema 2019-09). */
export const OB_CREDENTIAL_SCHEMA = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

/** Entries per status list: the spec's minimum size (16 KiB), so a list hides which certificates it covers. */
export const STATUS_LIST_BITS = 131_072;

// ── signing key ────────────────────────────────────────────────────────────────────────────────────────

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface CredentialSigner {
  /** The key's URI: `${PUBLIC_BASE_URL}/credentials/keys/<RFC 7638 thumbprint>`, which serves the public JWK. */
  kid: string;
  /** The RFC 7638 SHA-256 thumbprint of the public key (the last segment of `kid`). */
  thumbprint: string;
  alg: SigningAlg;
  /** The public half, as `/.well-known/jwks.json` lists it and `kid` serves it (with kid, alg, use; never `d`). */
  publicJwk: JWK;
  /** A compact JWS over the JSON of `payload`, whose protected header is exactly `{ alg, kid, typ }`. */
  sign(payload: object, typ: 'JWT' | 'vc+jwt'): Promise<string>;
}

export interface SigningKeyConfig {
  env: 'development' | 'test' | 'production';
  publicBaseUrl: string;
  credentials: { signingJwk?: Record<string, unknown>; devKeyFile: string };
  secretsAtRest: SecretsAtRest;
}

function algOf(jwk: Record<string, unknown>): SigningAlg {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error('CREDENTIAL_SIGNING_JWK must be an RSA (2048 bits or more), EC P-256 or OKP Ed25519 private key');
}

/** The members of the public key (RFC 7638's required members: what the thumbprint is computed over). */
function publicMembers(jwk: Record<string, unknown>): JWK {
  const { kty, crv, x, y, n, e } = jwk as Record<string, string>;
  if (kty === 'RSA') return { kty, n, e };
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

/** The development key file's content, once opened: the private JWK this module wrote there. */
const storedJwk = z.record(z.string(), z.unknown());

/** What the development key is sealed for: a file of its own, not a database row. */
export const DEVELOPMENT_KEY_PLACE = 'DATA_DIR/keys/credential-signing.jwk';

/** Writes the key sealed under the current key, replacing the file at once (a reader never sees half of it). */
async function writeSealedKey(file: string, jwk: Record<string, unknown>, secrets: SecretsAtRest): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, secrets.seal(JSON.stringify(jwk), DEVELOPMENT_KEY_PLACE), { mode: 0o600 });
  await fs.rename(temporary, file);
}

/**
 * The key a development key file holds. A file kept in clear (before secrets at rest) or sealed under an older key is
 * sealed again under the current key in place: accepted once, as only development generates this key.
 */
async function openDevelopmentKey(
  file: string,
  secrets: SecretsAtRest,
): Promise<{ jwk: Record<string, unknown>; was: 'current' | 'clear' | 'older key' }> {
  const stored = (await fs.readFile(file, 'utf8')).trim();
  const sealed = isSealed(stored);
  const jwk = storedJwk.parse(JSON.parse(sealed ? secrets.open(stored, DEVELOPMENT_KEY_PLACE) : stored));
  if (secrets.isCurrent(stored)) return { jwk, was: 'current' };
  await writeSealedKey(file, jwk, secrets);
  return { jwk, was: sealed ? 'older key' : 'clear' };
}

/** `npm run reencrypt`'s part for the development key file: what it held, or absent when there is none. */
export async function reencryptDevelopmentKey(file: string, secrets: SecretsAtRest): Promise<'absent' | 'current' | 'clear' | 'older key'> {
  try {
    return (await openDevelopmentKey(file, secrets)).was;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/**
 * Development's key: generated once (ES256) and kept sealed in DATA_DIR with mode 0600, so credentials issued earlier
 * keep verifying across restarts. Two processes racing to create it both end up with the one that was written.
 */
async function developmentKey(file: string, secrets: SecretsAtRest): Promise<Record<string, unknown>> {
  try {
    return (await openDevelopmentKey(file, secrets)).jwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(file, secrets.seal(JSON.stringify(jwk), DEVELOPMENT_KEY_PLACE), { flag: 'wx', mode: 0o600 });
    return jwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await openDevelopmentKey(file, secrets)).jwk;
  }
}

export async function loadCredentialSigner(config: SigningKeyConfig): Promise<CredentialSigner> {
  let privateJwk = config.credentials.signingJwk;
  if (!privateJwk) {
    if (config.env === 'production') throw new Error('Invalid configuration: CREDENTIAL_SIGNING_JWK is required in production');
    privateJwk = await developmentKey(config.credentials.devKeyFile, config.secretsAtRest);
  }
  const alg = algOf(privateJwk);
  const key: KeyObject = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new Error(`CREDENTIAL_SIGNING_JWK: an RSA key must have at least ${MIN_RSA_BITS} bits`);
  }
  const bare = publicMembers(privateJwk);
  const thumbprint = await calculateJwkThumbprint(bare, 'sha256');
  const kid = signingKeyUrl(config.publicBaseUrl, thumbprint);
  const publicJwk: JWK = { ...bare, kid, alg, use: 'sig' };
  return {
    kid,
    thumbprint,
    alg,
    publicJwk,
    sign: (payload, typ) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg, kid, typ }).sign(key),
  };
}

// ── Open Badges 3.0 ───────────────────────────────────────────────────────────────────────────────────

/** The program's credential type as an Open Badges 3.0 AchievementType. */
export function achievementTypeOf(credentialType: string): string {
  const types: Record<CredentialType, string> = {
    occupational_certification: 'Certification',
    occupational_certificate: 'Certificate',
    occupational_licensure: 'License',
    other: 'CertificateOfCompletion',
  };
  return types[credentialType as CredentialType] ?? 'CertificateOfCompletion';
}

export interface CertificateFacts {
  certificateId: string;
  verificationCode: string;
  /** The platform's id of the student (the JWT `sub` of their sign-in); never shown, only hashed into a UUID. */
  studentId: string;
  /** The student's email, when known: hashed with `identitySalt` into the subject's IdentityObject. */
  studentEmail: string | null;
  /** This certificate's salt for the identity hash. */
  identitySalt: string;
  programId: string;
  programTitle: string;
  partnerName: string;
  credentialType: string;
  completedAt: Date;
  issuedAt: Date;
  /** When the credential stops being valid; certificates issued today do not expire. */
  validUntil?: Date;
  statusIndex: number;
}

export interface IssuerFacts {
  publicBaseUrl: string;
  issuerName: string;
}

/** Where a certificate's bit lives: list `listId`, position `index` in it. */
export function statusPosition(statusIndex: number): { listId: number; index: number } {
  return { listId: Math.floor(statusIndex / STATUS_LIST_BITS), index: statusIndex % STATUS_LIST_BITS };
}

const issuerProfile = (i: IssuerFacts) => ({ id: i.publicBaseUrl, type: ['Profile'], name: i.issuerName, url: i.publicBaseUrl });

/** A name-based (version 5, SHA-1) UUID of `name` in `namespace` (RFC 9562 §5.5). */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50; // version 5
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The namespace of the platform's learner ids (a random UUID, fixed here once: changing it changes every `sub`). */
const LEARNER_NAMESPACE = '8aa83605-ce5c-4dff-bf9a-132ffe7b9454';

/**
 * The recipient's `credentialSubject.id` (and the JWT `sub`): a UUID derived from the student's platform id, the
 * same in every credential of that student and never from their name or email.
 */
export const learnerId = (studentId: string) => `urn:uuid:${uuidV5(LEARNER_NAMESPACE, studentId)}`;

/**
 * OB 3.0's IdentityHash of an email: 'sha256$' + lowercase hex of SHA-256 over UTF-8(email + salt). The email is
 * trimmed and lower-cased first, so a verifier checking the address the student gives them (in any case) matches.
 */
export const emailIdentityHash = (email: string, salt: string) =>
  `sha256$${createHash('sha256').update(`${email.trim().toLowerCase()}${salt}`, 'utf8').digest('hex')}`;

/** A DateTime to whole seconds, as a JWT NumericDate carries it: `2025-03-14T15:00:00Z`. */
export const toSecondsIso = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const numericDate = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The certificate's one `credentialStatus`. OB 3.0's JSON Schema (`ob_v3p0_achievementcredential_schema.json`)
 * admits exactly one CredentialStatus object, not the array VCDM 2.0 would allow, so the credential cannot carry both
 * a `1EdTechRevocationList` and a `BitstringStatusListEntry`. It carries the one OB 3.0's verification algorithm reads:
 * `1EdTechRevocationList`, whose `id` is the list (`GET` it: `revokedCredential` names each revoked credential's id).
 * The same object also states the certificate's position in the W3C Bitstring Status List (`statusPurpose`,
 * `statusListIndex`, `statusListCredential`, as a BitstringStatusListEntry would), which is still served and still
 * flips on revocation, for verifiers that read the bitstring. Both lists are derived from the one `revoked_at`.
 */
export function credentialStatusOf(statusIndex: number, publicBaseUrl: string) {
  const { listId, index } = statusPosition(statusIndex);
  return {
    id: revocationListUrl(publicBaseUrl, listId),
    type: '1EdTechRevocationList',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: statusListUrl(publicBaseUrl, listId),
  };
}

/** The JWT payload of the certificate's OpenBadgeCredential: the credential itself plus the claims OB 3.0 §8.2 maps. */
export function openBadgeCredential(c: CertificateFacts, i: IssuerFacts) {
  const id = `urn:uuid:${c.certificateId}`;
  const subjectId = learnerId(c.studentId);
  const validFrom = toSecondsIso(c.issuedAt);
  const validUntil = c.validUntil && toSecondsIso(c.validUntil);
  const description = `Completion of ${c.programTitle}, offered with ${c.partnerName}.`;
  return {
    '@context': [VC_CONTEXT_V2, OB_CONTEXT],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: c.programTitle,
    issuer: issuerProfile(i),
    validFrom,
    ...(validUntil && { validUntil }),
    credentialSubject: {
      id: subjectId,
      type: ['AchievementSubject'],
      // The recipient as OB 3.0 identifies one without disclosing them: a salted hash of their email.
      ...(c.studentEmail && {
        identifier: [
          {
            type: 'IdentityObject',
            identityType: 'emailAddress',
            hashed: true,
            identityHash: emailIdentityHash(c.studentEmail, c.identitySalt),
            salt: c.identitySalt,
          },
        ],
      }),
      activityEndDate: c.completedAt.toISOString(),
      achievement: {
        id: `urn:uuid:${c.programId}`,
        type: ['Achievement'],
        name: c.programTitle,
        description,
        criteria: { narrative: `Completed every requirement of ${c.programTitle} with ${c.partnerName}, as confirmed to ${i.issuerName}.` },
        achievementType: achievementTypeOf(c.credentialType),
      },
    },
    credentialSchema: [{ id: OB_CREDENTIAL_SCHEMA, type: '1EdTechJsonSchemaValidator2019' }],
    credentialStatus: credentialStatusOf(c.statusIndex, i.publicBaseUrl),
    evidence: [{ id: verificationUrl(i.publicBaseUrl, c.verificationCode), type: ['Evidence'], name: `Certificate ${c.verificationCode}` }],
    // The JWT claims of OB 3.0 §8.2.2, each the credential property it names.
    iss: i.publicBaseUrl,
    jti: id,
    sub: subjectId,
    nbf: numericDate(new Date(validFrom)),
    ...(c.validUntil && { exp: numericDate(c.validUntil) }),
  };
}

// ── 1EdTech Revocation List ───────────────────────────────────────────────────────────────────────────

/**
 * A 1EdTech Revocation List (VCRL 1.0): the credentials of list `listId` that are revoked, each by its credential id
 * (`revoked: true`, with the reason given). A verifier GETs `credentialStatus.id` and looks its credential's id up in
 * `revokedCredential`.
 */
export function revocationList(listId: number, revoked: Array<{ certificateId: string; reason: string | null }>, i: IssuerFacts) {
  return {
    id: revocationListUrl(i.publicBaseUrl, listId),
    issuer: i.publicBaseUrl,
    revokedCredential: revoked.map((r) => ({
      id: `urn:uuid:${r.certificateId}`,
      revoked: true,
      ...(r.reason && { revocationReason: r.reason }),
    })),
  };
}

// ── Bitstring Status List ─────────────────────────────────────────────────────────────────────────────

/** The spec's encoding of a list with the given positions set: "u" + base64url(gzip(bitstring)). */
export function encodeStatusList(setIndexes: Iterable<number>, bits = STATUS_LIST_BITS): string {
  const bytes = Buffer.alloc(Math.ceil(bits / 8));
  for (const i of setIndexes) {
    if (!Number.isInteger(i) || i < 0 || i >= bits) throw new RangeError(`status index ${i} is outside the list`);
    bytes[i >> 3] |= 0x80 >> (i & 7); // index 0 is the left-most (most significant) bit of the first byte
  }
  return `u${gzipSync(bytes).toString('base64url')}`;
}

export function statusListCredential(listId: number, setIndexes: Iterable<number>, i: IssuerFacts, now = new Date()) {
  const id = statusListUrl(i.publicBaseUrl, listId);
  return {
    '@context': [VC_CONTEXT_V2],
    id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuerProfile(i),
    validFrom: now.toISOString(),
    credentialSubject: {
      id: `${id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: encodeStatusList(setIndexes),
    },
    iss: i.publicBaseUrl,
    jti: id,
    iat: Math.floor(now.getTime() / 1000),
  };
}

// ── LinkedIn ──────────────────────────────────────────────────────────────────────────────────────────

/** LinkedIn's "Add to profile" link for a certification, prefilled from the certificate. */
export function linkedInAddToProfileUrl(c: { programTitle: string; verificationCode: string; issuedAt: Date }, i: IssuerFacts): string {
  const q = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: c.programTitle,
    organizationName: i.issuerName,
    issueYear: String(c.issuedAt.getUTCFullYear()),
    issueMonth: String(c.issuedAt.getUTCMonth() + 1),
    certUrl: verificationUrl(i.publicBaseUrl, c.verificationCode),
    certId: c.verificationCode,
  });
  return `https://www.linkedin.com/profile/add?${q.toString()}`;
}
