/**
 * The LTI launch: the student's launch goes to the tool's OIDC login initiation URL with a signed hint (third-party
 * initiated login); the tool comes back to the authorization endpoint, which answers the signed id_token the browser
 * form-posts to the tool.
 */
import { errors as joseErrors } from 'jose';
import type { z } from 'zod';
import type { Db } from '../../../db/pool';
import type { EnrollmentStatus } from '../../../workflows/messages';
import { audit } from '../../../core/audit';
import type { CoreDeps } from '../../../core/deps';
import { refuse } from '../../../core/refusals';
import { signWithPlatformKey, verifyPlatformToken } from './keys';
import { AGS_SCOPES, LTI, ltiLineItemUrl, ltiSubject, selfAudience, useOnce } from './lti';
import type { ltiAuthorizeRequest } from './schemas';
import type { ToolRow } from './tools';

/** How long each thing this platform signs for the launch lasts. */
const MESSAGE_HINT_SECONDS = 300;
const ID_TOKEN_SECONDS = 300;
const HINT_TYP = 'lti-message-hint+jwt';

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
 * (third-party initiated login) with a short-lived, signed, single-use `lti_message_hint` naming the enrollment, and
 * the tool it goes to. Undefined when the partner has no LTI tool.
 */
export async function ltiLoginRedirect(
  deps: Pick<CoreDeps, 'db' | 'config'>,
  enrollmentId: string,
): Promise<{ url: string; tool: { clientId: string; partnerId: string } } | undefined> {
  const { publicBaseUrl } = deps.config;
  const facts = await launchFacts(deps.db, enrollmentId);
  const tool = facts?.tool;
  if (!facts || !tool) return undefined;
  const sub = ltiSubject(facts.student_id);
  const hint = await signWithPlatformKey(
    deps,
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
  return { url: url.toString(), tool: { clientId: tool.client_id, partnerId: tool.partner_id } };
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
export async function authorizeLtiLaunch(
  deps: Pick<CoreDeps, 'db' | 'config'>,
  publicBaseUrl: string,
  r: z.output<typeof ltiAuthorizeRequest>,
) {
  const { db } = deps;
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
    deps,
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
