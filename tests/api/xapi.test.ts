/**
 * The xAPI 1.0.3 statement resource at the API level (the app in-process, a real PostgreSQL, the fake enrollment
 * client): the Data part's rules (every object type stored, each kind of bad statement a 400 naming its field),
 * what the LRS sets itself (id, stored, authority, version, timestamp), GET by id and with the filters and `more`
 * paging, voiding, attachments and signatures, the about resource, the alternate request syntax, the consistency
 * headers, and the completion rule (only a statement about an Activity whose registration is one of the partner's
 * enrollments counts). The ADL conformance suite itself runs outside `npm test`: bench/xapi-conformance.ts.
 */
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { CompactSign, importPKCS8 } from 'jose';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { isLanguageTag } from '../../lib/language-tag';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { basicAuth, VERBS } from '../helpers/channels';
import type { ApiKey, OpenedEnrollment, XapiAbout, XapiStatement, XapiStatementResult } from '../helpers/contract';
import { createTestProgram } from '../helpers/programs';
import { expectProblem } from '../helpers/problems';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';
const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature';

let app: ApiApp;
let admin: Session;
/** Basic credentials of the demo partner, and of another partner (nrf). */
let demo: Record<string, string>;
let nrf: Record<string, string>;
let demoKey: string;

beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin');
  const key = async (partnerId: string) => {
    const res = await app.request<ApiKey>('POST', `/api/partners/${partnerId}/api-keys`, { token: admin.token });
    expect(res.status).toBe(201);
    if (partnerId === 'demo') demoKey = res.body.apiKey;
    return { authorization: basicAuth(partnerId, res.body.apiKey), 'x-experience-api-version': '1.0.3' };
  };
  demo = await key('demo');
  nrf = await key('nrf');
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────

const post = <Body = string[]>(json: unknown, headers = demo) => app.request<Body>('POST', '/xapi/statements', { json, headers });
const put = (id: string, json: unknown, headers = demo) => app.request('PUT', `/xapi/statements?statementId=${id}`, { json, headers });
const get = <Body = XapiStatementResult>(query: string, headers: Record<string, string> = demo) =>
  app.request<Body>('GET', `/xapi/statements${query}`, { headers });
/** HEAD (the JSON client would read the empty body as JSON). */
async function head(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.baseUrl}${path}`, { method: 'HEAD', headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
const q = (params: Record<string, unknown>) =>
  `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()}`;
const unique = () => randomUUID().slice(0, 8);

const agent = (name = unique()) => ({ objectType: 'Agent', name, mbox: `mailto:${name}@example.com` });
const activity = (id = `https://course.example/activities/${unique()}`) => ({
  objectType: 'Activity',
  id,
  definition: { name: { 'en-US': 'Lesson', 'fr-FR': 'Leçon' }, description: { 'en-US': 'A lesson', 'de-DE': 'Eine Lektion' } },
});
const verb = (id = `https://verbs.example/${unique()}`) => ({ id, display: { 'en-US': 'did', 'en-GB': 'did', 'fr-FR': 'a fait' } });

/** A valid statement: an Agent did something to an Activity; `extra` replaces or adds properties. */
function statement(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { actor: agent(), verb: verb(), object: activity(), ...extra };
}

const statementCount = async () => Number((await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM xapi_statements')).rows[0].n);

/** An enrollment of a demo-partner program, launched a minute ago (in_progress in the read model). */
async function launchedEnrollment(programId: string = DEMO.id): Promise<string> {
  const student = await app.token('student');
  const res = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId, fundingSource: 'self_pay' },
  });
  expect(res.status).toBe(201);
  const id = res.body.enrollmentId;
  await app.advance(id, 'ready_to_launch', { paidAt: new Date(Date.now() - 120_000).toISOString() });
  await app.advance(id, 'in_progress', { launchedAt: new Date(Date.now() - 60_000).toISOString() });
  app.enrollments.reset();
  return id;
}

// ── the Data part ──────────────────────────────────────────────────────────────────────────────────────

describe('statements (Data 2.4)', () => {
  test('every object type is stored and read back: Activity, Agent, Group (identified, anonymous), StatementRef, SubStatement', async () => {
    const target = randomUUID();
    const objects = [
      { id: 'https://course.example/no-object-type' },
      activity(),
      agent(),
      { objectType: 'Group', name: 'Team A', account: { homePage: 'https://lms.example', name: 'team-a' } },
      { objectType: 'Group', member: [agent(), { account: { homePage: 'https://lms.example', name: 'u1' } }] },
      { objectType: 'StatementRef', id: target },
      {
        objectType: 'SubStatement',
        actor: { objectType: 'Group', member: [agent()] },
        verb: verb(),
        object: { objectType: 'StatementRef', id: target },
        result: { success: true, duration: 'PT1H30M' },
        context: { contextActivities: { parent: activity() }, instructor: agent() },
        timestamp: '2030-01-01T00:00:00Z',
      },
    ];
    const sent = objects.map((object) => statement({ id: randomUUID(), object }));
    const res = await post(sent);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(sent.map((s) => s.id));
    for (const s of sent.slice(0, 6)) {
      const read = await get<XapiStatement>(`?statementId=${String(s.id)}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject(s);
    }
    // A SubStatement's single context activity comes back in an array (Data 2.4.6.2), as a statement's does.
    const sub = objects[6] as { context: { contextActivities: { parent: unknown } } };
    expect((await get<XapiStatement>(`?statementId=${String(sent[6].id)}`)).body).toMatchObject({
      ...sent[6],
      object: { ...sub, context: { ...sub.context, contextActivities: { parent: [sub.context.contextActivities.parent] } } },
    });
    const { rows } = await app.db.query<{ object_type: string }>(
      'SELECT object_type FROM xapi_statements WHERE id = ANY($1) ORDER BY seq',
      [sent.map((s) => s.id)],
    );
    expect(rows.map((r) => r.object_type)).toEqual(['Activity', 'Activity', 'Agent', 'Group', 'Group', 'StatementRef', 'SubStatement']);
  });

  test('the LRS sets id, stored, authority, version and timestamp; a client’s stored and authority are checked, then not kept', async () => {
    const before = Date.now();
    const res = await post([
      statement({ stored: '2001-01-01T00:00:00Z', authority: agent('impostor') }),
      statement({ version: '1.0.3', timestamp: '2024-03-04T05:06:07.891+02:00' }),
    ]);
    expect(res.status).toBe(200);
    const [assigned, versioned] = res.body;
    expect(assigned).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const first = (await get<XapiStatement>(`?statementId=${assigned}`)).body;
    expect(Date.parse(first.stored)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(first.stored)).toBeLessThanOrEqual(Date.now());
    expect(first.authority).toEqual({ objectType: 'Agent', account: { homePage: `${app.baseUrl}/api/partners`, name: 'demo' } });
    expect(first.version).toBe('1.0.0');
    expect(first.timestamp).toBe(first.stored);
    const second = (await get<XapiStatement>(`?statementId=${versioned}`)).body;
    expect(second).toMatchObject({ version: '1.0.3', timestamp: '2024-03-04T05:06:07.891+02:00' });
    // The row keeps neither the client's stored nor its authority.
    const { rows } = await app.db.query<{ statement: Record<string, unknown> }>('SELECT statement FROM xapi_statements WHERE id = $1', [
      assigned,
    ]);
    expect(rows[0].statement).not.toHaveProperty('stored');
    expect(rows[0].statement).not.toHaveProperty('authority');

    // A client's authority is still checked: an identified Group, or not exactly two members, is refused.
    expectProblem(
      await post(statement({ authority: { objectType: 'Group', mbox: 'mailto:g@example.com', member: [agent(), agent()] } })),
      400,
      ['body.authority'],
    );
    expectProblem(await post(statement({ authority: { objectType: 'Group', member: [agent()] } })), 400, ['body.authority.member']);
    expectProblem(await post(statement({ stored: 'yesterday' })), 400, ['body.stored']);
  });

  test('each broken rule is a 400 naming the field; a batch with one bad statement stores nothing', async () => {
    const good = statement();
    const withObject = (object: unknown) => ({ ...good, object });
    const withDefinition = (definition: unknown) => withObject({ id: 'https://course.example/q1', definition });
    const cases: [unknown, string][] = [
      // actors and agents
      [{ ...good, actor: { name: 'Nobody' } }, 'body.actor'],
      [{ ...good, actor: { mbox: 'mailto:a@example.com', openid: 'https://id.example/a' } }, 'body.actor'],
      [{ ...good, actor: { objectType: 'agent', mbox: 'mailto:a@example.com' } }, 'body.actor.objectType'],
      [{ ...good, actor: { mbox: 'a@example.com' } }, 'body.actor.mbox'],
      [{ ...good, actor: { account: { homePage: 'ab=c://x', name: 'a' } } }, 'body.actor.account.homePage'],
      [{ ...good, actor: { objectType: 'Group', name: 'anonymous, no members' } }, 'body.actor.member'],
      [{ ...good, actor: { objectType: 'Group', member: [{ objectType: 'Group', member: [agent()] }] } }, 'body.actor.member.0.objectType'],
      [{ ...good, actor: { ...agent(), name: null } }, 'body.actor.name'],
      // statement properties: case-sensitive names, ids, version, timestamps
      [{ Actor: good.actor, verb: good.verb, object: good.object }, 'body.Actor'],
      [{ ...good, id: 'MA97B177-9383-4934-8543-0F91A7A02836' }, 'body.id'],
      [{ ...good, version: '1.1.0' }, 'body.version'],
      [{ ...good, timestamp: '2008-09-15T15:53:00.601-00:00' }, 'body.timestamp'],
      [{ ...good, timestamp: '01/011/2015' }, 'body.timestamp'],
      [{ ...good, verb: { id: 'completed' } }, 'body.verb.id'],
      [{ ...good, verb: { id: 'https://verbs.example/x', display: { a12345: 'did' } } }, 'body.verb.display.a12345'],
      // objects and activity definitions
      [withObject({ mbox: 'mailto:a@example.com' }), 'body.object.mbox'],
      [withObject({ objectType: 'StatementRef', id: 'not-a-uuid' }), 'body.object.id'],
      [withObject({ objectType: 'SubStatement', id: randomUUID(), actor: agent(), verb: verb(), object: activity() }), 'body.object.id'],
      [
        withObject({ objectType: 'SubStatement', actor: agent(), verb: verb(), object: { objectType: 'SubStatement' } }),
        'body.object.object.objectType',
      ],
      [withDefinition({ interactionType: 'choiCe' }), 'body.object.definition.interactionType'],
      [withDefinition({ correctResponsesPattern: ['a'] }), 'body.object.definition.interactionType'],
      [withDefinition({ interactionType: 'choice', scale: [{ id: 'good' }] }), 'body.object.definition.scale'],
      [withDefinition({ interactionType: 'choice', choices: [{ id: 'a' }, { id: 'a' }] }), 'body.object.definition.choices.1.id'],
      [withDefinition({ name: 'Lesson' }), 'body.object.definition.name'],
      [withDefinition({ moreInfo: 'not a url' }), 'body.object.definition.moreInfo'],
      [withDefinition({ extensions: { 'not an iri': true } }), 'body.object.definition.extensions.not an iri'],
      // results
      [{ ...good, result: { score: { scaled: 1.01 } } }, 'body.result.score.scaled'],
      [{ ...good, result: { score: { raw: 11, max: 10 } } }, 'body.result.score.raw'],
      [{ ...good, result: { score: { raw: 1, min: 2 } } }, 'body.result.score.raw'],
      [{ ...good, result: { score: { min: 10, max: 10 } } }, 'body.result.score.min'],
      [{ ...good, result: { success: 'true' } }, 'body.result.success'],
      [{ ...good, result: { duration: 'P4W1D' } }, 'body.result.duration'],
      [{ ...good, result: { duration: 'PA1H0M0S' } }, 'body.result.duration'],
      [{ ...good, result: { extensions: { 'should fail': 1 } } }, 'body.result.extensions.should fail'],
      // context
      [{ ...good, context: { registration: 'wrong' } }, 'body.context.registration'],
      [{ ...good, context: { team: agent() } }, 'body.context.team.objectType'],
      [{ ...good, context: { language: 'something' } }, 'body.context.language'],
      [{ ...good, context: { statement: { objectType: 'StatementRef', id: 'nope' } } }, 'body.context.statement.id'],
      [{ ...good, context: { contextActivities: { parent: { id: 'not an iri' } } } }, 'body.context.contextActivities.parent.id'],
      [{ ...withObject(agent()), context: { revision: 'r2' } }, 'body.context.revision'],
      [{ ...withObject({ objectType: 'StatementRef', id: randomUUID() }), context: { platform: 'web' } }, 'body.context.platform'],
      // voiding and attachments
      [{ ...good, verb: { id: VOIDED } }, 'body.object.objectType'],
      [
        {
          ...good,
          attachments: [
            { usageType: 'https://usage.example', display: { 'en-US': 'x' }, contentType: 'text/plain', length: 1, sha2: '0'.repeat(64) },
          ],
        },
        'body',
      ],
      [
        {
          ...good,
          attachments: [
            {
              usageType: 'https://usage.example',
              display: { 'en-US': 'x' },
              contentType: 'text/plain',
              length: 'one',
              sha2: '0'.repeat(64),
            },
          ],
        },
        'body.attachments.0.length',
      ],
      [[good, { ...good, verb: {} }], 'body.1.verb.id'],
    ];
    const before = await statementCount();
    for (const [body, field] of cases) expectProblem(await post(body), 400, [field]);
    expect(await statementCount()).toBe(before);
  });

  test('extensions may hold null, empty strings and empty objects; a statement may tell of the future', async () => {
    const res = await post(
      statement({
        object: { ...activity(), definition: { extensions: { 'https://ext.example/a': null } } },
        result: { extensions: { 'https://ext.example/b': '' } },
        context: { extensions: { 'https://ext.example/c': {} }, language: 'zh-Hant' },
        timestamp: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
    expect(res.status).toBe(200);
  });

  test('a statement id seen before: the same statement is accepted again (PUT 204, POST 200), another one is a 409', async () => {
    const id = randomUUID();
    const s = statement({ context: { contextActivities: { category: activity() } } });
    expect((await put(id, s)).status).toBe(204);
    // Without its timestamp (the LRS set one), with the context activity as an array, with the id in capitals: the same.
    expect(
      (
        await put(id, {
          ...s,
          context: {
            contextActivities: { category: [(s.context as { contextActivities: { category: unknown } }).contextActivities.category] },
          },
        })
      ).status,
    ).toBe(204);
    expect((await post({ ...s, id: id.toUpperCase() })).status).toBe(200);
    expectProblem(await put(id, { ...s, verb: verb() }), 409);
    expectProblem(await post([statement(), { ...s, id, result: { success: true } }]), 409);
    // Another partner cannot use the id either.
    expectProblem(await put(id, s, nrf), 409);
    expectProblem(await put(randomUUID(), { ...s, id: randomUUID() }), 400, ['body.id']);
    expectProblem(await app.request('PUT', '/xapi/statements', { json: s, headers: demo }), 400, ['query.statementId']);
    expectProblem(await app.request('PUT', `/xapi/statements?StatementId=${id}`, { json: s, headers: demo }), 400, ['query.StatementId']);
  });

  test('language tags (RFC 5646): well-formed ones are accepted, malformed ones refused', () => {
    for (const tag of [
      'en',
      'en-US',
      'zh-Hant',
      'sr-Latn-RS',
      'zh-Hans-CN',
      'es-419',
      'cmn',
      'ase',
      'de-CH-1901',
      'en-a-bbb-x-ccc',
      'x-whatever',
      'i-klingon',
    ])
      expect([tag, isLanguageTag(tag)]).toEqual([tag, true]);
    for (const tag of ['', 'something', 'a12345', 'a12345678', 'en-', 'en--US', 'zh-z-aaa-z-bbb-c-ccc', 'de-1901-1901', 'en-US-x'])
      expect([tag, isLanguageTag(tag)]).toEqual([tag, false]);
  });
});

// ── the Communication part ─────────────────────────────────────────────────────────────────────────────

describe('GET /xapi/statements', () => {
  test('by id; with agent, verb, activity, registration, related_agents, related_activities; a StatementRef matches what its target matches', async () => {
    const a = agent();
    const b = agent();
    const v = verb();
    const x = activity();
    const parent = activity();
    const registration = randomUUID();
    const [s1, s2, s3, s4] = (
      await post([
        statement({ actor: a, verb: v, object: x, context: { registration, contextActivities: { parent } } }),
        statement({ actor: b, object: a }),
        statement({ actor: b, object: { objectType: 'SubStatement', actor: a, verb: verb(), object: activity() } }),
        statement({ actor: b, verb: verb() }),
      ])
    ).body;
    // s5 targets s1, so it meets every filter s1 meets.
    const [s5] = (await post(statement({ actor: b, object: { objectType: 'StatementRef', id: s1 } }))).body;
    const ids = async (params: Record<string, unknown>) => {
      const res = await get(q(params));
      expect(res.status).toBe(200);
      return res.body.statements.map((s) => s.id);
    };
    expect(await ids({ agent: a })).toEqual([s5, s2, s1]);
    expect(await ids({ agent: a, related_agents: 'true' })).toEqual([s5, s3, s2, s1]);
    expect(await ids({ agent: { mbox: a.mbox } })).toEqual([s5, s2, s1]);
    expect(await ids({ agent: { objectType: 'Group', mbox: a.mbox } })).toEqual([]);
    expect(await ids({ verb: v.id })).toEqual([s5, s1]);
    expect(await ids({ activity: x.id })).toEqual([s5, s1]);
    expect(await ids({ activity: parent.id })).toEqual([]);
    expect(await ids({ activity: parent.id, related_activities: 'true' })).toEqual([s5, s1]);
    expect(await ids({ registration })).toEqual([s5, s1]);
    // Like the ADL reference LRS: a statement that targets one meeting all the filters is included.
    expect(await ids({ agent: a, verb: v.id })).toEqual([s5, s1]);
    expect(await ids({ agent: b, verb: v.id })).toEqual([]);
    expect(await ids({ agent: a, ascending: 'true' })).toEqual([s1, s2, s5]);
    expect((await get<XapiStatement>(`?statementId=${s4}`)).body.id).toBe(s4);

    // Another partner sees none of them.
    expect((await get(q({ agent: a }), nrf)).body.statements).toEqual([]);
    expectProblem(await get(`?statementId=${s1}`, nrf), 404);
  });

  test('since, until, limit and more: pages that follow on until more is empty', async () => {
    const v = verb();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(...(await post(statement({ verb: v }))).body);
    const stored = await Promise.all(sent.map(async (id) => (await get<XapiStatement>(`?statementId=${id}`)).body.stored));
    const seen: string[] = [];
    let page = await get(q({ verb: v.id, limit: '2' }));
    for (;;) {
      expect(page.status).toBe(200);
      expect(page.body.statements.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.statements.map((s) => s.id));
      if (!page.body.more) break;
      expect(page.body.more).toMatch(/^\/xapi\/statements\/more\/[\w-]+$/);
      page = await app.request<XapiStatementResult>('GET', page.body.more, { headers: demo });
    }
    expect(seen).toEqual([...sent].reverse());
    const since = await get(q({ verb: v.id, since: stored[1], ascending: 'true' }));
    expect(since.body.statements.map((s) => s.id)).toEqual(sent.slice(2));
    const until = await get(q({ verb: v.id, until: stored[1], ascending: 'true' }));
    expect(until.body.statements.map((s) => s.id)).toEqual(sent.slice(0, 2));
    // limit=0: the server's maximum; a page token not handed out is a 400.
    expect((await get(q({ verb: v.id, limit: '0' }))).body.statements).toHaveLength(5);
    expectProblem(await app.request('GET', '/xapi/statements/more/bm90LWEtdG9rZW4', { headers: demo }), 400, ['path.token']);
  });

  test('format: exact (as sent), ids (identifiers only), canonical (one language, from Accept-Language)', async () => {
    const group = { objectType: 'Group', name: 'Team', mbox: `mailto:${unique()}@example.com`, member: [agent()] };
    const s = statement({ actor: group });
    const [id] = (await post(s)).body;
    const exact = (await get<XapiStatement>(`?statementId=${id}&format=exact`)).body;
    expect(exact).toMatchObject(s);
    const ids = (await get<XapiStatement>(`?statementId=${id}&format=ids`)).body;
    expect(ids.actor).toEqual({ objectType: 'Group', mbox: group.mbox });
    expect(ids.object).toEqual({ id: (s.object as { id: string }).id });
    expect(ids.verb).toEqual({ id: (s.verb as { id: string }).id });
    const canonical = await app.request<XapiStatement>('GET', `/xapi/statements?statementId=${id}&format=canonical`, {
      headers: { ...demo, 'accept-language': 'fr-FR, en;q=0.5' },
    });
    expect(canonical.body.verb).toEqual({ id: (s.verb as { id: string }).id, display: { 'fr-FR': 'a fait' } });
    expect((canonical.body.object as { definition: unknown }).definition).toEqual({
      name: { 'fr-FR': 'Leçon' },
      description: { 'en-US': 'A lesson' },
    });
  });

  test('bad parameters → 400 naming them: unknown ones, other case, statementId with a filter, bad values', async () => {
    const cases: [string, string][] = [
      ['?foo=bar', 'query.foo'],
      [`?StatementId=${randomUUID()}`, 'query.StatementId'],
      [`?statementId=${randomUUID()}&verb=https://verbs.example/x`, 'query.verb'],
      [`?statementId=${randomUUID()}&voidedStatementId=${randomUUID()}`, 'query.voidedStatementId'],
      ['?statementId=wrong', 'query.statementId'],
      ['?agent=wrong', 'query.agent'],
      [q({ agent: { objectType: 'Group', member: [agent()] } }), 'query.agent'],
      ['?verb=not.a.valid.iri.com/verb', 'query.verb'],
      ['?registration=wrong', 'query.registration'],
      ['?since=yesterday', 'query.since'],
      ['?limit=-1', 'query.limit'],
      ['?format=full', 'query.format'],
      ['?ascending=yes', 'query.ascending'],
    ];
    for (const [query, field] of cases) {
      const res = await get(query);
      expectProblem(res, 400, [field]);
      expect(res.headers.get('x-experience-api-consistent-through')).not.toBeNull();
    }
    // statementId goes with format and attachments.
    const [id] = (await post(statement())).body;
    expect((await get(`?statementId=${id}&format=ids&attachments=false`)).status).toBe(200);
  });
});

describe('the activities and agents resources (Communication 2.4, 2.5)', () => {
  test('GET /xapi/activities: the Activity as the partner’s statements describe it, languages merged; unknown → 404', async () => {
    const id = `https://course.example/activities/${unique()}`;
    const definition = {
      type: 'http://adlnet.gov/expapi/activities/lesson',
      name: { 'en-US': 'Lesson' },
      description: { 'en-US': 'A lesson' },
    };
    await post(statement({ object: { objectType: 'Activity', id, definition } }));
    await post(statement({ context: { contextActivities: { parent: { id, definition: { name: { 'fr-FR': 'Leçon' } } } } } }));
    const res = await app.request('GET', `/xapi/activities?activityId=${encodeURIComponent(id)}`, { headers: demo });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ objectType: 'Activity', id, definition: { ...definition, name: { 'en-US': 'Lesson', 'fr-FR': 'Leçon' } } });
    expectProblem(await app.request('GET', `/xapi/activities?activityId=${encodeURIComponent(id)}`, { headers: nrf }), 404);
    expectProblem(await app.request('GET', '/xapi/activities', { headers: demo }), 400, ['query.activityId']);
    expectProblem(await app.request('GET', '/xapi/activities?activityId=not-an-iri', { headers: demo }), 400, ['query.activityId']);
  });

  test('GET /xapi/agents: a Person with the identifier asked for and the names the statements gave it', async () => {
    const a = agent('Ada');
    await post(statement({ actor: a }));
    await post(statement({ object: { ...a, name: 'Ada L.' } }));
    const res = await app.request('GET', `/xapi/agents${q({ agent: { mbox: a.mbox } })}`, { headers: demo });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ objectType: 'Person', name: ['Ada', 'Ada L.'], mbox: [a.mbox] });
    // An agent no statement names is still a Person; a malformed agent or none is a 400.
    const account = { homePage: 'https://lms.example', name: unique() };
    expect((await app.request('GET', `/xapi/agents${q({ agent: { account } })}`, { headers: demo })).body).toEqual({
      objectType: 'Person',
      account: [account],
    });
    expectProblem(
      await app.request('GET', `/xapi/agents${q({ agent: { objectType: 'Agent', name: 'no identifier' } })}`, { headers: demo }),
      400,
      ['query.agent'],
    );
    expectProblem(await app.request('GET', '/xapi/agents', { headers: demo }), 400, ['query.agent']);
  });
});

describe('voiding (Data 2.3.2)', () => {
  test('a voided statement is found by voidedStatementId only, left out of lists; statements that target it still are', async () => {
    const v = verb();
    const [target] = (await post(statement({ verb: v }))).body;
    const [voiding] = (await post(statement({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: target } }))).body;
    expectProblem(await get(`?statementId=${target}`), 404);
    expect((await get<XapiStatement>(`?voidedStatementId=${target}`)).body.id).toBe(target);
    expectProblem(await get(`?voidedStatementId=${voiding}`), 404);
    expect((await get(q({ verb: v.id }))).body.statements.map((s) => s.id)).toEqual([voiding]);

    // A voiding statement cannot be voided (it is kept, and voids nothing); a voided statement stays voided.
    const [again] = (await post(statement({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: voiding } }))).body;
    expect((await get<XapiStatement>(`?statementId=${voiding}`)).status).toBe(200);
    expect((await get<XapiStatement>(`?statementId=${again}`)).status).toBe(200);

    // A voiding statement that arrives before its target: the target is stored voided.
    const later = randomUUID();
    await post(statement({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: later } }));
    expect((await put(later, statement())).status).toBe(204);
    expectProblem(await get(`?statementId=${later}`), 404);
    expect((await get<XapiStatement>(`?voidedStatementId=${later}`)).status).toBe(200);
  });
});

describe('attachments and signatures (Data 2.4.11, 2.6; Communication 1.5.2)', () => {
  const boundary = 'xapi-test-boundary';
  const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
  const attachmentOf = (content: string, usageType = 'https://usage.example/notes', contentType = 'text/plain') => ({
    usageType,
    display: { 'en-US': 'Notes' },
    contentType,
    length: Buffer.byteLength(content),
    sha2: sha256(content),
  });
  const multipart = (
    json: unknown,
    parts: { content: string; hash: string; encoding?: string; type?: string }[],
    first = 'application/json',
  ) =>
    [
      `--${boundary}\r\nContent-Type: ${first}\r\n\r\n${JSON.stringify(json)}`,
      ...parts.map(
        (p) =>
          `\r\n--${boundary}\r\nContent-Type: ${p.type ?? 'text/plain'}\r\nContent-Transfer-Encoding: ${p.encoding ?? 'binary'}\r\nX-Experience-API-Hash: ${p.hash}\r\n\r\n${p.content}`,
      ),
      `\r\n--${boundary}--\r\n`,
    ].join('');
  const send = (body: string, contentType = `multipart/mixed; boundary=${boundary}`) =>
    app.request<string[]>('POST', '/xapi/statements', { body, headers: { ...demo, 'content-type': contentType } });

  test('content sent as multipart/mixed is kept and served with attachments=true; every malformed request is a 400', async () => {
    const notes = 'These are the learner’s notes.\n';
    const s = statement({ id: randomUUID(), attachments: [attachmentOf(notes)] });
    const res = await send(multipart(s, [{ content: notes, hash: sha256(notes) }]));
    expect(res.status).toBe(200);
    const served = await get<string>(`?statementId=${String(s.id)}&attachments=true`);
    expect(served.status).toBe(200);
    const type = served.headers.get('content-type') ?? '';
    expect(type).toMatch(/^multipart\/mixed; boundary=/);
    const [json, part] = served.body.split(`--${/boundary=(\S+)/.exec(type)![1]}`).slice(1);
    expect(JSON.parse(json.split('\r\n\r\n')[1])).toMatchObject({ id: s.id, attachments: s.attachments });
    expect(part).toContain(`X-Experience-API-Hash: ${sha256(notes)}`);
    expect(part.split('\r\n\r\n')[1]).toBe(`${notes}\r\n`);
    // Without attachments=true: JSON only.
    expect((await get(`?statementId=${String(s.id)}`)).headers.get('content-type')).toMatch(/^application\/json/);

    const other = 'another file';
    const before = await statementCount();
    const fresh = () => statement({ attachments: [attachmentOf(notes)] });
    for (const [body, contentType] of [
      [multipart(fresh(), [{ content: notes, hash: sha256(other) }])], // a part that is no attachment of these statements
      [multipart(fresh(), [{ content: other, hash: sha256(notes) }])], // content that does not have its hash
      [multipart(fresh(), [])], // an attachment without fileUrl and without content
      [multipart(fresh(), [{ content: notes, hash: sha256(notes), encoding: 'base64' }])],
      [multipart(fresh(), [{ content: notes, hash: sha256(notes) }], 'text/plain')], // the first part is not the statements
      [multipart(fresh(), [{ content: notes, hash: sha256(notes) }]), 'multipart/mixed'], // no boundary
      [multipart(fresh(), [{ content: notes, hash: sha256(notes) }]), `multipart/form-data; boundary=${boundary}`],
      [JSON.stringify(statement()), 'text/plain'],
    ] as [string, string?][])
      expectProblem(await send(body, contentType), 400);
    expect(await statementCount()).toBe(before);
  });

  test('a signed statement: RS256 over the statement is accepted; another algorithm, another payload or a non-JWS is a 400', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
    const signed = async (s: Record<string, unknown>, payload: unknown = s, alg = 'RS256') => {
      const jws = await new CompactSign(Buffer.from(JSON.stringify(payload)))
        .setProtectedHeader({ alg })
        .sign(alg === 'RS256' ? key : new Uint8Array(32));
      return { body: { ...s, attachments: [attachmentOf(jws, SIGNATURE, 'application/octet-stream')] }, jws };
    };
    const s = statement({ id: randomUUID() });
    const good = await signed(s);
    expect(
      (await send(multipart(good.body, [{ content: good.jws, hash: sha256(good.jws), type: 'application/octet-stream' }]))).status,
    ).toBe(200);
    const cases = [await signed(statement(), statement()), await signed(statement(), undefined, 'HS256')];
    for (const c of cases)
      expectProblem(await send(multipart(c.body, [{ content: c.jws, hash: sha256(c.jws), type: 'application/octet-stream' }])), 400);
    const notJws = 'not a signature';
    const bodyWithGarbage = { ...statement(), attachments: [attachmentOf(notJws, SIGNATURE, 'application/octet-stream')] };
    expectProblem(
      await send(multipart(bodyWithGarbage, [{ content: notJws, hash: sha256(notJws), type: 'application/octet-stream' }])),
      400,
    );
    // A signature is application/octet-stream.
    expectProblem(
      await post({ ...statement(), attachments: [{ ...attachmentOf(good.jws, SIGNATURE), fileUrl: 'https://files.example/sig' }] }),
      400,
      ['body.attachments.0.contentType'],
    );
  });
});

describe('the alternate request syntax (Communication 1.3)', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const alternate = (method: string, fields: Record<string, string>, httpMethod = 'POST', extra = '') =>
    app.request(httpMethod, `/xapi/statements?method=${method}${extra}`, {
      body: form(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

  test('PUT, POST and GET sent as a POST form, credentials and version in the form', async () => {
    const id = randomUUID();
    const s = statement();
    const headers = { Authorization: demo.authorization, 'X-Experience-API-Version': '1.0.3' };
    expect((await alternate('PUT', { ...headers, statementId: id, content: JSON.stringify(s) })).status).toBe(204);
    const posted = await alternate('POST', { ...headers, content: JSON.stringify(statement()) });
    expect(posted.status).toBe(200);
    const got = await alternate('GET', { ...headers, statementId: id });
    expect(got.status).toBe(200);
    expect((got.body as XapiStatement).id).toBe(id);

    expectProblem(await alternate('PUT', { ...headers, statementId: id, content: JSON.stringify(s) }, 'PUT'), 400, ['query.method']);
    expectProblem(await alternate('PUT', { ...headers, content: JSON.stringify(s) }, 'POST', `&statementId=${id}`), 400, [
      'query.statementId',
    ]);
    expectProblem(await alternate('PUT', { ...headers, statementId: randomUUID() }), 400, ['form.content']);
    expectProblem(
      await alternate('PUT', { ...headers, 'X-Experience-API-Version': '0.8', statementId: randomUUID(), content: JSON.stringify(s) }),
      400,
      ['header.X-Experience-API-Version'],
    );
    expectProblem(await alternate('DELETE', headers), 400, ['query.method']);
    expectProblem(await alternate('GET', { statementId: id }), 401);
  });
});

describe('about, headers, credentials', () => {
  test('GET /xapi/about needs no credentials and names 1.0.3; unknown parameters are refused', async () => {
    const about = await app.request<XapiAbout>('GET', '/xapi/about');
    expect(about.status).toBe(200);
    expect(about.body.version).toContain('1.0.3');
    expect(about.body.version.every((v) => /^1\.0\.\d+$/.test(v))).toBe(true);
    expect(about.headers.get('x-experience-api-version')).toBe('1.0.3');
    const about2 = await head('/xapi/about');
    expect([about2.status, about2.body]).toEqual([200, '']);
    expectProblem(await app.request('GET', '/xapi/about?foo=bar'), 400, ['query.foo']);
  });

  test('every answer carries X-Experience-API-Version; statement answers X-Experience-API-Consistent-Through; reads Last-Modified', async () => {
    const before = new Date();
    const [id] = (await post(statement())).body;
    const answers = [
      await post(statement()),
      await put(randomUUID(), statement()),
      await get(`?statementId=${id}`),
      await get('?limit=1'),
      await get('?foo=bar'),
      await get('', { 'x-experience-api-version': '1.0.3' }),
      await get('', { authorization: demo.authorization }),
      await head('/xapi/statements', demo),
      await app.request('GET', '/xapi/activities/state', { headers: demo }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 204, 200, 200, 400, 401, 400, 200, 404]);
    for (const r of answers) expect(r.headers.get('x-experience-api-version')).toBe('1.0.3');
    for (const r of answers.slice(0, 8)) {
      const through = r.headers.get('x-experience-api-consistent-through');
      expect(through).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(through!)).toBeGreaterThanOrEqual(before.getTime());
    }
    const one = answers[2] as { body: XapiStatement; headers: Headers };
    expect(one.headers.get('last-modified')).toBe(new Date(one.body.stored).toUTCString());
    expect(answers[3].headers.get('last-modified')).not.toBeNull();
    expect(answers[7].body).toBe('');
    // Missing and unsupported versions, bad credentials.
    expectProblem(await get('', { authorization: demo.authorization, 'x-experience-api-version': '2.0.0' }), 400, [
      'header.X-Experience-API-Version',
    ]);
    expectProblem(await get('', { ...demo, authorization: basicAuth('demo', 'cmk_wrong') }), 401);
    expectProblem(await get('', { ...demo, authorization: basicAuth('nrf', demoKey) }), 401);
  });
});

// ── completion ─────────────────────────────────────────────────────────────────────────────────────────

describe('completion: only a statement about an Activity whose registration is one of the partner’s enrollments counts', () => {
  const completed = (registration: string, extra: Record<string, unknown> = {}) =>
    statement({ verb: { id: VERBS.completed }, context: { registration }, timestamp: new Date().toISOString(), ...extra });

  test('completed about an Agent, a SubStatement or a StatementRef, without a registration, or with an unknown one: stored, no completion', async () => {
    const enrollmentId = await launchedEnrollment();
    const before = await statementCount();
    const res = await post([
      completed(enrollmentId, { object: agent() }),
      completed(enrollmentId, {
        object: {
          objectType: 'SubStatement',
          actor: agent(),
          verb: { id: VERBS.completed },
          object: activity(),
          context: { registration: enrollmentId },
        },
      }),
      completed(enrollmentId, { object: { objectType: 'StatementRef', id: randomUUID() } }),
      statement({ verb: { id: VERBS.completed } }),
      completed(randomUUID()),
      statement({ verb: { id: VERBS.failed }, context: { registration: enrollmentId } }),
    ]);
    expect(res.status).toBe(200);
    expect(await statementCount()).toBe(before + 6);
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([]);
    const { rows } = await app.db.query<{ enrollment_id: string | null }>(
      'SELECT enrollment_id FROM xapi_statements WHERE id = ANY($1) ORDER BY seq',
      [res.body],
    );
    expect(rows.map((r) => r.enrollment_id)).toEqual([enrollmentId, enrollmentId, enrollmentId, null, null, enrollmentId]);
  });

  test('completed about an Activity with the registration completes the enrollment (method xapi, the statement’s id and date)', async () => {
    const enrollmentId = await launchedEnrollment();
    const s = completed(enrollmentId);
    const [id] = (await post(s)).body;
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([
      [
        enrollmentId,
        { method: 'xapi', reportId: id, completedAt: new Date(String(s.timestamp)).toISOString(), reportedBy: 'partner:demo' },
      ],
    ]);
  });

  test('another partner’s enrollment as registration: stored for that partner, counts for nothing', async () => {
    const enrollmentId = await launchedEnrollment();
    const res = await post(completed(enrollmentId), nrf);
    expect(res.status).toBe(200);
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([]);
    const { rows } = await app.db.query('SELECT partner_id, enrollment_id FROM xapi_statements WHERE id = $1', [res.body[0]]);
    expect(rows).toEqual([{ partner_id: 'nrf', enrollment_id: null }]);
  });

  test('a voided completed statement does not count toward a later moveOn (CompletedAndPassed); a completion already reported stands', async () => {
    const programId = await createTestProgram(app.request, admin.token, {
      title: `xAPI ${unique()}`,
      partnerId: 'demo',
      holderId: 'holder-xapi',
      moveOn: 'CompletedAndPassed',
    });
    const enrollmentId = await launchedEnrollment(programId);
    const [first] = (await post(completed(enrollmentId))).body;
    await post(statement({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: first } }));
    await post(completed(enrollmentId, { verb: { id: VERBS.passed } }));
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([]);
    const [second] = (await post(completed(enrollmentId))).body;
    expect(app.enrollments.callsOf('reportCompletion')).toEqual([
      [enrollmentId, expect.objectContaining({ method: 'xapi', reportId: second })],
    ]);
    // Voiding the statement that completed it reports nothing more and undoes nothing.
    app.enrollments.reset();
    await post(statement({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: second } }));
    expect(app.enrollments.calls).toEqual([]);
  });
});
