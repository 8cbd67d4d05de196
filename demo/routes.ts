import { Router } from 'express';
import type { ApiDeps } from '../api/deps';
import { studentEnrollmentUrl } from '../lib/student-links';
import { createDemoPartner } from './partner';
import { demoPartnerLaunchRoutes } from './partner-launch';
import { simulatedCheckoutRoutes } from './simulated-checkout';
import { demoStudentRoutes } from './student-page';

/**
 * Every development stand-in the API serves: the simulated checkout (without a Stripe key), the `demo` partner's
 * launch page and its completion API (anyone may finish a demo course there), and the student demo page. Production
 * code never imports this folder: `createApp` loads this module outside production only, the one place that rule lives.
 */
export function demoRoutes(deps: ApiDeps): Router {
  const router = Router();
  if (!deps.config.stripe.secretKey) router.use(simulatedCheckoutRoutes(deps));
  router.use(demoPartnerLaunchRoutes(deps.config.publicBaseUrl));
  router.use(demoStudentRoutes(deps));
  // A stand-in with its own parsers and bearer check (not the platform's auth), so mounted before the JSON parser.
  router.use('/demo-partner', createDemoPartner({ finishedUrl: (id) => studentEnrollmentUrl(deps.config.publicBaseUrl, id) }).router);
  return router;
}
