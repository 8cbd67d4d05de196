import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { PROJECT_ROOT } from '../../lib/paths';
import type { ApiDeps } from '../../api/deps';
import { UNLIMITED, text, type Operation } from '../../api/openapi-operation';

/** The widget's source, served as written (plain JS, no build step); read from the project, not from dist/. */
export const WIDGET_FILE = path.join(PROJECT_ROOT, 'capabilities', 'tutor', 'widget', 'ai-tutor.js');
/** Its stylesheet, kept apart to be read as CSS; the served script carries it as a string where the marker is. */
const STYLE_FILE = path.join(path.dirname(WIDGET_FILE), 'ai-tutor.css');
const STYLE_MARKER = "'/* ai-tutor.css */'";

/** The script as served: the widget's source with its stylesheet in place of the marker. */
function widgetSource(): Buffer {
  const script = fs.readFileSync(WIDGET_FILE, 'utf8');
  if (!script.includes(STYLE_MARKER)) throw new Error(`${WIDGET_FILE} has no ${STYLE_MARKER} for its stylesheet`);
  const css = fs.readFileSync(STYLE_FILE, 'utf8').replace(/^\/\*[^]*?\*\/\n/, '');
  return Buffer.from(script.replace(STYLE_MARKER, () => JSON.stringify(css)));
}

/**
 * GET /widget/ai-tutor.js: the <ai-tutor> web component (any origin may embed it; it calls the API with the
 * student's own bearer token).
 */
export function widgetRoutes(deps: ApiDeps): Router {
  const router = Router();
  let widget: { body: Buffer; etag: string } | undefined;
  const loadWidget = () => {
    if (widget && deps.config.env === 'production') return widget;
    // Outside production the files are read again on each request, so editing the widget needs no restart.
    const body = widgetSource();
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    return (widget = { body, etag });
  };

  router.get('/widget/ai-tutor.js', (req, res) => {
    const { body, etag } = loadWidget();
    res.set({
      'Content-Type': 'application/javascript; charset=utf-8',
      // An hour of freshness, then a cheap revalidation by ETag; the tag is its content's hash.
      'Cache-Control': 'public, max-age=3600, must-revalidate',
      ETag: etag,
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.fresh) return void res.status(304).end();
    res.send(body);
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const widgetOperations: Operation[] = [
  {
    method: 'get',
    path: '/widget/ai-tutor.js',
    operationId: 'getTutorWidget',
    tag: 'AI tutor',
    summary: 'The `<ai-tutor>` web component',
    description: 'Plain JavaScript, no dependencies; embeddable from any origin. Cacheable for an hour, with an ETag.',
    access: 'public',
    responses: { 200: text('The script', 'application/javascript'), 304: { description: 'Not modified' } },
    problems: UNLIMITED,
  },
];
