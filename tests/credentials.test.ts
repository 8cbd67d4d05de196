/**
 * Verifiable credentials against PostgreSQL and the real express app (with a stub enrollments client): the
 * certificate PDF (text via pdftotext, the vector QR code rasterized by pdftoppm and decoded by jsQR), the Open
 * Badges 3.0 credential (OB 3.0's JSON Web Token Proof Format) checked with node:crypto only (not jose, not
 * services/credentials), the Bitstring Status List flipping a bit on revocation, the public verification page, and
 * the error cases. tests/api/open-badges.test.ts checks the credential against OB 3.0 with outside libraries.
 */
import { translator } from '../lib/i18n';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomUUID, verify as cryptoVerify } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { createCertificateActivities } from '../activities/certificates';
import type { ActivityDeps } from '../activities/deps';
import { createApp } from '../api/app';
import { createAuthenticator, signDevelopmentToken } from '../api/auth';
import type { EnrollmentClient } from '../core/enrollment-client';
import type { Db } from '../db/pool';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { loadConfig } from '../lib/config';
import { DEVELOPMENT_KEY_PLACE } from '../services/credentials';
import { createLocalFileStore, type FileStore } from '../services/file-store';
import type { Problem, Verification } from './helpers/contract';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { PRODUCTION_STAND_INS } from './helpers/production-env';

const SECRET = 'credentials-test-secret';
const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!; // holder: DEMO_HOLDER_ID
const PARTNER_CERT_URL = 'https://certiport.example/certificates/IC3-998877';

let database: TestDatabase;
let db: Db;
let files: FileStore;
let dataDir: string;
let server: http.Server;
let baseUrl: string;
let issue: ReturnType<typeof createCertificateActivities>['issueCertificate'];

/** The protected header of a compact JWS. */
interface JwsHeader {
  alg: string;
  typ: string;
  kid: string;
}

/** An Open Badges 3.0 credential (the payload of its VC-JWT), the claims these tests read. */
interface OpenBadgeCredential {
  '@context': string[];
  type: string[];
  id: string;
  iss: string;
  jti: string;
  issuer: { id: string; type: string[]; name: string };
  validFrom: string;
  credentialSubject: {
    id: string;
    type: string[];
    identifier: { identityType: string; identityHash: string; hashed: boolean; salt: string }[];
    achievement: Record<string, unknown>;
  };
  credentialStatus: { id: string; type: string; statusPurpose: string; statusListIndex: string; statusListCredential: string };
}

/** A Bitstring Status List credential (the payload of its VC-JWT). */
interface StatusListCredential {
  type: string[];
  id: string;
  issuer: { id: string };
  credentialSubject: { type: string; statusPurpose: string; encodedList: string };
}

/** The answer of `POST /api/certificates/:certificateId/revoke`. */
interface Revocation {
  certificateId: string;
  status: string;
  revocationReason: string;
  revokedAt: string;
}

/** The JSON of `GET /verify/:code` for a valid certificate, with the fields these tests read beyond `Verification`. */
type PublicVerification = Verification & { linkedInAddToProfileUrl: string; issuedAt: string };

const token = (role: 'student' | 'program_holder' | 'admin', id: string) => signDevelopmentToken({ secret: SECRET }, { id, role });

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-credentials-'));
  files = createLocalFileStore(path.join(dataDir, 'files'));
  server = http.createServer((req, res) => {
    app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: SECRET,
    PUBLIC_BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    CREDENTIAL_ISSUER_NAME: 'Test Marketplace',
  });
  const app = createApp({
    config,
    db,
    files,
    enrollments: {} as EnrollmentClient,
    authenticate: createAuthenticator(config.jwt),
    temporalHealth: () => Promise.resolve({}),
  });
  const certificates = createCertificateActivities({ db, files, publicBaseUrl: baseUrl } as ActivityDeps);
  issue = (r) => certificates.issueCertificate(r);
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await database?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────

async function completedEnrollment(opts: { name?: string; partnerCertificateUrl?: string } = {}) {
  const id = randomUUID();
  const studentId = `student-${id.slice(0, 8)}`;
  await db.query(
    `INSERT INTO enrollments (id, program_id, student_id, student_email, student_name, funding_source, price_cents, currency, status)
     VALUES ($1, $2, $3, $4, $5, 'self_pay', $6, 'usd', 'completed')`,
    [id, IC3.id, studentId, `${studentId}@example.com`, opts.name ?? 'Grace Hopper', IC3.priceCents],
  );
  const cert = await issue({
    enrollmentId: id,
    completedAt: '2025-03-14T15:00:00.000Z',
    partnerCertificateUrl: opts.partnerCertificateUrl,
  });
  return { enrollmentId: id, studentId, certificateId: cert.id, code: cert.verificationCode };
}

/**
 * The text of the QR code on the PDF's one page as a phone would read it: the page rasterized by poppler at 150 dpi,
 * decoded by jsQR, first on the whole page, then on its bottom-right quarter (where the certificate puts the QR code).
 */
function scanQrCode(pdfPath: string): string | undefined {
  const out = pdfPath.replace(/\.pdf$/, '-page');
  execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', pdfPath, out]);
  const page = PNG.sync.read(fs.readFileSync(`${out}.png`));
  const decode = (rgba: Buffer, width: number, height: number) =>
    jsQR(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), width, height, { inversionAttempts: 'dontInvert' })?.data;
  const whole = decode(page.data, page.width, page.height);
  if (whole !== undefined) return whole;
  const [left, top] = [Math.floor(page.width / 2), Math.floor(page.height / 2)];
  const [width, height] = [page.width - left, page.height - top];
  const rows = Array.from({ length: height }, (_, y) =>
    page.data.subarray(((top + y) * page.width + left) * 4, ((top + y) * page.width + page.width) * 4),
  );
  return decode(Buffer.concat(rows), width, height);
}

const b64url = (s: string) => Buffer.from(s, 'base64url');

/** Verifies a compact JWS with node:crypto and the key the JWKS lists under its kid; returns header and payload. */
async function verifyWithJwks<Payload extends object>(jws: string) {
  const parts = jws.split('.');
  expect(parts).toHaveLength(3);
  const header = JSON.parse(b64url(parts[0]).toString('utf8')) as JwsHeader;
  const payload = JSON.parse(b64url(parts[1]).toString('utf8')) as Payload;
  const jwks = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
  const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
  expect(jwk).toBeDefined();
  expect(jwk.d).toBeUndefined(); // public keys only
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
  const signature = b64url(parts[2]);
  const ok =
    header.alg === 'ES256'
      ? cryptoVerify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : header.alg === 'EdDSA'
        ? cryptoVerify(null, signingInput, key, signature)
        : false;
  expect(ok).toBe(true);
  // A changed payload must not verify.
  const tampered = Buffer.from(`${parts[0]}.${Buffer.from(JSON.stringify({ ...payload, name: 'x' })).toString('base64url')}`, 'ascii');
  expect(
    header.alg === 'ES256'
      ? cryptoVerify('sha256', tampered, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : cryptoVerify(null, tampered, key, signature),
  ).toBe(false);
  return { header, payload };
}

async function statusBits(statusListCredential: string) {
  const res = await fetch(statusListCredential);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
  const { header, payload } = await verifyWithJwks<StatusListCredential>(await res.text());
  expect(header.typ).toBe('vc+jwt');
  expect(payload.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
  expect(payload.id).toBe(statusListCredential);
  expect(payload.issuer.id).toBe(baseUrl);
  expect(payload.credentialSubject).toEqual(expect.objectContaining({ type: 'BitstringStatusList', statusPurpose: 'revocation' }));
  const encoded: string = payload.credentialSubject.encodedList;
  expect(encoded[0]).toBe('u'); // multibase base64url, no padding
  expect(encoded).not.toMatch(/=/);
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  expect(bits.length).toBeGreaterThanOrEqual(16 * 1024);
  return bits;
}

/** The spec's bit order: index 0 is the left-most bit of the first byte. */
const bitAt = (bits: Buffer, i: number) => (bits[Math.floor(i / 8)] >> (7 - (i % 8))) & 1;

const getJson = async <Body = unknown>(url: string, auth?: string) => {
  const res = await fetch(url, { headers: { accept: 'application/json', ...(auth && { authorization: `Bearer ${auth}` }) } });
  return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
};
const revoke = async (certificateId: string, auth: string, body?: unknown) =>
  fetch(`${baseUrl}/api/certificates/${certificateId}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

// ── tests ──────────────────────────────────────────────────────────────────────────────────────────────

describe('certificate PDF', () => {
  test('shows student, program, partner, credential type, dates, code, the partner link and a vector QR code of the verify URL', async () => {
    const c = await completedEnrollment({ name: 'Grace Hopper', partnerCertificateUrl: PARTNER_CERT_URL });
    const res = await fetch(`${baseUrl}/api/certificates/${c.certificateId}.pdf`, {
      headers: { authorization: `Bearer ${await token('student', c.studentId)}` },
    });
    expect(res.status).toBe(200);
    const pdfPath = path.join(dataDir, `${c.certificateId}.pdf`);
    fs.writeFileSync(pdfPath, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
    for (const expected of [
      'Grace Hopper',
      IC3.title,
      'Certiport',
      'Occupational certification',
      'Completed on March 14, 2025',
      `Verification code: ${c.code}`,
      `${baseUrl}/verify/${c.code}`,
      PARTNER_CERT_URL,
    ]) {
      expect(text).toContain(expected);
    }
    expect(execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' })).toMatch(/Pages:\s+1\n/);
    // The QR code is drawn as paths, not embedded as a raster image, and scans to exactly this certificate's verify URL.
    const images = execFileSync('pdfimages', ['-list', pdfPath], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(images).toEqual([]);
    expect(scanQrCode(pdfPath)).toBe(`${baseUrl}/verify/${c.code}`);
  });

  test('without a partner certificate link there is no partner link line', async () => {
    const c = await completedEnrollment({ name: 'Alan Turing' });
    const pdf = await files.get(`certificates/${c.certificateId}.pdf`);
    const pdfPath = path.join(dataDir, `${c.certificateId}.pdf`);
    fs.writeFileSync(pdfPath, pdf!);
    const text = execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' });
    expect(text).toContain('Alan Turing');
    expect(text).toContain(c.code);
    expect(text).not.toContain('certificate: http');
  });
});

describe('Open Badges 3.0 VC-JWT', () => {
  test('the student gets a credential signed with a key from the JWKS, with the Open Badges claims', async () => {
    const c = await completedEnrollment({ name: 'Katherine Johnson' });
    const res = await fetch(`${baseUrl}/api/certificates/${c.certificateId}/credential`, {
      headers: { authorization: `Bearer ${await token('student', c.studentId)}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    const { header, payload: vc } = await verifyWithJwks<OpenBadgeCredential>(await res.text());
    // OB 3.0's JSON Web Token Proof Format: typ "JWT" and a kid URL (issue 14; it was typ "vc+jwt" and a bare thumbprint).
    expect(header).toEqual({
      typ: 'JWT',
      alg: 'ES256',
      kid: expect.stringMatching(new RegExp(`^${baseUrl}/credentials/keys/`)) as unknown,
    });
    expect(vc['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']);
    expect(vc.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(vc.issuer).toEqual(expect.objectContaining({ id: baseUrl, type: ['Profile'], name: 'Test Marketplace' }));
    expect(vc.iss).toBe(baseUrl);
    expect(vc.id).toBe(`urn:uuid:${c.certificateId}`);
    expect(vc.jti).toBe(vc.id);
    expect(Number.isNaN(Date.parse(vc.validFrom))).toBe(false);
    expect(vc.credentialSubject.type).toEqual(['AchievementSubject']);
    // The recipient by a stable id and a salted hash of the email, not by their name (issue 14; it was the name, unhashed).
    expect(vc.credentialSubject.id).toMatch(/^urn:uuid:/);
    expect(vc.credentialSubject.identifier[0]).toEqual(
      expect.objectContaining({ identityType: 'emailAddress', identityHash: expect.stringMatching(/^sha256\$/) as unknown, hashed: true }),
    );
    expect(JSON.stringify(vc)).not.toContain('Katherine Johnson');
    expect(vc.credentialSubject.achievement).toEqual(
      expect.objectContaining({
        id: expect.any(String) as unknown,
        type: ['Achievement'],
        name: IC3.title,
        description: expect.any(String) as unknown,
        criteria: { narrative: expect.any(String) as unknown },
        achievementType: 'Certification',
      }),
    );
    const {
      rows: [row],
    } = await db.query<{ status_index: number }>('SELECT status_index FROM certificates WHERE id = $1', [c.certificateId]);
    // One credentialStatus, the 1EdTech Revocation List OB 3.0 verifiers read, stating the Bitstring Status List
    // position too (issue 14; it was a BitstringStatusListEntry).
    expect(vc.credentialStatus).toEqual(
      expect.objectContaining({
        id: `${baseUrl}/credentials/revocations/${Math.floor(Number(row.status_index) / 131072)}`,
        type: '1EdTechRevocationList',
        statusPurpose: 'revocation',
        statusListIndex: String(Number(row.status_index) % 131072),
        statusListCredential: `${baseUrl}/credentials/status/${Math.floor(Number(row.status_index) / 131072)}`,
      }),
    );
    // The index is allocated once: asking again gives the same entry.
    const again = await fetch(`${baseUrl}/api/certificates/${c.certificateId}/credential`, {
      headers: { authorization: `Bearer ${await token('admin', 'admin-1')}` },
    });
    expect((await verifyWithJwks<OpenBadgeCredential>(await again.text())).payload.credentialStatus).toEqual(vc.credentialStatus);
  });

  test('the program holder and an admin may fetch it; others may not', async () => {
    const c = await completedEnrollment();
    const url = `${baseUrl}/api/certificates/${c.certificateId}/credential`;
    const as = async (auth?: string) => (await fetch(url, { headers: auth ? { authorization: `Bearer ${auth}` } : {} })).status;
    expect(await as(await token('program_holder', DEMO_HOLDER_ID))).toBe(200);
    expect(await as(await token('admin', 'admin-1'))).toBe(200);
    expect(await as(await token('student', 'someone-else'))).toBe(404);
    expect(await as(await token('program_holder', 'other-holder'))).toBe(403);
    expect(await as()).toBe(401);
    expect(
      (
        await fetch(`${baseUrl}/api/certificates/${randomUUID()}/credential`, {
          headers: { authorization: `Bearer ${await token('admin', 'a')}` },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fetch(`${baseUrl}/api/certificates/not-a-uuid/credential`, {
          headers: { authorization: `Bearer ${await token('admin', 'a')}` },
        })
      ).status,
    ).toBe(400);
  });
});

describe('revocation and the Bitstring Status List', () => {
  test("revoking flips exactly the certificate's bit, and the verification page says so", async () => {
    const keep = await completedEnrollment({ name: 'Kept Valid' });
    const c = await completedEnrollment({ name: 'Revoked Person' });
    const admin = await token('admin', 'admin-7');
    const vc = (
      await verifyWithJwks<OpenBadgeCredential>(
        await (
          await fetch(`${baseUrl}/api/certificates/${c.certificateId}/credential`, { headers: { authorization: `Bearer ${admin}` } })
        ).text(),
      )
    ).payload;
    const index = Number(vc.credentialStatus.statusListIndex);
    const keepVc = (
      await verifyWithJwks<OpenBadgeCredential>(
        await (
          await fetch(`${baseUrl}/api/certificates/${keep.certificateId}/credential`, { headers: { authorization: `Bearer ${admin}` } })
        ).text(),
      )
    ).payload;

    const before = await statusBits(vc.credentialStatus.statusListCredential);
    expect(bitAt(before, index)).toBe(0);

    const res = await revoke(c.certificateId, admin, { reason: 'Issued in error' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Revocation;
    expect(body).toEqual(
      expect.objectContaining({
        certificateId: c.certificateId,
        status: 'revoked',
        revocationReason: 'Issued in error',
        revokedAt: expect.any(String) as unknown,
      }),
    );

    const after = await statusBits(vc.credentialStatus.statusListCredential);
    expect(bitAt(after, index)).toBe(1);
    expect(bitAt(after, Number(keepVc.credentialStatus.statusListIndex))).toBe(0);
    const expected = Buffer.from(before);
    expected[index >> 3] |= 0x80 >> (index & 7);
    expect(after.equals(expected)).toBe(true); // no other bit changed

    const verified = await getJson(`${baseUrl}/verify/${c.code}`);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual(
      expect.objectContaining({ status: 'revoked', revocationReason: 'Issued in error', revokedAt: body.revokedAt }),
    );
    const html = await (await fetch(`${baseUrl}/verify/${c.code}`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('Revoked certificate');
    expect(html).toContain('Issued in error');
    // The day in words, not a raw timestamp (issue 24, item 5).
    expect(html).toContain(`Revoked on ${translator('en').date(body.revokedAt)}: Issued in error`);
    expect(html).not.toContain(body.revokedAt);

    const { rows } = await db.query(
      `SELECT actor_id, action, details FROM audit_log WHERE target_type = 'certificate' AND target_id = $1`,
      [c.certificateId],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        actor_id: 'admin-7',
        action: 'certificate.revoked',
        details: expect.objectContaining({ reason: 'Issued in error' }) as unknown,
      }),
    ]);

    // Revoking again is a conflict and changes nothing.
    const again = await revoke(c.certificateId, admin, { reason: 'twice' });
    expect(again.status).toBe(409);
    expect((await getJson<Verification>(`${baseUrl}/verify/${c.code}`)).body.revocationReason).toBe('Issued in error');
  });

  test('revocation errors: 403 for non-admins, 400 without a reason or with a bad id, 404 for an unknown certificate', async () => {
    const c = await completedEnrollment();
    const admin = await token('admin', 'admin-1');
    expect((await revoke(c.certificateId, await token('program_holder', DEMO_HOLDER_ID), { reason: 'x' })).status).toBe(403);
    expect((await revoke(c.certificateId, await token('student', c.studentId), { reason: 'x' })).status).toBe(403);
    const noReason = await revoke(c.certificateId, admin, {});
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as Problem).errors).toEqual([expect.objectContaining({ field: 'body.reason' })]);
    expect((await revoke(c.certificateId, admin, { reason: '   ' })).status).toBe(400);
    expect((await revoke(c.certificateId, admin)).status).toBe(400);
    expect((await revoke('not-a-uuid', admin, { reason: 'x' })).status).toBe(400);
    expect((await revoke(randomUUID(), admin, { reason: 'x' })).status).toBe(404);
    expect((await getJson<Verification>(`${baseUrl}/verify/${c.code}`)).body.status).toBe('valid');
    expect((await fetch(`${baseUrl}/credentials/status/99999`)).status).toBe(404);
  });
});

describe('public verification', () => {
  test('valid: who, what, when and the LinkedIn link; nothing more', async () => {
    const c = await completedEnrollment({ name: 'Mary Jackson', partnerCertificateUrl: PARTNER_CERT_URL });
    const { status, body } = await getJson<PublicVerification>(`${baseUrl}/verify/${c.code.toLowerCase()}`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(
      [
        'completedAt',
        'credentialType',
        'holder',
        'issuedAt',
        'linkedInAddToProfileUrl',
        'partner',
        'partnerCertificateUrl',
        'program',
        'status',
        'verificationCode',
        'verifyUrl',
      ].sort(),
    );
    expect(body).toEqual(
      expect.objectContaining({
        status: 'valid',
        holder: 'Mary Jackson',
        program: IC3.title,
        completedAt: '2025-03-14',
        verificationCode: c.code,
      }),
    );
    const li = new URL(body.linkedInAddToProfileUrl);
    expect(`${li.origin}${li.pathname}`).toBe('https://www.linkedin.com/profile/add');
    const issued = new Date(body.issuedAt);
    expect(Object.fromEntries(li.searchParams)).toEqual({
      startTask: 'CERTIFICATION_NAME',
      name: IC3.title,
      organizationName: 'Test Marketplace',
      issueYear: String(issued.getUTCFullYear()),
      issueMonth: String(issued.getUTCMonth() + 1),
      certUrl: `${baseUrl}/verify/${c.code}`,
      certId: c.code,
    });
    const html = await (await fetch(`${baseUrl}/verify/${c.code}`)).text();
    expect(html).toContain('Valid certificate');
    expect(html).toContain('Mary Jackson');
    expect(html).toContain('https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&amp;');
    expect(html).not.toContain(c.studentId);
  });

  test('unknown or malformed codes are 404', async () => {
    expect((await fetch(`${baseUrl}/verify/ZZZZ-ZZZZ-ZZZZ`, { headers: { accept: 'application/json' } })).status).toBe(404);
    expect((await fetch(`${baseUrl}/verify/nonsense`)).status).toBe(404);
  });
});

describe('signing keys', () => {
  test('production without CREDENTIAL_SIGNING_JWK fails fast naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's' })).toThrow(/CREDENTIAL_SIGNING_JWK/);
    expect(() => loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: '{"kty":"RSA"}' })).toThrow(/CREDENTIAL_SIGNING_JWK/);
    const publicOnly = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    expect(() => loadConfig({ NODE_ENV: 'test', CREDENTIAL_SIGNING_JWK: JSON.stringify(publicOnly) })).toThrow(/private key/);
  });

  // Issue 23 (secrets at rest): the file holds the key sealed under DATA_ENCRYPTION_KEY, no longer its JSON in clear.
  test('development keeps its generated key under DATA_DIR, sealed, with mode 0600', () => {
    const file = path.join(dataDir, 'keys', 'credential-signing.jwk');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = fs.readFileSync(file, 'utf8');
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('"d"');
    expect(JSON.parse(loadConfig({ NODE_ENV: 'test' }).secretsAtRest.open(stored, DEVELOPMENT_KEY_PLACE))).toEqual(
      expect.objectContaining({ kty: 'EC', crv: 'P-256', d: expect.any(String) as unknown }),
    );
  });

  test('a configured Ed25519 key signs EdDSA credentials that verify with node:crypto', async () => {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const config = loadConfig({
      ...PRODUCTION_STAND_INS,
      PUBLIC_BASE_URL: baseUrl,
      CREDENTIAL_SIGNING_JWK: JSON.stringify(jwk),
      DATA_DIR: dataDir,
    });
    const app = createApp({
      config,
      db,
      files,
      enrollments: {} as EnrollmentClient,
      authenticate: createAuthenticator(config.jwt),
      temporalHealth: () => Promise.resolve({}),
    });
    const other = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const c = await completedEnrollment();
      const jws = await (
        await fetch(`${otherBase}/api/certificates/${c.certificateId}/credential`, {
          headers: { authorization: `Bearer ${await signDevelopmentToken(config.jwt, { id: 'a', role: 'admin' })}` },
        })
      ).text();
      const [h, p, s] = jws.split('.');
      const header = JSON.parse(b64url(h).toString()) as JwsHeader;
      expect(header).toEqual(expect.objectContaining({ alg: 'EdDSA', typ: 'JWT' }));
      const { keys } = (await (await fetch(`${otherBase}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
      const key = createPublicKey({ key: keys.find((k) => k.kid === header.kid) as never, format: 'jwk' });
      expect(cryptoVerify(null, Buffer.from(`${h}.${p}`), key, b64url(s))).toBe(true);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
