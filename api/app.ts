import express from 'express';
import { authenticate } from './auth';
import type { ApiDeps } from './deps';
import { idempotency } from './idempotency';
import { methodNotAllowed } from './method-not-allowed';
import { partnerAuthentication } from './partner-auth';
import { createProblemHandler, problems } from './problems';
import { catalogRoutes } from '../capabilities/programs/programs.routes';
import { docsRoutes } from './docs.routes';
import { certificateRoutes } from '../capabilities/credentials/certificates.routes';
import { enrollmentRoutes } from '../capabilities/enrollments/enrollments.routes';
import { fundingRoutes } from '../capabilities/funding/funding.routes';
import { httpDuration, metricsRoutes, opsRoutes } from './ops.routes';
import { ltiAdminRoutes, ltiRoutes } from '../capabilities/completion/lti/lti.routes';
import { partnerRoutes } from '../capabilities/completion/partners/partners.routes';
import { paymentRoutes } from '../capabilities/enrollments/payments.routes';
import { programHolderRoutes } from '../capabilities/completion/evidence/review.routes';
import { problemRoutes } from './problems.routes';
import { revenueReportRoutes } from '../capabilities/reports/revenue-share.routes';
import { widgetRoutes } from '../capabilities/tutor/widget.routes';
import { tutorRoutes } from '../capabilities/tutor/tutor.routes';
import { wioaReportRoutes } from '../capabilities/reports/wioa.routes';
import { xapiRoutes } from '../capabilities/completion/xapi/xapi.routes';
import { webhookRoutes } from '../capabilities/webhooks/webhooks.routes';
import { privacyRoutes } from '../capabilities/privacy/privacy.routes';
import { privacyRequestRoutes } from '../capabilities/privacy/privacy-requests.routes';
import { authFailureLimits, clientRateLimit } from './rate-limit';
import { securityHeaders } from './security-headers';
import { refuseUnstorableText } from './unstorable-text';
import { createRenderer } from '../console/render';
import { languageSwitch } from '../console/locale';
import { consoleRoutes } from '../console/routes';
import { sessionActor } from '../console/session-actor';
import { consoleSessions } from '../console/session';

/** The path of the route that answered (Express types `req.route` as any), or undefined when none matched. */
function routePath(req: express.Request): string | undefined {
  const route: unknown = req.route;
  return typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string' ? route.path : undefined;
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  // The console's page renderer, for the few JSON API routes that also answer a browser (composition: doors never import each other).
  const renderPage = createRenderer(deps.config);
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  app.use((req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: routePath(req) ?? 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(securityHeaders(deps.config));
  // The URL (path and query) now; bodies again below, once parsed.
  app.use(refuseUnstorableText);
  // Before any route's own checks (credentials, xAPI version, Idempotency-Key): a method the path does not take.
  app.use(methodNotAllowed(app));
  // Before the bearer-token reader: a scraper sends METRICS_TOKEN, not a JWT.
  app.use(metricsRoutes(deps));

  // The Stripe webhook reads its raw body for the signature, so it is mounted before the JSON parser.
  app.use(paymentRoutes(deps, renderPage));
  // xAPI authenticates with HTTP Basic and parses its own JSON (answers carry X-Experience-API-Version), so it
  // comes before the JSON parser and the bearer-token reader.
  app.use(xapiRoutes(deps));
  // LTI tools authenticate with the platform's own AGS tokens and client assertions, and post forms and scores.
  app.use(ltiRoutes(deps));
  // Production fails closed: the demo/ folder (simulated checkout, demo partner, demo page) is not even loaded there.
  if (deps.config.env !== 'production') {
    // A conditional, synchronous load (createApp is sync; import() is async).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { demoRoutes } = require('../demo/routes') as typeof import('../demo/routes');
    app.use(demoRoutes(deps));
  }
  // The console's sessions (a cookie only for people who signed in there).
  app.use(consoleSessions(deps.config, deps.db));
  // The language switch of the student's and the public pages (`?lang=es`).
  app.use(languageSwitch(deps.config.env === 'production'));
  app.use(express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(refuseUnstorableText);
  // Refused tokens count as failed authentications, per address and per claimed user, with a limit of their own.
  app.use(authenticate(deps.authenticate, authFailureLimits(deps)));
  // Without a bearer token, a console session may read the JSON API (a file link) and, with its CSRF token, write.
  app.use('/api', sessionActor);
  // A partner's X-Api-Key is checked before Idempotency-Keys are claimed, so they are kept per partner.
  app.use(partnerAuthentication(deps));
  // Per user or address, after the credentials are known (partners count against their key instead).
  app.use(clientRateLimit(deps));
  app.use(idempotency(deps.db, deps.config.idempotencyLeaseMs));

  app.use(opsRoutes(deps));
  app.use(docsRoutes(deps));
  app.use(problemRoutes(renderPage));
  app.use(catalogRoutes(deps));
  app.use(enrollmentRoutes(deps));
  app.use(fundingRoutes(deps));
  app.use(programHolderRoutes(deps));
  app.use(certificateRoutes(deps, renderPage));
  app.use(partnerRoutes(deps));
  app.use(ltiAdminRoutes(deps));
  app.use(revenueReportRoutes(deps));
  // The <ai-tutor> widget script.
  app.use(widgetRoutes(deps));
  app.use(tutorRoutes(deps));
  app.use(wioaReportRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(privacyRoutes(deps));
  app.use(privacyRequestRoutes(deps));
  app.use(consoleRoutes(deps, renderPage));

  app.use((req, _res, next) => next(problems.notFound(`${req.method} ${req.path}`)));
  // Problem documents for API clients; a browser's navigation gets a page with the same status and a way back.
  app.use(createProblemHandler(renderPage));
  return app;
}
