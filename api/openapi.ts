import { z } from 'zod';
import {
  createEnrollmentBody,
  createProgramBody,
  fundedEnrollmentsQuery,
  listQuery,
  voucherFields,
  listEnrollmentsQuery,
  markCompleteBody,
  rejectBody,
  reviewQueueQuery,
  csvImportQuery,
  partnerCompletionBody,
  withdrawBody,
  xapiActivitiesQuery,
  xapiAgentsQuery,
  xapiGetQuery,
  xapiPutQuery,
  xapiStatement,
  tutorChatBody,
  etpReportQuery,
  wioaReportQuery,
  revenueShareQuery,
  rotateWebhookSecretBody,
  webhookDeliveriesQuery,
  webhookEndpointBody,
  ltiAuthorizeRequest,
  ltiToolBody,
} from './schemas';
import { WEBHOOK_EVENT_TYPES } from '../lib/webhook-events';

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  who: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  multipart?: boolean;
  /** A request body of another type than JSON, described in words (e.g. text/csv). */
  rawBody?: { contentType: string; description: string };
  /**
   * Partners authenticate with an API key (`X-Api-Key`) or, for xAPI, HTTP Basic; LTI tools with an AGS access token
   * from `/lti/token` (or nothing at all: the launch's endpoints check what the request carries); everyone else with a
   * bearer JWT.
   */
  auth?: 'apiKey' | 'basic' | 'ltiAccessToken' | 'none';
  responses: Record<number, string>;
}

const ERRORS = {
  400: 'Bad input (problem details with `errors`)',
  401: 'No or bad credentials',
  403: 'Not yours',
  404: 'Unknown',
  409: 'Not allowed in the current state',
  503: 'A dependency (database, Temporal, a provider) is down or did not answer in time; try again after Retry-After seconds',
  429: 'Rate limited (Retry-After)',
};

/**
 * Outbound webhooks (Standard Webhooks). Each delivery is a `POST` of `{ type, timestamp, data }` (`data`: ids and
 * statuses, never a name or email) with `webhook-id` (the same on every attempt and replay), `webhook-timestamp` and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256>`, one per live secret, space-separated).
 */
const WEBHOOK_OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/api/webhook-endpoints',
    summary: `Register a webhook endpoint: \`url\` (production: https, resolving to public addresses only), \`events\` (${WEBHOOK_EVENT_TYPES.join(', ')}; or \`["*"]\`, an admin only), \`programIds?\` (a holder: its own programs). An admin's endpoint hears every program, a holder's its own programs. The Standard Webhooks \`secret\` (\`whsec_…\`) is in this answer only (not kept for Idempotency-Key replays)`,
    who: 'admin, program holder',
    body: webhookEndpointBody,
    responses: {
      201: '`{ id, secret, url, events, programIds, enabled, … }`',
      ...ERRORS,
      403: 'Not an admin or program holder, or a holder asking for "*"',
      404: 'A program that does not exist or is another holder’s',
    },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints',
    summary: 'The caller’s endpoints (an admin: every one), without their secrets',
    who: 'admin, program holder',
    responses: { 200: '`{ endpoints }`', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints/{id}',
    summary: 'One endpoint, with when its live secrets were made and expire (never their values)',
    who: 'its owner, admin',
    responses: { 200: 'The endpoint', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/disable',
    summary: 'Stop sending: the endpoint hears no new event; its pending deliveries wait',
    who: 'its owner, admin',
    responses: { 200: 'The endpoint', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/enable',
    summary: 'Send again: pending deliveries go out in order, each with a fresh retry window',
    who: 'its owner, admin',
    responses: { 200: 'The endpoint', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/rotate-secret',
    summary:
      'A new secret, shown once; the previous ones keep signing for `overlapSeconds` (default 86400, at most 604800), each delivery carrying one signature per live secret',
    who: 'its owner, admin',
    body: rotateWebhookSecretBody,
    responses: { 200: '`{ id, secret, previousSecretsExpireAt }`', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints/{id}/deliveries',
    summary:
      'Each event sent to the endpoint, newest first, as sent (`payload`, `webhookId`), with its status (`pending`, `delivered`, `failed` after 3 days of exponential back-off) and every attempt (`at`, `statusCode`, `durationMs`, `error`)',
    who: 'its owner, admin',
    query: webhookDeliveriesQuery,
    responses: { 200: '`{ endpointId, deliveries, limit, offset }`', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/deliveries/{deliveryId}/replay',
    summary: 'Send a delivered or failed delivery again: the same body and `webhook-id`, a fresh retry window; its attempts stay on record',
    who: 'its owner, admin',
    responses: { 202: '`{ deliveryId, endpointId, status: "pending" }`', ...ERRORS, 409: 'Still pending, or the endpoint is disabled' },
  },
];
const LTI_AGS_SCOPE_WORDS = {
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem': 'read the line item',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score': 'post scores',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly': 'read results',
};

const OPERATIONS: Operation[] = [
  { method: 'get', path: '/api/programs', summary: 'The catalog', who: 'anyone', responses: { 200: 'Programs' } },
  {
    method: 'post',
    path: '/api/programs',
    summary: 'Create a program',
    who: 'admin',
    body: createProgramBody,
    responses: { 201: 'Created', ...ERRORS },
  },
  { method: 'get', path: '/api/partners', summary: 'Partner platforms', who: 'anyone', responses: { 200: 'Partners' } },
  {
    method: 'post',
    path: '/api/enrollments',
    summary:
      'Enroll in a program. A funded enrollment needs a voucher registered for the student: `ready_to_launch` when it covers the price, `pending_payment` with a `checkoutUrl` for the rest (`amountDueCents`) when it covers part. With an `Idempotency-Key`, a retry reaches the same enrollment',
    who: 'student',
    body: createEnrollmentBody,
    responses: {
      201: '`{ enrollmentId, status, checkoutUrl?, amountDueCents }`',
      ...ERRORS,
      409: 'A second open enrollment in the program, or a used voucher',
      422: 'No usable voucher with this number is registered for the student (unknown, another student’s or expired: one answer), or it funds another program or currency',
      503: 'Payment provider unavailable',
    },
  },
  {
    method: 'post',
    path: '/api/vouchers',
    summary:
      'Issue a voucher (WIOA ITA or sponsor) to one student (`studentEmail` or `studentId`): the amount it covers, its currency, last day (`expiresOn`) and optionally the one program it funds. A funder issues for its own organization; an admin names `organizationId`',
    who: 'funder, admin',
    body: voucherFields,
    responses: { 201: '`{ id, organizationId }`', ...ERRORS, 409: 'The organization issued this number already' },
  },
  {
    method: 'post',
    path: '/api/vouchers/import',
    summary:
      'Issue vouchers from a CSV with the columns of POST /api/vouchers. Each row `issued` (in a dry run: would be), `already_issued` (the organization has this number, or an earlier row issues it) or `invalid`; the valid rows are issued together; importing twice changes nothing',
    who: 'funder, admin',
    query: csvImportQuery,
    rawBody: {
      contentType: 'text/csv',
      description:
        'UTF-8, RFC 4180; a header row naming number, fundingSource, studentEmail or studentId, amountCents, currency, expiresOn (optional programId; organizationId for an admin); at most 5000 rows and 1 MB',
    },
    responses: {
      200: '`{ dryRun, rows: [{ line, outcome, message, voucherId? }], summary }`',
      400: 'Not a valid CSV, or no header with the needed columns',
      401: 'No or bad credentials',
      403: 'Not a funder or admin',
      413: 'More than 1 MB or 5000 rows',
      415: 'Not text/csv',
    },
  },
  {
    method: 'get',
    path: '/api/vouchers',
    summary:
      'Vouchers with their status (`issued`, `used`, `released`, `expired`, derived from the enrollments) and the enrollment each funds',
    who: 'funder (own organization), admin',
    query: listQuery,
    responses: { 200: '`{ vouchers, limit, offset }`', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/funded-enrollments',
    summary:
      'The enrollments the organization’s vouchers fund: student, program, status, completion, credential and WIOA exit. With `format=csv`, all of them (no page) as a CSV attachment, one line each',
    who: 'funder (own organization), admin',
    query: fundedEnrollmentsQuery,
    responses: { 200: '`{ enrollments, limit, offset }`, or `text/csv` with `format=csv`', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/enrollments',
    summary: 'List enrollments',
    who: 'program holder (own programs), admin',
    query: listEnrollmentsQuery,
    responses: { 200: 'Enrollments', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/enrollments/{enrollmentId}',
    summary: 'One enrollment with submissions and history',
    who: 'its student, its holder, admin',
    responses: { 200: 'The enrollment', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/enrollments/{enrollmentId}/launch',
    summary: 'Launch the course at the partner',
    who: 'its student',
    responses: { 302: 'To the partner', ...ERRORS, 503: 'Partner unavailable' },
  },
  {
    method: 'post',
    path: '/api/enrollments/{enrollmentId}/completion-submissions',
    summary: 'Upload completion evidence (PDF, PNG or JPEG, ≤ 10 MB) with `completedAt`',
    who: 'its student',
    multipart: true,
    responses: { 202: '`{ submissionId, status }`', ...ERRORS, 413: 'Too large', 415: 'Not a PDF, PNG or JPEG' },
  },
  {
    method: 'get',
    path: '/api/submissions/{submissionId}/file',
    summary: 'The uploaded evidence',
    who: 'its student, its holder, admin',
    responses: { 200: 'The file', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/completion-evidence/{evidenceId}/proof',
    summary: 'The certificate proof a program holder uploaded when marking the enrollment complete (the console’s form), inline',
    who: 'its student, its holder, admin',
    responses: { 200: 'The file (PDF, PNG or JPEG)', ...ERRORS },
  },
  {
    method: 'get',
    path: '/api/program-holder/submissions',
    summary: 'Review queue',
    who: 'program holder, admin',
    query: reviewQueueQuery,
    responses: { 200: 'Items', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/program-holder/submissions/{submissionId}/approve',
    summary: 'Approve evidence: the enrollment completes',
    who: 'the program’s holder',
    responses: { 200: 'Approved', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/program-holder/submissions/{submissionId}/reject',
    summary: 'Reject evidence with a reason',
    who: 'the program’s holder',
    body: rejectBody,
    responses: { 200: 'Rejected', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/program-holder/mark-complete',
    summary: 'Mark an enrollment complete',
    who: 'the program’s holder',
    body: markCompleteBody,
    responses: { 200: 'Completed', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/webhooks/stripe',
    summary: 'Stripe events (signed)',
    who: 'Stripe',
    responses: { 200: 'Received', 400: 'Bad signature', 503: 'Not configured' },
  },
  {
    method: 'get',
    path: '/api/certificates/{certificateId}.pdf',
    summary: 'Certificate PDF',
    who: 'its student, its holder, admin',
    responses: { 200: 'PDF', ...ERRORS },
  },
  {
    method: 'get',
    path: '/verify/{code}',
    summary: 'Public certificate verification (HTML or JSON)',
    who: 'anyone',
    responses: { 200: 'Valid or revoked', 404: 'Unknown code' },
  },
  {
    method: 'get',
    path: '/api/certificates/{certificateId}/credential',
    summary:
      'The certificate as a signed Open Badges 3.0 credential in OB 3.0’s JSON Web Token Proof Format: a compact JWS (header `alg` RS256, ES256 or EdDSA, `kid` a URL serving the public JWK, `typ: JWT`; claims `iss`, `sub`, `jti`, `nbf` = validFrom), `Content-Type: application/vc+jwt`',
    who: 'its student, its holder, admin',
    responses: { 200: 'The VC-JWT', ...ERRORS },
  },
  {
    method: 'post',
    path: '/api/certificates/{certificateId}/revoke',
    summary:
      'Revoke a certificate (body `reason`, required): its verification page, its 1EdTech Revocation List and its Bitstring Status List bit show it; audited',
    who: 'admin',
    responses: {
      200: '`{ certificateId, verificationCode, status: "revoked", revokedAt, revocationReason, credentialStatus }`',
      ...ERRORS,
      409: 'Revoked already',
    },
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'The platform’s public credential signing keys (JWKS)',
    who: 'anyone',
    responses: { 200: '`{ keys }`' },
  },
  {
    method: 'get',
    path: '/credentials/keys/{thumbprint}',
    summary: 'The credential signing key a credential’s `kid` names, as a bare public JWK (`application/jwk+json`)',
    who: 'anyone',
    responses: { 200: 'The JWK', 400: 'Not a key thumbprint', 404: 'No such key' },
  },
  {
    method: 'get',
    path: '/credentials/revocations/{listId}',
    summary:
      'A 1EdTech Revocation List (VCRL 1.0, JSON: `{ id, issuer, revokedCredential: [{ id, revoked, revocationReason }] }`), the `credentialStatus.id` of the credentials in status list `listId`',
    who: 'anyone',
    responses: { 200: 'The list', 400: 'Not a list number', 404: 'No such list' },
  },
  {
    method: 'get',
    path: '/credentials/status/{listId}',
    summary:
      'A Bitstring Status List credential (VC-JWT, `statusPurpose: revocation`, 131,072 entries, `encodedList` = multibase base64url of the GZIP bitstring)',
    who: 'anyone',
    responses: { 200: 'The VC-JWT', 404: 'No such list' },
  },
  { method: 'get', path: '/healthz', summary: 'Alive', who: 'anyone', responses: { 200: 'OK' } },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Temporal and PostgreSQL reachable',
    who: 'anyone',
    responses: { 200: 'Ready', 503: 'Not ready' },
  },
  {
    method: 'get',
    path: '/metrics',
    summary:
      'Prometheus metrics; with METRICS_TOKEN it needs `Authorization: Bearer <METRICS_TOKEN>`; with METRICS_PORT it is served on that port only',
    who: 'the metrics scraper (anyone outside production without a token)',
    responses: { 200: 'Metrics', 401: 'No or wrong metrics token' },
  },
  {
    method: 'post',
    path: '/api/enrollments/{enrollmentId}/withdraw',
    summary: 'Withdraw: the refund follows the program’s policy (all before launch), the ledger is reversed',
    who: 'its student, admin',
    body: withdrawBody,
    responses: {
      200: '`{ enrollmentId, status: "withdrawn", refundCents, currency }`',
      ...ERRORS,
      409: 'Completed, closed, already withdrawn, expired or never paid',
      503: 'Payment provider unavailable',
    },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/api-keys',
    summary:
      'Create a partner API key: `{ id, partnerId, apiKey, createdAt }`; the key is shown once and stored as its SHA-256 only; the answer is not kept for Idempotency-Key replays (a replay is 201 with the key’s Location and no body)',
    who: 'admin',
    responses: { 201: 'The key, once', ...ERRORS },
  },
  {
    method: 'delete',
    path: '/api/partners/{partnerId}/api-keys/{id}',
    summary: 'Revoke a partner API key (again: 204, unchanged)',
    who: 'admin',
    responses: { 204: 'Revoked', ...ERRORS, 404: 'Unknown key, or a key of another partner' },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/completions',
    summary:
      'A partner reports a completion by `enrollmentId` or its own `externalId`; `reportId` (else derived from partner, enrollment and date) makes retries the same report. First completion wins; later ones are kept as evidence (`outcome: "already_complete"`)',
    who: 'the partner',
    auth: 'apiKey',
    body: partnerCompletionBody,
    responses: {
      202: '`{ enrollmentId, reportId, outcome: "applied" | "already_complete", status }`',
      400: 'Bad input (problem details with `errors`)',
      401: 'No X-Api-Key, or an unknown or revoked one',
      403: 'A valid key of another partner',
      404: 'Unknown enrollment, or one of another partner’s programs',
      409: 'The enrollment cannot be completed in its state (not paid, withdrawn, expired), or the externalId is ambiguous',
    },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/completions/import',
    summary:
      'Import a partner’s completion report (CSV). Each row: `matched` (completes the enrollment), `already_complete` (complete already, or by an earlier row: kept as evidence), `unknown` (no enrollment of this partner’s programs the caller may see: another holder’s enrollment is unknown too), `invalid` (a bad value, a wrong field count, or an enrollment that cannot be completed in its state). Applying twice changes nothing',
    who: 'program holder (own programs), admin',
    query: csvImportQuery,
    rawBody: {
      contentType: 'text/csv',
      description:
        'UTF-8, RFC 4180; a header row with `enrollmentId` or `externalId`, and `completedAt` (optional `score`, `evidenceUrl`; other columns ignored); at most 5000 rows and 1 MB',
    },
    responses: {
      200: '`{ partnerId, dryRun, rows: [{ line, outcome, message, enrollmentId? }], summary }`',
      400: 'Not a valid CSV, or no header with the needed columns',
      401: 'No or bad credentials',
      403: 'Not a program holder or admin',
      404: 'Unknown partner',
      413: 'More than 1 MB or 5000 rows',
      415: 'Not text/csv, or binary content',
    },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/lti-tools',
    summary:
      'Register the partner’s LTI 1.3 tool (one per partner): `clientId`, `deploymentId`, `oidcLoginUrl`, `targetLinkUri`, `jwksUrl`, optionally more `redirectUris`; answers the tool with its `id`. A program of this partner then launches by LTI',
    who: 'admin',
    body: ltiToolBody,
    responses: {
      201: 'The registered tool',
      ...ERRORS,
      404: 'Unknown partner',
      409: 'The partner has a tool already, or the client id is taken',
    },
  },
  {
    method: 'get',
    path: '/lti/jwks',
    summary: 'The LTI platform’s public signing keys (RS256, each with its `kid`; a rotated key stays published for a day)',
    who: 'anyone',
    responses: { 200: 'A JWK Set' },
  },
  {
    method: 'get',
    path: '/lti/authorize',
    summary:
      'LTI 1.3 / OIDC authorization endpoint of the launch (third-party initiated login): checks `client_id`, `redirect_uri` (registered), `response_type=id_token`, `response_mode=form_post`, `scope=openid`, `prompt=none`, `nonce` (once per tool), `state`, and the `login_hint` / `lti_message_hint` the launch issued (signed, 5 minutes, once). Answers an HTML form that posts `id_token` (an `LtiResourceLinkRequest`) and `state` to `redirect_uri`',
    who: 'the tool (browser redirect)',
    auth: 'none',
    query: ltiAuthorizeRequest,
    responses: {
      200: 'The auto-posting form (a script file; a visible button without script)',
      400: 'A missing or wrong parameter, an unknown client_id, an unregistered redirect_uri, a reused nonce',
      401: 'A hint that is forged, expired, already used, or not for this tool and login_hint',
    },
  },
  {
    method: 'post',
    path: '/lti/authorize',
    summary: 'The same as GET, with the parameters form-encoded',
    who: 'the tool (browser redirect)',
    auth: 'none',
    rawBody: { contentType: 'application/x-www-form-urlencoded', description: 'The parameters of GET /lti/authorize' },
    responses: { 200: 'The auto-posting form', 400: 'As GET', 401: 'As GET' },
  },
  {
    method: 'post',
    path: '/lti/token',
    summary:
      'OAuth 2 client credentials with a JWT client assertion (RFC 7523): `grant_type=client_credentials`, `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, `client_assertion` (signed by a key of the tool’s JWKS; `iss` = `sub` = its client id, `aud` = this endpoint, a new `jti`, at most 10 minutes), `scope` (AGS scopes). Answers `{ access_token, token_type: "Bearer", expires_in: 900, scope }`',
    who: 'the tool',
    auth: 'none',
    rawBody: { contentType: 'application/x-www-form-urlencoded', description: 'The client credentials request' },
    responses: {
      200: 'An access token',
      400: 'A missing or wrong parameter, or no AGS scope (`error: "invalid_scope"`)',
      401: 'A client assertion that is not from a registered tool, forged, expired, too long-lived, for another audience, or replayed (`error: "invalid_client"`)',
      503: 'The tool’s JWKS could not be read',
    },
  },
  {
    method: 'get',
    path: '/lti/lineitems/{enrollmentId}',
    summary: 'AGS 2.0: the enrollment’s line item (`application/vnd.ims.lis.v2.lineitem+json`)',
    who: 'the tool',
    auth: 'ltiAccessToken',
    responses: {
      200: 'The line item',
      401: 'No, a forged or an expired access token',
      403: 'The token lacks the lineitem scope',
      404: 'Not a line item of this tool',
    },
  },
  {
    method: 'post',
    path: '/lti/lineitems/{enrollmentId}/scores',
    summary:
      'AGS 2.0: a score (`application/vnd.ims.lis.v1.score+json`) for the learner of the launch (`userId` = the id_token’s `sub`). Every score is kept and audited; `Completed` + `FullyGraded` (at least the program’s passing score, when it has one) completes the enrollment as `lti_ags`, first completion wins. Answers `{ outcome: "applied" | "already_complete" | "recorded" | "below_passing", status? }`',
    who: 'the tool',
    auth: 'ltiAccessToken',
    rawBody: { contentType: 'application/vnd.ims.lis.v1.score+json', description: 'An AGS score' },
    responses: {
      200: 'Kept, and what it did',
      400: 'A malformed score (problem details with `errors`), or an impossible completion date',
      401: 'No, a forged or an expired access token',
      403: 'The token lacks the score scope',
      404: 'Not a line item of this tool (another deployment’s)',
      409: 'The enrollment cannot be completed in its state',
      415: 'Not application/vnd.ims.lis.v1.score+json',
      422: '`userId` is not this line item’s learner',
    },
  },
  {
    method: 'get',
    path: '/lti/lineitems/{enrollmentId}/results',
    summary: 'AGS 2.0: the learner’s latest result (`application/vnd.ims.lis.v2.resultcontainer+json`)',
    who: 'the tool',
    auth: 'ltiAccessToken',
    responses: {
      200: 'The results',
      401: 'No, a forged or an expired access token',
      403: 'The token lacks the result.readonly scope',
      404: 'Not a line item of this tool',
    },
  },
  {
    method: 'post',
    path: '/xapi/statements',
    summary:
      'xAPI 1.0.3: store one statement or an array (all or none), as `application/json`, or `multipart/mixed` with attachment content (the statements first, then one part per attachment with `X-Experience-API-Hash` and `Content-Transfer-Encoding: binary`; signed statements carry their JWS so). Every object type is stored; ids are assigned where absent and make retries idempotent; `stored`, `authority` and `version` are set by the LRS. A statement about an Activity whose `context.registration` is an enrollment of this partner counts for it: `completed` / `passed` complete it under the program’s moveOn rule. A voiding statement (verb `voided`, a StatementRef object) voids its target. With `?method=GET|PUT|POST` and a form body: the alternate request syntax. Header `X-Experience-API-Version: 1.0.x` required; answers carry 1.0.3',
    who: 'the partner',
    auth: 'basic',
    body: xapiStatement,
    responses: {
      200: 'The statement ids, in order',
      400: 'Missing version header, an unknown parameter, or a malformed statement, attachment part or signature (problem details with `errors`)',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      409: 'A statement id stored before with other content',
      413: 'Larger than UPLOAD_MAX_BYTES',
    },
  },
  {
    method: 'put',
    path: '/xapi/statements',
    summary: 'xAPI 1.0.3: store one statement under `statementId` (the body’s `id`, when present, must match); as POST otherwise',
    who: 'the partner',
    auth: 'basic',
    query: xapiPutQuery,
    body: xapiStatement,
    responses: {
      204: 'Stored (or stored before with the same content)',
      400: 'Missing version header, statementId, or a malformed statement',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      409: 'A statement id stored before with other content',
    },
  },
  {
    method: 'get',
    path: '/xapi/statements',
    summary:
      'xAPI 1.0.3: one of the partner’s statements by `statementId` (404 when voided) or `voidedStatementId`, or a StatementResult `{ statements, more }` of its statements matching the filters, newest stored first (`ascending=true`: oldest), voided ones left out, at most 100 a page; `more` is the relative URL of the next page (empty when none). A statement whose object is a StatementRef matches a filter its target matches. `format`: `exact` (default), `ids`, `canonical` (one language per language map, from Accept-Language). `attachments=true`: multipart/mixed with the attachments’ content. Headers `X-Experience-API-Consistent-Through` and `Last-Modified`. HEAD answers the same without a body',
    who: 'the partner',
    auth: 'basic',
    query: xapiGetQuery,
    responses: {
      200: 'A statement, or a StatementResult',
      400: 'Missing version header, an unknown parameter, or a bad value',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      404: 'No such statement of this partner (or voided / not voided)',
    },
  },
  {
    method: 'get',
    path: '/xapi/statements/more/{token}',
    summary: 'xAPI 1.0.3: the next page of a GET /xapi/statements (the `more` URL of a StatementResult)',
    who: 'the partner',
    auth: 'basic',
    responses: {
      200: 'A StatementResult',
      400: 'Not a page this LRS handed out',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
    },
  },
  {
    method: 'get',
    path: '/xapi/activities',
    summary:
      'xAPI 1.0.3: the Activity Object `activityId` names, as the partner’s statements describe it (definitions merged, language maps by language, from its newest 1000 statements); the document resources (state, profiles) are not provided',
    who: 'the partner',
    auth: 'basic',
    query: xapiActivitiesQuery,
    responses: {
      200: 'The Activity Object',
      400: 'Missing version header, no or a bad activityId',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      404: 'No statement of this partner mentions it',
    },
  },
  {
    method: 'get',
    path: '/xapi/agents',
    summary:
      'xAPI 1.0.3: the Person Object for `agent` (the JSON of an Agent): its identifier and the names the partner’s statements gave it',
    who: 'the partner',
    auth: 'basic',
    query: xapiAgentsQuery,
    responses: {
      200: 'The Person Object',
      400: 'Missing version header, no agent, or not an Agent with one identifier',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
    },
  },
  {
    method: 'get',
    path: '/xapi/about',
    summary:
      'xAPI 1.0.3: `{ version: ["1.0.0", "1.0.1", "1.0.2", "1.0.3"] }`, the xAPI versions this LRS accepts (no credentials or version header needed)',
    who: 'anyone',
    responses: { 200: 'The versions', 400: 'An unknown parameter' },
  },
  {
    method: 'post',
    path: '/api/ai-tutor/chat',
    summary:
      'Ask the AI tutor about a program (`courseId`) or one of your enrollments (`enrollmentId`); continue with `conversationId`. JSON `{ conversationId, reply, usage }`, or with `Accept: text/event-stream` server-sent events `{"type":"delta","text"}`… then `{"type":"done","conversationId","reply"}` (or `{"type":"error","detail"}`)',
    who: 'student',
    body: tutorChatBody,
    responses: {
      200: 'The reply',
      ...ERRORS,
      429: 'Rate limit or daily token budget reached (Retry-After)',
      503: 'No model configured, or the model failed or timed out (nothing saved)',
    },
  },
  {
    method: 'get',
    path: '/api/ai-tutor/conversations/{conversationId}',
    summary: 'A saved conversation: `{ conversationId, courseId, enrollmentId, messages: [{ role, content, createdAt }] }`',
    who: 'its student, admin',
    responses: { 200: 'The conversation', ...ERRORS },
  },
  {
    method: 'get',
    path: '/widget/ai-tutor.js',
    summary:
      'The `<ai-tutor token course-id enrollment-id api-base>` web component (plain JavaScript, no dependencies): a floating button that opens a chat panel, streams replies from `POST /api/ai-tutor/chat` and keeps the conversation (its id in localStorage) across page loads. Cacheable for an hour, ETag',
    who: 'anyone',
    responses: { 200: 'application/javascript', 304: 'Not modified' },
  },
  {
    method: 'get',
    path: '/demo/student',
    summary:
      'Development only (not served in production): a student page for `?token=<student JWT>&enrollmentId=<id>` with the enrollment’s status, a launch button, the completion upload and the embedded tutor',
    who: 'anyone',
    responses: {
      200: 'HTML',
      400: 'No token or enrollmentId',
      401: 'Bad token',
      403: 'Not a student token',
      404: 'Not an enrollment of this student',
    },
  },
  {
    method: 'get',
    path: '/api/reports/revenue-share',
    summary:
      'The revenue-share ledger of the enrollments whose shares were recorded from `from` to `to` (UTC days, both included): `{ from, to, entries: [{ enrollmentId, programId, party (platform, holder, partner), partyId, entryType (share, reversal), amountCents, currency, createdAt }], totals: { <currency>: { collectedCents (accepted payments minus refunds), paidCents, refundedCents, sharesCents, differenceCents, reconciled, byParty, byProgram: [{ programId, title, collectedCents, sharesCents, byParty, reconciled }] } }, reconciled, reconciliation }`: reconciled when the shares (reversals included) equal what was collected in every currency. With `Accept: text/csv` or `format=csv` the entries as CSV (`format=json` or `csv`: an attachment) (header `Revenue-Share-Reconciled: true|false`). A program holder sees only its own programs',
    who: 'admin, program holder (own programs)',
    query: revenueShareQuery,
    responses: {
      200: 'The report (JSON or CSV)',
      400: 'Missing or bad dates, or from after to (problem details with `errors`)',
      401: 'No or bad credentials',
      403: 'Not an admin or program holder',
    },
  },
  {
    method: 'get',
    path: '/api/reports/wioa',
    summary:
      'A funder sees the participants its vouchers fund. WIOA participant records (funding source `wioa_ita` only: self-paid and sponsored students are no WIOA participants) as the PIRL (ETA-9172) lays them out, as CSV (`text/csv`, attachment), streamed: one row per participant record whose program entry or exit falls in `from`..`to` (inclusive, YYYY-MM-DD). The first column is the layout’s `OBS Number` (nine digits, unique per record); the other header cells carry the PIRL number and name (e.g. `PIRL 900 Date of Program Entry (WIOA)`); dates YYYYMMDD; 1303 is the program’s `trainingServiceType`. Every row is reported: trailing `edit_check_status` (`pass`/`fail`) and `edit_check_errors`',
    who: 'admin, funder (own participants)',
    query: wioaReportQuery,
    responses: {
      200: 'text/csv',
      400: 'Bad or missing from/to, or to before from (problem details with `errors`)',
      401: 'No or bad credentials',
      403: 'Not an admin',
    },
  },
  {
    method: 'get',
    path: '/api/reports/etp',
    summary:
      'ETA-9171-style counts per program for students entering in `year`: `{ year, programs: [{ programId, programTitle, allStudents: { enrolled, completed, credentialAttained }, wioaFunded: { … } }] }` (WIOA-funded: funding source `wioa_ita`); with `format=csv` one CSV line per program; with `format` given, an attachment',
    who: 'admin',
    query: etpReportQuery,
    responses: { 200: 'The counts', 400: 'Bad or missing year', 401: 'No or bad credentials', 403: 'Not an admin' },
  },
  ...WEBHOOK_OPERATIONS,
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(op.query ? (jsonSchema(op.query).properties as Record<string, object>) : {}).map(([name, schema]) => ({
        name,
        in: 'query',
        schema,
      })),
    ];
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      description: `Who: ${op.who}.`,
      ...(parameters.length && { parameters }),
      ...(op.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }),
      ...(op.multipart && {
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file', 'completedAt'],
                properties: { file: { type: 'string', format: 'binary' }, completedAt: { type: 'string' } },
              },
            },
          },
        },
      }),
      ...(op.rawBody && {
        requestBody: {
          required: true,
          description: op.rawBody.description,
          content: { [op.rawBody.contentType]: { schema: { type: 'string' } } },
        },
      }),
      responses: Object.fromEntries(Object.entries(op.responses).map(([code, description]) => [code, { description }])),
      ...(op.auth === 'none'
        ? {}
        : op.auth
          ? { security: [{ [op.auth]: [] }] }
          : op.who !== 'anyone' && op.who !== 'Stripe' && { security: [{ bearer: [] }] }),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'credential-marketplace',
      version: '0.1.0',
      description: 'Enrollment lifecycle API: every enrollment is a Temporal workflow.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'A partner API key; valid only for its own partner (another partner’s path: 403) and until revoked (401)',
        },
        basic: { type: 'http', scheme: 'basic', description: 'xAPI: the partner id as user name and one of its API keys as password' },
        ltiAccessToken: {
          type: 'oauth2',
          description: 'LTI Advantage AGS: an LTI tool’s access token, by client credentials with a JWT client assertion (RFC 7523)',
          flows: { clientCredentials: { tokenUrl: '/lti/token', scopes: LTI_AGS_SCOPE_WORDS } },
        },
      },
    },
    paths,
  };
}
