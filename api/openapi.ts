/**
 * /openapi.json: OpenAPI 3.1, assembled by zod-openapi from the operations each route declares beside it (what they say:
 * api/openapi-operation.ts) and the response schemas registered with `named` (components.schemas). Every route the app
 * serves is an operation here, except the ones `UNDOCUMENTED_ROUTES` names and says why; tests/api/openapi.test.ts
 * compares the two, lints this document with Redocly and checks answers against it.
 */
import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { LTI } from '../capabilities/completion/lti/lti';
import { SESSION_COOKIE } from '../lib/web/pages';
import { type Access, type Operation, type ProblemStatus, TAGS } from './openapi-operation';
import { problemResponse } from './schemas';
// The operations, each list beside the routes that serve them.
import { programsOperations } from '../capabilities/programs/programs.routes';
import { enrollmentsOperations } from '../capabilities/enrollments/enrollments.routes';
import { reviewOperations } from '../capabilities/completion/evidence/review.routes';
import { fundingOperations } from '../capabilities/funding/funding.routes';
import { partnersOperations } from '../capabilities/completion/partners/partners.routes';
import { xapiOperations } from '../capabilities/completion/xapi/xapi.openapi';
import { ltiOperations } from '../capabilities/completion/lti/lti.routes';
import { webhooksOperations } from '../capabilities/webhooks/webhooks.routes';
import { privacyRequestsOperations } from '../capabilities/privacy/privacy-requests.routes';
import { paymentsOperations } from '../capabilities/enrollments/payments.routes';
import { certificatesOperations } from '../capabilities/credentials/certificates.routes';
import { wioaOperations } from '../capabilities/reports/wioa.routes';
import { revenueShareOperations } from '../capabilities/reports/revenue-share.routes';
import { tutorOperations } from '../capabilities/tutor/tutor.routes';
import { widgetOperations } from '../capabilities/tutor/widget.routes';
import { privacyOperations } from '../capabilities/privacy/privacy.routes';
import { opsOperations } from './ops.openapi';
import { docsOperations } from './docs.routes';
import { problemsOperations } from './problems.routes';

/** Every operation, as each route declares it beside itself; the document lists them in this order. */
const OPERATIONS: Operation[] = [
  ...programsOperations,
  ...enrollmentsOperations,
  ...reviewOperations,
  ...fundingOperations,
  ...partnersOperations,
  ...xapiOperations,
  ...ltiOperations,
  ...webhooksOperations,
  ...paymentsOperations,
  ...certificatesOperations,
  ...wioaOperations,
  ...revenueShareOperations,
  ...tutorOperations,
  ...widgetOperations,
  ...privacyOperations,
  ...privacyRequestsOperations,
  ...opsOperations,
  ...docsOperations,
  ...problemsOperations,
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
  {
    pattern: /^GET \/(assets\/(\{file\}|page\.css)|docs\/(docs|swagger-ui-bundle)\.js|docs\/(docs|swagger-ui)\.css)$/,
    why: 'static files',
  },
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

// ── Conventions: from what an operation declares to OpenAPI ───────────────────────────────────────────

/** JSON Schema of a zod schema: formats without zod's long patterns. */
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
  // A discriminated union is `type: object` too (zod-openapi): its options hold the rule, each an object.
  if (j.type !== 'object' || 'oneOf' in j) return;
  if (j.additionalProperties !== false) j.propertyNames = { pattern: STORABLE_TEXT };
  // Fields a body may carry beyond the named ones are ignored, but are held to the same rule.
  if (!('additionalProperties' in j)) j.additionalProperties = { $ref: '#/components/schemas/StorableJson' };
};
/** Any JSON value without NUL in a string or a key (see STORABLE_TEXT). */
const STORABLE_JSON: oas31.SchemaObject = {
  description: 'Any JSON value without NUL (U+0000) in a string or a key',
  anyOf: [
    { type: ['null', 'boolean', 'number'] },
    { type: 'string', pattern: STORABLE_TEXT },
    { type: 'array', items: { $ref: '#/components/schemas/StorableJson' } },
    { type: 'object', propertyNames: { pattern: STORABLE_TEXT }, additionalProperties: { $ref: '#/components/schemas/StorableJson' } },
  ],
};

const PROBLEM_RESPONSES: Record<ProblemStatus, { name: string; description: string; headers?: oas31.HeadersObject }> = {
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
const LTI_AGS_SCOPE_WORDS = {
  [LTI.scopes.lineitem]: 'read the line item',
  [LTI.scopes.score]: 'post scores',
  [LTI.scopes.resultReadonly]: 'read results',
};
const IDEMPOTENCY_KEY_REUSED = 'The Idempotency-Key was used before for a different request';

function operationObject(op: Operation): ZodOpenApiOperationObject {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
  const declared = Object.keys(op.requestParams?.path?.shape ?? {});
  if (names.length !== declared.length || names.some((n) => !declared.includes(n))) {
    throw new Error(`${op.operationId}: path parameters ${names.join(', ')} must match its path schema`);
  }
  for (const reply of Object.values(op.responses)) {
    for (const media of Object.values(reply.content ?? {})) {
      if (media?.schema instanceof z.ZodType && !z.globalRegistry.get(media.schema)?.id) {
        throw new Error(`${op.operationId}: a response schema must be registered with \`named\` (core/schemas.ts)`);
      }
    }
  }
  // Every body has a size limit (JSON: 256 KB, unless the operation names its own).
  // An Idempotency-Key whose first request is still running answers 409 with Retry-After (its own 409 description
  // stays); one reused for another request, 422.
  const own422 = op.problems[422];
  const reused =
    typeof own422 === 'string' ? `${own422}; or the Idempotency-Key was used before for another request` : IDEMPOTENCY_KEY_REUSED;
  const idempotencyProblems = op.idempotent && { 409: op.problems[409] ?? true, 422: reused };
  const problems = Object.entries({ ...(op.requestBody && { 413: true }), ...op.problems, ...idempotencyProblems }).map(
    ([status, text]): [string, object] => {
      const ref = { $ref: `#/components/responses/${PROBLEM_RESPONSES[Number(status) as ProblemStatus].name}` };
      return [status, typeof text === 'string' ? { ...ref, description: text } : ref];
    },
  );
  const headers = [
    ...(op.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    ...(op.access === 'xapiBasic' ? [{ $ref: '#/components/parameters/XapiVersion' }] : []),
  ];
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...((op.description || op.who) && { description: [op.who && `Who: ${op.who}.`, op.description].filter(Boolean).join(' ') }),
    ...(op.requestParams && { requestParams: op.requestParams }),
    ...(headers.length && { parameters: headers }),
    ...(op.requestBody && { requestBody: op.requestBody }),
    responses: Object.fromEntries([
      ...Object.entries(op.responses),
      ...problems,
      ['431', { $ref: '#/components/responses/HeadersTooLarge' }],
    ]) as ZodOpenApiResponsesObject,
    security: op.access === 'ltiAccessToken' ? [{ ltiAccessToken: op.scopes ?? [] }] : SECURITY[op.access],
  };
}

/** The document, as /openapi.json serves it for a server at `serverUrl`. */
export function openApiDocument(serverUrl: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of OPERATIONS) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is declared twice`);
    item[op.method] = operationObject(op);
  }
  const document: ZodOpenApiObject = {
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
      schemas: { StorableJson: STORABLE_JSON },
      responses: {
        ...Object.fromEntries(
          Object.values(PROBLEM_RESPONSES).map(({ name, description, headers }) => [
            name,
            {
              description,
              ...(headers && { headers }),
              content: { 'application/problem+json': { schema: problemResponse } },
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
  return createDocument(document, { override: (ctx) => (ctx.io === 'input' ? overrideInput : override)(ctx) });
}
