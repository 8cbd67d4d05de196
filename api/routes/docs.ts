import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { docsContentSecurityPolicy } from '../security-headers';

/** Swagger UI's standalone bundle and stylesheet, served from its npm package (no CDN). */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = {
  '/docs/swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript; charset=utf-8' },
  '/docs/swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
} as const;

/** Starts Swagger UI on /openapi.json (a script file: the CSP allows no inline script). */
export const DOCS_SCRIPT = `'use strict';
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  });
});
`;

/** The page around Swagger UI, and a few overrides of its colours for WCAG AA contrast. */
export const DOCS_CSS = `body{margin:0;background:#fff}
.docs-header{font-family:system-ui,sans-serif;padding:.75rem 1.25rem;border-bottom:1px solid #ddd}
.docs-header a{color:#1a4fa0}
`;

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>API documentation · Credential Marketplace</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<header class="docs-header"><a href="/">Credential Marketplace</a> · <a href="/openapi.json">OpenAPI 3.1 document</a> ·
<a href="/problems">Problem types</a></header>
<main id="swagger-ui"></main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

/**
 * GET /docs: the API's documentation, Swagger UI (swagger-ui-dist) rendering /openapi.json, every file from this
 * origin. Its page gets the one relaxation of the Content-Security-Policy it needs (see docsContentSecurityPolicy).
 */
export function docsRoutes(deps: Pick<ApiDeps, 'config'>): Router {
  const router = Router();
  const cache = deps.config.env === 'production' ? 'public, max-age=86400' : 'no-cache';
  router.get('/docs', docsContentSecurityPolicy(deps.config), (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(DOCS_PAGE);
  });
  router.get('/docs/docs.js', (_req, res) => void res.set('Cache-Control', cache).type('application/javascript').send(DOCS_SCRIPT));
  router.get('/docs/docs.css', (_req, res) => void res.set('Cache-Control', cache).type('text/css').send(DOCS_CSS));
  for (const [route, { file, type }] of Object.entries(SWAGGER_UI_FILES)) {
    const body = fs.readFileSync(path.join(SWAGGER_UI_DIR, file));
    router.get(route, (_req, res) => void res.set('Cache-Control', cache).type(type).send(body));
  }
  return router;
}
