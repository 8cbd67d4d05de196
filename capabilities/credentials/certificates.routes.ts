import { type Request, Router } from 'express';
import { certificatePdfFilename } from '../../lib/certificate-links';
import { CREDENTIAL_TYPES } from '../../lib/program-rules';
import {
  type CredentialSigner,
  loadCredentialSigner,
  openBadgeCredential,
  revocationList,
  statusListCredential,
  VC_JWT_MEDIA_TYPE,
} from '../../services/credentials';
import { actorOf, requireRole } from '../../api/auth';
import { revokeCertificate } from './revoke-certificate';
import { publicNameSetting, setPublicName } from './public-name';
import type { ApiDeps } from '../../api/deps';
import { prefersPage, type RenderPage } from '../../lib/web/pages';
import { parse, problems } from '../../api/problems';
import { certificateFacts, certificateVerification, findCertificate, revokedCertificates, revokedPositions } from './queries';
import { loadAuthorizedEnrollment } from '../enrollments/queries';
import { idParam } from '../../core/schemas';
import { PUBLIC_READER, type ReadPath, READS, recordReads } from '../privacy/disclosures';
import {
  keyThumbprintParam,
  listIdParam,
  publicNameBody,
  publicNameResponse,
  revokeBody,
  jwksResponse,
  publicJwkResponse,
  revocationListResponse,
  revokedCertificateResponse,
  verificationResponse,
} from './schemas';
import { PUBLIC, USER, binary, html, json, jsonBody, text, withId, type Operation } from '../../api/openapi-operation';
import { z } from 'zod';

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const verifyLookupQuery = z.object({ code: z.string().max(100).optional().describe('The code printed on the certificate, as typed') });

/** A code as typed by hand, as printed: upper case, no spaces, O as zero and I or L as one (the code never uses them), dashed. */
export function typedCode(typed: string): string {
  const bare = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{12}$/.test(bare) ? `${bare.slice(0, 4)}-${bare.slice(4, 8)}-${bare.slice(8)}` : typed.trim();
}

export function certificateRoutes({ db, files, config, webhooks }: ApiDeps, render: RenderPage): Router {
  const router = Router();
  const issuer = { publicBaseUrl: config.publicBaseUrl, issuerName: config.credentials.issuerName };
  // The key is read (or, in development, generated) on first use; a failure is retried on the next request.
  let signer: Promise<CredentialSigner> | undefined;
  const getSigner = () => {
    signer ??= loadCredentialSigner(config).catch((err) => {
      signer = undefined;
      throw err;
    });
    return signer;
  };

  /**
   * The certificate of the path, once the caller is shown to be its student, its program's holder or an admin; what
   * the answer shows of it (`read`) is recorded for anyone but the student.
   */
  async function authorizedCertificate(req: Request, read: ReadPath) {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const c = await findCertificate(db, { id: certificateId });
    if (!c) throw problems.notFound(`certificate ${certificateId}`);
    await loadAuthorizedEnrollment(db, actorOf(req), c.enrollment_id, ['student', 'program_holder', 'admin']);
    await recordReads(db, actorOf(req), read, [{ enrollmentId: c.enrollment_id, recordId: c.id }]);
    return c;
  }

  router.get('/api/certificates/:certificateId.pdf', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const c = await authorizedCertificate(req, READS.certificatePdf);
    const pdf = await files.get(c.file_key);
    if (!pdf) throw problems.notFound(`the PDF of certificate ${c.id}`);
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="${certificatePdfFilename(c.verification_code)}"`)
      .send(pdf);
  });

  /**
   * The certificate's Open Badges 3.0 credential in OB 3.0's JSON Web Token Proof Format (header `typ: JWT`), signed
   * with the platform's key. The contract's media type, application/vc+jwt, is kept.
   */
  router.get('/api/certificates/:certificateId/credential', requireRole('student', 'program_holder', 'admin'), async (req, res) => {
    const c = await authorizedCertificate(req, READS.credential);
    const jwt = await (await getSigner()).sign(openBadgeCredential(certificateFacts(c), issuer), 'JWT');
    res
      .set('Content-Type', VC_JWT_MEDIA_TYPE)
      .set('Content-Disposition', `inline; filename="credential-${c.verification_code}.jwt"`)
      .send(jwt);
  });

  /** The name the public verification shows: the certificate's own student reads and sets it (full name or initials). */
  router.get('/api/certificates/:certificateId/public-name', requireRole('student'), async (req, res) => {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    res.json(await publicNameSetting(db, actorOf(req), certificateId, config.publicBaseUrl));
  });

  router.put('/api/certificates/:certificateId/public-name', requireRole('student'), async (req, res) => {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const { show } = parse(publicNameBody, req.body, 'body');
    res.json(await setPublicName(db, actorOf(req), certificateId, show, config.publicBaseUrl));
  });

  router.post('/api/certificates/:certificateId/revoke', requireRole('admin'), async (req, res) => {
    const { certificateId } = parse(idParam('certificateId'), req.params, 'path');
    const { reason } = parse(revokeBody, req.body, 'body');
    res.json(await revokeCertificate(db, actorOf(req), certificateId, reason, config.publicBaseUrl, webhooks?.dispatcher));
  });

  /** Public: the platform's credential signing keys. */
  router.get('/.well-known/jwks.json', async (_req, res) => {
    const { publicJwk } = await getSigner();
    res.set('Cache-Control', 'public, max-age=300').json({ keys: [publicJwk] });
  });

  /** Public: the signing key a credential's `kid` names, as a bare JWK (what OB 3.0 verifiers dereference `kid` to). */
  router.get('/credentials/keys/:thumbprint', async (req, res) => {
    const { thumbprint } = parse(keyThumbprintParam, req.params, 'path');
    const signing = await getSigner();
    if (thumbprint !== signing.thumbprint) throw problems.notFound(`signing key ${thumbprint}`);
    res.set('Cache-Control', 'public, max-age=300').type('application/jwk+json').send(JSON.stringify(signing.publicJwk));
  });

  /** Public: a Bitstring Status List credential (VC-JWT); a certificate's bit is 1 once it is revoked. */
  router.get('/credentials/status/:listId', async (req, res) => {
    const { listId } = parse(listIdParam, req.params, 'path');
    const revoked = await revokedPositions(db, listId);
    if (!revoked) throw problems.notFound(`status list ${listId}`);
    const jwt = await (await getSigner()).sign(statusListCredential(listId, revoked, issuer), 'vc+jwt');
    // Verifiers should see a revocation promptly; a short cache keeps a busy list cheap.
    res.set('Content-Type', VC_JWT_MEDIA_TYPE).set('Cache-Control', 'public, max-age=60').send(jwt);
  });

  /**
   * Public: a 1EdTech Revocation List (VCRL 1.0, plain JSON) of the certificates in status list `listId`: the
   * `credentialStatus.id` of each of their credentials. It changes together with the bitstring above.
   */
  router.get('/credentials/revocations/:listId', async (req, res) => {
    const { listId } = parse(listIdParam, req.params, 'path');
    const revoked = await revokedCertificates(db, listId);
    if (!revoked) throw problems.notFound(`revocation list ${listId}`);
    res.set('Cache-Control', 'public, max-age=60').json(revocationList(listId, revoked, issuer));
  });

  /**
   * Public: the verification's form, for a code typed by hand. With `code`, on to that code's page (the typing
   * forgiven: any case, spaces, O for zero, I or L for one, no dashes).
   */
  router.get('/verify', (req, res) => {
    const { code } = parse(verifyLookupQuery, req.query, 'query');
    if (code?.trim()) return res.redirect(303, `/verify/${encodeURIComponent(typedCode(code))}`);
    render(req, res, 'public/verify-lookup', { title: { id: 'error.verify.formTitle' } });
  });

  /** Public: anyone holding a certificate can check it. Shows what the certificate itself shows, nothing more. */
  router.get('/verify/:code', async (req, res) => {
    const code = String(req.params.code).toUpperCase();
    const c = CODE.test(code) ? await findCertificate(db, { verificationCode: code }) : undefined;
    res.set('Cache-Control', 'no-cache').vary('Accept');
    if (!c) {
      // A person who mistyped the code gets a page saying so, with the form to type it again; API clients the problem.
      if (!prefersPage(req)) throw problems.notFound(`certificate with verification code ${req.params.code}`);
      return render(
        req,
        res,
        'public/verify-lookup',
        { title: { id: 'error.verify.title' }, code: String(req.params.code).slice(0, 40) },
        404,
      );
    }
    const result = certificateVerification(c, issuer);
    const read = c.public_name === 'initials' ? READS.verificationByInitials : READS.verification;
    await recordReads(db, PUBLIC_READER, read, [{ enrollmentId: c.enrollment_id, recordId: c.id }]);
    if (req.accepts(['html', 'json']) === 'json') return res.json(result);
    render(req, res, 'public/verify', {
      title: { id: 'public.verify.title', values: { code: result.verificationCode } },
      result,
      // The credential type in words (the catalog's `credential.*`); an unknown one as its code.
      credentialKey: (CREDENTIAL_TYPES as readonly string[]).includes(result.credentialType)
        ? `credential.${result.credentialType}`
        : undefined,
    });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

const verificationCodeParam = z.object({
  code: z
    .string()
    .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}$/)
    .describe('The code printed on the certificate (any case)'),
});

export const certificatesOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/certificates/{certificateId}.pdf',
    operationId: 'getCertificatePdf',
    tag: 'Certificates',
    summary: 'The certificate PDF',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    requestParams: { path: idParam('certificateId') },
    responses: { 200: text('The PDF', 'application/pdf', binary) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/certificates/{certificateId}/credential',
    operationId: 'getCredential',
    tag: 'Certificates',
    summary: 'The certificate as a signed Open Badges 3.0 credential (OB 3.0’s JSON Web Token Proof Format)',
    description:
      'A compact JWS: header `alg` RS256, ES256 or EdDSA, `kid` a URL serving the public JWK, `typ: JWT`; claims `iss`, ' +
      '`sub`, `jti`, `nbf` (validFrom) and `exp` (validUntil) from the credential.',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    requestParams: { path: idParam('certificateId') },
    responses: { 200: text('A compact JWS; its `kid` serves the public key', 'application/vc+jwt') },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/certificates/{certificateId}/public-name',
    operationId: 'getCertificatePublicName',
    tag: 'Certificates',
    summary: 'The name the public verification page shows',
    description: 'The certificate’s own student’s choice: `full` (the default) or `initials`, and what the page shows now.',
    access: 'user',
    who: 'its student',
    requestParams: { path: idParam('certificateId') },
    responses: { 200: json('The choice', publicNameResponse) },
    problems: { ...withId, ...USER, 403: 'Not a student', 404: 'Unknown certificate, or another student’s' },
  },
  {
    method: 'put',
    path: '/api/certificates/{certificateId}/public-name',
    operationId: 'setCertificatePublicName',
    tag: 'Certificates',
    summary: 'Choose the name the public verification page shows',
    description:
      '`full` or `initials` (the first letter of each word of the name, upper-cased, each followed by a full stop: ' +
      '"J. D." for "Jane Doe"). With `initials`, `/verify/{code}` (HTML and JSON) names the holder by the initials ' +
      'only and leaves out `partnerCertificateUrl`; the signed credential, the PDF and what the program holder sees ' +
      'are unchanged. Audited.',
    access: 'user',
    who: 'its student',
    requestParams: { path: idParam('certificateId') },
    requestBody: jsonBody(publicNameBody),
    idempotent: true,
    responses: { 200: json('The choice, recorded', publicNameResponse) },
    problems: { ...withId, ...USER, 403: 'Not a student', 404: 'Unknown certificate, or another student’s' },
  },
  {
    method: 'post',
    path: '/api/certificates/{certificateId}/revoke',
    operationId: 'revokeCertificate',
    tag: 'Certificates',
    summary: 'Revoke a certificate',
    description: 'Its verification page, its 1EdTech Revocation List and its Bitstring Status List bit show it; audited.',
    access: 'user',
    who: 'admin',
    requestParams: { path: idParam('certificateId') },
    requestBody: jsonBody(revokeBody),
    idempotent: true,
    responses: { 200: json('Revoked', revokedCertificateResponse) },
    problems: { ...withId, ...USER, 409: 'Revoked already' },
  },
  {
    method: 'get',
    path: '/verify',
    operationId: 'verifyCertificateForm',
    tag: 'Certificates',
    summary: 'Public certificate verification: the form for a code typed by hand',
    description:
      'An HTML page with a form; with `code`, 303 to `/verify/{code}` (any case, spaces and dashes forgiven, O read as zero, ' +
      'I and L as one).',
    access: 'public',
    requestParams: { query: verifyLookupQuery },
    responses: {
      200: { description: 'The form', content: { 'text/html': { schema: html } } },
      303: {
        description: 'On to the code’s verification',
        headers: { Location: { description: '`/verify/{code}`', schema: { type: 'string' } } },
      },
    },
    problems: { 400: 'A code longer than 100 characters', ...PUBLIC },
  },
  {
    method: 'get',
    path: '/verify/{code}',
    operationId: 'verifyCertificate',
    tag: 'Certificates',
    summary: 'Public certificate verification',
    description:
      'HTML, or JSON with `Accept: application/json`. An unknown code is a 404: a problem document, or for a browser (it ' +
      'prefers HTML) a page saying so with the form to type the code again.',
    access: 'public',
    requestParams: { path: verificationCodeParam },
    responses: {
      200: {
        description: 'Valid or revoked',
        content: { 'application/json': { schema: verificationResponse }, 'text/html': { schema: html } },
      },
    },
    problems: { 404: 'Unknown code', ...PUBLIC },
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    tag: 'Certificates',
    summary: 'The platform’s public credential signing keys',
    access: 'public',
    responses: { 200: json('The keys', jwksResponse) },
    problems: PUBLIC,
  },
  {
    method: 'get',
    path: '/credentials/keys/{thumbprint}',
    operationId: 'getCredentialKey',
    tag: 'Certificates',
    summary: 'The credential signing key a credential’s `kid` names',
    access: 'public',
    requestParams: { path: keyThumbprintParam },
    responses: {
      200: { description: 'A bare public JWK', content: { 'application/jwk+json': { schema: publicJwkResponse } } },
    },
    problems: { 400: 'Not a key thumbprint', 404: 'No such key', ...PUBLIC },
  },
  {
    method: 'get',
    path: '/credentials/revocations/{listId}',
    operationId: 'getRevocationList',
    tag: 'Certificates',
    summary: 'A 1EdTech Revocation List (VCRL 1.0)',
    description: 'The `credentialStatus.id` of the credentials in status list `listId`.',
    access: 'public',
    requestParams: { path: listIdParam },
    responses: { 200: json('The list', revocationListResponse) },
    problems: { 400: 'Not a list number', 404: 'No such list', ...PUBLIC },
  },
  {
    method: 'get',
    path: '/credentials/status/{listId}',
    operationId: 'getStatusList',
    tag: 'Certificates',
    summary: 'A Bitstring Status List credential (VC-JWT)',
    access: 'public',
    requestParams: { path: listIdParam },
    responses: { 200: text('The status list credential, a compact JWS', 'application/vc+jwt') },
    problems: { ...withId, 404: 'No such list', ...PUBLIC },
  },
];
