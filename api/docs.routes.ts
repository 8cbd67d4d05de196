import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { ApiDeps } from './deps';
import { UNLIMITED, html, text, type Operation } from './openapi-operation';

/** Swagger UI's standalone bundle and stylesheet, served from its npm package (no CDN). */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = {
  '/docs/swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript; charset=utf-8' },
  '/docs/swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
} as const;

/** The package's files, read on first use (2 MB: not loaded by an API that never serves /docs). */
const loaded = new Map<string, Buffer>();
function swaggerUiFile(file: string): Buffer {
  let body = loaded.get(file);
  if (!body) loaded.set(file, (body = fs.readFileSync(path.join(SWAGGER_UI_DIR, file))));
  return body;
}

/** Starts Swagger UI on /openapi.json (a script file: the CSP allows no inline script). */
export const DOCS_SCRIPT = `'use strict';
window.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('swagger-ui');
  // Swagger UI's server picker has an empty label; it is named here, whenever it is (re)rendered.
  new MutationObserver(function () {
    var servers = document.getElementById('servers');
    if (servers && !servers.hasAttribute('aria-label')) servers.setAttribute('aria-label', 'Server');
  }).observe(root, { childList: true, subtree: true });
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    domNode: root,
    deepLinking: false,
    validatorUrl: null,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
    syntaxHighlight: { activated: true, theme: 'idea' },
  });
});
`;

/** The page around Swagger UI, and a few overrides of its colours for WCAG AA contrast. */
export const DOCS_CSS = `body{margin:0;background:#fff}
.docs-header{font-family:system-ui,sans-serif;padding:.75rem 1.25rem;border-bottom:1px solid #ddd}
.docs-header a{color:#1a4fa0}
.swagger-ui .opblock .opblock-summary-method{text-shadow:none}
.swagger-ui .opblock.opblock-get .opblock-summary-method{background:#1f5fa8}
.swagger-ui .opblock.opblock-post .opblock-summary-method{background:#1b7d4f}
.swagger-ui .opblock.opblock-put .opblock-summary-method{background:#9a5200}
.swagger-ui .opblock.opblock-delete .opblock-summary-method{background:#b42318}
.swagger-ui .info .title small{background:#525a66}
.swagger-ui .info .title small.version-stamp{background:#3d6b00}
.swagger-ui .info a,.swagger-ui .info .url{color:#1a4fa0}
.swagger-ui .btn.authorize{color:#1b7d4f;border-color:#1b7d4f}
.swagger-ui .btn.authorize svg{fill:#1b7d4f}
.swagger-ui .parameter__in,.swagger-ui .parameter__extension{color:#595959}
.swagger-ui .json-schema-2020-12-expand-deep-button{color:#505050}
.swagger-ui .btn.cancel{color:#b42318;border-color:#b42318}
.swagger-ui .btn.execute{background-color:#1f5fa8;border-color:#1f5fa8;transition:none}
.swagger-ui .download-contents{background:#4f5563}
.swagger-ui pre.microlight{white-space:pre-wrap!important;overflow-wrap:anywhere;overflow:visible!important;max-height:none!important}
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
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

/**
 * GET /docs: the API's documentation, Swagger UI (swagger-ui-dist) rendering /openapi.json, every file from this
 * origin. It needs no relaxation of the site's Content-Security-Policy: its scripts are files, and React sets its
 * `style` attributes through the DOM (CSSOM), which `style-src 'self'` allows (tests/api/docs.browser.test.ts
 * records every violation the browser reports, and expects none).
 */
export function docsRoutes(deps: Pick<ApiDeps, 'config'>): Router {
  const router = Router();
  const cache = deps.config.env === 'production' ? 'public, max-age=86400' : 'no-cache';
  router.get('/docs', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(DOCS_PAGE);
  });
  router.get('/docs/docs.js', (_req, res) => void res.set('Cache-Control', cache).type('application/javascript').send(DOCS_SCRIPT));
  router.get('/docs/docs.css', (_req, res) => void res.set('Cache-Control', cache).type('text/css').send(DOCS_CSS));
  for (const [route, { file, type }] of Object.entries(SWAGGER_UI_FILES)) {
    router.get(route, (_req, res) => void res.set('Cache-Control', cache).type(type).send(swaggerUiFile(file)));
  }
  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const docsOperations: Operation[] = [
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    tag: 'Documentation',
    summary: 'The API’s documentation page',
    access: 'public',
    responses: { 200: text('Swagger UI on this document', 'text/html', html) },
    problems: UNLIMITED,
  },
];
