/**
 * xAPI 1.0.3, Data part: every rule a Learning Record Store must enforce on a statement (section 2.2 formatting,
 * 2.4 properties, 2.6 attachments, 4 special data types), as zod schemas, so a bad statement is a 400 naming the
 * field. Shared by the statement resource (capabilities/completion/xapi/xapi.routes.ts) and the OpenAPI document. Re-exported by
 * api/schemas.ts. https://github.com/adlnet/xAPI-Spec/blob/1.0.3/xAPI-Data.md
 */
import { z } from 'zod';
import { isLanguageTag } from '../../../lib/language-tag';

// ── Special data types (Data 4) ───────────────────────────────────────────────────────────────────────

/**
 * An absolute IRI (RFC 3987): a scheme, a colon, then no whitespace or characters IRIs exclude. The suite's
 * `ab=c://x` (no valid scheme) and `not.a.valid.iri.com/verb` (no scheme) are refused.
 */
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\p{Cc}]+$/u;
export const isIri = (v: string) => v.length <= 2048 && ABSOLUTE_IRI.test(v) && URL.canParse(v);

/** ABSOLUTE_IRI as the document states it (JSON Schema patterns have no `\\p{…}`; Cc is C0, DEL and C1). */
const IRI_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*:[^\\s<>"{}|\\\\^`\\x00-\\x1f\\x7f-\\x9f]+$';
export const iri = z
  .string()
  .refine(isIri, 'must be an absolute IRI such as http://adlnet.gov/expapi/verbs/completed')
  .meta({ format: 'iri', pattern: IRI_PATTERN, maxLength: 2048 });
/** An IRL is an IRI that can be looked up (moreInfo, homePage, fileUrl): the same syntax. */
const irl = z
  .string()
  .refine(isIri, 'must be an absolute IRL such as https://example.com/page')
  .meta({ format: 'iri', pattern: IRI_PATTERN, maxLength: 2048 });

/** Any 8-4-4-4-12 hexadecimal UUID (RFC 4122 layout; the version is not checked). */
export const xapiUuid = z.guid({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a UUID') });

/**
 * ISO 8601 date and time, optionally with seconds and a fraction, and an offset (Z or ±hh[[:]mm]). "-00", "-0000"
 * and "-00:00" (an unknown offset, RFC 3339 4.3) are not ISO 8601 and are refused. Without an offset the time is
 * read as UTC (Data 4.5: the LRS may interpret it in a time zone of its choice).
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
export function timestampMs(v: string): number | undefined {
  const m = TIMESTAMP.exec(v);
  if (!m) return undefined;
  const offset = m[8]?.toUpperCase();
  if (offset && /^-00(:?00)?$/.test(offset)) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = ''] = m;
  const zone = !offset || offset === 'Z' ? 'Z' : offset.length === 3 ? `${offset}:00` : offset.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac + '000').slice(0, 3)}${zone}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2026-02-30 over to March; a date that does not exist is refused.
  if (Number.isNaN(ms) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  return ms;
}
export const timestamp = z
  .string()
  .refine((v) => timestampMs(v) !== undefined, 'must be an ISO 8601 date-time such as 2026-11-30T10:15:00.000Z')
  .meta({ format: 'date-time' });

/** ISO 8601 duration: PnW alone, or PnYnMnDTnHnMnS with any part present (seconds may have a fraction). */
const DURATION =
  /^P(?:\d+(?:\.\d+)?W|(?=\d|T\d)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$/;
const duration = z.string().regex(DURATION, 'must be an ISO 8601 duration such as PT1H30M');

/** A language map: RFC 5646 language tags to strings (Data 4.2). */
const languageMap = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  for (const tag of Object.keys(map))
    if (!isLanguageTag(tag)) ctx.addIssue({ code: 'custom', path: [tag], message: 'must be an RFC 5646 language tag such as en-US' });
});

/** Extensions: IRI keys, any JSON value (null included: Data 2.2 exempts extensions from the null rule). */
const extensions = z.record(z.string(), z.unknown()).superRefine((map, ctx) => {
  for (const key of Object.keys(map))
    if (!isIri(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'an extension key must be an IRI' });
});

const MAILTO = /^mailto:[^\s@]+@[^\s@]+$/i;

// ── Actors (Data 2.4.2) ───────────────────────────────────────────────────────────────────────────────

const IFIS = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const;
const ifiProperties = {
  name: z.string().optional(),
  mbox: z.string().regex(MAILTO, 'must be a mailto: IRI with an email address').optional(),
  mbox_sha1sum: z
    .string()
    .regex(/^[0-9a-f]{40}$/i, 'must be the hex SHA-1 of a mailto: IRI')
    .optional(),
  openid: iri.optional(),
  account: z.strictObject({ homePage: irl, name: z.string() }).optional(),
};
const ifiCount = (a: Record<string, unknown>) => IFIS.filter((k) => a[k] !== undefined).length;

const agentFields = { ...ifiProperties };
const exactlyOneIfi = (a: Record<string, unknown>, ctx: z.RefinementCtx) => {
  if (ifiCount(a) !== 1) ctx.addIssue({ code: 'custom', message: 'an Agent needs exactly one of mbox, mbox_sha1sum, openid or account' });
};
/** An Agent where objectType may be left out (actor, member, instructor). */
const agent = z.strictObject({ objectType: z.literal('Agent').optional(), ...agentFields }).superRefine(exactlyOneIfi);
/** An Agent as a statement's object: objectType is required there (Data 2.4.4.2). */
const agentAsObject = z.strictObject({ objectType: z.literal('Agent'), ...agentFields }).superRefine(exactlyOneIfi);

const groupShape = z.strictObject({ objectType: z.literal('Group'), ...ifiProperties, member: z.array(agent).optional() });
const group = groupShape.superRefine((g, ctx) => {
  const n = ifiCount(g);
  if (n > 1) ctx.addIssue({ code: 'custom', message: 'an identified Group has exactly one of mbox, mbox_sha1sum, openid or account' });
  if (n === 0 && !g.member?.length)
    ctx.addIssue({ code: 'custom', path: ['member'], message: 'an anonymous Group (no identifier) needs its members' });
});
/** The authority of a 3-legged OAuth request: an anonymous Group of exactly two Agents (Data 2.4.9). */
const authorityGroup = groupShape.superRefine((g, ctx) => {
  if (ifiCount(g) !== 0)
    ctx.addIssue({ code: 'custom', message: 'an authority Group is anonymous (no mbox, mbox_sha1sum, openid or account)' });
  if (g.member?.length !== 2) ctx.addIssue({ code: 'custom', path: ['member'], message: 'an authority Group has exactly two members' });
});

const objectTypeError = (expected: string) => ({ error: `objectType must be ${expected}` });
const actor = z.discriminatedUnion('objectType', [agent, group], objectTypeError('Agent or Group (or left out for an Agent)'));
const authority = z.discriminatedUnion('objectType', [agent, authorityGroup], objectTypeError('Agent or Group'));

// ── Verb, Activity, StatementRef (Data 2.4.3, 2.4.4) ──────────────────────────────────────────────────

const verb = z.strictObject({ id: iri, display: languageMap.optional() });

export const INTERACTION_TYPES = [
  'true-false',
  'choice',
  'fill-in',
  'long-fill-in',
  'matching',
  'performance',
  'sequencing',
  'likert',
  'numeric',
  'other',
] as const;
/** Which interaction component lists each interaction type may use (Data 2.4.4.1, Interaction Components). */
const COMPONENT_LISTS = {
  choices: ['choice', 'sequencing'],
  scale: ['likert'],
  source: ['matching'],
  target: ['matching'],
  steps: ['performance'],
} as const;
const interactionComponents = z
  .array(
    z.strictObject({ id: z.string().regex(/^\S+$/, 'must be a non-empty id without whitespace'), description: languageMap.optional() }),
  )
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'ids within one list must be distinct' });
      seen.add(c.id);
    });
  });

const activityDefinition = z
  .strictObject({
    name: languageMap.optional(),
    description: languageMap.optional(),
    type: iri.optional(),
    moreInfo: irl.optional(),
    extensions: extensions.optional(),
    interactionType: z.enum(INTERACTION_TYPES, { error: `must be one of ${INTERACTION_TYPES.join(', ')}` }).optional(),
    correctResponsesPattern: z.array(z.string()).optional(),
    choices: interactionComponents.optional(),
    scale: interactionComponents.optional(),
    source: interactionComponents.optional(),
    target: interactionComponents.optional(),
    steps: interactionComponents.optional(),
  })
  .superRefine((d, ctx) => {
    const usesInteraction = d.correctResponsesPattern !== undefined || Object.keys(COMPONENT_LISTS).some((k) => k in d);
    if (usesInteraction && !d.interactionType)
      ctx.addIssue({
        code: 'custom',
        path: ['interactionType'],
        message: 'required with correctResponsesPattern or interaction components',
      });
    for (const [list, types] of Object.entries(COMPONENT_LISTS))
      if (
        d[list as keyof typeof COMPONENT_LISTS] !== undefined &&
        d.interactionType &&
        !(types as readonly string[]).includes(d.interactionType)
      )
        ctx.addIssue({
          code: 'custom',
          path: [list],
          message: `not used with interactionType ${d.interactionType} (only ${types.join(', ')})`,
        });
  });

export const activity = z.strictObject({
  objectType: z.literal('Activity').optional(),
  id: iri,
  definition: activityDefinition.optional(),
});
const statementRef = z.strictObject({ objectType: z.literal('StatementRef'), id: xapiUuid });

// ── Result, context, attachments (Data 2.4.5, 2.4.6, 2.4.11) ───────────────────────────────────────────

const score = z
  .strictObject({
    scaled: z.number().min(-1, 'must be between -1 and 1').max(1, 'must be between -1 and 1').optional(),
    raw: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.min !== undefined && s.max !== undefined && !(s.min < s.max))
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'must be less than max' });
    if (s.raw !== undefined && s.min !== undefined && s.raw < s.min)
      ctx.addIssue({ code: 'custom', path: ['raw'], message: 'must not be less than min' });
    if (s.raw !== undefined && s.max !== undefined && s.raw > s.max)
      ctx.addIssue({ code: 'custom', path: ['raw'], message: 'must not be more than max' });
  });

const result = z.strictObject({
  score: score.optional(),
  success: z.boolean().optional(),
  completion: z.boolean().optional(),
  response: z.string().optional(),
  duration: duration.optional(),
  extensions: extensions.optional(),
});

const contextActivityList = z.union([activity, z.array(activity)], { error: 'must be an Activity or an array of Activities' });
const context = z.strictObject({
  registration: xapiUuid.optional(),
  instructor: actor.optional(),
  team: group.optional(),
  contextActivities: z
    .strictObject({
      parent: contextActivityList.optional(),
      grouping: contextActivityList.optional(),
      category: contextActivityList.optional(),
      other: contextActivityList.optional(),
    })
    .optional(),
  revision: z.string().optional(),
  platform: z.string().optional(),
  language: z.string().refine(isLanguageTag, 'must be an RFC 5646 language tag such as en-US').optional(),
  statement: statementRef.optional(),
  extensions: extensions.optional(),
});

/** An Internet media type with optional parameters (RFC 6838), printable ASCII only. */
export const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(?:\s*;[\x20-\x7e]*)?$/;
const SIGNATURE_USAGE = 'http://adlnet.gov/expapi/attachments/signature';
export const attachment = z
  .strictObject({
    usageType: iri,
    display: languageMap,
    description: languageMap.optional(),
    contentType: z.string().regex(MEDIA_TYPE, 'must be an Internet media type such as text/plain'),
    length: z.number().int('must be an integer').min(0),
    sha2: z.string().regex(/^[0-9a-f]{56}$|^[0-9a-f]{64}$|^[0-9a-f]{96}$|^[0-9a-f]{128}$/i, 'must be a hex SHA-2 digest'),
    fileUrl: irl.optional(),
  })
  .superRefine((a, ctx) => {
    // Data 2.6: a signature is a JWS sent as application/octet-stream.
    if (a.usageType === SIGNATURE_USAGE && a.contentType !== 'application/octet-stream')
      ctx.addIssue({ code: 'custom', path: ['contentType'], message: 'a signature attachment is application/octet-stream' });
  });

// ── Statements and SubStatements (Data 2.4) ───────────────────────────────────────────────────────────

export const VOIDED_VERB = 'http://adlnet.gov/expapi/verbs/voided';

/** Rules across properties, for statements and SubStatements alike. */
function crossPropertyRules(
  s: { verb: { id: string }; object: { objectType?: string }; context?: { revision?: string; platform?: string } },
  ctx: z.RefinementCtx,
) {
  const objectType = s.object.objectType ?? 'Activity';
  for (const k of ['revision', 'platform'] as const)
    if (s.context?.[k] !== undefined && objectType !== 'Activity')
      ctx.addIssue({
        code: 'custom',
        path: ['context', k],
        message: `only for a statement about an Activity (the object is a ${objectType})`,
      });
  if (s.verb.id === VOIDED_VERB && objectType !== 'StatementRef')
    ctx.addIssue({ code: 'custom', path: ['object', 'objectType'], message: 'a voiding statement’s object is a StatementRef' });
}

const subStatement = z
  .strictObject({
    objectType: z.literal('SubStatement'),
    actor,
    verb,
    object: z.discriminatedUnion(
      'objectType',
      [activity, agentAsObject, group, statementRef],
      objectTypeError('Activity, Agent, Group or StatementRef (a SubStatement holds no SubStatement)'),
    ),
    result: result.optional(),
    context: context.optional(),
    timestamp: timestamp.optional(),
    attachments: z.array(attachment).optional(),
  })
  .superRefine(crossPropertyRules);

export const xapiStatement = z
  .strictObject({
    id: xapiUuid.optional(),
    actor,
    verb,
    object: z.discriminatedUnion(
      'objectType',
      [activity, agentAsObject, group, statementRef, subStatement],
      objectTypeError('Activity (or left out), Agent, Group, StatementRef or SubStatement'),
    ),
    result: result.optional(),
    context: context.optional(),
    timestamp: timestamp.optional(),
    // Set by the LRS; a client's are checked, then replaced (Data 2.4.8, 2.4.9).
    stored: timestamp.optional(),
    authority: authority.optional(),
    version: z
      .string()
      .regex(/^1\.0(\.\d+)?$/, 'must be 1.0 or 1.0.x')
      .optional(),
    attachments: z.array(attachment).optional(),
  })
  .superRefine(crossPropertyRules);
export type XapiStatement = z.output<typeof xapiStatement>;
export type XapiActor = z.output<typeof actor>;
export type XapiActivity = z.output<typeof activity>;
export type XapiAttachment = z.output<typeof attachment>;

export const MAX_STATEMENTS_PER_REQUEST = 500;
export const xapiStatementBatch = z.array(xapiStatement).min(1, 'at least one statement').max(MAX_STATEMENTS_PER_REQUEST);
export const SIGNATURE_USAGE_TYPE = SIGNATURE_USAGE;

// ── Communication part: the statement resource's parameters (Communication 2.1) ──────────────────────

export const xapiPutQuery = z.strictObject({ statementId: xapiUuid });

const bool = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');
/** An agent filter: the JSON of an Agent or identified Group. */
const agentParam = z.string().transform((v, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be the JSON of an Agent or Group' });
    return z.NEVER;
  }
  const agentOrGroup = actor.safeParse(parsed);
  if (!agentOrGroup.success) {
    ctx.addIssue({
      code: 'custom',
      message: `must be an Agent or identified Group: ${agentOrGroup.error.issues[0]?.message ?? 'invalid'}`,
    });
    return z.NEVER;
  }
  if (ifiCount(agentOrGroup.data) !== 1) {
    ctx.addIssue({ code: 'custom', message: 'an anonymous Group cannot be a filter (it has no identifier)' });
    return z.NEVER;
  }
  return agentOrGroup.data;
});

export const XAPI_FORMATS = ['exact', 'ids', 'canonical'] as const;
/** GET /xapi/statements: one statement by id (with format and attachments only), or a filtered list. */
export const xapiGetQuery = z
  .strictObject({
    statementId: xapiUuid.optional(),
    voidedStatementId: xapiUuid.optional(),
    agent: agentParam.optional(),
    verb: iri.optional(),
    activity: iri.optional(),
    registration: xapiUuid.optional(),
    related_activities: bool.optional(),
    related_agents: bool.optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
    limit: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a whole number (0: the server’s maximum)')
      .transform(Number)
      .optional(),
    format: z.enum(XAPI_FORMATS, { error: `must be one of ${XAPI_FORMATS.join(', ')}` }).optional(),
    attachments: bool.optional(),
    ascending: bool.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.statementId !== undefined && q.voidedStatementId !== undefined)
      ctx.addIssue({ code: 'custom', path: ['voidedStatementId'], message: 'not with statementId' });
    if (q.statementId === undefined && q.voidedStatementId === undefined) return;
    const allowed = new Set(['statementId', 'voidedStatementId', 'format', 'attachments']);
    for (const key of Object.keys(q))
      if (!allowed.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'not with statementId or voidedStatementId' });
  });
export type XapiGetQuery = z.output<typeof xapiGetQuery>;

/** GET /xapi/activities: the Activity Object the LRS knows by this id (Communication 2.5). */
export const xapiActivitiesQuery = z.strictObject({ activityId: iri });
/** GET /xapi/agents: the Person Object the LRS knows for this Agent (Communication 2.4). */
export const xapiAgentsQuery = z.strictObject({ agent: agentParam });
