/**
 * A small LTI 1.3 tool playing the partner, on loopback, built on `jose` (ltijs, the maintained LTI tool library,
 * needs MongoDB through mongoose, which these tests do not have). It does what a tool does, from its own side of the
 * 1EdTech specifications and nothing of the platform's code:
 * - OIDC login initiation (`GET /login`): checks `iss` and `client_id`, draws `state` and `nonce`, and redirects to the
 *   platform's authorization endpoint with the hints it was given;
 * - the launch (`POST /launch`, the target link URI): verifies the id_token with the platform's JWKS (issuer,
 *   audience = its client id, its nonce for that state, a nonce used once), and answers the claims it read;
 * - AGS: signs a client assertion (RFC 7523) with its own key, gets an access token, posts scores.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { listenOnFreePort } from './ports';

export interface LtiLaunchResult {
  status: number;
  claims?: JWTPayload;
  error?: string;
}

export async function startLtiTool(platform: string, o: { clientId?: string; deploymentId?: string } = {}) {
  const clientId = o.clientId ?? `tool-${randomUUID()}`;
  const deploymentId = o.deploymentId ?? `deployment-${randomUUID()}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwks: { keys: JWK[] } = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const platformJwks = createRemoteJWKSet(new URL(`${platform}/lti/jwks`));
  /** state → nonce, for logins in flight. */
  const logins = new Map<string, string>();
  const seenNonces = new Set<string>();
  const server = http.createServer();
  const base = `http://127.0.0.1:${await listenOnFreePort(server)}`;

  const readForm = (req: http.IncomingMessage) =>
    new Promise<URLSearchParams>((resolve, reject) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (data += c));
      req.on('end', () => resolve(new URLSearchParams(data)));
      req.on('error', reject);
    });
  const answer = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  async function launch(form: URLSearchParams): Promise<LtiLaunchResult> {
    const state = form.get('state') ?? '';
    const expectedNonce = logins.get(state);
    if (!expectedNonce) return { status: 401, error: 'unknown state' };
    logins.delete(state);
    try {
      const { payload } = await jwtVerify(form.get('id_token') ?? '', platformJwks, {
        issuer: platform,
        audience: clientId,
        algorithms: ['RS256'],
      });
      if (payload.nonce !== expectedNonce) return { status: 401, error: 'wrong nonce' };
      if (typeof payload.nonce !== 'string' || seenNonces.has(payload.nonce)) return { status: 401, error: 'replayed nonce' };
      seenNonces.add(payload.nonce);
      const c = 'https://purl.imsglobal.org/spec/lti/claim/';
      if (payload[`${c}version`] !== '1.3.0' || payload[`${c}deployment_id`] !== deploymentId)
        return { status: 401, error: 'not for this deployment' };
      return { status: 200, claims: payload };
    } catch (err) {
      return { status: 401, error: (err as Error).message };
    }
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', base);
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/jwks') return answer(res, 200, jwks);
      if (url.pathname === '/login') {
        const q = req.method === 'POST' ? await readForm(req) : url.searchParams;
        if (q.get('iss') !== platform || q.get('client_id') !== clientId) return answer(res, 400, { error: 'unknown platform or client' });
        const state = randomUUID();
        const nonce = randomUUID();
        logins.set(state, nonce);
        const auth = new URL(`${platform}/lti/authorize`);
        for (const [k, v] of Object.entries({
          scope: 'openid',
          response_type: 'id_token',
          response_mode: 'form_post',
          prompt: 'none',
          client_id: clientId,
          redirect_uri: q.get('target_link_uri') ?? '',
          login_hint: q.get('login_hint') ?? '',
          lti_message_hint: q.get('lti_message_hint') ?? '',
          state,
          nonce,
        }))
          auth.searchParams.set(k, v);
        return res.writeHead(302, { location: auth.toString() }).end();
      }
      if (req.method === 'POST' && url.pathname === '/launch') {
        const result = await launch(await readForm(req));
        return answer(res, result.status, result);
      }
      answer(res, 404, { error: 'not found' });
    })().catch((err: unknown) => answer(res, 500, { error: String(err) }));
  });

  /** A client assertion (RFC 7523) signed with this tool's key; `over` changes claims, `key` signs with another key. */
  async function clientAssertion(
    over: { aud?: string; exp?: number; iat?: number; jti?: string } = {},
    key: Parameters<SignJWT['sign']>[0] = privateKey,
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(over.aud ?? `${platform}/lti/token`)
      .setIssuedAt(over.iat ?? now)
      .setExpirationTime(over.exp ?? now + 60)
      .setJti(over.jti ?? randomUUID())
      .sign(key);
  }

  /** Asks the platform's token endpoint: the raw answer. */
  async function requestToken(assertion: string, scope: string) {
    const res = await fetch(`${platform}/lti/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  return {
    clientId,
    deploymentId,
    base,
    registration: {
      clientId,
      deploymentId,
      oidcLoginUrl: `${base}/login`,
      targetLinkUri: `${base}/launch`,
      jwksUrl: `${base}/jwks`,
    },
    clientAssertion,
    requestToken,
    /** An access token for the scopes (all of AGS unless said). */
    async accessToken(
      scope = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
    ) {
      const r = await requestToken(await clientAssertion(), scope);
      if (r.status !== 200 || typeof r.body.access_token !== 'string') throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.access_token;
    },
    async postScore(lineItemUrl: string, token: string, score: unknown, contentType = 'application/vnd.ims.lis.v1.score+json') {
      const res = await fetch(`${lineItemUrl}/scores`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body: JSON.stringify(score),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type LtiTool = Awaited<ReturnType<typeof startLtiTool>>;
