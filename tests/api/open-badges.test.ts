/**
 * Open Badges 3.0 as its spec says, checked the way an outside verifier would, with nothing of the app's signing
 * code (jose, services/credentials):
 * - the JWT by fast-jwt (its own JWS implementation over node:crypto), with the key found by dereferencing the
 *   header's `kid` over HTTP, for each algorithm the platform offers (RS256, the OB 3.0 minimum; ES256; EdDSA);
 * - the claims by the steps of OB 3.0 §8.2 "Verify a Credential VC-JWT Signature" (iss, sub, nbf = validFrom, jti);
 * - the payload by 1EdTech's own JSON Schema of an AchievementCredential (tests/fixtures/open-badges/, JSON Schema
 *   2019-09) with ajv;
 * - the recipient by OB 3.0's "verify the subject" procedure (hash the known email with the salt);
 * - revocation through the credential's `credentialStatus`: the 1EdTech Revocation List it names, and the
 *   Bitstring Status List position it states.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { createSigner, createVerifier, type DecodedJwt } from 'fast-jwt';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { loadConfig } from '../../lib/config';
import { openBadgeCredential, uuidV5 } from '../../services/credentials';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import type { Problem } from '../helpers/contract';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const NRF = SEEDED_PROGRAMS.find((p) => p.partnerId === 'nrf')!;

/** The JSON object of an OpenBadgeCredential's JWT payload, the members these tests read. */
interface Ob3Payload {
  '@context': string[];
  id: string;
  type: string[];
  name: string;
  issuer: { id: string; type: string[]; name: string };
  validFrom: string;
  validUntil?: string;
  credentialSubject: {
    id: string;
    type: string[];
    identifier?: Array<{ type: string; identityType: string; hashed: boolean; identityHash: string; salt?: string }>;
    achievement: { id: string; type: string[]; name: string; achievementType: string };
  };
  credentialSchema: Array<{ id: string; type: string }>;
  credentialStatus: {
    id: string;
    type: string;
    statusPurpose: string;
    statusListIndex: string;
    statusListCredential: string;
  };
  iss: string;
  sub: string;
  jti: string;
  nbf: number;
  exp?: number;
  iat?: number;
}

/** A 1EdTech Revocation List (VCRL 1.0) as a verifier reads it. */
interface RevocationListDoc {
  id: string;
  issuer: string;
  revokedCredential: Array<{ id: string; revoked?: boolean; revocationReason?: string }>;
}

const schema = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'open-badges', 'ob_v3p0_achievementcredential_schema.json'), 'utf8'),
) as { $schema: string };
const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
const validateAchievementCredential = ajv.compile(schema);

const b64json = <T>(segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as T;

/** OB 3.0 §8.2 "Dereferencing the Public Key": GET the `kid` URL, which answers the public JWK; as PEM for fast-jwt. */
async function dereferenceKid(kid: string): Promise<string> {
  expect(kid).toMatch(/^https?:\/\//);
  const res = await fetch(kid);
  expect(res.status).toBe(200);
  const jwk = (await res.json()) as Record<string, string>;
  expect(jwk.d).toBeUndefined();
  return createPublicKey({ key: jwk as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

/**
 * Verifies an OpenBadgeCredential in the JSON Web Token Proof Format as OB 3.0 §8.2 says: the JOSE header (only alg,
 * kid, typ "JWT"), the signature with the key `kid` dereferences to, and each claim against the credential property
 * it maps. Returns the payload; throws (fast-jwt's TokenError) on a bad signature.
 */
async function verifyOb3(token: string, algorithm: 'RS256' | 'ES256' | 'EdDSA') {
  const header = b64json<Record<string, string>>(token.split('.')[0]);
  expect(Object.keys(header).sort()).toEqual(['alg', 'kid', 'typ']); // "Additional JOSE Headers are NOT allowed."
  expect(header).toEqual(expect.objectContaining({ alg: algorithm, typ: 'JWT' }));
  const verify = createVerifier({
    key: (decoded: DecodedJwt) => dereferenceKid(String(decoded.header.kid)),
    algorithms: [algorithm],
    checkTyp: 'JWT',
    requiredClaims: ['iss', 'sub', 'jti', 'nbf'],
    complete: true,
  });
  const { payload } = (await verify(token)) as { payload: Ob3Payload };
  // "Verify a Credential VC-JWT Signature": each claim MUST match, or the credential is not valid.
  expect(payload.iss).toBe(payload.issuer.id);
  expect(payload.sub).toBe(payload.credentialSubject.id);
  expect(new Date(payload.nbf * 1000).getTime()).toBe(Date.parse(payload.validFrom));
  expect(payload.jti).toBe(payload.id);
  if (payload.validUntil === undefined) expect(payload.exp).toBeUndefined();
  else expect(new Date(payload.exp! * 1000).getTime()).toBe(Date.parse(payload.validUntil));
  return payload;
}

/** The JSON Schema check of OB 3.0's verification step 1, with ajv's messages when it fails. */
function schemaErrors(credential: unknown): string[] {
  return validateAchievementCredential(credential)
    ? []
    : (validateAchievementCredential.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

type Alg = 'RS256' | 'ES256' | 'EdDSA';
const apps = {} as Record<Alg, ApiApp>;
const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

beforeAll(async () => {
  apps.RS256 = await startApiApp({ CREDENTIAL_SIGNING_JWK: JSON.stringify(rsaJwk) });
  apps.ES256 = await startApiApp(); // development's generated P-256 key
  apps.EdDSA = await startApiApp({
    CREDENTIAL_SIGNING_JWK: JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  });
}, 120_000);

afterAll(async () => {
  for (const app of Object.values(apps)) await app?.close();
});

/** A completed enrollment of `student` with its certificate issued (the workflow's own activity). */
async function certificateFor(
  app: ApiApp,
  student: { id?: string; email?: string | null; name?: string } = {},
  program: { id: string; priceCents: number } = IC3,
) {
  const enrollmentId = randomUUID();
  const studentId = student.id ?? `student-${enrollmentId.slice(0, 8)}`;
  const email = student.email === undefined ? `${studentId}@Example.com` : student.email;
  await app.db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, price_cents, currency, status)
     VALUES ($1, $2, $3, $4, $5, 'self_pay', $6, 'usd', 'completed')`,
    [enrollmentId, program.id, studentId, email, student.name ?? 'Ada Lovelace', program.priceCents],
  );
  const cert = await app.activities.issueCertificate({ enrollmentId, completedAt: '2025-03-14T15:00:00.000Z' });
  return { studentId, email, certificateId: cert.id, code: cert.verificationCode };
}

async function credentialOf(app: ApiApp, certificateId: string) {
  const { token } = await app.token('admin');
  const res = await fetch(`${app.baseUrl}/api/certificates/${certificateId}/credential`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/vc\+jwt/); // the contract's media type
  return res.text();
}

describe.each(['RS256', 'ES256', 'EdDSA'] as const)('%s: the JSON Web Token Proof Format', (alg) => {
  test('fast-jwt verifies it with the key its kid dereferences to; every claim matches its credential property', async () => {
    const app = apps[alg];
    const c = await certificateFor(app);
    const vc = await verifyOb3(await credentialOf(app, c.certificateId), alg);
    expect(vc.id).toBe(`urn:uuid:${c.certificateId}`);
    expect(vc.issuer.id).toBe(app.baseUrl);
    expect(schemaErrors(vc)).toEqual([]);
    // The kid is also the key's id in the JWKS, for verifiers that look keys up there.
    const token = await credentialOf(app, c.certificateId);
    const { kid } = b64json<{ kid: string }>(token.split('.')[0]);
    const jwks = (await (await fetch(`${app.baseUrl}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
    expect(jwks.keys[0]).toEqual(await (await fetch(kid)).json());
  });
});

describe('the credential', () => {
  test('validFrom is whole seconds and nbf is the same instant, even when the certificate was issued mid-second', async () => {
    const app = apps.RS256;
    const c = await certificateFor(app);
    await app.db.query(`UPDATE certificates SET issued_at = '2025-03-14T15:00:07.789Z' WHERE id = $1`, [c.certificateId]);
    const vc = await verifyOb3(await credentialOf(app, c.certificateId), 'RS256');
    expect(vc.validFrom).toBe('2025-03-14T15:00:07Z');
    expect(vc.nbf).toBe(Date.UTC(2025, 2, 14, 15, 0, 7) / 1000);
    expect(vc.validUntil).toBeUndefined(); // certificates do not expire, so there is no exp either
  });

  test('the subject: a stable urn:uuid per student and a salted SHA-256 of the email, no name or email in clear', async () => {
    const app = apps.RS256;
    const first = await certificateFor(app, { name: 'Grace Hopper' });
    const second = await certificateFor(app, { id: first.studentId, email: first.email, name: 'Grace Hopper' }, NRF);
    const other = await certificateFor(app, { name: 'Grace Hopper' });
    const [a, b, o] = await Promise.all(
      [first, second, other].map(async (c) => {
        const token = await credentialOf(app, c.certificateId);
        expect(token).not.toContain('Grace'); // the JWS is base64url: check the decoded payload too
        return verifyOb3(token, 'RS256');
      }),
    );
    expect(a.credentialSubject.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.credentialSubject.id).toBe(a.credentialSubject.id); // the same student, the same id
    expect(o.credentialSubject.id).not.toBe(a.credentialSubject.id);
    expect(a.credentialSubject.id).not.toContain(first.studentId);
    const text = JSON.stringify(a);
    expect(text).not.toContain('Grace Hopper');
    expect(text).not.toContain(first.email!.toLowerCase());
    expect(text).not.toContain(first.studentId);

    // OB 3.0 "verify the subject" with a known email: sha256 of the email and the salt, compared with identityHash.
    const [identity] = a.credentialSubject.identifier!;
    expect(identity).toEqual({
      type: 'IdentityObject',
      identityType: 'emailAddress',
      hashed: true,
      identityHash: expect.stringMatching(/^sha256\$[0-9a-f]{64}$/) as unknown,
      salt: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
    });
    const known = first.email!.toLowerCase(); // the address as the student gives it
    expect(identity.identityHash).toBe(`sha256$${createHash('sha256').update(`${known}${identity.salt}`).digest('hex')}`);
    expect(identity.identityHash).not.toBe(`sha256$${createHash('sha256').update(`someone@example.com${identity.salt}`).digest('hex')}`);
    // Each certificate has its own salt, so two credentials of one student do not share a hash.
    expect(b.credentialSubject.identifier![0].salt).not.toBe(identity.salt);
    // The same credential served twice is the same (the salt is kept with the certificate).
    expect(await verifyOb3(await credentialOf(app, first.certificateId), 'RS256')).toEqual(a);
  });

  test('a student without an email is identified by the id alone, and the credential still conforms', async () => {
    const app = apps.RS256;
    const c = await certificateFor(app, { email: null });
    const vc = await verifyOb3(await credentialOf(app, c.certificateId), 'RS256');
    expect(vc.credentialSubject.identifier).toBeUndefined();
    expect(vc.credentialSubject.id).toMatch(/^urn:uuid:/);
    expect(schemaErrors(vc)).toEqual([]);
  });

  test("1EdTech's JSON Schema accepts it, names it in credentialSchema, and refuses what OB 3.0 does not allow", async () => {
    const app = apps.RS256;
    const c = await certificateFor(app);
    const vc = await verifyOb3(await credentialOf(app, c.certificateId), 'RS256');
    expect(schema.$schema).toMatch(/2019-09/);
    expect(vc.credentialSchema).toEqual([
      {
        id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json',
        type: '1EdTechJsonSchemaValidator2019',
      },
    ]);
    expect(schemaErrors(vc)).toEqual([]);
    // The schema is a real check: each of these breaks it.
    const { achievement: _achievement, ...noAchievement } = vc.credentialSubject;
    expect(schemaErrors({ ...vc, credentialSubject: noAchievement })).not.toEqual([]);
    expect(schemaErrors({ ...vc, credentialSubject: { ...vc.credentialSubject, identifier: [{ type: 'IdentityObject' }] } })).not.toEqual(
      [],
    );
    expect(schemaErrors({ ...vc, '@context': [vc['@context'][1], vc['@context'][0]] })).not.toEqual([]);
    // Why the credential carries one credentialStatus, not two: the schema admits one object, not an array.
    expect(
      schemaErrors({ ...vc, credentialStatus: [vc.credentialStatus, { ...vc.credentialStatus, type: 'BitstringStatusListEntry' }] }),
    ).toEqual(['/credentialStatus must be object']);
  });

  test('a tampered payload, or a token signed by another key under the same kid, does not verify', async () => {
    const app = apps.RS256;
    const c = await certificateFor(app);
    const token = await credentialOf(app, c.certificateId);
    const [h, p, s] = token.split('.');
    const payload = b64json<Ob3Payload>(p);
    const changed = Buffer.from(JSON.stringify({ ...payload, name: 'Brain Surgery' })).toString('base64url');
    await expect(verifyOb3(`${h}.${changed}.${s}`, 'RS256')).rejects.toThrow(/signature/i);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const { kid } = b64json<{ kid: string }>(h);
    const forged = createSigner({ key: otherKey, algorithm: 'RS256', kid, noTimestamp: true })(payload);
    expect(b64json(forged.split('.')[0])).toEqual(b64json(h)); // the same header: only the signature differs
    await expect(verifyOb3(forged, 'RS256')).rejects.toThrow(/signature/i);
    // And the genuine one still does.
    await expect(verifyOb3(token, 'RS256')).resolves.toEqual(payload);
  });
});

describe('the mapping, for what no certificate has yet', () => {
  test('validUntil, when a credential has one, is exp (whole seconds, like validFrom)', () => {
    const vc = openBadgeCredential(
      {
        certificateId: randomUUID(),
        verificationCode: 'AAAA-BBBB-CCCC',
        studentId: 'student-1',
        studentEmail: 's@example.com',
        identitySalt: '00112233445566778899aabbccddeeff',
        programId: IC3.id,
        programTitle: IC3.title,
        partnerName: 'Certiport',
        credentialType: 'occupational_licensure',
        completedAt: new Date('2025-03-14T15:00:00Z'),
        issuedAt: new Date('2025-03-14T15:02:03.456Z'),
        validUntil: new Date('2030-01-01T00:00:00.500Z'),
        statusIndex: 131_073,
      },
      { publicBaseUrl: 'https://marketplace.example', issuerName: 'Marketplace' },
    ) as unknown as Ob3Payload;
    expect(vc.validUntil).toBe('2030-01-01T00:00:00Z');
    expect(vc.exp).toBe(Date.UTC(2030, 0, 1) / 1000);
    expect(vc.nbf).toBe(Date.parse('2025-03-14T15:02:03Z') / 1000);
    expect(vc.credentialStatus).toEqual(
      expect.objectContaining({ id: 'https://marketplace.example/credentials/revocations/1', statusListIndex: '1' }),
    );
    expect(schemaErrors(vc)).toEqual([]);
  });

  test("the subject's id is an RFC 9562 name-based UUID (version 5)", () => {
    // RFC 9562 appendix A.4: the DNS namespace and "www.example.com".
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('revocation: one credentialStatus, read by an OB 3.0 verifier and by a Bitstring Status List reader', () => {
  /** The 1EdTech Revocation List check (VCRL 1.0): is the credential's id in the list its credentialStatus.id serves? */
  async function revokedPer1EdTech(vc: Ob3Payload) {
    expect(vc.credentialStatus.type).toBe('1EdTechRevocationList');
    const res = await fetch(vc.credentialStatus.id, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const list = (await res.json()) as RevocationListDoc;
    expect(list.id).toBe(vc.credentialStatus.id);
    expect(list.issuer).toBe(vc.issuer.id);
    return list.revokedCredential.find((r) => r.id === vc.id && r.revoked !== false);
  }

  /** The bit at the position the credential states, in the Bitstring Status List credential it names (verified). */
  async function bitstringBit(app: ApiApp, vc: Ob3Payload) {
    const res = await fetch(vc.credentialStatus.statusListCredential);
    expect(res.status).toBe(200);
    const token = await res.text();
    const verify = createVerifier({
      key: (decoded: DecodedJwt) => dereferenceKid(String(decoded.header.kid)),
      algorithms: ['RS256'],
      checkTyp: 'vc+jwt',
    });
    const list = (await verify(token)) as {
      type: string[];
      issuer: { id: string };
      credentialSubject: { statusPurpose: string; encodedList: string };
    };
    expect(list.type).toContain('BitstringStatusListCredential');
    expect(list.issuer.id).toBe(app.baseUrl);
    expect(list.credentialSubject.statusPurpose).toBe(vc.credentialStatus.statusPurpose);
    const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
    const i = Number(vc.credentialStatus.statusListIndex);
    return (bits[i >> 3] >> (7 - (i & 7))) & 1;
  }

  test('revoking puts the credential on the 1EdTech list and sets its bit; another credential stays valid on both', async () => {
    const app = apps.RS256;
    const kept = await verifyOb3(await credentialOf(app, (await certificateFor(app)).certificateId), 'RS256');
    const c = await certificateFor(app);
    const vc = await verifyOb3(await credentialOf(app, c.certificateId), 'RS256');
    expect(vc.credentialStatus).toEqual({
      id: expect.stringMatching(new RegExp(`^${app.baseUrl}/credentials/revocations/\\d+$`)) as unknown,
      type: '1EdTechRevocationList',
      statusPurpose: 'revocation',
      statusListIndex: expect.stringMatching(/^\d+$/) as unknown,
      statusListCredential: expect.stringMatching(new RegExp(`^${app.baseUrl}/credentials/status/\\d+$`)) as unknown,
    });
    expect(await revokedPer1EdTech(vc)).toBeUndefined();
    expect(await bitstringBit(app, vc)).toBe(0);

    const { token } = await app.token('admin');
    const res = await fetch(`${app.baseUrl}/api/certificates/${c.certificateId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Completion reported in error' }),
    });
    expect(res.status).toBe(200);
    // The revocation answers with the credential's own credentialStatus, so the caller knows what verifiers will see.
    expect(((await res.json()) as { credentialStatus: unknown }).credentialStatus).toEqual(vc.credentialStatus);

    expect(await revokedPer1EdTech(vc)).toEqual({ id: vc.id, revoked: true, revocationReason: 'Completion reported in error' });
    expect(await bitstringBit(app, vc)).toBe(1);
    expect(await revokedPer1EdTech(kept)).toBeUndefined();
    expect(await bitstringBit(app, kept)).toBe(0);
    // The revoked credential's own signature still verifies: revocation is the status, not a broken proof.
    await expect(verifyOb3(await credentialOf(app, c.certificateId), 'RS256')).resolves.toEqual(vc);
  });

  test('lists and keys that do not exist are 404, malformed ones 400, as problems', async () => {
    const app = apps.RS256;
    const problem = async (p: string, status: number) => {
      const res = await fetch(`${app.baseUrl}${p}`);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      return (await res.json()) as Problem;
    };
    await problem('/credentials/revocations/99999', 404);
    expect((await problem('/credentials/revocations/first', 400)).errors).toEqual([expect.objectContaining({ field: 'path.listId' })]);
    await problem(`/credentials/keys/${'A'.repeat(43)}`, 404);
    expect((await problem('/credentials/keys/not-a-thumbprint', 400)).errors).toEqual([
      expect.objectContaining({ field: 'path.thumbprint' }),
    ]);
  });
});

describe('CREDENTIAL_SIGNING_JWK', () => {
  test('an RSA key of 2048 bits or more is accepted for RS256; a shorter, public or incomplete one is refused by name', () => {
    expect(loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: JSON.stringify(rsaJwk) }).credentials.signingJwk).toEqual(rsaJwk);
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    expect(() => loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: JSON.stringify(short) })).toThrow(
      /CREDENTIAL_SIGNING_JWK: must be an RSA key of at least 2048 bits \(this one has 1024\)/,
    );
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicOnly } = rsaJwk;
    expect(() => loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: JSON.stringify(publicOnly) })).toThrow(
      /CREDENTIAL_SIGNING_JWK: must be a private key/,
    );
    const { p: _p2, ...incomplete } = rsaJwk;
    expect(() => loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: JSON.stringify(incomplete) })).toThrow(
      /CREDENTIAL_SIGNING_JWK: is not a usable private key/,
    );
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
    expect(() => loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: JSON.stringify(p384) })).toThrow(
      /CREDENTIAL_SIGNING_JWK: must be an RSA/,
    );
  });
});
