import express, { Router } from 'express';
import { actorOf, requireRole } from '../../../api/auth';
import { ltiLineItem, ltiResults, receiveLtiScore } from './ags';
import { authorizeLtiLaunch } from './launch';
import { agsCaller, issueLtiAccessToken } from './token';
import { registerLtiTool } from './tools';
import { LTI } from './lti';
import { type ApiDeps } from '../../../api/deps';
import { outboundGuard } from '../../../core/deps';
import { escapeHtml } from '../../../api/html';
import { publishedLtiKeys } from './keys';
import { asProblem, parse, problems } from '../../../api/problems';
import { authFailureLimits, clientRateLimit, failureGuard } from '../../../api/rate-limit';
import {
  ltiAuthorizeRequest,
  ltiEnrollmentParams,
  ltiScoreBody,
  ltiTokenRequest,
  ltiToolBody,
  ltiAccessTokenResponse,
  ltiLineItemResponse,
  ltiResultsResponse,
  ltiScoreReceiptResponse,
  ltiToolResponse,
} from './schemas';
import { partnerParams } from '../partners/schemas';
import { refuseUnstorableText } from '../../../api/unstorable-text';
import {
  type Problems,
  USER,
  formBody,
  html,
  json,
  jsonBody,
  location,
  text,
  withId,
  type Operation,
} from '../../../api/openapi-operation';
import { jwksResponse } from '../../credentials/schemas';

const SCORE_TYPE = 'application/vnd.ims.lis.v1.score+json';
const LINE_ITEM_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
const RESULTS_TYPE = 'application/vnd.ims.lis.v2.resultcontainer+json';

/** Submits the launch form as soon as it loads (a file: the CSP allows no inline script). */
const AUTOPOST_JS = "document.getElementById('lti-launch').submit();\n";

/**
 * The LTI 1.3 platform's tool-facing endpoints (`/lti/*`): mounted before the bearer-token reader, since a tool's
 * bearer token is an AGS access token of this platform, not a user's JWT. Parses its own bodies (form posts, and
 * AGS's score media type).
 */
export function ltiRoutes(deps: ApiDeps): Router {
  const { db, config } = deps;
  const base = config.publicBaseUrl;
  const outbound = outboundGuard(deps);
  const router = Router();
  const forms = [express.urlencoded({ extended: false, limit: '16kb' }), refuseUnstorableText];
  // Per address (a tool's calls carry no user): the same budget as any client's.
  router.use('/lti', clientRateLimit(deps));
  // A tool's refused client assertion or access token counts as a failed authentication of its address.
  const failures = authFailureLimits(deps);
  const countingFailures =
    (handler: express.RequestHandler): express.RequestHandler =>
    async (req, res, next) => {
      const blocked = await failureGuard(failures, req, res);
      if (blocked) return next(blocked);
      try {
        await handler(req, res, next);
      } catch (err) {
        const problem = asProblem(err);
        throw problem?.status === 401 ? await failures.refused(req, undefined, problem) : err;
      }
    };

  router.get('/lti/jwks', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(await publishedLtiKeys(deps));
  });

  router.get('/lti/autopost.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(AUTOPOST_JS);
  });

  const authorize: express.RequestHandler = async (req, res) => {
    const input: unknown = req.method === 'POST' ? req.body : req.query;
    const r = parse(ltiAuthorizeRequest, input, req.method === 'POST' ? 'body' : 'query');
    const { redirectUri, idToken, state } = await authorizeLtiLaunch(deps, base, r);
    // The form posts to the tool: this answer's CSP allows that one origin as a form action.
    res
      .set('Cache-Control', 'no-store')
      .set(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'self'; form-action ${new URL(redirectUri).origin}; base-uri 'none'; frame-ancestors 'none'`,
      )
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Opening your course</title></head><body>` +
          `<form id="lti-launch" method="post" action="${escapeHtml(redirectUri)}">` +
          `<input type="hidden" name="id_token" value="${escapeHtml(idToken)}">` +
          `<input type="hidden" name="state" value="${escapeHtml(state)}">` +
          `<p>Opening your course…</p><button type="submit">Continue to the course</button></form>` +
          `<script src="/lti/autopost.js"></script></body></html>`,
      );
  };
  router.get('/lti/authorize', authorize);
  router.post('/lti/authorize', ...forms, authorize);

  router.post(
    '/lti/token',
    ...forms,
    countingFailures(async (req, res) => {
      const r = parse(ltiTokenRequest, req.body, 'body');
      res.set('Cache-Control', 'no-store').json(await issueLtiAccessToken({ ...deps, outbound }, base, r));
    }),
  );

  router.get(
    '/lti/lineitems/:enrollmentId',
    countingFailures(async (req, res) => {
      const caller = await agsCaller(db, base, req.get('authorization'));
      const { enrollmentId } = parse(ltiEnrollmentParams, req.params, 'path');
      res.type(LINE_ITEM_TYPE).send(JSON.stringify(await ltiLineItem(db, base, caller, enrollmentId)));
    }),
  );

  router.post(
    '/lti/lineitems/:enrollmentId/scores',
    express.json({ type: SCORE_TYPE, limit: '16kb' }),
    refuseUnstorableText,
    countingFailures(async (req, res) => {
      const caller = await agsCaller(db, base, req.get('authorization'));
      if (!req.is(SCORE_TYPE)) throw problems.unsupportedType(`a score is ${SCORE_TYPE}`);
      const { enrollmentId } = parse(ltiEnrollmentParams, req.params, 'path');
      const score = parse(ltiScoreBody, req.body, 'body');
      res.json(await receiveLtiScore(deps, caller, enrollmentId, score));
    }),
  );

  router.get(
    '/lti/lineitems/:enrollmentId/results',
    countingFailures(async (req, res) => {
      const caller = await agsCaller(db, base, req.get('authorization'));
      const { enrollmentId } = parse(ltiEnrollmentParams, req.params, 'path');
      res.type(RESULTS_TYPE).send(JSON.stringify(await ltiResults(db, base, caller, enrollmentId)));
    }),
  );

  return router;
}

/** The admin's registration of a partner's LTI tool (behind the bearer-token reader, with the other admin routes). */
export function ltiAdminRoutes(deps: ApiDeps): Router {
  const router = Router();
  const outbound = outboundGuard(deps);
  router.post('/api/partners/:partnerId/lti-tools', requireRole('admin'), async (req, res) => {
    const { partnerId } = parse(partnerParams, req.params, 'path');
    const body = parse(ltiToolBody, req.body, 'body');
    const tool = await registerLtiTool({ db: deps.db, outbound }, actorOf(req), partnerId, body);
    res.status(201).location(`/api/partners/${partnerId}/lti-tools/${tool.id}`).json(tool);
  });
  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

const LTI_AUTHORIZE_PROBLEMS: Problems = {
  400: 'A missing or wrong parameter, an unknown client_id, an unregistered redirect_uri, a reused nonce',
  401: 'A hint that is forged, expired, already used, or not for this tool and login_hint',
  429: true,
  503: true,
};
const LTI_AGS_PROBLEMS: Problems = {
  400: 'Not an enrollment id',
  401: 'No, a forged or an expired access token',
  404: 'Not a line item of this tool',
  429: true,
  503: true,
};

export const ltiOperations: Operation[] = [
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
    requestParams: { path: partnerParams },
    requestBody: jsonBody(ltiToolBody),
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
    requestParams: { query: ltiAuthorizeRequest },
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
    requestBody: formBody(ltiAuthorizeRequest),
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
    requestBody: formBody(ltiTokenRequest),
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
    scopes: [LTI.scopes.lineitem],
    who: 'the tool',
    requestParams: { path: ltiEnrollmentParams },
    responses: { 200: { description: 'The line item', content: { [LINE_ITEM_TYPE]: { schema: ltiLineItemResponse } } } },
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
    scopes: [LTI.scopes.score],
    who: 'the tool',
    requestParams: { path: ltiEnrollmentParams },
    requestBody: jsonBody(ltiScoreBody, { mediaType: SCORE_TYPE }),
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
    scopes: [LTI.scopes.resultReadonly],
    who: 'the tool',
    requestParams: { path: ltiEnrollmentParams },
    responses: { 200: { description: 'The results', content: { [RESULTS_TYPE]: { schema: ltiResultsResponse } } } },
    problems: { ...LTI_AGS_PROBLEMS, 403: 'The token lacks the result.readonly scope' },
  },
];
