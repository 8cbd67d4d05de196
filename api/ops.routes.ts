import { createHash, timingSafeEqual } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import client from 'prom-client';
import type { ApiDeps } from './deps';
import { PAGE_CSS } from './html';
import { openApiDocument } from './openapi';
import { problems, RETRY_AFTER_SECONDS } from './problems';
import { pingDatabase } from './health';

export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry });
export const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

/** Why a check failed: its error's message. */
function messageOf(failed: PromiseRejectedResult): string {
  const reason: unknown = failed.reason;
  return reason instanceof Error ? reason.message : String(reason);
}

export function opsRoutes({ db, temporalHealth, config }: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => res.json({ status: 'ok' }));

  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.allSettled([withTimeout(pingDatabase(db), 2000), withTimeout(temporalHealth(), 2000)]);
    const checks = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : `down: ${messageOf(postgres)}`,
      temporal: temporal.status === 'fulfilled' ? 'ok' : `down: ${messageOf(temporal)}`,
    };
    const ready = postgres.status === 'fulfilled' && temporal.status === 'fulfilled';
    if (!ready) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  // Generated once, on first request (the zod schemas do not change while the process runs).
  let openApi: ReturnType<typeof openApiDocument> | undefined;
  router.get('/openapi.json', (_req, res) => res.json((openApi ??= openApiDocument(config.publicBaseUrl))));
  router.get('/assets/page.css', (_req, res) => void res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(PAGE_CSS));

  return router;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * GET /metrics (Prometheus). With METRICS_TOKEN it needs `Authorization: Bearer <METRICS_TOKEN>`, compared in
 * constant time (digests, so the lengths are equal too). Without one it is open: development and test, or
 * production on METRICS_PORT, which serves nothing else and is not meant to be published.
 */
export function metricsHandler({ config }: Pick<ApiDeps, 'config'>): RequestHandler {
  const expected = config.metrics.token === undefined ? undefined : digest(`Bearer ${config.metrics.token}`);
  return async (req, res, next) => {
    if (expected && !timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="credential-marketplace metrics"');
      return next(problems.unauthorized('/metrics needs the metrics bearer token (METRICS_TOKEN)'));
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  };
}

/** /metrics on the API's own port, unless METRICS_PORT moves it to a port of its own (see api/server.ts). */
export function metricsRoutes(deps: Pick<ApiDeps, 'config'>): Router {
  const router = Router();
  if (deps.config.metrics.port === undefined) router.get('/metrics', metricsHandler(deps));
  return router;
}
