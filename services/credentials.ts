/**
 * Verifiable credentials for certificates: the platform's signing key, Open Badges 3.0 credentials signed as
 * VC-JWTs (W3C VC-JOSE-COSE: a compact JWS whose payload is the credential, `typ: vc+jwt`), and the W3C Bitstring
 * Status List that publishes revocations.
 *
 * Specs followed:
 * - Open Badges 3.0 (1EdTech), context https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json
 * - W3C Verifiable Credentials Data Model 2.0 and VC-JOSE-COSE (media type application/vc+jwt)
 * - W3C Bitstring Status List v1.0: a bitstring of at least 16 KiB (131,072 entries), index 0 the left-most bit of
 *   the first byte, published as `encodedList` = Multibase base64url (prefix "u", no padding) of its GZIP.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { calculateJwkThumbprint, CompactSign, type JWK } from 'jose';
import { z } from 'zod';
import { statusListUrl, verificationUrl } from '../lib/certificate-links';
import type { CredentialType } from '../lib/program-rules';

export const VC_CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const VC_JWT_MEDIA_TYPE = 'application/vc+jwt';

/** Entries per status list: the spec's minimum size (16 KiB), so a list hides which certificates it covers. */
export const STATUS_LIST_BITS = 131_072;

// ── signing key ────────────────────────────────────────────────────────────────────────────────────────

export type SigningAlg = 'ES256' | 'EdDSA';

export interface CredentialSigner {
  kid: string;
  alg: SigningAlg;
  /** The public half, as `/.well-known/jwks.json` lists it (with kid, alg, use). */
  publicJwk: JWK;
  /** A compact JWS over the JSON of `payload`, with `typ` (vc+jwt unless told) and this key's `kid`. */
  sign(payload: object, typ?: string): Promise<string>;
}

export interface SigningKeyConfig {
  env: 'development' | 'test' | 'production';
  credentials: { signingJwk?: Record<string, unknown>; devKeyFile: string };
}

function algOf(jwk: Record<string, unknown>): SigningAlg {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error('CREDENTIAL_SIGNING_JWK must be an EC P-256 or OKP Ed25519 private key');
}

/** The development key file's content: the private JWK this module wrote there. */
const storedJwk = z.record(z.string(), z.unknown());

/**
 * Development's key: generated once (ES256) and kept in DATA_DIR with mode 0600, so credentials issued earlier
 * keep verifying across restarts. Two processes racing to create it both end up with the one that was written.
 */
async function developmentKey(file: string): Promise<Record<string, unknown>> {
  try {
    return storedJwk.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(file, JSON.stringify(jwk), { flag: 'wx', mode: 0o600 });
    return jwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return storedJwk.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  }
}

export async function loadCredentialSigner(config: SigningKeyConfig): Promise<CredentialSigner> {
  let privateJwk = config.credentials.signingJwk;
  if (!privateJwk) {
    if (config.env === 'production') throw new Error('Invalid configuration: CREDENTIAL_SIGNING_JWK is required in production');
    privateJwk = await developmentKey(config.credentials.devKeyFile);
  }
  const alg = algOf(privateJwk);
  const key: KeyObject = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  const { kty, crv, x, y } = privateJwk as Record<string, string>;
  const bare: JWK = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
  const kid = await calculateJwkThumbprint(bare, 'sha256');
  const publicJwk: JWK = { ...bare, kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    publicJwk,
    sign: (payload, typ = 'vc+jwt') =>
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
  studentName: string;
  programId: string;
  programTitle: string;
  partnerName: string;
  credentialType: string;
  completedAt: Date;
  issuedAt: Date;
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

/** The unsigned OpenBadgeCredential, plus the JWT claims VC-JWT verifiers read (iss, jti, nbf, iat). */
export function openBadgeCredential(c: CertificateFacts, i: IssuerFacts) {
  const { listId, index } = statusPosition(c.statusIndex);
  const id = `urn:uuid:${c.certificateId}`;
  const listUrl = statusListUrl(i.publicBaseUrl, listId);
  const description = `Completion of ${c.programTitle}, offered with ${c.partnerName}.`;
  return {
    '@context': [VC_CONTEXT_V2, OB_CONTEXT],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: c.programTitle,
    issuer: issuerProfile(i),
    validFrom: c.issuedAt.toISOString(),
    credentialSubject: {
      type: ['AchievementSubject'],
      // The name as the certificate shows it: an OB 3.0 IdentityObject, unhashed.
      identifier: [{ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: c.studentName }],
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
    credentialStatus: {
      id: `${listUrl}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: listUrl,
    },
    evidence: [{ id: verificationUrl(i.publicBaseUrl, c.verificationCode), type: ['Evidence'], name: `Certificate ${c.verificationCode}` }],
    // JWT claims (VC-JWT / Open Badges 3.0 §8.2), mirroring the credential's own properties.
    iss: i.publicBaseUrl,
    jti: id,
    nbf: Math.floor(c.issuedAt.getTime() / 1000),
    iat: Math.floor(c.issuedAt.getTime() / 1000),
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
