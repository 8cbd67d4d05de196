import type { RequestHandler } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type { Actor } from '../core/actor';
import type { Db } from '../db/pool';
import type { Config } from '../lib/config';
import { SESSION_COOKIE } from '../lib/web/pages';

/** What a console session holds: who signed in, and the sign-in flow's state while it is under way. */
declare module 'express-session' {
  interface SessionData {
    actor?: Actor;
    /** The OpenID Connect flow's PKCE verifier, state and nonce, between /login and /auth/callback. */
    oidc?: { codeVerifier: string; state: string; nonce: string; returnTo: string };
    /** One message for the next page (post/redirect/get). */
    flash?: { kind: 'success' | 'error'; text: string };
    /** A form was sent after the session had ended (and not saved): said again once the person has signed in. */
    formLost?: boolean;
  }
}

/**
 * Console sessions in PostgreSQL (every API replica sees them; a restart signs nobody out) behind an httpOnly,
 * SameSite=Lax cookie, Secure in production. Only requests that sign in get a session (API clients with bearer
 * tokens never do), and an idle session ends after SESSION_IDLE.
 */
export function consoleSessions(config: Config, db: Db): RequestHandler {
  const PgStore = connectPgSimple(session);
  return session({
    name: SESSION_COOKIE,
    secret: config.console.sessionSecret,
    store: new PgStore({ pool: db, tableName: 'console_sessions', createTableIfMissing: false, pruneSessionInterval: 15 * 60 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.env === 'production',
      maxAge: config.console.sessionIdleMs,
      path: '/',
    },
  });
}
