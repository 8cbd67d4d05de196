import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { problems } from './problems';

export const ROLES = ['student', 'program_holder', 'funder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const claimsSchema = z
  .object({
    sub: z.string().min(1).max(200),
    role: z.enum(ROLES),
    email: z.email().optional(),
    name: z.string().min(1).max(200).optional(),
    /** The funding organization (a local workforce board or a sponsor) a funder works for. */
    organizationId: z.string().min(1).max(200).optional(),
  })
  .refine((c) => c.role !== 'funder' || c.organizationId !== undefined, { message: 'a funder token needs an organizationId claim', path: ['organizationId'] });
export type Actor = { id: string; role: Role; email?: string; name?: string; organizationId?: string };

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

export type Authenticator = (token: string) => Promise<Actor>;

/** HS256 with JWT_SECRET by default; JWT_JWKS_URL switches to the provider's asymmetric keys. */
export function createAuthenticator({ secret, jwksUrl }: { secret: string; jwksUrl?: string }): Authenticator {
  const jwks: JWTVerifyGetKey | undefined = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : undefined;
  const hmacKey = new TextEncoder().encode(secret);
  return async (token) => {
    const { payload } = jwks
      ? await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256', 'EdDSA'] })
      : await jwtVerify(token, hmacKey, { algorithms: ['HS256'] });
    const claims = claimsSchema.parse(payload);
    return { id: claims.sub, role: claims.role, email: claims.email, name: claims.name, organizationId: claims.organizationId };
  };
}

export function signDevelopmentToken(secret: string, actor: Actor, expiresIn = '12h'): Promise<string> {
  return new SignJWT({
    role: actor.role,
    ...(actor.email && { email: actor.email }),
    ...(actor.name && { name: actor.name }),
    ...(actor.organizationId && { organizationId: actor.organizationId }),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(actor.id)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Reads the bearer token when there is one; routes decide with `requireRole` whether one is needed. */
export function authenticate(verify: Authenticator): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(problems.unauthorized('the Authorization header must be "Bearer <token>"'));
    try {
      req.actor = await verify(match[1]);
      next();
    } catch {
      next(problems.unauthorized('the bearer token is invalid or expired'));
    }
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.actor) return next(problems.unauthorized('this endpoint needs a bearer token'));
    if (!roles.includes(req.actor.role)) return next(problems.forbidden(`this endpoint is for ${roles.join(' or ')}, not ${req.actor.role}`));
    next();
  };
}

/** The authenticated caller; only for routes behind `requireRole`. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw problems.unauthorized('this endpoint needs a bearer token');
  return req.actor;
}
