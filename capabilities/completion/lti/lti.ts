/**
 * The LTI 1.3 platform (1EdTech LTI Core 1.3, Security Framework 1.0, LTI Advantage AGS 2.0): tools registered by an
 * admin (tools.ts), the launch (launch.ts: third-party initiated login, then the authorization endpoint's form-posted
 * id_token), the AGS token endpoint (token.ts) and grade passback (ags.ts), whose completing score reaches the workflow
 * through the same `reportCompletion` as every channel. Here: what they share, LTI's names and this platform's URLs.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../../db/pool';

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
export const AGS_SCOPES: readonly string[] = Object.values(LTI.scopes);

export const ltiTokenEndpoint = (base: string) => `${base}/lti/token`;
export const ltiLineItemUrl = (base: string, enrollmentId: string) => `${base}/lti/lineitems/${enrollmentId}`;
/** The audience of this platform's own tokens (hints to itself, access tokens for AGS). */
export const selfAudience = (base: string, what: 'launch' | 'ags') => `${base}/lti/${what}`;

/** The student as LTI's `sub`: stable per student, no name, email or platform user id (a pseudonym). */
export const ltiSubject = (studentId: string) => createHash('sha256').update(`lti-sub\n${studentId}`).digest('hex').slice(0, 32);

/** Marks a single-use value used; false when it already was. */
export async function useOnce(
  db: Db,
  kind: 'message_hint' | 'nonce' | 'client_assertion',
  value: string,
  expiresAt: Date,
): Promise<boolean> {
  await db.query("DELETE FROM lti_used_values WHERE expires_at < now() - interval '1 hour'");
  const { rowCount } = await db.query('INSERT INTO lti_used_values (kind, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    kind,
    value,
    expiresAt,
  ]);
  return rowCount === 1;
}
