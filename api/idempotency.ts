import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../db/pool';
import { problems } from './problems';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * A mutating request with an `Idempotency-Key` runs once per caller and key: a retry gets the first answer back.
 * Answers of 5xx are not kept, so a retry after a server failure runs again.
 */
export function idempotency(db: Db): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (!key || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return next();
    if (!KEY.test(key)) return next(problems.badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters'));
    const actorId = req.actor?.id ?? `anonymous:${req.ip}`;
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${req.is('application/json') ? JSON.stringify(req.body ?? null) : req.get('content-length') ?? ''}`)
      .digest('hex');
    try {
      const claimed = await db.query(
        'INSERT INTO idempotency_keys (actor_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [actorId, key, hash],
      );
      if (!claimed.rowCount) {
        const { rows } = await db.query('SELECT request_hash, status_code, response_body, headers FROM idempotency_keys WHERE actor_id = $1 AND key = $2', [actorId, key]);
        const first = rows[0];
        if (!first) return next(problems.conflict('a request with this Idempotency-Key just failed; retry it'));
        if (first.request_hash !== hash) return next(problems.unprocessable('this Idempotency-Key was used for a different request'));
        if (first.status_code === null) return next(problems.conflict('a request with this Idempotency-Key is still in progress'));
        res.set(first.headers ?? {}).set('Idempotent-Replayed', 'true').status(first.status_code);
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
        ? db.query('UPDATE idempotency_keys SET status_code = $3, response_body = $4, headers = $5 WHERE actor_id = $1 AND key = $2',
          [actorId, key, statusCode, JSON.stringify(body ?? null), JSON.stringify(headers)])
        : db.query('DELETE FROM idempotency_keys WHERE actor_id = $1 AND key = $2', [actorId, key]);
    };
    let recorded = false;
    const json = res.json.bind(res);
    res.json = (value: unknown) => {
      recorded = true;
      record(res.statusCode, value)
        .catch((err) => console.error('[api] could not record idempotency key:', err.message))
        .finally(() => json(value));
      return res;
    };
    // Answers without a JSON body (204, redirects) are recorded once sent.
    res.on('finish', () => {
      if (!recorded) record(res.statusCode, null).catch((err) => console.error('[api] could not record idempotency key:', err.message));
    });
    next();
  };
}
