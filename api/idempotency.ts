import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Db } from '../db/pool';
import { problems } from './problems';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The answer kept for a caller's key (no status yet while its first request runs), and how long its claim still lasts. */
interface StoredAnswerRow {
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
  headers: Record<string, string> | null;
  retry_after: number;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * A mutating request with an `Idempotency-Key` runs once per caller and key: a retry gets the first answer back.
 * Answers of 5xx are not kept, so a retry after a server failure runs again. A claim lasts `leaseMs`: a retry while
 * the first request may still run answers 409 with Retry-After; a retry after a claim whose request died (its
 * process killed, the database gone before the answer was stored) takes the claim over and runs the request again,
 * which the workflow updates allow (their updateId is the key, so one already applied answers its first result).
 */
export function idempotency(db: Db, leaseMs: number): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    // An empty header is a bad key, not an absent one.
    if (key === undefined || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return next();
    if (!KEY.test(key)) return next(problems.badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters'));
    const actorId = req.actor?.id ?? `anonymous:${req.ip}`;
    const hash = createHash('sha256')
      .update(
        `${req.method} ${req.originalUrl}\n${req.is('application/json') ? JSON.stringify(req.body ?? null) : (req.get('content-length') ?? '')}`,
      )
      .digest('hex');
    try {
      // One statement claims a new key or takes over an unanswered one whose lease ran out; of two retries at once,
      // the row lock lets only the first see the old lease. xmax is set on a row updated (taken over), not inserted.
      const claimed = await db.query<{ taken_over: boolean }>(
        `INSERT INTO idempotency_keys (actor_id, key, request_hash, claimed_until)
         VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
         ON CONFLICT (actor_id, key) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
          WHERE idempotency_keys.status_code IS NULL AND idempotency_keys.claimed_until < now()
            AND idempotency_keys.request_hash = EXCLUDED.request_hash
         RETURNING xmax <> 0 AS taken_over`,
        [actorId, key, hash, leaseMs],
      );
      if (claimed.rows[0]?.taken_over) {
        console.warn(`[api] ${req.method} ${req.originalUrl}: Idempotency-Key taken over after its lease ran out; running it again`);
        // A route whose effect cannot be asked again of a workflow that has ended (a withdrawal) answers it from the record.
        res.locals.idempotentRerun = true;
      }
      if (!claimed.rowCount) {
        const { rows } = await db.query<StoredAnswerRow>(
          `SELECT request_hash, status_code, response_body, headers,
                  greatest(1, ceil(extract(epoch FROM claimed_until - now())))::int AS retry_after
             FROM idempotency_keys WHERE actor_id = $1 AND key = $2`,
          [actorId, key],
        );
        const first = rows[0];
        if (!first) return next(problems.conflict('a request with this Idempotency-Key just failed; retry it', 1));
        if (first.request_hash !== hash) return next(problems.unprocessable('this Idempotency-Key was used for a different request'));
        if (first.status_code === null)
          return next(problems.conflict('a request with this Idempotency-Key is still in progress', first.retry_after));
        res
          .set(first.headers ?? {})
          .set('Idempotent-Replayed', 'true')
          .status(first.status_code);
        return first.response_body === null ? res.end() : res.json(first.response_body);
      }
    } catch (err) {
      return next(err);
    }
    // The answer is stored before it is sent, so a retry that follows at once already finds it.
    const record = (statusCode: number, body: unknown) => {
      const headers = Object.fromEntries(
        ['content-type', 'location'].flatMap((h) => (res.getHeader(h) ? [[h, String(res.getHeader(h))]] : [])),
      );
      return statusCode < 500
        ? db.query('UPDATE idempotency_keys SET status_code = $3, response_body = $4, headers = $5 WHERE actor_id = $1 AND key = $2', [
            actorId,
            key,
            statusCode,
            JSON.stringify(body ?? null),
            JSON.stringify(headers),
          ])
        : db.query('DELETE FROM idempotency_keys WHERE actor_id = $1 AND key = $2', [actorId, key]);
    };
    let recorded = false;
    const json = res.json.bind(res);
    res.json = (value: unknown) => {
      recorded = true;
      record(res.statusCode, value)
        .catch((err: unknown) => console.error('[api] could not record idempotency key:', messageOf(err)))
        .finally(() => json(value));
      return res;
    };
    // An answer whose body must not be kept (a secret shown once): recorded without it before it is sent (`sendSecret`).
    res.locals.recordWithoutBody = (statusCode: number) => {
      recorded = true;
      return record(statusCode, null);
    };
    // Answers without a JSON body (204, redirects) are recorded once sent.
    res.on('finish', () => {
      if (!recorded)
        record(res.statusCode, null).catch((err: unknown) => console.error('[api] could not record idempotency key:', messageOf(err)));
    });
    next();
  };
}

/**
 * Sends a JSON answer that carries a secret shown once (an API key, a signing secret): never kept by the
 * Idempotency-Key store. A retry with the same key answers the same status and Location without the body; that
 * answer is stored before this one is sent, so a retry that follows at once already finds it.
 */
export async function sendSecret(res: Response, status: number, body: object): Promise<void> {
  res.status(status).set('Cache-Control', 'no-store').type('application/json');
  const record = res.locals.recordWithoutBody as ((statusCode: number) => Promise<unknown>) | undefined;
  if (record) await record(status).catch((err: unknown) => console.error('[api] could not record idempotency key:', messageOf(err)));
  res.send(JSON.stringify(body));
}
