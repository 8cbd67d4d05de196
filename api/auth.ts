import type { NextFunction, Request, RequestHandler, Response } from 'express';
// JWT_JWKS_URL is the operator's identity provider (configuration, never a user's URL): outside the outbound guard.
// eslint-disable-next-line no-restricted-imports
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { actorFromClaims, type Actor, type Role } from '../core/actor';
import { type HttpProblem, problems } from './problems';
import { type AuthFailureLimits, failureGuard } from './rate-limit';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

export type Authenticator = (token: string) => Promise<Actor>;

/** Clocks of the issuer and of this server may differ by this much (exp, nbf, iat). */
const CLOCK_TOLERANCE_S = 30;

/** Why a token was refused, safe to show the caller (the RFC 6750 `error_description`, so no quotes). */
export class InvalidToken extends Error {}

function invalidToken(err: unknown): unknown {
  if (err instanceof InvalidToken) return err;
  // The identity provider's keys not answering is an outage, not the caller's fault.
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError || err instanceof z.ZodError)) return err;
  if (err instanceof errors.JWTExpired) return new InvalidToken('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) return new InvalidToken(`the ${err.claim} claim is missing or not accepted`);
  if (err instanceof z.ZodError)
    return new InvalidToken(`the token's claims are invalid: ${err.issues.map((i) => i.path.join('.') || 'claims').join(', ')}`);
  return new InvalidToken('the token is malformed or its signature does not verify');
}

/**
 * HS256 with JWT_SECRET by default; JWT_JWKS_URL switches to the provider's asymmetric keys. `exp` is required (a
 * token without one would never expire) and the lifetime it gives is at most `maxLifetimeMs`; `nbf` and `iat` are
 * honoured; JWT_ISSUER / JWT_AUDIENCE are checked when configured (always in production). A refused token throws
 * `InvalidToken`; anything else (the provider's keys out of reach) is thrown as it is.
 */
export function createAuthenticator({
  secret,
  jwksUrl,
  issuer,
  audience,
  maxLifetimeMs,
}: {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  maxLifetimeMs: number;
}): Authenticator {
  const jwks: JWTVerifyGetKey | undefined = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : undefined;
  if (!jwks && !secret) throw new Error('bearer tokens need JWT_SECRET or JWT_JWKS_URL');
  const hmacKey = new TextEncoder().encode(secret);
  const checks = { requiredClaims: ['exp'], clockTolerance: CLOCK_TOLERANCE_S, ...(issuer && { issuer }), ...(audience && { audience }) };
  return async (token) => {
    try {
      const { payload } = jwks
        ? await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256', 'EdDSA'], ...checks })
        : await jwtVerify(token, hmacKey, { algorithms: ['HS256'], ...checks });
      // jose checks `iat` only against a maximum age; a token issued in the future is refused here.
      if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) {
        throw new errors.JWTClaimValidationFailed('"iat" is in the future', payload, 'iat', 'check_failed');
      }
      // A token valid for years is as good as a password that never changes once stolen.
      const lifetimeS = payload.exp! - (payload.iat ?? Math.floor(Date.now() / 1000));
      const maxLifetimeS = Math.floor(maxLifetimeMs / 1000);
      if (lifetimeS > maxLifetimeS) {
        const basis = payload.iat === undefined ? 'exp - now' : 'exp - iat';
        throw new InvalidToken(`the token is valid for ${lifetimeS} s (${basis}), longer than the ${maxLifetimeS} s this API accepts`);
      }
      return actorFromClaims(payload);
    } catch (err) {
      throw invalidToken(err);
    }
  };
}

/** A token as the identity provider would issue one, for `npm run token` and tests: HS256, with `iss` / `aud` when given. */
export function signDevelopmentToken(
  { secret, issuer, audience }: { secret?: string; issuer?: string; audience?: string },
  actor: Actor,
  expiresIn = '12h',
): Promise<string> {
  if (!secret) throw new Error('no JWT_SECRET to sign with');
  const token = new SignJWT({
    role: actor.role,
    ...(actor.email && { email: actor.email }),
    ...(actor.name && { name: actor.name }),
    ...(actor.organizationId && { organizationId: actor.organizationId }),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(actor.id)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (issuer) token.setIssuer(issuer);
  if (audience) token.setAudience(audience);
  return token.sign(new TextEncoder().encode(secret));
}

/** The RFC 6750 challenge of a 401: without a token, just the realm; with a refused one, why. */
export const BEARER_CHALLENGE = 'Bearer realm="credential-marketplace"';
const refusedTokenChallenge = (description: string) =>
  `${BEARER_CHALLENGE}, error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"`;

/** The user a token says it is for, unverified: what its failures are counted against. */
function claimedUser(token: string): string | undefined {
  try {
    const { sub } = decodeJwt(token);
    return typeof sub === 'string' ? `user:${sub}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the bearer token when there is one; routes decide with `requireRole` whether one is needed. With `failures`,
 * refused tokens are counted per address and per claimed user, and answered with a 429 over the limit.
 */
export function authenticate(verify: Authenticator, failures?: AuthFailureLimits): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) return next();
    if (failures) {
      const blocked = await failureGuard(failures, req, res);
      if (blocked) return next(blocked);
    }
    const refuse = async (identity: string | undefined, refusal: HttpProblem) => {
      const answer = failures ? await failures.refused(req, identity, refusal) : refusal;
      if (answer.status !== 401) res.removeHeader('WWW-Authenticate');
      next(answer);
    };
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', BEARER_CHALLENGE);
      return refuse(undefined, problems.unauthorized('the Authorization header must be "Bearer <token>"'));
    }
    try {
      req.actor = await verify(match[1]);
      next();
    } catch (err) {
      if (!(err instanceof InvalidToken)) {
        console.error('[api] bearer token check failed:', err);
        res.set('Retry-After', '5');
        return next(problems.unavailable('the identity provider’s signing keys could not be fetched; try again shortly'));
      }
      res.set('WWW-Authenticate', refusedTokenChallenge(err.message));
      await refuse(claimedUser(match[1]), problems.unauthorized(`the bearer token is refused: ${err.message}`));
    }
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    if (!req.actor) {
      res.set('WWW-Authenticate', BEARER_CHALLENGE);
      return next(problems.unauthorized('this endpoint needs a bearer token'));
    }
    if (!roles.includes(req.actor.role))
      return next(problems.forbidden(`this endpoint is for ${roles.join(' or ')}, not ${req.actor.role}`));
    next();
  };
}

/** The authenticated caller; only for routes behind `requireRole`. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw problems.unauthorized('this endpoint needs a bearer token');
  return req.actor;
}
