/**
 * Pure rules over a validated xAPI 1.0.3 statement: what the LRS keeps (its id, context activities as arrays, no
 * client `stored` or `authority`), what the GET filters match, when two statements are "the same" (Data 2.3.1,
 * Statement Comparison), and the three response formats (exact, ids, canonical). No I/O.
 */
import type { XapiActivity, XapiActor, XapiStatement } from './schemas';
import { timestampMs, VOIDED_VERB } from './schemas';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

type SubStatement = Extract<XapiStatement['object'], { objectType: 'SubStatement' }>;
type StatementLike = Pick<XapiStatement, 'actor' | 'object' | 'context'> | Pick<SubStatement, 'actor' | 'object' | 'context'>;

/** "<Agent|Group>|<ifi>|<value>": how the agent filters and the index columns name an Agent or identified Group. */
export function agentKey(
  a: { objectType?: string } & Partial<Record<'mbox' | 'mbox_sha1sum' | 'openid', string>> & {
      account?: { homePage: string; name: string };
    },
): string | undefined {
  const type = a.objectType ?? 'Agent';
  if (a.mbox !== undefined) return `${type}|mbox|${a.mbox}`;
  if (a.mbox_sha1sum !== undefined) return `${type}|mbox_sha1sum|${a.mbox_sha1sum.toLowerCase()}`;
  if (a.openid !== undefined) return `${type}|openid|${a.openid}`;
  if (a.account !== undefined) return `${type}|account|${a.account.homePage}|${a.account.name}`;
  return undefined; // an anonymous Group
}

const asList = (v: XapiActivity | XapiActivity[] | undefined): XapiActivity[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const contextActivityIds = (s: StatementLike) =>
  Object.values(s.context?.contextActivities ?? {}).flatMap((v: XapiActivity | XapiActivity[] | undefined) => asList(v).map((a) => a.id));
const keysOf = (...actors: (XapiActor | undefined)[]) => actors.flatMap((a) => (a ? [agentKey(a)].filter((k) => k !== undefined) : []));
const objectActor = (o: StatementLike['object']): XapiActor | undefined =>
  o.objectType === 'Agent' || o.objectType === 'Group' ? o : undefined;
const objectActivityId = (o: StatementLike['object']) => (o.objectType === undefined || o.objectType === 'Activity' ? [o.id] : []);

/** What a statement is found by: the columns written beside it (db/migrations/017). */
export interface StatementIndex {
  objectType: string;
  objectRef: string | null;
  registration: string | null;
  agentKeys: string[];
  relatedAgentKeys: string[];
  activityIds: string[];
  relatedActivityIds: string[];
  isVoiding: boolean;
}

export function indexOf(s: XapiStatement): StatementIndex {
  const direct = keysOf(s.actor, objectActor(s.object));
  const sub = s.object.objectType === 'SubStatement' ? s.object : undefined;
  const related = [
    ...direct,
    ...keysOf(s.context?.instructor, s.context?.team),
    ...(sub ? keysOf(sub.actor, objectActor(sub.object), sub.context?.instructor, sub.context?.team) : []),
  ];
  const activityIds = objectActivityId(s.object);
  const relatedActivities = [
    ...activityIds,
    ...contextActivityIds(s),
    ...(sub ? [...objectActivityId(sub.object), ...contextActivityIds(sub)] : []),
  ];
  const objectType = s.object.objectType ?? 'Activity';
  return {
    objectType,
    objectRef: s.object.objectType === 'StatementRef' ? s.object.id.toLowerCase() : null,
    registration: s.context?.registration?.toLowerCase() ?? null,
    agentKeys: [...new Set(direct)],
    relatedAgentKeys: [...new Set(related)],
    activityIds,
    relatedActivityIds: [...new Set(relatedActivities)],
    isVoiding: s.verb.id === VOIDED_VERB && objectType === 'StatementRef',
  };
}

/** Context activities as arrays (Data 2.4.6.2: an LRS returns them as arrays even when one was sent). */
function withActivityArrays<C extends { contextActivities?: Record<string, XapiActivity | XapiActivity[] | undefined> }>(c: C): C {
  if (!c.contextActivities) return c;
  return {
    ...c,
    contextActivities: Object.fromEntries(Object.entries(c.contextActivities).map(([k, v]) => [k, asList(v)])),
  };
}

/**
 * The statement as the LRS keeps it: its id (lower case), context activities as arrays, and without `stored` and
 * `authority` (the LRS sets those when it answers: the row's stored time and the partner).
 */
export function statementToKeep(s: XapiStatement, id: string): JsonObject {
  const { stored: _stored, authority: _authority, ...rest } = s;
  const kept: XapiStatement = { ...rest, id: id.toLowerCase() };
  if (kept.context) kept.context = withActivityArrays(kept.context);
  if (kept.object.objectType === 'SubStatement' && kept.object.context)
    kept.object = { ...kept.object, context: withActivityArrays(kept.object.context) };
  return kept as unknown as JsonObject;
}

// ── Statement comparison (Data 2.3.1) ──────────────────────────────────────────────────────────────────

const UUID_PATHS = [
  ['context', 'registration'],
  ['context', 'statement', 'id'],
  ['object', 'context', 'registration'],
];

/**
 * A form in which two kept statements are equal when the spec says they are the same: the properties the LRS
 * assigns (id, stored, authority, version) left out, timestamps compared as instants, UUIDs without case, and object
 * keys in one order.
 */
export function comparable(kept: JsonObject): string {
  const { id: _id, stored: _s, authority: _a, version: _v, ...rest } = kept;
  const copy = structuredClone(rest);
  for (const path of UUID_PATHS) {
    let node: Json = copy;
    for (const k of path.slice(0, -1)) node = node && typeof node === 'object' && !Array.isArray(node) ? (node[k] ?? null) : null;
    const last = path[path.length - 1];
    if (node && typeof node === 'object' && !Array.isArray(node) && typeof node[last] === 'string') node[last] = node[last].toLowerCase();
  }
  const object = copy.object;
  if (
    object &&
    typeof object === 'object' &&
    !Array.isArray(object) &&
    object.objectType === 'StatementRef' &&
    typeof object.id === 'string'
  )
    object.id = object.id.toLowerCase();
  for (const holder of [copy, object])
    if (holder && typeof holder === 'object' && !Array.isArray(holder) && typeof holder.timestamp === 'string')
      holder.timestamp = String(timestampMs(holder.timestamp) ?? holder.timestamp);
  return stableStringify(copy);
}

function stableStringify(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

// ── What a GET answers ─────────────────────────────────────────────────────────────────────────────────

export type StatementFormat = 'exact' | 'ids' | 'canonical';

/** The statement as served: what was kept, plus the LRS's `stored`, `authority` and `version` (1.0.0 when not sent). */
export function served(kept: JsonObject, stored: Date, authority: JsonObject): JsonObject {
  return { ...kept, version: kept.version ?? '1.0.0', stored: stored.toISOString(), authority };
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An Agent or Group reduced to its identifier (members for an anonymous Group) — format=ids. */
function actorIds(a: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (a.objectType !== undefined) out.objectType = a.objectType;
  for (const k of ['mbox', 'mbox_sha1sum', 'openid', 'account']) if (a[k] !== undefined) out[k] = a[k];
  if (Object.keys(out).length <= (a.objectType === undefined ? 0 : 1) && Array.isArray(a.member))
    out.member = a.member.map((m) => (isObject(m) ? actorIds(m) : m));
  return out;
}

/** format=ids: Agents, Groups, Activities and Verbs by their identifiers only (Communication 2.1.3). */
function idsOnly(s: JsonObject): JsonObject {
  const out: JsonObject = { ...s };
  const actorLike = (v: Json | undefined) => (isObject(v) ? actorIds(v) : v);
  if (isObject(s.actor)) out.actor = actorIds(s.actor);
  if (isObject(s.verb)) out.verb = { id: s.verb.id };
  if (isObject(s.authority)) out.authority = actorIds(s.authority);
  if (isObject(s.object)) {
    const o = s.object;
    const type = o.objectType ?? 'Activity';
    out.object =
      type === 'Activity' ? { id: o.id } : type === 'Agent' || type === 'Group' ? actorIds(o) : type === 'SubStatement' ? idsOnly(o) : o;
  }
  if (isObject(s.context)) {
    const c: JsonObject = { ...s.context };
    if (c.instructor !== undefined) c.instructor = actorLike(c.instructor) ?? null;
    if (c.team !== undefined) c.team = actorLike(c.team) ?? null;
    if (isObject(c.contextActivities))
      c.contextActivities = Object.fromEntries(
        Object.entries(c.contextActivities).map(([k, list]) => [
          k,
          Array.isArray(list) ? list.map((a) => (isObject(a) ? { id: a.id } : a)) : list,
        ]),
      );
    out.context = c;
  }
  return out;
}

/** The language ranges of an Accept-Language header, best first ("*" and q=0 left out). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, i) => {
      const [range, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { range: range.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.range && r.range !== '*' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((r) => r.range);
}

/** One entry of a language map: the first accepted language it has (exactly, then by prefix), else en-US, en, the first. */
function oneLanguage(map: JsonObject, accepted: string[]): JsonObject {
  const keys = Object.keys(map);
  if (keys.length <= 1) return map;
  const lower = keys.map((k) => k.toLowerCase());
  const pick = (i: number) => ({ [keys[i]]: map[keys[i]] });
  for (const range of accepted) {
    const exact = lower.indexOf(range);
    if (exact >= 0) return pick(exact);
    const prefixed = lower.findIndex((k) => k.startsWith(`${range}-`) || range.startsWith(`${k}-`));
    if (prefixed >= 0) return pick(prefixed);
  }
  for (const fallback of ['en-us', 'en']) if (lower.includes(fallback)) return pick(lower.indexOf(fallback));
  return pick(0);
}

const LANGUAGE_MAPS_OF_DEFINITION = ['name', 'description'];

/** format=canonical: every language map of verbs, activities and their interaction components reduced to one language. */
function canonical(s: JsonObject, accepted: string[]): JsonObject {
  const activity = (a: Json): Json => {
    if (!isObject(a) || !isObject(a.definition)) return a;
    const d: JsonObject = { ...a.definition };
    for (const k of LANGUAGE_MAPS_OF_DEFINITION) if (isObject(d[k])) d[k] = oneLanguage(d[k], accepted);
    for (const list of ['choices', 'scale', 'source', 'target', 'steps'])
      if (Array.isArray(d[list]))
        d[list] = d[list].map((c) =>
          isObject(c) && isObject(c.description) ? { ...c, description: oneLanguage(c.description, accepted) } : c,
        );
    return { ...a, definition: d };
  };
  const out: JsonObject = { ...s };
  if (isObject(s.verb) && isObject(s.verb.display)) out.verb = { ...s.verb, display: oneLanguage(s.verb.display, accepted) };
  if (isObject(s.object)) {
    const type = s.object.objectType ?? 'Activity';
    out.object = type === 'Activity' ? activity(s.object) : type === 'SubStatement' ? canonical(s.object, accepted) : s.object;
  }
  if (isObject(s.context) && isObject(s.context.contextActivities))
    out.context = {
      ...s.context,
      contextActivities: Object.fromEntries(
        Object.entries(s.context.contextActivities).map(([k, list]) => [k, Array.isArray(list) ? list.map(activity) : list]),
      ),
    };
  return out;
}

/** The statement in the asked format (exact: as kept). */
export function inFormat(s: JsonObject, format: StatementFormat, acceptLanguage?: string): JsonObject {
  if (format === 'ids') return idsOnly(s);
  if (format === 'canonical') return canonical(s, acceptedLanguages(acceptLanguage));
  return s;
}

/** The sha2 of every attachment a statement (or its SubStatement) carries without a fileUrl: content to be sent with it. */
export function attachmentHashes(s: JsonObject): string[] {
  const of = (o: Json | undefined) =>
    isObject(o) && Array.isArray(o.attachments)
      ? o.attachments.flatMap((a) => (isObject(a) && typeof a.sha2 === 'string' ? [a.sha2] : []))
      : [];
  return [...of(s), ...(isObject(s.object) ? of(s.object) : [])];
}

// ── The activities and agents resources (Communication 2.4, 2.5): what the statements say ──────────────

/** Every Activity Object a statement holds: its object, its context activities, and the same in a SubStatement. */
function activitiesIn(s: JsonObject): JsonObject[] {
  const objectActivity = (o: Json | undefined) => (isObject(o) && (o.objectType ?? 'Activity') === 'Activity' ? [o] : []);
  const contextActivities = (holder: JsonObject) =>
    isObject(holder.context) && isObject(holder.context.contextActivities)
      ? Object.values(holder.context.contextActivities).flatMap((list) =>
          Array.isArray(list) ? list.filter(isObject) : isObject(list) ? [list] : [],
        )
      : [];
  const sub = isObject(s.object) && s.object.objectType === 'SubStatement' ? s.object : undefined;
  return [...objectActivity(s.object), ...contextActivities(s), ...(sub ? [...objectActivity(sub.object), ...contextActivities(sub)] : [])];
}

/**
 * The Activity Object for `id` from the statements that mention it, oldest first: each definition adds to what the
 * earlier ones said (language maps merged by language, other properties replaced), so two statements describing it
 * in two languages give both (Communication 2.5). Undefined when no statement mentions it.
 */
export function mergedActivity(id: string, statements: JsonObject[]): JsonObject | undefined {
  const found = statements.flatMap(activitiesIn).filter((a) => a.id === id);
  if (!found.length) return undefined;
  const definition: JsonObject = {};
  for (const a of found) {
    if (!isObject(a.definition)) continue;
    for (const [k, v] of Object.entries(a.definition))
      definition[k] =
        (k === 'name' || k === 'description' || k === 'extensions') && isObject(v) && isObject(definition[k])
          ? { ...definition[k], ...v }
          : v;
  }
  return { objectType: 'Activity', id, ...(Object.keys(definition).length && { definition }) };
}

/** Every Agent or Group a statement holds (actor, object, authority, context instructor and team, SubStatement, members). */
function actorsIn(s: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const add = (a: Json | undefined) => {
    if (!isObject(a)) return;
    out.push(a);
    if (Array.isArray(a.member)) a.member.forEach(add);
  };
  const fromStatement = (t: JsonObject) => {
    add(t.actor);
    if (isObject(t.object) && (t.object.objectType === 'Agent' || t.object.objectType === 'Group')) add(t.object);
    if (isObject(t.context)) [t.context.instructor, t.context.team].forEach(add);
  };
  fromStatement(s);
  if (isObject(s.object) && s.object.objectType === 'SubStatement') fromStatement(s.object);
  return out;
}

const keyOf = (a: JsonObject) =>
  agentKey({
    objectType: typeof a.objectType === 'string' ? a.objectType : undefined,
    mbox: typeof a.mbox === 'string' ? a.mbox : undefined,
    mbox_sha1sum: typeof a.mbox_sha1sum === 'string' ? a.mbox_sha1sum : undefined,
    openid: typeof a.openid === 'string' ? a.openid : undefined,
    account:
      isObject(a.account) && typeof a.account.homePage === 'string' && typeof a.account.name === 'string'
        ? { homePage: a.account.homePage, name: a.account.name }
        : undefined,
  });

/**
 * The Person Object for an Agent (Communication 2.4): its identifier, and every name the statements gave it. This
 * LRS links no identifiers of one person to another, so a Person has the one identifier asked for.
 */
export function personOf(asked: XapiActor, statements: JsonObject[]): JsonObject {
  const key = agentKey(asked);
  const names = new Set<string>(asked.name !== undefined ? [asked.name] : []);
  for (const s of statements) for (const a of actorsIn(s)) if (typeof a.name === 'string' && keyOf(a) === key) names.add(a.name);
  const person: JsonObject = { objectType: 'Person' };
  if (names.size) person.name = [...names];
  if (asked.mbox !== undefined) person.mbox = [asked.mbox];
  if (asked.mbox_sha1sum !== undefined) person.mbox_sha1sum = [asked.mbox_sha1sum];
  if (asked.openid !== undefined) person.openid = [asked.openid];
  if (asked.account !== undefined) person.account = [asked.account];
  return person;
}
