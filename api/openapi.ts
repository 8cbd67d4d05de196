/**
 * /openapi.json: OpenAPI 3.1 generated from the zod schemas the routes validate with (requests: path, query and
 * body) and the response schemas of `api/schemas.ts` (components.schemas). Every route the app serves is an
 * operation here, except the ones `UNDOCUMENTED_ROUTES` names and says why; tests/api/openapi.test.ts compares the
 * two, lints this document with Redocly and checks answers against it.
 */
import { z } from 'zod';
import { LTI } from '../capabilities/completion/lti/lti';
import { PROBLEM_TYPES, type ProblemSlug } from './problems';
import { responseComponents, idParam, csvImportQuery, listQuery } from '../core/schemas';
import { programListResponse, createProgramBody, programResponse, partnerListResponse } from '../capabilities/programs/schemas';
import {
  createEnrollmentBody,
  openedEnrollmentResponse,
  listEnrollmentsQuery,
  enrollmentListResponse,
  enrollmentResponse,
  withdrawBody,
  withdrawnResponse,
  stripeEventReceiptResponse,
  checkoutReturnQuery,
} from '../capabilities/enrollments/schemas';
import {
  submissionFields,
  submissionAcceptedResponse,
  reviewQueueQuery,
  reviewQueueResponse,
  reviewedResponse,
  rejectBody,
  markCompleteBody,
  markedCompleteResponse,
} from '../capabilities/completion/evidence/schemas';
import {
  voucherFields,
  issuedVoucherResponse,
  voucherImportResponse,
  voucherListResponse,
  fundedEnrollmentsQuery,
  fundedEnrollmentListResponse,
} from '../capabilities/funding/schemas';
import {
  partnerParams,
  createdApiKeyResponse,
  apiKeyParams,
  partnerCompletionBody,
  completionReceiptResponse,
  completionImportResponse,
} from '../capabilities/completion/partners/schemas';
import {
  xapiStatement,
  xapiStatementBatch,
  xapiPutQuery,
  xapiGetQuery,
  xapiActivitiesQuery,
  xapiAgentsQuery,
} from '../capabilities/completion/xapi/schemas';
import {
  xapiStatementsAnswerResponse,
  xapiActivityResponse,
  xapiPersonResponse,
  xapiAboutResponse,
} from '../capabilities/completion/xapi/responses';
import {
  ltiToolBody,
  ltiToolResponse,
  ltiAuthorizeRequest,
  ltiTokenRequest,
  ltiAccessTokenResponse,
  ltiEnrollmentParams,
  ltiLineItemResponse,
  ltiScoreBody,
  ltiScoreReceiptResponse,
  ltiResultsResponse,
} from '../capabilities/completion/lti/schemas';
import {
  jwksResponse,
  revokeBody,
  revokedCertificateResponse,
  verificationResponse,
  keyThumbprintParam,
  publicJwkResponse,
  listIdParam,
  revocationListResponse,
} from '../capabilities/credentials/schemas';
import {
  webhookEndpointBody,
  createdWebhookEndpointResponse,
  webhookEndpointListResponse,
  webhookEndpointParams,
  webhookEndpointResponse,
  rotateWebhookSecretBody,
  rotatedWebhookSecretResponse,
  webhookDeliveriesQuery,
  webhookDeliveryListResponse,
  webhookDeliveryParams,
  replayedWebhookDeliveryResponse,
} from '../capabilities/webhooks/schemas';
import {
  wioaReportQuery,
  etpReportQuery,
  etpReportResponse,
  revenueShareQuery,
  revenueShareReportResponse,
} from '../capabilities/reports/schemas';
import { tutorChatBody, tutorReplyResponse, conversationResponse } from '../capabilities/tutor/schemas';
import { healthResponse, readinessResponse, problemTypeListResponse, problemTypeResponse } from './schemas';
import { SESSION_COOKIE } from '../lib/web/pages';

// ── What an operation says ──────────────────────────────────────────────────────────────────────────────

/** Who may call: `public` needs nothing; `user` a bearer JWT or a console session; the rest a partner's or Stripe's. */
type Access = 'public' | 'user' | 'partnerKey' | 'xapiBasic' | 'ltiAccessToken' | 'stripe' | 'metrics';
type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

interface Reply {
  description: string;
  /** A JSON answer (a registered response schema). */
  json?: z.ZodType;
  /** Other media types and their schemas. */
  content?: Record<string, object>;
  headers?: Record<string, object>;
}

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** The roles (or caller) allowed, in words. */
  who?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** `mediaType`: a JSON body of another type than application/json; `or`: further media types it takes. */
  body?:
    | { json: z.ZodType; mediaType?: string; or?: Record<string, object> }
    | { form: z.ZodObject }
    | { multipart: object }
    | { csv: string }
    | { raw: string };
  /** The OAuth 2 scopes an `ltiAccessToken` operation needs. */
  scopes?: string[];
  /** Takes an Idempotency-Key (the mutating operations behind the idempotency middleware). */
  idempotent?: boolean;
  responses: Record<number, Reply>;
  /** The problems it may answer, with an operation-specific description where the default one is too general. */
  problems: Partial<Record<ProblemStatus, string | true>>;
}

const TAGS = {
  Catalog: 'Programs and partners',
  Enrollments: 'A student’s enrollment: open, pay, launch, evidence, withdraw',
  Review: 'Program holders: the review queue and marking enrollments complete',
  Funding: 'Funders: vouchers and the enrollments they fund',
  Partners: 'Partner API keys and completion reports',
  xAPI: 'xAPI 1.0.3: the statement resource (a partner’s LRS), activities, agents and about',
  LTI: 'LTI 1.3 platform: tool registration, the launch (OIDC third-party initiated login) and AGS 2.0',
  Webhooks: 'Outbound webhooks (Standard Webhooks): endpoints, their secrets and deliveries',
  Payments: 'Stripe',
  Certificates: 'Certificates, their verification and signed credentials',
  Reports: 'WIOA, ETP and revenue-share reports',
  'AI tutor': 'The course tutor',
  Operations: 'Health, readiness and metrics',
  Documentation: 'This document, its page and the problem types',
} as const;
type Tag = keyof typeof TAGS;

// ── Shared pieces ───────────────────────────────────────────────────────────────────────────────────────

const USER: Partial<Record<ProblemStatus, true>> = { 401: true, 403: true, 429: true, 503: true };
/** A public operation needs no credentials, but a malformed or refused bearer token sent along is still refused. */
const REFUSED_TOKEN = 'A malformed or refused Authorization header (send none)';
const PUBLIC: Partial<Record<ProblemStatus, string | true>> = { 401: REFUSED_TOKEN, 429: true, 503: true };
/** Public and never rate limited (api/rate-limit.ts, UNLIMITED_PATHS): the documentation, problem pages and static files. */
const UNLIMITED: Partial<Record<ProblemStatus, string | true>> = { 401: REFUSED_TOKEN, 503: true };
const withId = { 400: true, 404: true } as const;
const IDEMPOTENCY_KEY_REUSED = 'The Idempotency-Key was used before for a different request';

const json = (description: string, schema: z.ZodType, headers?: Record<string, object>): Reply => ({
  description,
  json: schema,
  ...(headers && { headers }),
});
const text = (description: string, mediaType: string, schema: object = { type: 'string' }): Reply => ({
  description,
  content: { [mediaType]: { schema } },
});
const binary = { type: 'string', contentMediaType: 'application/octet-stream' };
const csvText = { type: 'string', description: 'CSV (RFC 4180), a header row first' };
const html = { type: 'string', description: 'An HTML page' };
const location = { Location: { description: 'The created object', schema: { type: 'string' } } };
const evidenceFile: Reply = {
  description: 'The file, inline (its type was checked by content when stored)',
  content: { 'application/pdf': { schema: binary }, 'image/png': { schema: binary }, 'image/jpeg': { schema: binary } },
};

const verificationCodeParam = z.object({
  code: z
    .string()
    .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}$/)
    .describe('The code printed on the certificate (any case)'),
});
const problemTypeParam = z.object({ type: z.enum(Object.keys(PROBLEM_TYPES) as [ProblemSlug, ...ProblemSlug[]]) });

const componentRef = (schema: z.ZodType) => {
  const id = responseComponents.get(schema)?.id;
  if (!id) throw new Error('a response schema must be registered in responseComponents (api/schemas.ts)');
  return { $ref: `#/components/schemas/${id}` };
};

const XAPI_READ_HEADERS = {
  'X-Experience-API-Consistent-Through': {
    description: 'Every statement stored before this instant is visible',
    schema: { type: 'string' },
  },
  'Last-Modified': { description: 'When the newest statement shown was stored', schema: { type: 'string' } },
};

const LTI_SCOPES = LTI.scopes;
const LTI_AGS_SCOPE_WORDS = {
  [LTI_SCOPES.lineitem]: 'read the line item',
  [LTI_SCOPES.score]: 'post scores',
  [LTI_SCOPES.resultReadonly]: 'read results',
};
const LINE_ITEM_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
const RESULTS_TYPE = 'application/vnd.ims.lis.v2.resultcontainer+json';
const LTI_AUTHORIZE_PROBLEMS: Partial<Record<ProblemStatus, string | true>> = {
  400: 'A missing or wrong parameter, an unknown client_id, an unregistered redirect_uri, a reused nonce',
  401: 'A hint that is forged, expired, already used, or not for this tool and login_hint',
  429: true,
  503: true,
};
const LTI_AGS_PROBLEMS: Partial<Record<ProblemStatus, string | true>> = {
  400: 'Not an enrollment id',
  401: 'No, a forged or an expired access token',
  404: 'Not a line item of this tool',
  429: true,
  503: true,
};

// ── The operations ──────────────────────────────────────────────────────────────────────────────────────

const OPERATIONS: Operation[] = [
  // Catalog
  {
    method: 'get',
    path: '/api/programs',
    operationId: 'listPrograms',
    tag: 'Catalog',
    summary: 'The catalog',
    access: 'public',
    responses: { 200: json('Every program', programListResponse) },
    problems: PUBLIC,
  },
  {
    method: 'post',
    path: '/api/programs',
    operationId: 'createProgram',
    tag: 'Catalog',
    summary: 'Create a program',
    access: 'user',
    who: 'admin',
    body: { json: createProgramBody },
    idempotent: true,
    responses: { 201: json('The program', programResponse, location) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/partners',
    operationId: 'listPartners',
    tag: 'Catalog',
    summary: 'Partner platforms',
    access: 'public',
    responses: { 200: json('Every partner', partnerListResponse) },
    problems: PUBLIC,
  },

  // Enrollments
  {
    method: 'post',
    path: '/api/enrollments',
    operationId: 'openEnrollment',
    tag: 'Enrollments',
    summary: 'Enroll in a program',
    description:
      'Self-paid: `pending_payment` with a `checkoutUrl`. Funded: a voucher registered for the student; `ready_to_launch` ' +
      'when it covers the price, else `pending_payment` for the rest. A retry with the same Idempotency-Key reaches the same ' +
      'enrollment.',
    access: 'user',
    who: 'student',
    body: { json: createEnrollmentBody },
    idempotent: true,
    responses: { 201: json('The enrollment, opened', openedEnrollmentResponse, location) },
    problems: {
      400: true,
      ...USER,
      404: 'Unknown program',
      409: 'A second open enrollment in the program, or a used voucher',
      422: 'No usable voucher with this number for the student (unknown, another student’s or expired: one answer)',
      503: 'The payment provider or Temporal did not answer',
    },
  },
  {
    method: 'get',
    path: '/api/enrollments',
    operationId: 'listEnrollments',
    tag: 'Enrollments',
    summary: 'List enrollments',
    access: 'user',
    who: 'program holder (own programs), admin',
    query: listEnrollmentsQuery,
    responses: { 200: json('A page of enrollments, newest first', enrollmentListResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/enrollments/{enrollmentId}',
    operationId: 'getEnrollment',
    tag: 'Enrollments',
    summary: 'One enrollment with its submissions, history and evidence',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    params: idParam('enrollmentId'),
    responses: { 200: json('The enrollment', enrollmentResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/enrollments/{enrollmentId}/launch',
    operationId: 'launchEnrollment',
    tag: 'Enrollments',
    summary: 'Launch the course at the partner',
    access: 'user',
    who: 'its student',
    params: idParam('enrollmentId'),
    responses: {
      302: {
        description: 'To the partner’s launch URL',
        headers: { Location: { description: 'The launch URL', schema: { type: 'string' } } },
      },
    },
    problems: { ...withId, ...USER, 409: 'Not paid yet, or ended', 503: 'The partner or Temporal did not answer' },
  },
  {
    method: 'post',
    path: '/api/enrollments/{enrollmentId}/completion-submissions',
    operationId: 'submitEvidence',
    tag: 'Enrollments',
    summary: 'Upload completion evidence',
    access: 'user',
    who: 'its student',
    params: idParam('enrollmentId'),
    body: {
      multipart: {
        type: 'object',
        required: ['file', 'completedAt'],
        properties: {
          file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'PDF, PNG or JPEG, at most 10 MB' },
          completedAt: z.toJSONSchema(submissionFields, { io: 'input' }).properties?.completedAt ?? { type: 'string' },
        },
      },
    },
    idempotent: true,
    responses: { 202: json('Awaiting review', submissionAcceptedResponse) },
    problems: { ...withId, ...USER, 409: true, 413: 'More than 10 MB', 415: 'Not a PDF, PNG or JPEG' },
  },
  {
    method: 'post',
    path: '/api/enrollments/{enrollmentId}/withdraw',
    operationId: 'withdrawEnrollment',
    tag: 'Enrollments',
    summary: 'Withdraw, with the refund the program’s policy gives',
    access: 'user',
    who: 'its student, admin',
    params: idParam('enrollmentId'),
    body: { json: withdrawBody },
    idempotent: true,
    responses: { 200: json('Withdrawn', withdrawnResponse) },
    problems: { ...withId, ...USER, 409: 'Completed, closed, withdrawn, expired or never paid' },
  },
  {
    method: 'get',
    path: '/api/submissions/{submissionId}/file',
    operationId: 'getSubmissionFile',
    tag: 'Enrollments',
    summary: 'A submission’s evidence file',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    params: idParam('submissionId'),
    responses: { 200: evidenceFile },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/completion-evidence/{evidenceId}/proof',
    operationId: 'getCompletionProof',
    tag: 'Enrollments',
    summary: 'The certificate proof a holder uploaded when marking complete',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    params: idParam('evidenceId'),
    responses: { 200: evidenceFile },
    problems: { ...withId, ...USER },
  },

  // Review
  {
    method: 'get',
    path: '/api/program-holder/submissions',
    operationId: 'reviewQueue',
    tag: 'Review',
    summary: 'The review queue',
    access: 'user',
    who: 'program holder (own programs), admin',
    query: reviewQueueQuery,
    responses: { 200: json('A page of submissions, oldest first', reviewQueueResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'post',
    path: '/api/program-holder/submissions/{submissionId}/approve',
    operationId: 'approveSubmission',
    tag: 'Review',
    summary: 'Approve evidence: the enrollment completes',
    access: 'user',
    who: 'the program’s holder, admin',
    params: idParam('submissionId'),
    idempotent: true,
    responses: { 200: json('Approved', reviewedResponse) },
    problems: { ...withId, ...USER, 409: 'Reviewed already, or the enrollment no longer awaits review' },
  },
  {
    method: 'post',
    path: '/api/program-holder/submissions/{submissionId}/reject',
    operationId: 'rejectSubmission',
    tag: 'Review',
    summary: 'Reject evidence with a reason',
    access: 'user',
    who: 'the program’s holder, admin',
    params: idParam('submissionId'),
    body: { json: rejectBody },
    idempotent: true,
    responses: { 200: json('Rejected: the enrollment is in progress again', reviewedResponse) },
    problems: { ...withId, ...USER, 409: 'Reviewed already, or the enrollment no longer awaits review' },
  },
  {
    method: 'post',
    path: '/api/program-holder/mark-complete',
    operationId: 'markComplete',
    tag: 'Review',
    summary: 'Mark an enrollment complete',
    access: 'user',
    who: 'the program’s holder, admin',
    body: { json: markCompleteBody },
    idempotent: true,
    responses: { 200: json('Completed', markedCompleteResponse) },
    problems: { ...withId, ...USER, 409: 'Not paid, withdrawn or expired' },
  },

  // Funding
  {
    method: 'post',
    path: '/api/vouchers',
    operationId: 'issueVoucher',
    tag: 'Funding',
    summary: 'Issue a voucher to a student',
    description: 'A funder issues for its own organization; an admin names `organizationId`.',
    access: 'user',
    who: 'funder, admin',
    body: { json: voucherFields },
    idempotent: true,
    responses: { 201: json('Issued', issuedVoucherResponse, location) },
    problems: { 400: true, ...USER, 409: 'The organization issued this number already' },
  },
  {
    method: 'post',
    path: '/api/vouchers/import',
    operationId: 'importVouchers',
    tag: 'Funding',
    summary: 'Issue vouchers from a CSV',
    description: 'The columns of POST /api/vouchers. The valid rows are issued together; importing twice changes nothing.',
    access: 'user',
    who: 'funder, admin',
    query: csvImportQuery,
    body: { csv: 'A header row naming the columns of POST /api/vouchers; at most 5000 rows and 1 MB' },
    idempotent: true,
    responses: { 200: json('Each row’s outcome', voucherImportResponse) },
    problems: { 400: 'Not a CSV, or no header with the needed columns', ...USER, 413: 'More than 1 MB or 5000 rows', 415: 'Not text/csv' },
  },
  {
    method: 'get',
    path: '/api/vouchers',
    operationId: 'listVouchers',
    tag: 'Funding',
    summary: 'Vouchers, with their status and the enrollment each funds',
    access: 'user',
    who: 'funder (own organization), admin',
    query: listQuery,
    responses: { 200: json('A page of vouchers, newest first', voucherListResponse) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/funded-enrollments',
    operationId: 'listFundedEnrollments',
    tag: 'Funding',
    summary: 'The enrollments the organization’s vouchers fund',
    description: 'With `format=csv`: all of them as a CSV attachment.',
    access: 'user',
    who: 'funder (own organization), admin',
    query: fundedEnrollmentsQuery,
    responses: {
      200: {
        description: 'A page of funded enrollments, or the CSV export',
        json: fundedEnrollmentListResponse,
        content: { 'text/csv': { schema: csvText } },
      },
    },
    problems: { 400: true, ...USER },
  },

  // Partners
  {
    method: 'post',
    path: '/api/partners/{partnerId}/api-keys',
    operationId: 'createPartnerApiKey',
    tag: 'Partners',
    summary: 'Create a partner API key (shown once)',
    description: 'A retry with the same Idempotency-Key answers 201 with the key’s Location and no body.',
    access: 'user',
    who: 'admin',
    params: partnerParams,
    idempotent: true,
    responses: { 201: json('The key, once', createdApiKeyResponse, location) },
    problems: { ...withId, ...USER, 404: 'Unknown partner' },
  },
  {
    method: 'delete',
    path: '/api/partners/{partnerId}/api-keys/{id}',
    operationId: 'revokePartnerApiKey',
    tag: 'Partners',
    summary: 'Revoke a partner API key',
    access: 'user',
    who: 'admin',
    params: apiKeyParams,
    idempotent: true,
    responses: { 204: { description: 'Revoked (again: unchanged)' } },
    problems: { ...withId, ...USER, 404: 'Unknown key, or another partner’s' },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/completions',
    operationId: 'reportPartnerCompletion',
    tag: 'Partners',
    summary: 'A partner reports a completion',
    description: 'By `enrollmentId` or the partner’s `externalId`. The first completion wins; later ones are kept as evidence.',
    access: 'partnerKey',
    who: 'the partner',
    params: partnerParams,
    body: { json: partnerCompletionBody },
    idempotent: true,
    responses: { 202: json('Applied, or kept as evidence', completionReceiptResponse) },
    problems: {
      400: true,
      401: 'No X-Api-Key, or an unknown or revoked one',
      403: 'A key of another partner',
      404: 'Unknown enrollment, or not one of this partner’s programs',
      409: 'Not completable in its state, or an ambiguous externalId',
      429: true,
      503: true,
    },
  },
  {
    method: 'post',
    path: '/api/partners/{partnerId}/completions/import',
    operationId: 'importCompletions',
    tag: 'Partners',
    summary: 'Import a partner’s completion report (CSV)',
    description:
      'Columns `enrollmentId` or `externalId`, and `completedAt` (optional `score`, `evidenceUrl`). Applying twice changes nothing.',
    access: 'user',
    who: 'program holder (own programs), admin',
    params: partnerParams,
    query: csvImportQuery,
    body: { csv: 'UTF-8, RFC 4180, a header row first; at most 5000 rows and 1 MB' },
    idempotent: true,
    responses: { 200: json('Each row’s outcome', completionImportResponse) },
    problems: { ...withId, ...USER, 404: 'Unknown partner', 413: 'More than 1 MB or 5000 rows', 415: 'Not text/csv, or binary content' },
  },

  // xAPI
  {
    method: 'post',
    path: '/xapi/statements',
    operationId: 'storeXapiStatements',
    tag: 'xAPI',
    summary: 'Store one statement or an array (all or none)',
    description:
      'As `application/json`, or `multipart/mixed` with attachment content (the statements first, then one part per ' +
      'attachment with `X-Experience-API-Hash`; signed statements carry their JWS so). Every object type is stored; ids are ' +
      'assigned where absent and make retries idempotent; `stored`, `authority` and `version` are set by the LRS. A statement ' +
      'about an Activity whose `context.registration` is an enrollment of this partner counts for it: `completed` / `passed` ' +
      'complete it under the program’s moveOn rule. A voiding statement voids its target. With `?method=GET|PUT|POST` and a ' +
      'form body (`application/x-www-form-urlencoded`: the headers, the parameters and `content`): the alternate request ' +
      'syntax, answered as that method.',
    access: 'xapiBasic',
    who: 'the partner',
    body: {
      json: z.union([xapiStatement, xapiStatementBatch]),
      or: {
        'multipart/mixed': { schema: { type: 'string', description: 'The statements (application/json), then the attachments' } },
        'application/x-www-form-urlencoded': { schema: { type: 'object', description: 'The alternate request syntax' } },
      },
    },
    responses: {
      200: {
        description: 'The statement ids, in order (the alternate syntax’s GET: a statement or a StatementResult)',
        json: xapiStatementsAnswerResponse,
        content: { 'multipart/mixed': { schema: { type: 'string' } } },
      },
      204: { description: 'The alternate syntax’s PUT: stored' },
    },
    problems: {
      400: 'No version header, an unknown parameter, or a malformed statement, attachment part or signature',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      404: 'The alternate syntax’s GET: no such statement',
      409: 'A statement id stored before with other content',
      413: true,
      429: true,
      503: true,
    },
  },
  {
    method: 'put',
    path: '/xapi/statements',
    operationId: 'putXapiStatement',
    tag: 'xAPI',
    summary: 'Store one statement under `statementId`',
    description: 'The body’s `id`, when present, must match; otherwise as POST (JSON or multipart/mixed).',
    access: 'xapiBasic',
    who: 'the partner',
    query: xapiPutQuery,
    body: {
      json: xapiStatement,
      or: { 'multipart/mixed': { schema: { type: 'string', description: 'The statement (application/json), then the attachments' } } },
    },
    responses: { 204: { description: 'Stored (or stored before with the same content)' } },
    problems: {
      400: 'No version header or statementId, or a malformed statement',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      409: 'A statement id stored before with other content',
      413: true,
      429: true,
      503: true,
    },
  },
  {
    method: 'get',
    path: '/xapi/statements',
    operationId: 'getXapiStatements',
    tag: 'xAPI',
    summary: 'One statement, or the statements matching the filters',
    description:
      'By `statementId` (404 when voided) or `voidedStatementId`; otherwise a StatementResult `{ statements, more }`, newest ' +
      'stored first (`ascending=true`: oldest), voided ones left out, at most 100 a page; `more` is the next page’s relative ' +
      'URL (empty when none). A statement whose object is a StatementRef matches a filter its target matches. `format`: ' +
      '`exact` (default), `ids`, `canonical` (one language per language map, from Accept-Language). `attachments=true`: ' +
      'multipart/mixed with the attachments’ content. HEAD answers the same without a body.',
    access: 'xapiBasic',
    who: 'the partner',
    query: xapiGetQuery,
    responses: {
      200: {
        description: 'A statement, or a StatementResult',
        json: xapiStatementsAnswerResponse,
        content: { 'multipart/mixed': { schema: { type: 'string', description: 'The JSON answer, then the attachments' } } },
        headers: XAPI_READ_HEADERS,
      },
    },
    problems: {
      400: 'No version header, an unknown parameter, or a bad value',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      404: 'No such statement of this partner (or voided / not voided)',
      429: true,
      503: true,
    },
  },
  {
    method: 'get',
    path: '/xapi/statements/more/{token}',
    operationId: 'getMoreXapiStatements',
    tag: 'xAPI',
    summary: 'The next page of a GET /xapi/statements (a StatementResult’s `more`)',
    access: 'xapiBasic',
    who: 'the partner',
    params: z.object({ token: z.string().describe('Opaque: as `more` gave it') }),
    responses: {
      200: {
        description: 'A StatementResult',
        json: xapiStatementsAnswerResponse,
        content: { 'multipart/mixed': { schema: { type: 'string' } } },
        headers: XAPI_READ_HEADERS,
      },
    },
    problems: {
      400: 'Not a page this LRS handed out, or a parameter',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      429: true,
      503: true,
    },
  },
  {
    method: 'get',
    path: '/xapi/activities',
    operationId: 'getXapiActivity',
    tag: 'xAPI',
    summary: 'The Activity Object `activityId` names, as the partner’s statements describe it',
    description:
      'Definitions merged, language maps by language, from its newest 1000 statements. The document resources (state, ' +
      'profiles) are not provided.',
    access: 'xapiBasic',
    who: 'the partner',
    query: xapiActivitiesQuery,
    responses: { 200: json('The Activity Object', xapiActivityResponse) },
    problems: {
      400: 'No version header, no or a bad activityId',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      404: 'No statement of this partner mentions it',
      429: true,
      503: true,
    },
  },
  {
    method: 'get',
    path: '/xapi/agents',
    operationId: 'getXapiPerson',
    tag: 'xAPI',
    summary: 'The Person Object for `agent` (the JSON of an Agent)',
    description: 'Its identifier and the names the partner’s statements gave it.',
    access: 'xapiBasic',
    who: 'the partner',
    query: xapiAgentsQuery,
    responses: { 200: json('The Person Object', xapiPersonResponse) },
    problems: {
      400: 'No version header, no agent, or not an Agent with one identifier',
      401: 'No Basic credentials, or a partner id and key that do not match a live key',
      429: true,
      503: true,
    },
  },
  {
    method: 'get',
    path: '/xapi/about',
    operationId: 'getXapiAbout',
    tag: 'xAPI',
    summary: 'The xAPI versions this LRS accepts',
    description: 'No credentials or version header needed.',
    access: 'public',
    responses: { 200: json('The versions', xapiAboutResponse) },
    problems: { 400: 'A parameter (it takes none)', ...PUBLIC },
  },

  // LTI
  {
    method: 'post',
    path: '/api/partners/{partnerId}/lti-tools',
    operationId: 'registerLtiTool',
    tag: 'LTI',
    summary: 'Register the partner’s LTI 1.3 tool (one per partner)',
    description:
      'A program of this partner then launches by LTI. `redirectUris`: other URLs the tool may receive the id_token at ' +
      '(the target link URI always may). Every URL: in production https, resolving to public addresses only (the ' +
      'platform fetches `jwksUrl` through the same outbound guard on every read).',
    access: 'user',
    who: 'admin',
    params: partnerParams,
    body: { json: ltiToolBody },
    idempotent: true,
    responses: { 201: json('The registered tool', ltiToolResponse, location) },
    problems: {
      ...withId,
      ...USER,
      404: 'Unknown partner',
      409: 'The partner has a tool already, or the client id is taken',
    },
  },
  {
    method: 'get',
    path: '/lti/jwks',
    operationId: 'getLtiJwks',
    tag: 'LTI',
    summary: 'The LTI platform’s public signing keys',
    description: 'RS256, each with its `kid`; a rotated key stays published for a day.',
    access: 'public',
    responses: { 200: json('A JWK Set', jwksResponse) },
    problems: { 429: true, 503: true },
  },
  {
    method: 'get',
    path: '/lti/authorize',
    operationId: 'authorizeLtiLaunch',
    tag: 'LTI',
    summary: 'The launch’s OIDC authorization endpoint (third-party initiated login)',
    description:
      'Checks `client_id`, `redirect_uri` (registered), `response_type=id_token`, `response_mode=form_post`, ' +
      '`scope=openid`, `prompt=none`, `nonce` (once per tool), `state`, and the `login_hint` / `lti_message_hint` the ' +
      'launch issued (signed, 5 minutes, once). Answers an HTML form that posts `id_token` (an `LtiResourceLinkRequest`) ' +
      'and `state` to `redirect_uri`.',
    access: 'public',
    who: 'the tool (a browser redirect)',
    query: ltiAuthorizeRequest,
    responses: { 200: text('The auto-posting form (a visible button without script)', 'text/html', html) },
    problems: LTI_AUTHORIZE_PROBLEMS,
  },
  {
    method: 'post',
    path: '/lti/authorize',
    operationId: 'authorizeLtiLaunchByForm',
    tag: 'LTI',
    summary: 'The same as GET, with the parameters form-encoded',
    access: 'public',
    who: 'the tool (a browser redirect)',
    body: { form: ltiAuthorizeRequest },
    responses: { 200: text('The auto-posting form', 'text/html', html) },
    problems: LTI_AUTHORIZE_PROBLEMS,
  },
  {
    method: 'post',
    path: '/lti/token',
    operationId: 'issueLtiAccessToken',
    tag: 'LTI',
    summary: 'An AGS access token: OAuth 2 client credentials with a JWT client assertion (RFC 7523)',
    description:
      'The `client_assertion` is signed by a key of the tool’s JWKS; `iss` = `sub` = its client id, `aud` = this endpoint, ' +
      'a new `jti`, at most 10 minutes. Problems carry the OAuth `error` too.',
    access: 'public',
    who: 'the tool',
    body: { form: ltiTokenRequest },
    responses: { 200: json('An access token (15 minutes)', ltiAccessTokenResponse) },
    problems: {
      400: 'A missing or wrong parameter, or no AGS scope (`error: "invalid_scope"`)',
      401: 'A client assertion not from a registered tool, forged, expired, too long-lived, for another audience, or replayed (`error: "invalid_client"`)',
      429: true,
      503: 'The tool’s JWKS could not be read',
    },
  },
  {
    method: 'get',
    path: '/lti/lineitems/{enrollmentId}',
    operationId: 'getLtiLineItem',
    tag: 'LTI',
    summary: 'AGS 2.0: the enrollment’s line item',
    access: 'ltiAccessToken',
    scopes: [LTI_SCOPES.lineitem],
    who: 'the tool',
    params: ltiEnrollmentParams,
    responses: { 200: { description: 'The line item', content: { [LINE_ITEM_TYPE]: { schema: componentRef(ltiLineItemResponse) } } } },
    problems: { ...LTI_AGS_PROBLEMS, 403: 'The token lacks the lineitem scope' },
  },
  {
    method: 'post',
    path: '/lti/lineitems/{enrollmentId}/scores',
    operationId: 'postLtiScore',
    tag: 'LTI',
    summary: 'AGS 2.0: a score for the learner of the launch',
    description:
      '`userId` is the id_token’s `sub`. Every score is kept and audited; `Completed` + `FullyGraded` (at least the ' +
      'program’s `passingScorePercent`, when it has one) completes the enrollment as `lti_ags`, first completion wins.',
    access: 'ltiAccessToken',
    scopes: [LTI_SCOPES.score],
    who: 'the tool',
    params: ltiEnrollmentParams,
    body: { json: ltiScoreBody, mediaType: 'application/vnd.ims.lis.v1.score+json' },
    responses: { 200: json('Kept, and what it did', ltiScoreReceiptResponse) },
    problems: {
      ...LTI_AGS_PROBLEMS,
      400: 'A malformed score (`errors`), or an impossible completion date',
      403: 'The token lacks the score scope',
      409: 'The enrollment cannot be completed in its state',
      415: 'Not application/vnd.ims.lis.v1.score+json',
      422: '`userId` is not this line item’s learner',
      503: 'Temporal did not answer',
    },
  },
  {
    method: 'get',
    path: '/lti/lineitems/{enrollmentId}/results',
    operationId: 'getLtiResults',
    tag: 'LTI',
    summary: 'AGS 2.0: the learner’s latest result',
    access: 'ltiAccessToken',
    scopes: [LTI_SCOPES.resultReadonly],
    who: 'the tool',
    params: ltiEnrollmentParams,
    responses: { 200: { description: 'The results', content: { [RESULTS_TYPE]: { schema: componentRef(ltiResultsResponse) } } } },
    problems: { ...LTI_AGS_PROBLEMS, 403: 'The token lacks the result.readonly scope' },
  },

  // Webhooks
  {
    method: 'post',
    path: '/api/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Register a webhook endpoint',
    description:
      '`url`: in production https, resolving to public addresses only. `events`: event types, or `["*"]` (an admin only). ' +
      'An admin’s endpoint hears every program, a holder’s its own (`programIds`: some of them). The Standard Webhooks ' +
      '`secret` (`whsec_…`) is in this answer only: a retry with the same Idempotency-Key answers 201 with no body.',
    access: 'user',
    who: 'admin, program holder',
    body: { json: webhookEndpointBody },
    idempotent: true,
    responses: { 201: json('The endpoint and its secret', createdWebhookEndpointResponse, location) },
    problems: {
      400: 'A bad field, or a URL the outbound policy refuses (each named in `errors`)',
      ...USER,
      403: 'Not an admin or program holder, or a holder asking for "*"',
      404: 'A program that does not exist or is another holder’s',
    },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    tag: 'Webhooks',
    summary: 'The caller’s endpoints (an admin: every one), without their secrets',
    access: 'user',
    who: 'admin, program holder',
    responses: { 200: json('The endpoints, newest first', webhookEndpointListResponse) },
    problems: USER,
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints/{id}',
    operationId: 'getWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'One endpoint, with when its live secrets were made and expire (never their values)',
    access: 'user',
    who: 'its owner, admin',
    params: webhookEndpointParams,
    responses: { 200: json('The endpoint', webhookEndpointResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/disable',
    operationId: 'disableWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Stop sending: the endpoint hears no new event; its pending deliveries wait',
    access: 'user',
    who: 'its owner, admin',
    params: webhookEndpointParams,
    idempotent: true,
    responses: { 200: json('The endpoint', webhookEndpointResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/enable',
    operationId: 'enableWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Send again: pending deliveries go out in order, each with a fresh retry window',
    access: 'user',
    who: 'its owner, admin',
    params: webhookEndpointParams,
    idempotent: true,
    responses: { 200: json('The endpoint', webhookEndpointResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: 'A new secret, shown once',
    description:
      'The previous ones keep signing for `overlapSeconds` (default 86400, at most 604800), each delivery carrying one ' +
      'signature per live secret. A retry with the same Idempotency-Key answers 200 with no body.',
    access: 'user',
    who: 'its owner, admin',
    params: webhookEndpointParams,
    body: { json: rotateWebhookSecretBody },
    idempotent: true,
    responses: { 200: json('The new secret', rotatedWebhookSecretResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/api/webhook-endpoints/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'Each event sent to the endpoint, newest first, as sent, with its status and every attempt',
    description: 'A delivery is `failed` after 3 days of exponential back-off.',
    access: 'user',
    who: 'its owner, admin',
    params: webhookEndpointParams,
    query: webhookDeliveriesQuery,
    responses: { 200: json('A page of deliveries', webhookDeliveryListResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'post',
    path: '/api/webhook-endpoints/{id}/deliveries/{deliveryId}/replay',
    operationId: 'replayWebhookDelivery',
    tag: 'Webhooks',
    summary: 'Send a delivered or failed delivery again',
    description: 'The same body and `webhook-id`, a fresh retry window; its attempts stay on record.',
    access: 'user',
    who: 'its owner, admin',
    params: webhookDeliveryParams,
    idempotent: true,
    responses: { 202: json('Pending again', replayedWebhookDeliveryResponse) },
    problems: { ...withId, ...USER, 409: 'Still pending, or the endpoint is disabled' },
  },

  // Payments
  {
    method: 'post',
    path: '/api/webhooks/stripe',
    operationId: 'stripeWebhook',
    tag: 'Payments',
    summary: 'Stripe events, signed',
    description: 'A paid `checkout.session.completed` confirms its enrollment’s payment when amount and currency match.',
    access: 'stripe',
    who: 'Stripe',
    body: { raw: 'The event exactly as Stripe signed it' },
    responses: { 200: json('Received (applied or not)', stripeEventReceiptResponse) },
    problems: { 400: 'No Stripe-Signature, or one that does not match', 413: true, 429: 'Too many refused events', 503: 'Not configured' },
  },
  {
    method: 'get',
    path: '/checkout/return',
    operationId: 'checkoutReturn',
    tag: 'Payments',
    summary: 'Where the checkout sends the student back (HTML)',
    access: 'public',
    query: checkoutReturnQuery,
    responses: { 200: text('A page linking to the enrollment', 'text/html', html) },
    problems: { 400: true },
  },

  // Certificates
  {
    method: 'get',
    path: '/api/certificates/{certificateId}.pdf',
    operationId: 'getCertificatePdf',
    tag: 'Certificates',
    summary: 'The certificate PDF',
    access: 'user',
    who: 'its student, its program’s holder, admin',
    params: idParam('certificateId'),
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
    params: idParam('certificateId'),
    responses: { 200: text('A compact JWS; its `kid` serves the public key', 'application/vc+jwt') },
    problems: { ...withId, ...USER },
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
    params: idParam('certificateId'),
    body: { json: revokeBody },
    idempotent: true,
    responses: { 200: json('Revoked', revokedCertificateResponse) },
    problems: { ...withId, ...USER, 409: 'Revoked already' },
  },
  {
    method: 'get',
    path: '/verify/{code}',
    operationId: 'verifyCertificate',
    tag: 'Certificates',
    summary: 'Public certificate verification',
    description: 'HTML, or JSON with `Accept: application/json`.',
    access: 'public',
    params: verificationCodeParam,
    responses: {
      200: {
        description: 'Valid or revoked',
        json: verificationResponse,
        content: { 'text/html': { schema: html } },
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
    params: keyThumbprintParam,
    responses: {
      200: { description: 'A bare public JWK', content: { 'application/jwk+json': { schema: componentRef(publicJwkResponse) } } },
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
    params: listIdParam,
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
    params: listIdParam,
    responses: { 200: text('The status list credential, a compact JWS', 'application/vc+jwt') },
    problems: { ...withId, 404: 'No such list', ...PUBLIC },
  },

  // Reports
  {
    method: 'get',
    path: '/api/reports/wioa',
    operationId: 'wioaReport',
    tag: 'Reports',
    summary: 'WIOA participant records shaped after the PIRL (CSV)',
    description: 'A funder sees its own participants. Header cells carry the PIRL number and name; dates YYYYMMDD.',
    access: 'user',
    who: 'admin, funder (own participants)',
    query: wioaReportQuery,
    responses: { 200: text('The records, streamed', 'text/csv', csvText) },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/reports/etp',
    operationId: 'etpReport',
    tag: 'Reports',
    summary: 'ETA-9171-style counts per program',
    description: 'With `format=csv`, one CSV line per program; with `format` given, an attachment.',
    access: 'user',
    who: 'admin',
    query: etpReportQuery,
    responses: { 200: { description: 'The counts', json: etpReportResponse, content: { 'text/csv': { schema: csvText } } } },
    problems: { 400: true, ...USER },
  },
  {
    method: 'get',
    path: '/api/reports/revenue-share',
    operationId: 'revenueShareReport',
    tag: 'Reports',
    summary: 'The revenue-share ledger, reconciled against what was collected',
    description: 'CSV with `Accept: text/csv` or `format=csv`. A program holder sees only its own programs.',
    access: 'user',
    who: 'admin, program holder (own programs)',
    query: revenueShareQuery,
    responses: {
      200: {
        description: 'The report',
        json: revenueShareReportResponse,
        content: { 'text/csv': { schema: csvText } },
        headers: {
          'Revenue-Share-Reconciled': { description: 'Whether the shares equal what was collected', schema: { type: 'boolean' } },
        },
      },
    },
    problems: { 400: true, ...USER },
  },

  // AI tutor
  {
    method: 'post',
    path: '/api/ai-tutor/chat',
    operationId: 'tutorChat',
    tag: 'AI tutor',
    summary: 'Ask the AI tutor',
    description:
      'About a program (`courseId`) or one of your enrollments (`enrollmentId`); continue with `conversationId`. With ' +
      '`Accept: text/event-stream`, server-sent events: `delta` … then `done` (or `error`).',
    access: 'user',
    who: 'student',
    body: { json: tutorChatBody },
    idempotent: true,
    responses: {
      200: {
        description: 'The reply',
        json: tutorReplyResponse,
        content: { 'text/event-stream': { schema: { type: 'string', description: 'data: {"type":"delta","text":…} events' } } },
      },
    },
    problems: {
      ...withId,
      ...USER,
      429: 'Rate limit or daily token budget reached',
      503: 'No model configured, or the model failed (nothing saved)',
    },
  },
  {
    method: 'get',
    path: '/api/ai-tutor/conversations/{conversationId}',
    operationId: 'getConversation',
    tag: 'AI tutor',
    summary: 'A saved conversation',
    access: 'user',
    who: 'its student, admin',
    params: idParam('conversationId'),
    responses: { 200: json('The conversation', conversationResponse) },
    problems: { ...withId, ...USER },
  },
  {
    method: 'get',
    path: '/widget/ai-tutor.js',
    operationId: 'getTutorWidget',
    tag: 'AI tutor',
    summary: 'The `<ai-tutor>` web component',
    description: 'Plain JavaScript, no dependencies; embeddable from any origin. Cacheable for an hour, with an ETag.',
    access: 'public',
    responses: { 200: text('The script', 'application/javascript'), 304: { description: 'Not modified' } },
    problems: UNLIMITED,
  },

  // Operations
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tag: 'Operations',
    summary: 'Alive',
    access: 'public',
    responses: { 200: json('Alive', healthResponse) },
    problems: { 401: REFUSED_TOKEN },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tag: 'Operations',
    summary: 'Temporal and PostgreSQL reachable',
    access: 'public',
    responses: {
      200: json('Ready', readinessResponse),
      503: json('Not ready; `checks` says which is down', readinessResponse, {
        'Retry-After': { description: 'Seconds', schema: { type: 'integer' } },
      }),
    },
    problems: { 401: REFUSED_TOKEN },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics',
    description: 'With METRICS_TOKEN it needs that bearer token; with METRICS_PORT it is served on that port only.',
    access: 'metrics',
    responses: { 200: text('The metrics', 'text/plain') },
    problems: { 401: 'No or wrong metrics token' },
  },

  // Documentation
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'Documentation',
    summary: 'This document (OpenAPI 3.1)',
    access: 'public',
    responses: { 200: text('The document', 'application/json', { type: 'object' }) },
    problems: UNLIMITED,
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    tag: 'Documentation',
    summary: 'The API’s documentation page',
    access: 'public',
    responses: { 200: text('Swagger UI on this document', 'text/html', html) },
    problems: UNLIMITED,
  },
  {
    method: 'get',
    path: '/problems',
    operationId: 'listProblemTypes',
    tag: 'Documentation',
    summary: 'Every problem type the API answers with',
    description: 'HTML, or JSON with `Accept: application/json`.',
    access: 'public',
    responses: { 200: { description: 'The problem types', json: problemTypeListResponse, content: { 'text/html': { schema: html } } } },
    problems: UNLIMITED,
  },
  {
    method: 'get',
    path: '/problems/{type}',
    operationId: 'getProblemType',
    tag: 'Documentation',
    summary: 'A problem type: what it means and what to do',
    description: 'The page a problem’s `type` leads to. HTML, or JSON with `Accept: application/json`.',
    access: 'public',
    params: problemTypeParam,
    responses: { 200: { description: 'The problem type', json: problemTypeResponse, content: { 'text/html': { schema: html } } } },
    problems: { 404: 'Not a problem type', ...UNLIMITED },
  },
];

/**
 * Served routes that are not API operations, each group with why (tests/api/openapi.test.ts checks that every served
 * route is an operation above or matches one of these, and that each of these matches a served route).
 */
export const UNDOCUMENTED_ROUTES: { pattern: RegExp; why: string }[] = [
  {
    pattern: /^(GET|POST) \/(|login|logout|auth\/callback|(holder|funder|admin|student)(\/.*)?)$/,
    why: 'the web console: HTML pages and their forms (session, CSRF), a browser UI rather than an API',
  },
  { pattern: /^GET \/(assets\/(page|console)\.css|docs\/(docs|swagger-ui-bundle)\.js|docs\/(docs|swagger-ui)\.css)$/, why: 'static files' },
  {
    pattern: /^(GET|POST) \/(checkout\/simulated\/.*|partners\/demo\/launch|demo\/student(\.js|\.css)?|demo-partner\/.*)$/,
    why: 'development stand-ins (demo/), never served in production',
  },
  {
    pattern: /^ALL \/xapi\/statements$/,
    why: 'one route for the statement resource: its GET, POST and PUT are operations; other methods answer 405',
  },
  { pattern: /^ALL \/xapi\/about$/, why: 'the 405 answer for the methods /xapi/about does not take' },
  {
    pattern: /^ALL \/xapi\/\{\*resource\}$/,
    why: 'the xAPI document resources (state, activity and agent profiles) are not provided: 404 after the credentials',
  },
  { pattern: /^GET \/lti\/autopost\.js$/, why: 'a static script: submits the LTI launch form (the CSP allows no inline script)' },
];

// ── The document ───────────────────────────────────────────────────────────────────────────────────────

/** JSON Schema of a zod schema: no `$schema` (the document's dialect is 2020-12), formats without zod's long patterns. */
const FORMATS = new Set(['date-time', 'date', 'uuid', 'email', 'uri']);
const override = ({ jsonSchema: j }: { jsonSchema: Record<string, unknown> }) => {
  if (typeof j.format === 'string' && FORMATS.has(j.format)) delete j.pattern;
  if (j.minimum === Number.MIN_SAFE_INTEGER) delete j.minimum;
  if (j.maximum === Number.MAX_SAFE_INTEGER) delete j.maximum;
};
/**
 * What a request may hold, as the API reads it: no string and no object key with NUL (U+0000), which PostgreSQL cannot
 * store (api/unstorable-text.ts refuses them with a 400 before any route).
 */
const STORABLE_TEXT = '^[^\\u0000]*$';
const overrideInput = (ctx: { jsonSchema: Record<string, unknown> }) => {
  override(ctx);
  const j = ctx.jsonSchema;
  if (j.type === 'string' && !('pattern' in j || 'format' in j || 'enum' in j || 'const' in j)) j.pattern = STORABLE_TEXT;
  if (j.type === 'object' && j.additionalProperties !== false) j.propertyNames = { pattern: STORABLE_TEXT };
  // Fields a body may carry beyond the named ones are ignored, but are held to the same rule.
  if (j.type === 'object' && !('additionalProperties' in j)) j.additionalProperties = { $ref: '#/components/schemas/StorableJson' };
};
/** Any JSON value without NUL in a string or a key (see STORABLE_TEXT). */
const STORABLE_JSON = {
  description: 'Any JSON value without NUL (U+0000) in a string or a key',
  anyOf: [
    { type: ['null', 'boolean', 'number'] },
    { type: 'string', pattern: STORABLE_TEXT },
    { type: 'array', items: { $ref: '#/components/schemas/StorableJson' } },
    { type: 'object', propertyNames: { pattern: STORABLE_TEXT }, additionalProperties: { $ref: '#/components/schemas/StorableJson' } },
  ],
};
const options = (io: 'input' | 'output') => ({ io, unrepresentable: 'any' as const, override: io === 'input' ? overrideInput : override });
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, options(io)) as Record<string, unknown>;
  return rest;
}

const PROBLEM_RESPONSES: Record<ProblemStatus, { name: string; description: string; headers?: Record<string, object> }> = {
  400: { name: 'BadRequest', description: 'Bad input; `errors` names each bad field' },
  401: {
    name: 'Unauthorized',
    description: 'No or bad credentials',
    headers: { 'WWW-Authenticate': { description: 'The scheme expected', schema: { type: 'string' } } },
  },
  403: { name: 'Forbidden', description: 'Not allowed for this caller' },
  404: { name: 'NotFound', description: 'Unknown, or not visible to this caller' },
  409: { name: 'Conflict', description: 'Not allowed in the current state' },
  413: { name: 'TooLarge', description: 'The body is too large' },
  415: { name: 'UnsupportedMediaType', description: 'The body’s type is not accepted' },
  422: { name: 'Unprocessable', description: 'Well formed, but refers to something unusable' },
  429: { name: 'TooManyRequests', description: 'Rate limited', headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } },
  503: {
    name: 'Unavailable',
    description: 'A dependency is down or did not answer in time',
    headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
  },
};

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  user: [{ bearer: [] }, { consoleSession: [] }],
  partnerKey: [{ partnerKey: [] }],
  xapiBasic: [{ xapiBasic: [] }],
  ltiAccessToken: [{ ltiAccessToken: [] }],
  stripe: [{ stripeSignature: [] }],
  metrics: [{}, { metricsToken: [] }],
};

function parameters(op: Operation): object[] {
  const path = op.params ? schemaOf(op.params, 'input') : { properties: {} };
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
  const pathProperties = (path.properties ?? {}) as Record<string, object>;
  const missing = names.filter((n) => !pathProperties[n]);
  if (missing.length || names.length !== Object.keys(pathProperties).length) {
    throw new Error(`${op.operationId}: path parameters ${names.join(', ')} must match its params schema`);
  }
  const query = op.query ? schemaOf(op.query, 'input') : undefined;
  const queryRequired = new Set((query?.required as string[] | undefined) ?? []);
  return [
    ...names.map((name) => ({ name, in: 'path', required: true, schema: pathProperties[name] })),
    ...Object.entries((query?.properties ?? {}) as Record<string, object>).map(([name, schema]) => ({
      name,
      in: 'query',
      ...(queryRequired.has(name) && { required: true }),
      schema,
    })),
    ...(op.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    ...(op.access === 'xapiBasic' ? [{ $ref: '#/components/parameters/XapiVersion' }] : []),
  ];
}

function requestBody(body: NonNullable<Operation['body']>): object {
  if ('json' in body) {
    const content = { [body.mediaType ?? 'application/json']: { schema: schemaOf(body.json, 'input') }, ...body.or };
    // A request without a body is read as `{}` (problems.ts `parse`): a body of optional fields may be left out.
    return { required: !body.json.safeParse({}).success, content };
  }
  if ('form' in body) return { required: true, content: { 'application/x-www-form-urlencoded': { schema: schemaOf(body.form, 'input') } } };
  if ('multipart' in body) return { required: true, content: { 'multipart/form-data': { schema: body.multipart } } };
  if ('csv' in body) return { required: true, description: body.csv, content: { 'text/csv': { schema: csvText } } };
  return { required: true, description: body.raw, content: { 'application/json': { schema: { type: 'object' } } } };
}

function reply(r: Reply): object {
  const content = { ...(r.json && { 'application/json': { schema: componentRef(r.json) } }), ...r.content };
  return { description: r.description, ...(r.headers && { headers: r.headers }), ...(Object.keys(content).length && { content }) };
}

function operationObject(op: Operation): object {
  const params = parameters(op);
  // Every body has a size limit (JSON: 256 KB, unless the operation names its own).
  // An Idempotency-Key whose first request is still running answers 409 with Retry-After (its own 409 description
  // stays); one reused for another request, 422.
  const own422 = op.problems[422];
  const reused =
    typeof own422 === 'string' ? `${own422}; or the Idempotency-Key was used before for another request` : IDEMPOTENCY_KEY_REUSED;
  const idempotencyProblems = op.idempotent && { 409: op.problems[409] ?? true, 422: reused };
  const problems = Object.entries({ ...(op.body && { 413: true }), ...op.problems, ...idempotencyProblems }).map(
    ([status, text]): [string, object] => {
      const ref = { $ref: `#/components/responses/${PROBLEM_RESPONSES[Number(status) as ProblemStatus].name}` };
      return [status, typeof text === 'string' ? { ...ref, description: text } : ref];
    },
  );
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...((op.description || op.who) && { description: [op.who && `Who: ${op.who}.`, op.description].filter(Boolean).join(' ') }),
    ...(params.length && { parameters: params }),
    ...(op.body && { requestBody: requestBody(op.body) }),
    responses: Object.fromEntries([
      ...Object.entries(op.responses).map(([status, r]): [string, object] => [status, reply(r)]),
      ...problems,
      ['431', { $ref: '#/components/responses/HeadersTooLarge' }],
    ]),
    security: op.access === 'ltiAccessToken' ? [{ ltiAccessToken: op.scopes ?? [] }] : SECURITY[op.access],
  };
}

/** The document, as /openapi.json serves it for a server at `serverUrl`. */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operationObject(op);
  const { schemas } = z.toJSONSchema(responseComponents, { ...options('output'), uri: (id) => `#/components/schemas/${id}` });
  return {
    openapi: '3.1.0',
    info: {
      title: 'credential-marketplace',
      version: '0.1.0',
      description:
        'A workforce-training marketplace: every enrollment is a Temporal workflow. Errors are RFC 9457 problems ' +
        '(`application/problem+json`) whose `type` leads to a page saying what it means and what to do ' +
        '([the problem types](/problems)).',
      license: { name: 'Proprietary (UNLICENSED)', identifier: 'LicenseRef-UNLICENSED' },
    },
    servers: [{ url: serverUrl }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: {
        ...Object.fromEntries(
          Object.entries(schemas).map(([id, schema]) => {
            const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
            return [id, rest];
          }),
        ),
        StorableJson: STORABLE_JSON,
      },
      responses: {
        ...Object.fromEntries(
          Object.values(PROBLEM_RESPONSES).map(({ name, description, headers }) => [
            name,
            {
              description,
              ...(headers && { headers }),
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          ]),
        ),
        // Node's HTTP parser refuses a request line and headers over 16 KB before any route sees them (no body).
        HeadersTooLarge: { description: 'The URL and headers together are larger than 16 KB' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'A retry with the same key (1 to 255 visible ASCII characters) answers the first result',
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
        },
        XapiVersion: {
          name: 'X-Experience-API-Version',
          in: 'header',
          required: true,
          schema: { type: 'string', pattern: '^1\\.0(\\.\\d+)?$', examples: ['1.0.3'] },
        },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT with `sub` and `role`' },
        consoleSession: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'A signed-in console session, same-site requests only; a change also needs the X-CSRF-Token header',
        },
        partnerKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'A partner API key, valid for its own partner only' },
        xapiBasic: { type: 'http', scheme: 'basic', description: 'xAPI: the partner id as user name and one of its API keys as password' },
        ltiAccessToken: {
          type: 'oauth2',
          description: 'LTI Advantage AGS: an LTI tool’s access token, by client credentials with a JWT client assertion (RFC 7523)',
          flows: { clientCredentials: { tokenUrl: '/lti/token', scopes: LTI_AGS_SCOPE_WORDS } },
        },
        stripeSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Stripe-Signature',
          description: 'Stripe’s signature of the body with STRIPE_WEBHOOK_SECRET',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the server sets one' },
      },
    },
  };
}
