import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../lib/config';

type Directives = Record<string, string[]>;

/**
 * The CSP of our own server-rendered pages: scripts and styles only as files from this origin (pages link
 * /assets/page.css, the demo page /demo/student.js and .css; the <ai-tutor> widget styles itself with a constructed
 * stylesheet), and fetches (the widget's chat stream) only to this origin.
 */
function directives(config: Config): Directives {
  return {
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
  };
}

/** helmet's headers on every response (nosniff, frame and referrer rules, HSTS, ...) with the CSP above. */
export function securityHeaders(config: Config): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: directives(config) },
    xFrameOptions: { action: 'deny' },
  });
}

/**
 * The CSP of /docs, the one page that needs more: Swagger UI (React) writes `style` attributes into its markup (its
 * syntax highlighter, the models' layout), which `style-src 'self'` refuses. Only `style-src-attr 'unsafe-inline'`
 * is added, on that page only: its scripts are still files from this origin, and `<style>` elements stay refused.
 */
export function docsContentSecurityPolicy(config: Config): RequestHandler {
  return helmet.contentSecurityPolicy({ useDefaults: false, directives: { ...directives(config), styleSrcAttr: ["'self'"] } });
}
