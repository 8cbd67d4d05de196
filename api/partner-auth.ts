import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Db } from '../db/pool';
import type { Role } from '../core/actor';
import type { ApiDeps } from './deps';
import { findLiveKey, PARTNER_ROLE, partnerActorId, type PartnerCaller } from '../capabilities/completion/partners/partner-keys';
import { type HttpProblem, problems } from './problems';
import { type AuthFailureLimits, authFailureLimits, failureGuard, partnerRateLimit } from './rate-limit';

/**
 * Partners authenticate with per-partner API keys: `X-Api-Key` on the REST endpoints, HTTP Basic (user = partner
 * id, password = key) on xAPI. Only a key's SHA-256 is stored. The rule, the same everywhere:
 * - no key, an unknown key or a revoked key → 401;
 * - a valid key used on another partner's REST path (`/api/partners/<other>/…`) → 403;
 * - for HTTP Basic the partner id is half of the credential, so a key with another partner's id → 401.
 */
declare module 'express-serve-static-core' {
  interface Request {
    partner?: PartnerCaller;
  }
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
