import { z } from 'zod';
import { LTI_SCORE_OUTCOMES, enrollmentStatus, httpUrl, id, instant, named, uuid } from '../../../core/schemas';

// ── LTI 1.3 platform (1EdTech LTI Core 1.3, AGS 2.0) ─────────────────────────────────────────────────

const ltiUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
const ltiText = z.string().trim().min(1).max(255);
/** An admin registers a partner's LTI tool. */
export const ltiToolBody = z.object({
  clientId: ltiText,
  deploymentId: ltiText,
  oidcLoginUrl: ltiUrl,
  targetLinkUri: ltiUrl,
  jwksUrl: ltiUrl,
  /** Other URLs the tool may receive the id_token at (the target link URI always may). */
  redirectUris: z.array(ltiUrl).max(10).optional(),
});

/** The tool's authentication request (OIDC, third-party initiated login), as query (GET) or form (POST). */
export const ltiAuthorizeRequest = z.object({
  scope: z.literal('openid', 'must be openid'),
  response_type: z.literal('id_token', 'must be id_token'),
  response_mode: z.literal('form_post', 'must be form_post'),
  prompt: z.literal('none', 'must be none'),
  client_id: ltiText,
  redirect_uri: ltiUrl,
  login_hint: z.string().min(1).max(255),
  lti_message_hint: z.string().min(1).max(4000),
  nonce: z.string().min(1).max(255),
  state: z.string().min(1).max(2000),
});

/** OAuth 2 client credentials with a JWT client assertion (RFC 7523 §2.2), form-encoded. */
export const ltiTokenRequest = z.object({
  grant_type: z.literal('client_credentials', 'must be client_credentials'),
  client_assertion_type: z.literal('urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'must be the JWT bearer type'),
  client_assertion: z.string().min(1).max(8000),
  scope: z.string().min(1).max(1000),
});

/** An AGS 2.0 score (`application/vnd.ims.lis.v1.score+json`). */
export const ltiScoreBody = z
  .object({
    userId: z.string().min(1).max(255),
    scoreGiven: z.number().min(0).optional(),
    scoreMaximum: z.number().positive().optional(),
    activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
    gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
    timestamp: z.iso.datetime({ offset: true, error: 'an ISO 8601 instant with its offset' }),
    comment: z.string().max(4000).optional(),
  })
  .refine((s) => s.scoreGiven === undefined || s.scoreMaximum !== undefined, {
    message: 'scoreMaximum is required with scoreGiven',
    path: ['scoreMaximum'],
  });
export const ltiEnrollmentParams = z.object({ enrollmentId: id });

// LTI 1.3 platform.

export const ltiToolResponse = named(
  'LtiTool',
  z.object({
    id: uuid,
    partnerId: z.string(),
    clientId: z.string(),
    deploymentId: z.string(),
    oidcLoginUrl: httpUrl,
    targetLinkUri: httpUrl,
    redirectUris: z.array(httpUrl),
    jwksUrl: httpUrl,
    createdAt: instant,
  }),
);
export const ltiAccessTokenResponse = named(
  'LtiAccessToken',
  z.object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
    scope: z.string().describe('The AGS scopes granted, space-separated'),
  }),
);
export const ltiLineItemResponse = named(
  'LtiLineItem',
  z.object({ id: httpUrl, scoreMaximum: z.number(), label: z.string(), resourceLinkId: z.string(), resourceId: z.string() }),
  'AGS 2.0 line item',
);
export const ltiResultsResponse = named(
  'LtiResults',
  z.array(
    z.object({
      id: httpUrl,
      scoreOf: httpUrl,
      userId: z.string(),
      resultScore: z.number().optional(),
      resultMaximum: z.number().nullable().optional(),
      comment: z.string().optional(),
    }),
  ),
  'AGS 2.0 result container: the learner’s latest result',
);
export const ltiScoreReceiptResponse = named(
  'LtiScoreReceipt',
  z.object({ outcome: z.enum(LTI_SCORE_OUTCOMES), status: enrollmentStatus.optional() }),
);
