/**
 * The LTI 1.3 platform (1EdTech LTI Core 1.3, Security Framework 1.0, LTI Advantage AGS 2.0): tools registered by an
 * admin, the launch (third-party initiated login, then the authorization endpoint's form-posted id_token), and
 * grade passback, whose completing score reaches the workflow through the same `reportCompletion` as every channel.
 */
import { createHash, randomUUID } from 'node:crypto';
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
import type { EnrollmentStatus } from '../../../workflows/messages';
import type { Actor } from '../../../core/actor';
import { audit } from '../../../core/audit';
import type { EnrollmentClient } from '../../../core/enrollment-client';
import { signWithPlatformKey, verifyPlatformToken } from './keys';
import { Refusal, REFUSAL_STATUS, refuse, refuseUrls } from '../../../core/refusals';
import type { ltiAuthorizeRequest, ltiScoreBody, ltiTokenRequest, ltiToolBody } from './schemas';
import { reportCompletion } from '../report-completion';

export const LTI = {
  version: '1.3.0',
  claim: 'https://purl.imsglobal.org/spec/lti/claim/',
  agsClaim: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  scopes: {
    lineitem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
    score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
    resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  },
} as const;
const AGS_SCOPES: readonly string[] = Object.values(LTI.scopes);

/** How long each thing this platform signs for a tool lasts. */
const MESSAGE_HINT_SECONDS = 300;
const ID_TOKEN_SECONDS = 300;
const ACCESS_TOKEN_SECONDS = 900;
/** A client assertion may not claim to live longer than this (RFC 7523 §3: the platform may limit exp). */
const CLIENT_ASSERTION_MAX_SECONDS = 600;
const HINT_TYP = 'lti-message-hint+jwt';
const ACCESS_TOKEN_TYP = 'at+jwt';

export const ltiTokenEndpoint = (base: string) => `${base}/lti/token`;
export const ltiLineItemUrl = (base: string, enrollmentId: string) => `${base}/lti/lineitems/${enrollmentId}`;
/** The audience of this platform's own tokens (hints to itself, access tokens for AGS). */
const selfAudience = (base: string, what: 'launch' | 'ags') => `${base}/lti/${what}`;

/** The student as LTI's `sub`: stable per student, no name, email or platform user id (a pseudonym). */
export const ltiSubject = (studentId: string) => createHash('sha256').update(`lti-sub\n${studentId}`).digest('hex').slice(0, 32);

interface ToolRow {
  id: string;
  partner_id: string;
  client_id: string;
  deployment_id: string;
  oidc_login_url: string;
  target_link_uri: string;
  redirect_uris: string[];
  jwks_url: string;
  created_at: Date;
}

const toolView = (t: ToolRow) => ({
  id: t.id,
  partnerId: t.partner_id,
  clientId: t.client_id,
  deploymentId: t.deployment_id,
  oidcLoginUrl: t.oidc_login_url,
  targetLinkUri: t.target_link_uri,
  redirectUris: t.redirect_uris,
  jwksUrl: t.jwks_url,
  createdAt: t.created_at.toISOString(),
});

/**
 * An admin registers a partner's LTI tool: one per partner, client ids unique (409 otherwise). Every URL of the tool
 * must pass the outbound guard (422 naming the field): the platform fetches its JWKS, and sends students to the others.
 */
export async function registerLtiTool(
  { db, outbound }: { db: Db; outbound: OutboundGuard },
  admin: Actor,
  partnerId: string,
  body: z.output<typeof ltiToolBody>,
) {
  const { rowCount } = await db.query('SELECT 1 FROM partners WHERE id = $1', [partnerId]);
  if (!rowCount) throw refuse.notFound(`partner ${partnerId}`);
  await refuseUrls(outbound, {
    'body.jwksUrl': body.jwksUrl,
    'body.oidcLoginUrl': body.oidcLoginUrl,
    'body.targetLinkUri': body.targetLinkUri,
    ...Object.fromEntries((body.redirectUris ?? []).map((u, i) => [`body.redirectUris.${i}`, u])),
  });
  const redirectUris = [...new Set([body.targetLinkUri, ...(body.redirectUris ?? [])])];
  const { rows } = await db.query<ToolRow>(
    `INSERT INTO lti_tools (id, partner_id, client_id, deployment_id, oidc_login_url, target_link_uri, redirect_uris, jwks_url, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING *`,
    [
      randomUUID(),
      partnerId,
      body.clientId,
      body.deploymentId,
      body.oidcLoginUrl,
      body.targetLinkUri,
      redirectUris,
      body.jwksUrl,
      admin.id,
    ],
  );
  if (!rows[0]) throw refuse.conflict(`partner ${partnerId} already has an LTI tool, or client id ${body.clientId} is taken`);
  await audit(db, admin, 'lti.tool.register', { type: 'partner', id: partnerId }, { toolId: rows[0].id, clientId: body.clientId });
  return toolView(rows[0]);
}

interface LaunchRow {
  tool: ToolRow | null;
  student_id: string;
}

/** The LTI tool of an enrollment's program's partner, or null for a program whose partner has none. */
async function launchFacts(db: Db, enrollmentId: string): Promise<LaunchRow | undefined> {
  const { rows } = await db.query<LaunchRow>(
    `SELECT to_jsonb(t) AS tool, e.student_id
       FROM enrollments e JOIN programs p ON p.id = e.program_id LEFT JOIN lti_tools t ON t.partner_id = p.partner_id
      WHERE e.id = $1`,
    [enrollmentId],
  );
  return rows[0];
}

/**
 * Where the student's launch goes when the program's partner is an LTI tool: the tool's OIDC login initiation URL
 * (third-party initiated login) with a short-lived, signed, single-use `lti_message_hint` naming the enrollment.
 * Undefined when the partner has no LTI tool.
 */
export async function ltiLoginRedirect(db: Db, publicBaseUrl: string, enrollmentId: string): Promise<string | undefined> {
  const facts = await launchFacts(db, enrollmentId);
  const tool = facts?.tool;
  if (!facts || !tool) return undefined;
  const sub = ltiSubject(facts.student_id);
  const hint = await signWithPlatformKey(
    db,
    { enrollmentId, clientId: tool.client_id },
    {
      issuer: publicBaseUrl,
      audience: selfAudience(publicBaseUrl, 'launch'),
      subject: sub,
      expiresInSeconds: MESSAGE_HINT_SECONDS,
      typ: HINT_TYP,
    },
  );
  const url = new URL(tool.oidc_login_url);
  url.searchParams.set('iss', publicBaseUrl);
  url.searchParams.set('login_hint', sub);
  url.searchParams.set('target_link_uri', tool.target_link_uri);
  url.searchParams.set('lti_message_hint', hint);
  url.searchParams.set('client_id', tool.client_id);
  url.searchParams.set('lti_deployment_id', tool.deployment_id);
  return url.toString();
}

/** Marks a single-use value used; false when it already was. */
async function useOnce(db: Db, kind: 'message_hint' | 'nonce' | 'client_assertion', value: string, expiresAt: Date): Promise<boolean> {
  await db.query("DELETE FROM lti_used_values WHERE expires_at < now() - interval '1 hour'");
  const { rowCount } = await db.query('INSERT INTO lti_used_values (kind, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    kind,
    value,
    expiresAt,
  ]);
  return rowCount === 1;
}

const refusedHint = (why: string) => refuse.unauthenticated(`lti_message_hint refused: ${why}`);

interface AuthorizeFacts {
  enrollment_id: string;
  student_id: string;
  program_id: string;
  program_title: string;
  status: EnrollmentStatus;
}

/**
 * The authorization endpoint of the launch: checks the tool's request against its registration and the hints this
 * platform issued (signed, unexpired, for this tool and student, used once), and answers the signed id_token to post
 * to the tool's redirect URI. Errors are problems (never a redirect to a URL that was not checked).
 */
export async function authorizeLtiLaunch(db: Db, publicBaseUrl: string, r: z.output<typeof ltiAuthorizeRequest>) {
  const { rows: tools } = await db.query<ToolRow>('SELECT * FROM lti_tools WHERE client_id = $1', [r.client_id]);
  const tool = tools[0];
  if (!tool) throw refuse.invalid(`client_id ${r.client_id} is not a registered LTI tool`);
  if (!tool.redirect_uris.includes(r.redirect_uri))
    throw refuse.invalid('redirect_uri is not one this tool registered', [{ field: 'redirect_uri', message: 'not registered' }]);
  let hint;
  try {
    hint = await verifyPlatformToken(db, r.lti_message_hint, {
      issuer: publicBaseUrl,
      audience: selfAudience(publicBaseUrl, 'launch'),
      typ: HINT_TYP,
    });
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) throw refusedHint(err.code === 'ERR_JWT_EXPIRED' ? 'expired' : 'not one this platform issued');
    throw err;
  }
  if (hint.clientId !== tool.client_id) throw refusedHint('issued for another tool');
  if (hint.sub !== r.login_hint) throw refusedHint('issued for another login_hint');
  const enrollmentId = typeof hint.enrollmentId === 'string' ? hint.enrollmentId : '';
  const { rows } = await db.query<AuthorizeFacts>(
    `SELECT e.id AS enrollment_id, e.student_id, p.id AS program_id, p.title AS program_title, e.status
       FROM enrollments e JOIN programs p ON p.id = e.program_id WHERE e.id = $1 AND p.partner_id = $2`,
    [enrollmentId, tool.partner_id],
  );
  const e = rows[0];
  if (!e || ltiSubject(e.student_id) !== r.login_hint) throw refusedHint('its enrollment is not this tool’s');
  const expires = new Date((hint.exp ?? 0) * 1000);
  if (!(await useOnce(db, 'nonce', `${tool.client_id}\n${r.nonce}`, new Date(Date.now() + ID_TOKEN_SECONDS * 1000))))
    throw refuse.invalid('nonce was already used', [{ field: 'nonce', message: 'already used' }]);
  if (!(await useOnce(db, 'message_hint', hint.jti ?? r.lti_message_hint, expires))) throw refusedHint('already used');

  const c = LTI.claim;
  const idToken = await signWithPlatformKey(
    db,
    {
      nonce: r.nonce,
      azp: tool.client_id,
      [`${c}message_type`]: 'LtiResourceLinkRequest',
      [`${c}version`]: LTI.version,
      [`${c}deployment_id`]: tool.deployment_id,
      [`${c}target_link_uri`]: tool.target_link_uri,
      [`${c}resource_link`]: { id: e.program_id, title: e.program_title },
      [`${c}roles`]: [LTI.learner],
      [`${c}context`]: { id: e.program_id, title: e.program_title, type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'] },
      [`${c}tool_platform`]: { guid: publicBaseUrl, product_family_code: 'credential-marketplace' },
      [LTI.agsClaim]: { scope: [...AGS_SCOPES], lineitem: ltiLineItemUrl(publicBaseUrl, e.enrollment_id) },
    },
    { issuer: publicBaseUrl, audience: tool.client_id, subject: r.login_hint, expiresInSeconds: ID_TOKEN_SECONDS },
  );
  await audit(db, { id: `lti:${tool.client_id}`, role: 'lti_tool' }, 'lti.launch', { type: 'enrollment', id: e.enrollment_id }, {});
  return { redirectUri: r.redirect_uri, idToken, state: r.state };
}

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
  { db, outbound }: { db: Db; outbound: OutboundGuard },
  publicBaseUrl: string,
  r: z.output<typeof ltiTokenRequest>,
) {
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
    db,
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

const needScope = (caller: AgsCaller, ...any: string[]) => {
  if (!any.some((s) => caller.scopes.includes(s))) throw refuse.forbidden(`the access token lacks the scope ${any.join(' or ')}`);
};

interface LineItemRow {
  enrollment_id: string;
  student_id: string;
  program_id: string;
  program_title: string;
  passing_score_percent: number | null;
}

/** The enrollment's line item, when it belongs to this tool's partner (another deployment's is unknown: 404). */
async function lineItemOf(db: Db, caller: AgsCaller, enrollmentId: string): Promise<LineItemRow> {
  const { rows } = await db.query<LineItemRow>(
    `SELECT e.id AS enrollment_id, e.student_id, p.id AS program_id, p.title AS program_title, p.passing_score_percent
       FROM enrollments e JOIN programs p ON p.id = e.program_id JOIN lti_tools t ON t.partner_id = p.partner_id
      WHERE e.id = $1 AND t.id = $2`,
    [enrollmentId, caller.toolId],
  );
  if (!rows[0]) throw refuse.notFound(`line item ${enrollmentId}`);
  return rows[0];
}

export async function ltiLineItem(db: Db, publicBaseUrl: string, caller: AgsCaller, enrollmentId: string) {
  needScope(caller, LTI.scopes.lineitem, `${LTI.scopes.lineitem}.readonly`);
  const li = await lineItemOf(db, caller, enrollmentId);
  return {
    id: ltiLineItemUrl(publicBaseUrl, li.enrollment_id),
    scoreMaximum: 100,
    label: li.program_title,
    resourceLinkId: li.program_id,
    resourceId: li.enrollment_id,
  };
}

interface ScoreRow {
  id: string;
  user_id: string;
  score_given: number | null;
  score_maximum: number | null;
  comment: string | null;
}

/** AGS results: the latest score of the line item's learner. */
export async function ltiResults(db: Db, publicBaseUrl: string, caller: AgsCaller, enrollmentId: string) {
  needScope(caller, LTI.scopes.resultReadonly);
  const li = await lineItemOf(db, caller, enrollmentId);
  const lineItem = ltiLineItemUrl(publicBaseUrl, li.enrollment_id);
  const { rows } = await db.query<ScoreRow>(
    `SELECT id, user_id, score_given, score_maximum, comment FROM lti_scores WHERE enrollment_id = $1
      ORDER BY score_timestamp DESC, received_at DESC LIMIT 1`,
    [li.enrollment_id],
  );
  return rows.map((s) => ({
    id: `${lineItem}/results/${s.id}`,
    scoreOf: lineItem,
    userId: s.user_id,
    ...(s.score_given !== null && { resultScore: s.score_given, resultMaximum: s.score_maximum }),
    ...(s.comment !== null && { comment: s.comment }),
  }));
}

type Score = z.output<typeof ltiScoreBody>;

/** Whether a score completes its enrollment: Completed and FullyGraded, and at least the program's passing score. */
function scoreVerdict(s: Score, passingPercent: number | null): 'completes' | 'recorded' | 'below_passing' {
  if (s.activityProgress !== 'Completed' || s.gradingProgress !== 'FullyGraded') return 'recorded';
  if (passingPercent === null) return 'completes';
  if (s.scoreGiven === undefined || s.scoreMaximum === undefined) return 'below_passing';
  return (s.scoreGiven / s.scoreMaximum) * 100 >= passingPercent ? 'completes' : 'below_passing';
}

/**
 * A tool's score for a line item: always kept (`lti_scores`) and audited; a completing one is reported to the
 * workflow as completion method `lti_ags` (first completion wins; a later one is kept as evidence). The same tool,
 * enrollment and score timestamp are the same report, so a retried post completes nothing twice.
 */
export async function receiveLtiScore(
  deps: { db: Db; enrollments: EnrollmentClient },
  caller: AgsCaller,
  enrollmentId: string,
  s: Score,
): Promise<{ outcome: 'applied' | 'already_complete' | 'recorded' | 'below_passing'; status?: EnrollmentStatus }> {
  needScope(caller, LTI.scopes.score);
  const { db } = deps;
  const li = await lineItemOf(db, caller, enrollmentId);
  if (s.userId !== ltiSubject(li.student_id))
    throw refuse.unprocessable('userId is not the learner of this line item (the id_token’s sub)');
  const id = randomUUID();
  const verdict = scoreVerdict(s, li.passing_score_percent);
  await db.query(
    `INSERT INTO lti_scores (id, enrollment_id, tool_id, user_id, score_given, score_maximum, activity_progress, grading_progress,
                             comment, score_timestamp, outcome, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      id,
      li.enrollment_id,
      caller.toolId,
      s.userId,
      s.scoreGiven ?? null,
      s.scoreMaximum ?? null,
      s.activityProgress,
      s.gradingProgress,
      s.comment ?? null,
      s.timestamp,
      verdict === 'completes' ? 'recorded' : verdict,
      JSON.stringify(s),
    ],
  );
  const actor = { id: `lti:${caller.clientId}`, role: 'lti_tool' };
  const auditScore = (outcome: string) =>
    audit(
      db,
      actor,
      'lti.score',
      { type: 'enrollment', id: li.enrollment_id },
      {
        scoreId: id,
        outcome,
        activityProgress: s.activityProgress,
        gradingProgress: s.gradingProgress,
        scoreGiven: s.scoreGiven,
        scoreMaximum: s.scoreMaximum,
        timestamp: s.timestamp,
      },
    );
  if (verdict !== 'completes') {
    await auditScore(verdict);
    return { outcome: verdict };
  }
  const percent =
    s.scoreGiven !== undefined && s.scoreMaximum !== undefined ? Math.min(100, (s.scoreGiven / s.scoreMaximum) * 100) : undefined;
  const completedAt = new Date(s.timestamp).toISOString();
  const reportId = createHash('sha256').update(`${caller.toolId}\n${li.enrollment_id}\n${completedAt}`).digest('hex');
  try {
    const result = await reportCompletion(deps, li.enrollment_id, {
      method: 'lti_ags',
      reportId,
      completedAt,
      reportedBy: actor.id,
      score: percent,
      evidenceUrl: undefined,
    });
    await db.query('UPDATE lti_scores SET outcome = $2 WHERE id = $1', [id, result.outcome]);
    await auditScore(result.outcome);
    return result;
  } catch (err) {
    await auditScore(`refused: ${err instanceof Refusal ? REFUSAL_STATUS[err.kind] : 'error'}`);
    throw err;
  }
}
