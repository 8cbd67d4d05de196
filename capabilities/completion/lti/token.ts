/**
 * The AGS token endpoint (OAuth 2.0 client credentials with a JWT client assertion, RFC 7523): a registered tool,
 * proving itself with a key of its JWKS, gets a short-lived access token of this platform for the AGS scopes; each
 * AGS request's bearer token is checked here too.
 */
import {
  createLocalJWKSet,
  decodeJwt,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { z } from 'zod';
import type { Db } from '../../../db/pool';
import { ResponseTooLargeError } from '../../../lib/bounded-fetch';
import { type OutboundGuard, OutboundRefusedError } from '../../../lib/outbound-guard';
import { Refusal, refuse } from '../../../core/refusals';
import type { CoreDeps } from '../../../core/deps';
import { signWithPlatformKey, verifyPlatformToken } from './keys';
import { AGS_SCOPES, ltiTokenEndpoint, selfAudience, useOnce } from './lti';
import type { ltiTokenRequest } from './schemas';
import type { ToolRow } from './tools';

/** How long an access token lasts. */
const ACCESS_TOKEN_SECONDS = 900;
/** A client assertion may not claim to live longer than this (RFC 7523 §3: the platform may limit exp). */
const CLIENT_ASSERTION_MAX_SECONDS = 600;
const ACCESS_TOKEN_TYP = 'at+jwt';

/** A tool's JWKS is read again after this long, or sooner for a key id it lacks (at most once per cooldown). */
const TOOL_JWKS_FRESH_MS = 10 * 60_000;
const TOOL_JWKS_COOLDOWN_MS = 30_000;
const TOOL_JWKS_TIMEOUT_MS = 5_000;
const TOOL_JWKS_MAX_BYTES = 64 * 1024;

const toolJwks = new Map<string, { keys: JWTVerifyGetKey; readAt: number }>();

/**
 * Reads a tool's JWKS through the outbound guard: only an address the policy allows, no redirect, bounded. An answer
 * that is not a JWKS is the tool's fault (a JOSE error: 401); no answer at all is an outage (503).
 */
async function readToolJwks(outbound: OutboundGuard, url: string) {
  let res: Response;
  try {
    res = await outbound.fetch(url, {
      headers: { accept: 'application/json' },
      timeoutMs: TOOL_JWKS_TIMEOUT_MS,
      maxBytes: TOOL_JWKS_MAX_BYTES,
    });
  } catch (err) {
    if (err instanceof ResponseTooLargeError) throw new joseErrors.JOSEError(`the tool’s JWKS is larger than ${TOOL_JWKS_MAX_BYTES} bytes`);
    throw err;
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new joseErrors.JOSEError(`the tool’s JWKS answered ${res.status}`);
  }
  let jwks: unknown;
  try {
    jwks = await res.json();
  } catch {
    throw new joseErrors.JOSEError('the tool’s JWKS is not JSON');
  }
  const entry = { keys: createLocalJWKSet(jwks as JSONWebKeySet), readAt: Date.now() };
  toolJwks.set(url, entry);
  return entry;
}

/** The key that verifies a tool's client assertion, from its JWKS (cached per URL). */
const jwksOf =
  (outbound: OutboundGuard, url: string): JWTVerifyGetKey =>
  async (header, token) => {
    let entry = toolJwks.get(url);
    if (!entry || Date.now() - entry.readAt > TOOL_JWKS_FRESH_MS) entry = await readToolJwks(outbound, url);
    try {
      return await entry.keys(header, token);
    } catch (err) {
      // A rotated key: read the JWKS again, not more often than the cooldown.
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - entry.readAt < TOOL_JWKS_COOLDOWN_MS) throw err;
      return (await readToolJwks(outbound, url)).keys(header, token);
    }
  };

/** RFC 6749 §5.2's errors: refusals that carry the OAuth `error` code too. */
const oauthError = (status: 400 | 401, error: string, detail: string) =>
  new Refusal(status === 401 ? 'unauthenticated' : 'invalid', detail, { oauthError: error });

/**
 * The AGS token endpoint: the tool authenticates with a JWT client assertion (RFC 7523) signed with a key of its JWKS,
 * `iss` = `sub` = its client id, `aud` = this endpoint, a `jti` never seen before, short-lived; it gets a short-lived
 * access token for the AGS scopes it asked for.
 */
export async function issueLtiAccessToken(
  deps: Pick<CoreDeps, 'db' | 'config'> & { outbound: OutboundGuard },
  publicBaseUrl: string,
  r: z.output<typeof ltiTokenRequest>,
) {
  const { db, outbound } = deps;
  let clientId: unknown;
  try {
    clientId = decodeJwt(r.client_assertion).iss;
  } catch {
    throw oauthError(401, 'invalid_client', 'client_assertion is not a JWT');
  }
  const { rows } = await db.query<ToolRow>('SELECT * FROM lti_tools WHERE client_id = $1', [typeof clientId === 'string' ? clientId : '']);
  const tool = rows[0];
  if (!tool) throw oauthError(401, 'invalid_client', 'client_assertion is not from a registered LTI tool');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(r.client_assertion, jwksOf(outbound, tool.jwks_url), {
      issuer: tool.client_id,
      subject: tool.client_id,
      audience: ltiTokenEndpoint(publicBaseUrl),
      requiredClaims: ['exp', 'jti'],
      maxTokenAge: CLIENT_ASSERTION_MAX_SECONDS,
      clockTolerance: 30,
    }));
  } catch (err) {
    // A registration made before the guard, or a name that now resolves inside: the platform never connects there.
    if (err instanceof OutboundRefusedError) {
      console.warn(`[lti] tool ${tool.id}: its JWKS URL is refused by the outbound policy (${err.message})`);
      throw oauthError(
        401,
        'invalid_client',
        'client_assertion refused: the tool’s registered JWKS URL is not one this platform connects to',
      );
    }
    if (!(err instanceof joseErrors.JOSEError)) throw refuse.unavailable('the tool’s JWKS could not be read; try again shortly');
    throw oauthError(401, 'invalid_client', `client_assertion refused: ${(err as Error).message}`);
  }
  if ((payload.exp ?? 0) - Math.floor(Date.now() / 1000) > CLIENT_ASSERTION_MAX_SECONDS)
    throw oauthError(401, 'invalid_client', 'client_assertion lives too long');
  if (!(await useOnce(db, 'client_assertion', `${tool.client_id}\n${payload.jti}`, new Date((payload.exp ?? 0) * 1000))))
    throw oauthError(401, 'invalid_client', 'client_assertion was already used (jti)');
  const granted = r.scope.split(' ').filter((s) => AGS_SCOPES.includes(s));
  if (granted.length === 0) throw oauthError(400, 'invalid_scope', `none of the scopes asked for is one of ${AGS_SCOPES.join(' ')}`);
  const scope = [...new Set(granted)].join(' ');
  const accessToken = await signWithPlatformKey(
    deps,
    { scope, toolId: tool.id },
    {
      issuer: publicBaseUrl,
      audience: selfAudience(publicBaseUrl, 'ags'),
      subject: tool.client_id,
      expiresInSeconds: ACCESS_TOKEN_SECONDS,
      typ: ACCESS_TOKEN_TYP,
    },
  );
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, scope };
}

export interface AgsCaller {
  toolId: string;
  clientId: string;
  scopes: string[];
}

/** The tool behind an AGS request's bearer token (401 for a missing, forged or expired one). */
export async function agsCaller(db: Db, publicBaseUrl: string, authorization: string | undefined): Promise<AgsCaller> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) throw refuse.unauthenticated('AGS needs a bearer access token from /lti/token');
  try {
    const p = await verifyPlatformToken(db, token, {
      issuer: publicBaseUrl,
      audience: selfAudience(publicBaseUrl, 'ags'),
      typ: ACCESS_TOKEN_TYP,
    });
    if (typeof p.toolId !== 'string' || typeof p.scope !== 'string' || !p.sub) throw refuse.unauthenticated('the access token is refused');
    return { toolId: p.toolId, clientId: p.sub, scopes: p.scope.split(' ') };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw refuse.unauthenticated(`the access token is refused: ${err.message}`);
    throw err;
  }
}
