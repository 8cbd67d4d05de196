import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../lib/config';

/**
 * helmet's headers on every response (nosniff, frame and referrer rules, HSTS, ...) with a CSP for our own
 * server-rendered pages: scripts and styles only as files from this origin (pages link /assets/page.css, the
 * demo page /demo/student.js and .css; the <ai-tutor> widget styles itself with a constructed stylesheet), and
 * fetches (the widget's chat stream) only to this origin.
 */
export function securityHeaders(config: Config): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Only where the public address is https; over plain http (local development) it would break every load.
        ...(config.publicBaseUrl.startsWith('https:') && { upgradeInsecureRequests: [] }),
      },
    },
    xFrameOptions: { action: 'deny' },
  });
}
