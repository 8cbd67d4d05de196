/**
 * The `demo` partner: a small, real HTTP partner platform that speaks the partner protocol of
 * services/partner-adapter.ts, with its state in memory. `npm start` serves it from the API process under
 * /demo-partner; tests run it on its own port with `startDemoPartner`.
 *
 *   POST /v1/registrations {registration, courseId}   → 201 {registration, courseId, learnerId}  (200 and the same
 *                                                        learner when the registration exists: idempotent)
 *   GET  /v1/registrations/:registration               → 200 {registration, courseId, learnerId, completed,
 *                                                        completedAt (ISO or null), score (number or null)} | 404
 *   POST /v1/registrations/:registration/complete {completedAt?, score?}
 *                                                      → 200 the registration, completed (the learner finishes the
 *                                                        course; the first completion stays). A form post (the demo
 *                                                        launch page's button) gets a small HTML page instead.
 *
 * With a `token`, every request needs `Authorization: Bearer <token>` (401 otherwise). Errors are JSON
 * `{error: {code, message}}`. Tests can make it fail (`setFault`) or answer in another shape (`setTransform`).
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { escapeHtml, page } from '../api/html';

export interface DemoRegistration {
  registration: string;
  courseId: string;
  learnerId: string;
  registeredAt: string;
  completedAt: string | null;
  score: number | null;
}

export interface DemoRequest {
  method: string;
  /** The path below the stand-in's mount point, e.g. /v1/registrations/123. */
  path: string;
  /** What the request did: register, status, complete or other. */
  kind: 'register' | 'status' | 'complete' | 'other';
  registration?: string;
  /** The Host header (tells callers apart that use different names for the stand-in). */
  host?: string;
  /** Date.now() when it arrived. */
  at: number;
  status?: number;
}

/** How the stand-in misbehaves, for tests: a status, a body, a delay (longer than the caller's timeout = a timeout). */
export interface DemoFault {
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Only these kinds of request (all when absent). */
  only?: DemoRequest['kind'][];
}

export interface DemoPartnerOptions {
  /** The bearer credential every request must carry; open when absent. */
  token?: string;
  /** How many requests `requests` keeps (the oldest go first). */
  keepRequests?: number;
  /** How many registrations it holds at most (it is open on the API's port); more are refused with 503. */
  maxRegistrations?: number;
  /** Where the "Course finished" page sends the learner back to (the marketplace's enrollment page); none when absent. */
  finishedUrl?: (registration: string) => string;
}

/** The learner id the demo gives a registration: stable, so a restarted stand-in gives the same one. */
export const demoLearnerId = (registration: string) =>
  `demo-learner-${createHash('sha256').update(registration).digest('hex').slice(0, 16)}`;

const registerBody = z.object({ registration: z.string().min(1).max(200), courseId: z.string().min(1).max(200) });
const completeBody = z.object({
  completedAt: z.iso.datetime({ offset: true }).optional(),
  score: z.coerce.number().finite().min(0).max(100).optional(),
});

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function createDemoPartner(options: DemoPartnerOptions = {}) {
  const registrations = new Map<string, DemoRegistration>();
  const requests: DemoRequest[] = [];
  const keep = options.keepRequests ?? 10_000;
  let fault: DemoFault | undefined;
  let transform: ((body: DemoRegistration) => unknown) | undefined;

  const router = Router();

  const error = (res: Response, status: number, code: string, message: string) => res.status(status).json({ error: { code, message } });
  const statusOf = (r: DemoRegistration) => ({ ...r, completed: r.completedAt !== null });
  const answer = (res: Response, status: number, r: DemoRegistration) =>
    res.status(status).json(transform ? transform(statusOf(r)) : statusOf(r));

  // Every request is counted and time-stamped before anything else, so tests see exactly what reached the partner.
  router.use(async (req, res, next) => {
    const m = /^\/v1\/registrations(?:\/([^/]+)(\/complete)?)?\/?$/.exec(req.path);
    const kind: DemoRequest['kind'] = !m
      ? 'other'
      : req.method === 'POST' && !m[1]
        ? 'register'
        : req.method === 'GET' && m[1] && !m[2]
          ? 'status'
          : req.method === 'POST' && m[1] && m[2]
            ? 'complete'
            : 'other';
    const entry: DemoRequest = {
      method: req.method,
      path: req.path,
      kind,
      at: Date.now(),
      host: req.get('host'),
      ...(m?.[1] && { registration: safeDecode(m[1]) }),
    };
    requests.push(entry);
    if (requests.length > keep) requests.splice(0, requests.length - keep);
    res.on('finish', () => (entry.status = res.statusCode));

    if (options.token && req.get('authorization') !== `Bearer ${options.token}`) {
      return error(res, 401, 'unauthorized', 'a valid bearer credential is required');
    }
    const f = fault;
    if (f && (!f.only || f.only.includes(kind))) {
      if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
      if (f.status !== undefined || f.body !== undefined) {
        if (res.destroyed) return;
        res
          .status(f.status ?? 200)
          .set(f.headers ?? {})
          .type(f.contentType ?? 'application/json')
          .send(f.body ?? '');
        return;
      }
    }
    next();
  });
  router.use(express.json({ limit: '16kb' }));
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  router.post('/v1/registrations', (req, res) => {
    const parsed = registerBody.safeParse(req.body);
    if (!parsed.success) return error(res, 400, 'invalid_request', 'the body must be {registration, courseId}');
    const { registration, courseId } = parsed.data;
    const existing = registrations.get(registration);
    if (existing) return answer(res, 200, existing);
    if (registrations.size >= (options.maxRegistrations ?? 100_000))
      return error(res, 503, 'full', 'the demo partner holds no more registrations');
    const created: DemoRegistration = {
      registration,
      courseId,
      learnerId: demoLearnerId(registration),
      registeredAt: new Date().toISOString(),
      completedAt: null,
      score: null,
    };
    registrations.set(registration, created);
    return answer(res, 201, created);
  });

  router.get('/v1/registrations/:registration', (req: Request<{ registration: string }>, res) => {
    const r = registrations.get(req.params.registration);
    if (!r) return error(res, 404, 'not_found', `no registration ${req.params.registration}`);
    return answer(res, 200, r);
  });

  router.post('/v1/registrations/:registration/complete', (req: Request<{ registration: string }>, res) => {
    const isForm = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
    const body: unknown = req.body;
    const formScore = isForm && typeof body === 'object' && body !== null && 'score' in body ? body.score : undefined;
    const parsed = completeBody.safeParse(isForm ? { score: formScore || undefined } : (body ?? {}));
    if (!parsed.success) return error(res, 400, 'invalid_request', 'the body may have completedAt (ISO date-time) and score (0 to 100)');
    const r = registrations.get(req.params.registration);
    if (!r) return error(res, 404, 'not_found', `no registration ${req.params.registration}`);
    if (r.completedAt === null) {
      r.completedAt = parsed.data.completedAt ? new Date(parsed.data.completedAt).toISOString() : new Date().toISOString();
      r.score = parsed.data.score ?? null;
    }
    if (!isForm) return answer(res, 200, r);
    const back = options.finishedUrl?.(r.registration);
    res.type('html').send(
      page(
        'Course finished',
        `<p class="banner">DEMO PARTNER: a local stand-in for a partner platform.</p>
<div class="card"><h1>Course finished</h1><p>Completed at ${escapeHtml(r.completedAt)}. The marketplace learns of it at its next poll of this partner.</p>
${back ? `<p><a href="${escapeHtml(back)}">Back to your enrollment</a></p>` : ''}</div>`,
      ),
    );
  });

  router.use((req, res) => error(res, 404, 'not_found', `no route ${req.method} ${req.path}`));
  router.use((err: Error & { status?: number }, _req: Request, res: Response, _next: express.NextFunction) =>
    error(res, err.status && err.status < 500 ? err.status : 500, 'bad_request', err.message),
  );

  return {
    router,
    registrations,
    /** Every request that reached the stand-in, oldest first. */
    requests,
    /** Requests of one kind (e.g. 'status' = completion polls), optionally only those since a time (ms). */
    requestsOf: (kind: DemoRequest['kind'], since = 0) => requests.filter((r) => r.kind === kind && r.at >= since),
    setFault: (f: DemoFault | undefined) => void (fault = f),
    /** Answers registrations in another shape (to exercise a partner's field_map). */
    setTransform: (t: ((body: DemoRegistration & { completed: boolean }) => unknown) | undefined) =>
      void (transform = t as typeof transform),
    /** The learner finishes the course (as the complete endpoint does). */
    complete(registration: string, at = new Date().toISOString(), score?: number) {
      const r = registrations.get(registration);
      if (!r) throw new Error(`no registration ${registration}`);
      if (r.completedAt === null) Object.assign(r, { completedAt: at, score: score ?? null });
      return r;
    },
    reset() {
      registrations.clear();
      requests.length = 0;
      fault = undefined;
      transform = undefined;
    },
  };
}

export type DemoPartner = ReturnType<typeof createDemoPartner>;

/**
 * The stand-in on its own loopback port (port 0: any free one), mounted at `path` (e.g. '/demo-partner', as the API
 * mounts it). `baseUrl` is what a partner row's api_base_url names; `origin` is the server without the path.
 */
export async function startDemoPartner({ port = 0, path = '', ...options }: DemoPartnerOptions & { port?: number; path?: string } = {}) {
  const demo = createDemoPartner(options);
  const app = express();
  app.disable('x-powered-by');
  app.use(path || '/', demo.router);
  const server: http.Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    ...demo,
    origin: `http://127.0.0.1:${actual}`,
    baseUrl: `http://127.0.0.1:${actual}${path.replace(/\/+$/, '')}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type StartedDemoPartner = Awaited<ReturnType<typeof startDemoPartner>>;
