/**
 * How a route declares its operation of /openapi.json, beside the route (each `*.routes.ts` exports its list; api/openapi.ts
 * assembles them with zod-openapi). Parameters, bodies and answers are zod-openapi's own objects with the zod schemas the
 * route validates with; the rest says our conventions once: who may call (`access`), the problems it answers,
 * whether it takes an Idempotency-Key.
 */
import type { z } from 'zod';
import type { oas31, ZodOpenApiRequestBodyObject, ZodOpenApiResponseObject } from 'zod-openapi';

/** Who may call: `public` needs nothing; `user` a bearer JWT or a console session; the rest a partner's or Stripe's. */
export type Access = 'public' | 'user' | 'partnerKey' | 'xapiBasic' | 'ltiAccessToken' | 'stripe' | 'metrics';
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
/** The problems an operation may answer, with an operation-specific description where the default one is too general. */
export type Problems = Partial<Record<ProblemStatus, string | true>>;

export const TAGS = {
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
  Privacy: 'A student’s personal data: who read or received it, a copy of it, its erasure',
  Operations: 'Health, readiness and metrics',
  Documentation: 'This document, its page and the problem types',
} as const;
export type Tag = keyof typeof TAGS;

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** The roles (or caller) allowed, in words. */
  who?: string;
  /** The path parameters (each `{name}` of `path`, no other) and the query. */
  requestParams?: { path?: z.ZodObject; query?: z.ZodObject };
  requestBody?: ZodOpenApiRequestBodyObject;
  /** The OAuth 2 scopes an `ltiAccessToken` operation needs. */
  scopes?: string[];
  /** Takes an Idempotency-Key (the mutating operations behind the idempotency middleware). */
  idempotent?: boolean;
  /** The answers other than problems; a JSON schema among them is a registered response component (`named`). */
  responses: Record<number, ZodOpenApiResponseObject>;
  problems: Problems;
}

// ── The problems most operations share ────────────────────────────────────────────────────────────────

export const USER: Problems = { 401: true, 403: true, 429: true, 503: true };
/** A public operation needs no credentials, but a malformed or refused bearer token sent along is still refused. */
export const REFUSED_TOKEN = 'A malformed or refused Authorization header (send none)';
export const PUBLIC: Problems = { 401: REFUSED_TOKEN, 429: true, 503: true };
/** Public and never rate limited (api/rate-limit.ts, UNLIMITED_PATHS): the documentation, problem pages and static files. */
export const UNLIMITED: Problems = { 401: REFUSED_TOKEN, 503: true };
export const withId = { 400: true, 404: true } as const;

// ── Answers and bodies ────────────────────────────────────────────────────────────────────────────────

export const binary: oas31.SchemaObject = { type: 'string', contentMediaType: 'application/octet-stream' };
export const csvText: oas31.SchemaObject = { type: 'string', description: 'CSV (RFC 4180), a header row first' };
export const html: oas31.SchemaObject = { type: 'string', description: 'An HTML page' };
export const location: oas31.HeadersObject = { Location: { description: 'The created object', schema: { type: 'string' } } };

/** A JSON answer: `schema` is a registered response schema. */
export const json = (description: string, schema: z.ZodType, headers?: ZodOpenApiResponseObject['headers']): ZodOpenApiResponseObject => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers && { headers }),
});
export const text = (
  description: string,
  mediaType: string,
  schema: oas31.SchemaObject = { type: 'string' },
): ZodOpenApiResponseObject => ({
  description,
  content: { [mediaType]: { schema } },
});

/**
 * A JSON body (`mediaType`: of another type than application/json; `or`: further media types it takes). A request
 * without a body is read as `{}` (problems.ts `parse`): a body of optional fields may be left out.
 */
export const jsonBody = (
  schema: z.ZodType,
  { mediaType = 'application/json', or }: { mediaType?: string; or?: ZodOpenApiRequestBodyObject['content'] } = {},
): ZodOpenApiRequestBodyObject => ({ required: !schema.safeParse({}).success, content: { [mediaType]: { schema }, ...or } });
export const formBody = (schema: z.ZodObject): ZodOpenApiRequestBodyObject => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema } },
});
export const csvBody = (description: string): ZodOpenApiRequestBodyObject => ({
  required: true,
  description,
  content: { 'text/csv': { schema: csvText } },
});
