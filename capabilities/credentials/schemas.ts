import { z } from 'zod';
import { httpUrl, instant, named, uuid } from '../../core/schemas';
import { publicNameChoice } from './public-name';

// ── Certificates: revocation, verification, the signing keys and the revocation list ──────────────────────────────────────────────────────────────────────────

export const revokeBody = z.object({ reason: z.string({ error: 'a reason is required' }).trim().min(1, 'a reason is required').max(2000) });
export const listIdParam = z.object({
  listId: z
    .string()
    .regex(/^\d{1,9}$/, 'a status list number')
    .transform(Number),
});
/** A credential signing key by its RFC 7638 SHA-256 thumbprint (43 base64url characters). */
export const keyThumbprintParam = z.object({
  thumbprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a key thumbprint (RFC 7638, SHA-256, base64url)'),
});

export const revokedCertificateResponse = named(
  'RevokedCertificate',
  z.object({
    certificateId: uuid,
    verificationCode: z.string(),
    status: z.literal('revoked'),
    revokedAt: instant,
    revocationReason: z.string(),
    credentialStatus: z
      .object({
        id: httpUrl.describe('Its 1EdTech Revocation List'),
        type: z.literal('1EdTechRevocationList'),
        statusPurpose: z.literal('revocation'),
        statusListIndex: z.string(),
        statusListCredential: httpUrl.describe('Its Bitstring Status List credential'),
      })
      .describe('The credential’s own credentialStatus'),
  }),
);

export const jwksResponse = named(
  'JsonWebKeySet',
  z.object({
    keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.literal('sig'), crv: z.string().optional() })),
  }),
);

export const verificationResponse = named(
  'CertificateVerification',
  z.object({
    status: z.enum(['valid', 'revoked']),
    verificationCode: z.string(),
    holder: z.string(),
    program: z.string(),
    partner: z.string(),
    credentialType: z.string(),
    completedAt: z.iso.date(),
    issuedAt: instant,
    partnerCertificateUrl: httpUrl.optional(),
    revokedAt: instant.optional(),
    revocationReason: z.string().optional(),
    verifyUrl: httpUrl,
    linkedInAddToProfileUrl: httpUrl.optional().describe('While the certificate is valid'),
  }),
);

// Open Badges 3.0: the signing key a credential's kid names, and the 1EdTech Revocation List.

export const publicJwkResponse = named(
  'PublicJwk',
  z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional(), crv: z.string().optional() }),
  'A bare public JSON Web Key (RFC 7517)',
);
export const revocationListResponse = named(
  'RevocationList',
  z.object({
    id: httpUrl,
    issuer: httpUrl,
    revokedCredential: z.array(
      z.object({ id: z.string().describe('urn:uuid:<certificateId>'), revoked: z.literal(true), revocationReason: z.string().optional() }),
    ),
  }),
  '1EdTech Revocation List (VCRL 1.0)',
);

// The student's choice of the name the public verification shows.

export const publicNameBody = z.object({ show: publicNameChoice.describe('`full` (the default) or `initials` ("J. D." for "Jane Doe")') });
export const publicNameResponse = named(
  'CertificatePublicName',
  z.object({
    certificateId: uuid,
    show: publicNameChoice,
    holder: z.string().describe('What the verification page and its JSON show now'),
    options: z.object({ full: z.string(), initials: z.string() }).describe('What each choice shows'),
    setAt: instant.nullable().describe('When the student last chose; null while the default stands'),
    verifyUrl: httpUrl,
  }),
);
