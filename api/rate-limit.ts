import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import type { QueryResultRow } from 'pg';
import type { Db } from '../db/pool';
import type { ApiDeps } from './deps';
import { HttpProblem, problems } from './problems';

/** A client's hits in its current window. */
interface RateLimitHitsRow {
  hits: number;
  window_start: Date;
}

/**
 * express-rate-limit's counter store over PostgreSQL, so a limit holds across API replicas: fixed windows on the
 * database's clock, one atomic upsert per request, one row per client (table `rate_limit_hits`).
 */
export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private lastCleanup = Date.now();

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const {
      rows: [row],
    } = await this.query<RateLimitHitsRow>(
      `SELECT hits, window_start FROM rate_limit_hits WHERE key = $1 AND window_start > now() - make_interval(secs => $2 / 1000.0)`,
      [this.prefix + key, this.windowMs],
    );
    return row && this.info(row);
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    this.cleanUpNowAndThen();
    // A request that reaches the database after another replica opened the next window counts in that window.
    const {
      rows: [row],
    } = await this.query<RateLimitHitsRow>(
      `INSERT INTO rate_limit_hits AS r (key, window_start, hits)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) * 1000 / $2) * $2 / 1000.0), 1)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN EXCLUDED.window_start > r.window_start THEN 1 ELSE r.hits + 1 END,
         window_start = GREATEST(r.window_start, EXCLUDED.window_start)
       RETURNING hits, window_start`,
      [this.prefix + key, this.windowMs],
    );
    return this.info(row);
  }

  async decrement(key: string): Promise<void> {
    await this.query('UPDATE rate_limit_hits SET hits = hits - 1 WHERE key = $1 AND hits > 0', [this.prefix + key]);
  }

  async resetKey(key: string): Promise<void> {
    await this.query('DELETE FROM rate_limit_hits WHERE key = $1', [this.prefix + key]);
  }

  private info(row: RateLimitHitsRow): ClientRateLimitInfo {
    return { totalHits: row.hits, resetTime: new Date(row.window_start.getTime() + this.windowMs) };
  }

  /** Rows of clients that stopped calling are deleted at most once a window per process, off the request's path. */
  private cleanUpNowAndThen() {
    if (Date.now() - this.lastCleanup < this.windowMs) return;
    this.lastCleanup = Date.now();
    this.db
      .query('DELETE FROM rate_limit_hits WHERE window_start < now() - make_interval(secs => $1 / 1000.0)', [2 * this.windowMs])
      .catch((err) => console.warn('[api] rate limit cleanup failed:', (err as Error).message));
  }

  private async query<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[]) {
    try {
      return await this.db.query<R>(sql, params);
    } catch (err) {
      throw new StoreUnavailable(err);
    }
  }
}

class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the rate limit store failed: ${(cause as Error).message}`, { cause });
  }
}

type Limits = Pick<ApiDeps, 'config' | 'db'>;

/**
 * Never answered with a 429, and not counted: the problem-type pages (a limited client must be able to read what its
 * 429 means), the orchestrator's health and readiness probes (often all from one address), the OpenAPI document and
 * its page, and static files. Each is cheap and answers the same to everyone.
 */
const UNLIMITED_PATHS =
  /^\/(healthz|readyz|openapi\.json|docs|problems|problems\/[^/]+|docs\/[^/]+\.(js|css)|assets\/[^/]+\.css|widget\/ai-tutor\.js|lti\/autopost\.js)$/;

/** Whether `req` is one of the UNLIMITED_PATHS (read with GET or HEAD), whichever router it reached the limiter through. */
export const isUnlimited = (req: Request) =>
  (req.method === 'GET' || req.method === 'HEAD') && UNLIMITED_PATHS.test(req.baseUrl + req.path);

function limiter(
  { config, db }: Limits,
  prefix: string,
  who: string,
  options: Partial<Options> & Pick<Options, 'limit' | 'keyGenerator'>,
): RequestHandler {
  const windowS = Math.round(config.rateLimit.windowMs / 1000);
  const limit = rateLimit({
    windowMs: config.rateLimit.windowMs,
    // draft-7 `RateLimit` / `RateLimit-Policy` headers; the library sets Retry-After only with some headers on.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new PostgresRateLimitStore(db, `${prefix}:`),
    handler: (req, res, next) => {
      const info = (req as unknown as { rateLimit: { limit: number } }).rateLimit;
      next(
        new HttpProblem(
          429,
          'rate-limited',
          'Too many requests',
          `at most ${info.limit} requests per ${windowS} s per ${who}; try again in ${res.get('Retry-After')} s`,
        ),
      );
    },
    ...options,
  });
  return (req, res, next) =>
    limit(req, res, (err?: unknown) => {
      if (!(err instanceof StoreUnavailable)) return next(err);
      console.error(`[api] ${err.message}`);
      res.set('Retry-After', '5');
      next(problems.unavailable('the request could not be counted against its rate limit; try again shortly'));
    });
}

/**
 * Per client: the authenticated user when a valid bearer token came with the request, else the address. Mounted
 * after the token and partner-key checks; a partner's requests count against its key instead.
 */
export function clientRateLimit(deps: Limits): RequestHandler {
  return limiter(deps, 'client', 'client', {
    limit: deps.config.rateLimit.client,
    skip: (req) => req.partner !== undefined || isUnlimited(req),
    keyGenerator: (req) => (req.actor ? `user:${req.actor.id}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`),
  });
}

/** Per partner API key (`X-Api-Key` or xAPI Basic); only after the key was verified. */
export function partnerRateLimit(deps: Limits): RequestHandler {
  return limiter(deps, 'partner-key', 'partner API key', {
    limit: deps.config.rateLimit.partner,
    keyGenerator: (req) => `key:${req.partner?.keyId}`,
  });
}

/**
 * The Stripe webhook counts only refused requests (bad or missing signature) per address: Stripe's own, correctly
 * signed events are never throttled, while someone sending forged ones is.
 */
export function webhookFailureRateLimit(deps: Limits): RequestHandler {
  return limiter(deps, 'webhook-failures', 'webhook sender', {
    limit: deps.config.rateLimit.client,
    skipSuccessfulRequests: true,
    keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
  });
}

/** Set on a request whose address was checked against its failed authentications (a second guard does not check again). */
const checkedFailures = Symbol('auth failures checked');

/**
 * Failed authentications (a refused bearer token, partner API key or xAPI Basic credential: a 401), counted apart from
 * traffic with a low limit (RATE_LIMIT_AUTH_FAILURES per RATE_LIMIT_WINDOW), so guessing is slow:
 * - per address, before the credential is checked: over the limit, every request carrying a credential is a 429;
 * - per claimed identity (the partner id of the path or of the Basic credential, a token's unverified `sub`), only on
 *   the failure path: an attempt that fails while that identity is over the limit is a 429 instead of a 401. A correct
 *   credential is never held back by this counter, so whoever guesses from elsewhere cannot lock the real caller out.
 * Only failures are counted (and before the answer goes out), so a partner's burst of good requests is never limited.
 */
export function authFailureLimits({ config, db }: Limits) {
  const limit = config.rateLimit.authFailures;
  const windowS = Math.round(config.rateLimit.windowMs / 1000);
  const store = new PostgresRateLimitStore(db, 'auth-failures:');
  store.init({ windowMs: config.rateLimit.windowMs } as Options);
  const addressKey = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
  const tooMany = (hits: ClientRateLimitInfo, per: string) => {
    const retryAfter = Math.max(1, Math.ceil(((hits.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
    return new HttpProblem(
      429,
      'rate-limited',
      'Too many requests',
      `at most ${limit} failed authentications per ${windowS} s per ${per}; try again in ${retryAfter} s`,
      {},
      { 'retry-after': String(retryAfter) },
    );
  };
  const storeDown = (err: unknown) => {
    console.error(`[api] ${(err as Error).message}`);
    return problems.unavailable('the request could not be counted against its rate limit; try again shortly');
  };

  /** Mounted before a credential is checked: 429 while this address is over its limit of failures. */
  const guard: RequestHandler = async (req, _res, next) => {
    const flags = req as unknown as Record<symbol, boolean>;
    if (flags[checkedFailures] || isUnlimited(req)) return next();
    flags[checkedFailures] = true;
    try {
      const hits = await store.get(addressKey(req));
      next(hits && hits.totalHits >= limit ? tooMany(hits, 'address') : undefined);
    } catch (err) {
      next(storeDown(err));
    }
  };

  /**
   * Counts a refused credential against the address and against the `identity` it claimed, and says what to answer:
   * `refusal` (the 401), or a 429 with Retry-After once that identity has failed more than the limit in this window.
   */
  async function refused(req: Request, identity: string | undefined, refusal: HttpProblem): Promise<HttpProblem> {
    if (isUnlimited(req)) return refusal;
    try {
      const [, hits] = await Promise.all([
        store.increment(addressKey(req)),
        identity === undefined ? undefined : store.increment(`id:${identity.slice(0, 300)}`),
      ]);
      return hits && hits.totalHits > limit ? tooMany(hits, 'partner or user') : refusal;
    } catch (err) {
      return storeDown(err);
    }
  }

  return { guard, refused };
}

export type AuthFailureLimits = ReturnType<typeof authFailureLimits>;

/** Runs `limits.guard`: the 429 it answers with, or undefined when the request may go on to its credential check. */
export function failureGuard(limits: AuthFailureLimits, req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve) => void limits.guard(req, res, resolve));
}
