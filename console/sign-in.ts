import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { actorFromClaims, ROLES, type Actor } from '../core/actor';
import { refuse } from '../core/refusals';
import { DEMO_USERS } from '../db/seed';
import type { Config } from '../lib/config';
import { translator } from '../lib/i18n';
import { requireCsrf } from './csrf';
import { localeOf } from './locale';
import { HOME, ROLE_LABELS, type Render } from './render';
import { SESSION_COOKIE } from '../lib/web/pages';

type OidcSettings = NonNullable<Config['console']['oidc']>;
type OpenIdClient = typeof import('openid-client');

/** A path on this site to go back to after signing in (never another site: no open redirect). */
export function safeReturnTo(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 500 ? value : undefined;
}

/**
 * Starts a fresh session for `actor` (a new id, so a session fixed before sign-in is worth nothing). A form lost to
 * the ended session is said again on the first page.
 */
function signIn(req: Request, actor: Actor): Promise<void> {
  const formLost = req.session.formLost;
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      req.session.actor = actor;
      if (formLost) req.session.flash = { kind: 'error', text: translator(localeOf(req)).t('signIn.formLostAfter') };
      req.session.save((saveErr) => (saveErr ? reject(saveErr instanceof Error ? saveErr : new Error(String(saveErr))) : resolve()));
    }),
  );
}

const devSignIn = z.object({
  role: z.enum(ROLES),
  userId: z.string().trim().max(200).optional(),
  name: z.string().trim().max(200).optional(),
  email: z.union([z.literal(''), z.email().max(200)]).optional(),
  organizationId: z.string().trim().max(200).optional(),
  returnTo: z.string().optional(),
});

/**
 * /login, /auth/callback and /logout. With OIDC_ISSUER: the authorization code flow with PKCE, a state and a nonce
 * (openid-client), the role and organization read from the configured claims. Without it (never in production: the
 * configuration refuses that): a development form that picks a role and a user.
 */
export function signInRoutes(config: Config, render: Render): Router {
  const router = Router();
  const oidc = config.console.oidc;
  const redirectUri = `${config.publicBaseUrl}/auth/callback`;
  let discovered: Promise<{ client: OpenIdClient; configuration: import('openid-client').Configuration }> | undefined;
  const provider = () => {
    // Discovered on first use and kept; a failed discovery is tried again on the next sign-in.
    discovered ??= discover(oidc!, config.env !== 'production').catch((err: unknown) => {
      discovered = undefined;
      console.error('[console] OpenID Connect discovery failed:', err);
      throw refuse.unavailable('the identity provider cannot be reached; try signing in again in a moment');
    });
    return discovered;
  };

  const loginPage = (req: Request, res: Response, o: { selectedRole?: string; returnTo?: unknown; error?: string }, status = 200) =>
    render(
      req,
      res,
      'login',
      {
        title: translator(localeOf(req)).t('public.login.title'),
        roles: ROLES,
        roleLabels: ROLE_LABELS,
        selectedRole: o.selectedRole ?? 'program_holder',
        returnTo: safeReturnTo(o.returnTo) ?? '',
        error: o.error,
      },
      status,
    );

  router.get('/login', async (req, res) => {
    if (req.session.actor) return res.redirect(303, safeReturnTo(req.query.returnTo) ?? HOME[req.session.actor.role]);
    // Sent here by a form posted after the session ended (console/access.ts).
    if (req.query.expired === '1') req.session.formLost = true;
    if (!oidc) {
      return loginPage(req, res, {
        selectedRole: typeof req.query.role === 'string' ? req.query.role : undefined,
        returnTo: req.query.returnTo,
        error: req.session.formLost ? translator(localeOf(req)).t('signIn.formLost') : undefined,
      });
    }
    // Straight to the identity provider (a redirect, not a form: the CSP's form-action would stop a form there).
    const { client, configuration } = await provider();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    req.session.oidc = { codeVerifier, state, nonce, returnTo: safeReturnTo(req.query.returnTo) ?? '' };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: oidc.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    req.session.save((err) => (err ? res.status(500).end() : res.redirect(303, url.href)));
  });

  /** The development sign-in's form: never with an identity provider, never in production. */
  const developmentOnly: RequestHandler = (_req, _res, next) =>
    next(oidc || config.env === 'production' ? refuse.notFound('the development sign-in') : undefined);
  router.post('/login', developmentOnly, requireCsrf, async (req, res) => {
    const body: unknown = req.body;
    const form = devSignIn.safeParse(body);
    if (!form.success) {
      const error = form.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return loginPage(req, res, { error }, 400);
    }
    const f = form.data;
    const demo = DEMO_USERS[f.role];
    const id = f.userId || demo.id;
    const actor: Actor = {
      id,
      role: f.role,
      name: f.name || (id === demo.id ? demo.name : undefined),
      email: f.email || (id === demo.id ? demo.email : undefined),
      ...(f.role === 'funder' && { organizationId: f.organizationId || demo.organizationId }),
    };
    await signIn(req, actor);
    res.redirect(303, safeReturnTo(f.returnTo) ?? HOME[actor.role]);
  });

  router.get('/auth/callback', async (req, res) => {
    const pending = req.session.oidc;
    if (!oidc || !pending) throw refuse.invalid('no sign-in is under way in this browser; start again from the sign-in page');
    const { client, configuration } = await provider();
    // One try per flow: a replayed or forged callback finds nothing pending.
    delete req.session.oidc;
    let tokens: Awaited<ReturnType<OpenIdClient['authorizationCodeGrant']>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, new URL(req.originalUrl, config.publicBaseUrl), {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      console.warn('[console] OpenID Connect sign-in refused:', err instanceof Error ? err.message : err);
      throw refuse.invalid('the sign-in could not be completed (it was cancelled, expired or not meant for this browser); start again');
    }
    let claims: Record<string, unknown> = { ...tokens.claims() };
    if (claims[oidc.roleClaim] === undefined) {
      // Some providers put custom claims in userinfo only.
      claims = { ...(await client.fetchUserInfo(configuration, tokens.access_token, String(claims.sub))), ...claims };
    }
    let actor: Actor;
    try {
      actor = actorFromClaims({
        sub: claims.sub,
        role: claims[oidc.roleClaim],
        email: claims.email,
        name: claims.name,
        organizationId: claims[oidc.organizationClaim],
      });
    } catch {
      throw refuse.forbidden(`your account has no console role (the "${oidc.roleClaim}" claim must be one of ${ROLES.join(', ')})`);
    }
    await signIn(req, actor);
    res.redirect(303, pending.returnTo || HOME[actor.role]);
  });

  router.post('/logout', requireCsrf, (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.redirect(303, '/');
    });
  });
  return router;
}

async function discover(settings: OidcSettings, allowLoopbackHttp: boolean) {
  // openid-client is an ES module; Node ≥ 20.19 loads it with require(), and it is loaded only when configured.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a conditional, synchronous load of an ESM-only package
  const client = require('openid-client') as OpenIdClient;
  // OIDC_ISSUER is the operator's configuration, never anyone's input, so discovery is outside the outbound guard
  // (lib/outbound-guard.ts): an identity provider on the operator's private network is legitimate.
  const issuer = new URL(settings.issuer);
  // Plain http only outside production for an identity provider on this machine (development, tests).
  const loopback = allowLoopbackHttp && ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  const configuration = await client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
    ...(loopback && issuer.protocol === 'http:' && { execute: [client.allowInsecureRequests] }),
  });
  return { client, configuration };
}
