import express from 'express';
import { authenticate } from './auth';
import type { ApiDeps } from './deps';
import { idempotency } from './idempotency';
import { problemHandler, problems } from './problems';
import { catalogRoutes } from './routes/catalog';
import { certificateRoutes } from './routes/certificates';
import { enrollmentRoutes } from './routes/enrollments';
import { httpDuration, opsRoutes } from './routes/ops';
import { paymentRoutes } from './routes/payments';
import { programHolderRoutes } from './routes/program-holder';

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });

  // The Stripe webhook reads its raw body for the signature, so it is mounted before the JSON parser.
  app.use(paymentRoutes(deps));
  app.use(express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(authenticate(deps.authenticate));
  app.use(idempotency(deps.db));

  app.use(opsRoutes(deps));
  app.use(catalogRoutes(deps));
  app.use(enrollmentRoutes(deps));
  app.use(programHolderRoutes(deps));
  app.use(certificateRoutes(deps));

  app.use((req, _res, next) => next(problems.notFound(`${req.method} ${req.path}`)));
  app.use(problemHandler);
  return app;
}
