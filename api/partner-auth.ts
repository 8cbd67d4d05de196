import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Db } from '../db/pool';
import type { Role } from './auth';
import type { ApiDeps } from './deps';
import { type HttpProblem, problems } from './problems';
import { type AuthFailureLimits, authFailureLimits, failureGuard, partnerRateLimit } from './rate-limit';

/**
 * Partners authenticate with per-partner API keys: `X-Api-Key` on the REST endpoints, HTTP Basic (user = partner
 * id, password = key) on xAPI. Only a key's SHA-256 is stored. The rule, the same everywhere:
 * - no key, an unknown key or a revoked key → 401;
 * - a valid key used on another partner's REST path (`/api/partners/<other>/…`) → 403;
 * - for HTTP Basic the partner id is half of the credential, so a key with another partner's id → 401.
 */
export interface PartnerCaller {
  partnerId: string;
  keyId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    partner?: PartnerCaller;
  }
}

/**
 * The role a partner has as `req.actor`: deliberately not one of the JWT roles, so `requireRole` refuses it on
 * every bearer-token endpoint. It is set so the Idempotency-Key middleware and the audit log key by the partner.
 */
export const PARTNER_ROLE = 'partner';
export const partnerActorId = (partnerId: string) => `partner:${partnerId}`;

const KEY_PREFIX = 'cmk_';
const MAX_KEY_LENGTH = 256;

export const hashApiKey = (apiKey: string) => createHash('sha256').update(apiKey, 'utf8').digest('hex');

/** A new key: shown once to the admin who creates it; only its hash is kept. */
export async function createApiKey(
  db: Db,
  partnerId: string,
  createdBy: string,
): Promise<{ id: string; apiKey: string; createdAt: string }> {
  const id = randomUUID();
  const apiKey = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const { rows } = await db.query<{ created_at: Date }>(
    'INSERT INTO partner_api_keys (id, partner_id, key_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING created_at',
    [id, partnerId, hashApiKey(apiKey), createdBy],
  );
  return { id, apiKey, createdAt: rows[0].created_at.toISOString() };
}

/** A partner's API key that is not revoked. */
interface LiveKeyRow {
  id: string;
  partner_id: string;
}

/** The live key with this value, or undefined (unknown, revoked, or not a plausible key at all). */
async function findLiveKey(db: Db, apiKey: string): Promise<LiveKeyRow | undefined> {
  if (!apiKey || apiKey.length > MAX_KEY_LENGTH) return undefined;
  const { rows } = await db.query<LiveKeyRow>('SELECT id, partner_id FROM partner_api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
    hashApiKey(apiKey),
  ]);
  return rows[0];
}

/** A refused partner credential, counted against the address and the partner it claimed (a 429 over the limit). */
async function refusal(failures: AuthFailureLimits, req: Request, res: Response, partnerId: string | undefined, problem: HttpProblem) {
  const answer = await failures.refused(req, partnerId === undefined ? undefined : `partner:${partnerId}`, problem);
  if (answer.status !== 401) res.removeHeader('WWW-Authenticate');
  return answer;
}

function becomePartner(req: Request, caller: PartnerCaller) {
  req.partner = caller;
  // A partner is the caller whatever bearer token came along, so Idempotency-Keys and audit entries are theirs.
  req.actor = { id: partnerActorId(caller.partnerId), role: PARTNER_ROLE as unknown as Role };
}

/** `X-Api-Key` for the partner named in the path (`:partnerId`); refused keys count as failed authentications. */
export function apiKeyAuth(db: Db, failures: AuthFailureLimits): RequestHandler {
  return async (req, res, next) => {
    // No registered scheme exists for an API key header; the challenge names the header to send.
    res.set('WWW-Authenticate', 'ApiKey realm="credential-marketplace partners", header="X-Api-Key"');
    const presented = req.get('x-api-key');
    if (!presented) return next(problems.unauthorized('this endpoint needs the partner’s X-Api-Key header'));
    const blocked = await failureGuard(failures, req, res);
    if (blocked) return next(blocked);
    const pathPartner = String(req.params.partnerId ?? '');
    const key = await findLiveKey(db, presented.trim());
    if (!key) return next(await refusal(failures, req, res, pathPartner, problems.unauthorized('the API key is unknown or revoked')));
    res.removeHeader('WWW-Authenticate');
    if (key.partner_id !== pathPartner) return next(problems.forbidden(`this API key belongs to another partner, not ${pathPartner}`));
    becomePartner(req, { partnerId: key.partner_id, keyId: key.id });
    next();
  };
}

/** HTTP Basic with the partner id as user name and an API key of that partner as password (xAPI); refusals are counted. */
export function basicAuth(db: Db, failures: AuthFailureLimits): RequestHandler {
  return async (req, res, next) => {
    res.set('WWW-Authenticate', 'Basic realm="xAPI", charset="UTF-8"');
    const header = req.get('authorization');
    if (!header) return next(problems.unauthorized('xAPI needs HTTP Basic credentials: the partner id and an API key'));
    const blocked = await failureGuard(failures, req, res);
    if (blocked) return next(blocked);
    const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0)
      return next(
        await refusal(
          failures,
          req,
          res,
          undefined,
          problems.unauthorized('the Authorization header must be "Basic base64(partnerId:apiKey)"'),
        ),
      );
    const partnerId = decoded.slice(0, colon);
    const key = await findLiveKey(db, decoded.slice(colon + 1));
    if (!key || key.partner_id !== partnerId)
      return next(
        await refusal(failures, req, res, partnerId, problems.unauthorized('the partner id and API key do not match a live key')),
      );
    res.removeHeader('WWW-Authenticate');
    becomePartner(req, { partnerId: key.partner_id, keyId: key.id });
    next();
  };
}

/**
 * Mounted before the Idempotency-Key middleware: on the partner push endpoint the partner (not an anonymous
 * address) is the caller, and a request without a valid key is refused before anything is recorded.
 */
export function partnerAuthentication(deps: Pick<ApiDeps, 'config' | 'db'>): Router {
  const router = Router();
  router.post('/api/partners/:partnerId/completions', apiKeyAuth(deps.db, authFailureLimits(deps)), partnerRateLimit(deps));
  return router;
}

/** The authenticated partner; only for routes behind `apiKeyAuth` / `basicAuth`. */
export function partnerOf(req: Request): PartnerCaller {
  if (!req.partner) throw problems.unauthorized('this endpoint needs partner credentials');
  return req.partner;
}

/** The partner as the audit log records it. */
export const partnerAuditActor = (p: PartnerCaller) => ({ id: partnerActorId(p.partnerId), role: PARTNER_ROLE });
