/**
 * What /openapi.json says of the xAPI routes (xapi.routes.ts), beside them in a file of their own: together they would
 * pass 500 lines.
 */
import { z } from 'zod';
import type { oas31 } from 'zod-openapi';
import { PUBLIC, json, jsonBody, type Operation } from '../../../api/openapi-operation';
import { xapiAboutResponse, xapiActivityResponse, xapiPersonResponse, xapiStatementsAnswerResponse } from './responses';
import { xapiActivitiesQuery, xapiAgentsQuery, xapiGetQuery, xapiPutQuery, xapiStatement, xapiStatementBatch } from './schemas';

/** What a read of statements answers about how current it is. */
const XAPI_READ_HEADERS = {
  'X-Experience-API-Consistent-Through': {
    description: 'Every statement stored before this instant is visible',
    schema: { type: 'string' },
  },
  'Last-Modified': { description: 'When the newest statement shown was stored', schema: { type: 'string' } },
} satisfies oas31.HeadersObject;

export const xapiOperations: Operation[] = [
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
    requestBody: jsonBody(z.union([xapiStatement, xapiStatementBatch]), {
      or: {
        'multipart/mixed': { schema: { type: 'string', description: 'The statements (application/json), then the attachments' } },
        'application/x-www-form-urlencoded': { schema: { type: 'object', description: 'The alternate request syntax' } },
      },
    }),
    responses: {
      200: {
        description: 'The statement ids, in order (the alternate syntax’s GET: a statement or a StatementResult)',
        content: { 'application/json': { schema: xapiStatementsAnswerResponse }, 'multipart/mixed': { schema: { type: 'string' } } },
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
    requestParams: { query: xapiPutQuery },
    requestBody: jsonBody(xapiStatement, {
      or: { 'multipart/mixed': { schema: { type: 'string', description: 'The statement (application/json), then the attachments' } } },
    }),
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
    requestParams: { query: xapiGetQuery },
    responses: {
      200: {
        description: 'A statement, or a StatementResult',
        content: {
          'application/json': { schema: xapiStatementsAnswerResponse },
          'multipart/mixed': { schema: { type: 'string', description: 'The JSON answer, then the attachments' } },
        },
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
    requestParams: { path: z.object({ token: z.string().describe('Opaque: as `more` gave it') }) },
    responses: {
      200: {
        description: 'A StatementResult',
        content: { 'application/json': { schema: xapiStatementsAnswerResponse }, 'multipart/mixed': { schema: { type: 'string' } } },
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
    requestParams: { query: xapiActivitiesQuery },
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
    requestParams: { query: xapiAgentsQuery },
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
];
