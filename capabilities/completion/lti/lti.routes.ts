import express, { Router } from 'express';
import { actorOf, requireRole } from '../../../api/auth';
import { ltiLineItem, ltiResults, receiveLtiScore } from './ags';
import { authorizeLtiLaunch } from './launch';
import { agsCaller, issueLtiAccessToken } from './token';
import { registerLtiTool } from './tools';
import { type ApiDeps } from '../../../api/deps';
import { outboundGuard } from '../../../core/deps';
import { escapeHtml } from '../../../api/html';
import { publishedLtiKeys } from './keys';
import { asProblem, parse, problems } from '../../../api/problems';
import { authFailureLimits, clientRateLimit, failureGuard } from '../../../api/rate-limit';
import { ltiAuthorizeRequest, ltiEnrollmentParams, ltiScoreBody, ltiTokenRequest, ltiToolBody } from './schemas';
import { partnerParams } from '../partners/schemas';
import { refuseUnstorableText } from '../../../api/unstorable-text';

const SCORE_TYPE = 'application/vnd.ims.lis.v1.score+json';

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
    res.set('Cache-Control', 'public, max-age=300').json(await publishedLtiKeys(db));
  });

  router.get('/lti/autopost.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(AUTOPOST_JS);
  });

  const authorize: express.RequestHandler = async (req, res) => {
    const input: unknown = req.method === 'POST' ? req.body : req.query;
    const r = parse(ltiAuthorizeRequest, input, req.method === 'POST' ? 'body' : 'query');
    const { redirectUri, idToken, state } = await authorizeLtiLaunch(db, base, r);
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
      res.set('Cache-Control', 'no-store').json(await issueLtiAccessToken({ db, outbound }, base, r));
    }),
  );

  router.get(
    '/lti/lineitems/:enrollmentId',
    countingFailures(async (req, res) => {
      const caller = await agsCaller(db, base, req.get('authorization'));
      const { enrollmentId } = parse(ltiEnrollmentParams, req.params, 'path');
      res.type('application/vnd.ims.lis.v2.lineitem+json').send(JSON.stringify(await ltiLineItem(db, base, caller, enrollmentId)));
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
      res.type('application/vnd.ims.lis.v2.resultcontainer+json').send(JSON.stringify(await ltiResults(db, base, caller, enrollmentId)));
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
