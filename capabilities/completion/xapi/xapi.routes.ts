import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { type AttachmentContent, recordStatements } from './statements';
import type { ApiDeps } from '../../../api/deps';
import { basicAuth, partnerOf } from '../../../api/partner-auth';
import { HttpProblem, problems } from '../../../api/problems';
import { authFailureLimits, partnerRateLimit } from '../../../api/rate-limit';
import { attachmentContents, findStatement, queryStatements, statementsMentioning, type StoredStatement } from './queries';
import {
  xapiActivitiesQuery,
  xapiAgentsQuery,
  xapiGetQuery,
  xapiPutQuery,
  xapiStatement,
  xapiStatementBatch,
  type XapiStatement,
} from './schemas';
import { findUnstorable } from '../../../api/unstorable-text';
import { MEDIA_TYPE, timestampMs } from './schemas';
import { buildMultipart, parseMultipart, type Part, sha2Matches } from './multipart';
import { signatureHash, signatureProblem } from './signature';
import { agentKey, attachmentHashes, inFormat, type JsonObject, mergedActivity, personOf, served, statementToKeep } from './statement';

/**
 * The xAPI 1.0.3 statement resource (a Learning Record Store) for the partners' courses: statements are validated
 * against every rule of the Data part (capabilities/completion/xapi/schemas.ts), stored whatever their object, voided by voiding
 * statements, and read back by id or with the spec's filters and `more` paging. A statement counts for the
 * enrollment its `context.registration` names: `completed` / `passed` complete it under the program's cmi5 moveOn
 * rule (capabilities/completion/xapi/statements.ts). Partners authenticate with HTTP Basic (partner id, API key) and see their
 * own statements only. Mounted before the JSON parser and the bearer-token reader: it parses its own bodies
 * (JSON, multipart/mixed with attachments, the alternate request syntax's form).
 */
export const XAPI_VERSION = '1.0.3';
/** What GET /xapi/about lists: statements of any 1.0.x are accepted and kept with their version. */
const SUPPORTED_VERSIONS = ['1.0.0', '1.0.1', '1.0.2', '1.0.3'];
/** The most statements one page holds (also what limit=0 and no limit mean). */
export const XAPI_PAGE_MAX = 100;
/** The form fields the alternate request syntax sends instead of headers (Communication 1.3). */
const HEADER_FIELDS = ['authorization', 'x-experience-api-version', 'content-type', 'content-length', 'if-match', 'if-none-match'];
const ALTERNATE_METHODS = ['GET', 'HEAD', 'PUT', 'POST'];

/** The request as the statement resource reads it: its method and parameters, from the URL or a form (Communication 1.3). */
interface XapiInput {
  method: string;
  params: Record<string, unknown>;
  /** Alternate syntax: the `content` form field. Otherwise the body is read from the request itself. */
  content?: Buffer;
}
const inputOf = (res: Response) => res.locals.xapi as XapiInput;

const bad = (field: string, message: string) => problems.badRequest(`${field}: ${message}`, { errors: [{ field, message }] });

/** `parse` of api/problems.ts, naming each unknown property or parameter as a field of its own. */
function parseXapi<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const unknown =
    where === 'query'
      ? 'not a parameter of this resource (names are case-sensitive)'
      : 'not a property of this object (names are case-sensitive)';
  const errors = result.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: [where, ...i.path, k].join('.'), message: unknown }))
      : [{ field: [where, ...i.path].join('.'), message: i.message }],
  );
  throw problems.badRequest(`${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.field).join(', ')}`, {
    errors,
  });
}

const requireVersion: RequestHandler = (req, _res, next) => {
  const version = req.get('x-experience-api-version')?.trim();
  const field = 'header.X-Experience-API-Version';
  if (!version)
    return next(
      problems.badRequest(`the X-Experience-API-Version header is required (${XAPI_VERSION})`, {
        errors: [{ field, message: 'required' }],
      }),
    );
  if (!/^1\.0(\.\d+)?$/.test(version)) {
    return next(
      problems.badRequest(`xAPI version ${version.slice(0, 20)} is not supported; send ${XAPI_VERSION}`, {
        errors: [{ field, message: 'must be 1.0.x' }],
      }),
    );
  }
  next();
};

const refuseUnknownParameters: RequestHandler = (req, _res, next) => {
  const unknown = Object.keys(req.query)[0];
  next(unknown === undefined ? undefined : bad(`query.${unknown}`, 'not a parameter of this resource'));
};

/** The JSON text of the request's statements, and its further multipart parts (attachment content). */
function statementBody(raw: Buffer | undefined, contentType: string | undefined): { json: unknown; parts: Part[] } {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  let text: Buffer | undefined = raw;
  let parts: Part[] = [];
  if (type === 'multipart/mixed') {
    const [first, ...rest] = parseMultipart(raw ?? Buffer.alloc(0), contentType!);
    if (!first) throw bad('body', 'a multipart/mixed body starts with the statements');
    if (first.headers['content-type']?.split(';')[0].trim().toLowerCase() !== 'application/json')
      throw bad('body', 'the first part of a multipart/mixed body is the statements, as application/json');
    text = first.content;
    parts = rest;
  } else if (type !== 'application/json') {
    // Communication 1.5: a statement request is application/json or multipart/mixed; anything else is a 400.
    throw problems.badRequest(`statements are sent as application/json or multipart/mixed, not ${type ?? 'without a Content-Type'}`, {
      errors: [{ field: 'header.Content-Type', message: 'must be application/json or multipart/mixed' }],
    });
  }
  if (!text?.length) throw bad('body', 'required');
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch {
    throw problems.badRequest('the body is not valid JSON', { errors: [{ field: 'body', message: 'not valid JSON' }] });
  }
  const unstorable = findUnstorable(json, 'body');
  if (unstorable) throw problems.badRequest(`${unstorable.field} ${unstorable.message}`, { errors: [unstorable] });
  return { json, parts };
}

/**
 * The content each attachment without a fileUrl must come with (Communication 1.5.2): every such attachment has a
 * part whose X-Experience-API-Hash is its sha2 and whose content has that digest, every part is such content, sent
 * binary; a signature attachment's content signs its statement (Data 2.6).
 */
async function attachmentsOf(statements: XapiStatement[], parts: Part[], fieldOf: (i: number) => string): Promise<AttachmentContent[]> {
  const declared = new Map<string, { needsContent: boolean }>();
  statements.forEach((s) => {
    const all = [...(s.attachments ?? []), ...(s.object.objectType === 'SubStatement' ? (s.object.attachments ?? []) : [])];
    for (const a of all) {
      const sha2 = a.sha2.toLowerCase();
      declared.set(sha2, { needsContent: (declared.get(sha2)?.needsContent ?? false) || a.fileUrl === undefined });
    }
  });
  const contents = new Map<string, AttachmentContent>();
  parts.forEach((part, i) => {
    const field = `body.part${i + 2}`;
    const hash = part.headers['x-experience-api-hash']?.toLowerCase();
    if (!hash) throw bad(field, 'an attachment part needs the X-Experience-API-Hash header');
    if (part.headers['content-transfer-encoding']?.toLowerCase() !== 'binary')
      throw bad(field, 'an attachment part is sent with Content-Transfer-Encoding: binary');
    if (!declared.has(hash)) throw bad(field, `no attachment of these statements has the sha2 ${hash.slice(0, 128)}`);
    if (!sha2Matches(hash, part.content)) throw bad(field, 'the content does not have the SHA-2 digest its X-Experience-API-Hash names');
    const contentType = part.headers['content-type'] ?? 'application/octet-stream';
    if (!MEDIA_TYPE.test(contentType)) throw bad(field, 'the Content-Type of an attachment part must be an Internet media type');
    contents.set(hash, { sha2: hash, contentType, content: part.content });
  });
  for (const [sha2, { needsContent }] of declared)
    if (needsContent && !contents.has(sha2))
      throw bad('body', `the attachment with sha2 ${sha2} has no fileUrl, so its content must be sent as a part of a multipart/mixed body`);
  for (const [i, s] of statements.entries()) {
    const kept = statementToKeep(s, s.id ?? '');
    const sha2 = signatureHash(kept)?.toLowerCase();
    if (sha2 === undefined) continue;
    const signature = contents.get(sha2);
    if (!signature) throw bad(`${fieldOf(i)}.attachments`, 'a signature’s JWS must be sent as a part of a multipart/mixed body');
    const problem = await signatureProblem(kept, signature.content);
    if (problem) throw bad(`${fieldOf(i)}.attachments`, problem);
  }
  return [...contents.values()];
}

/** A `more` link: the query's parameters and where the page ended (microseconds since the epoch, sequence). */
const moreToken = z.object({
  p: z.record(z.string(), z.string()),
  a: z.tuple([
    z
      .number()
      .int()
      .min(0)
      .max(Date.UTC(9999, 0) * 1000),
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  ]),
});

export function xapiRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { db, config } = deps;
  const basePath = new URL(config.publicBaseUrl).pathname.replace(/\/$/, '');
  const bodyLimit = Math.max(config.uploadMaxBytes, 1024 * 1024);
  const authorityOf = (partnerId: string): JsonObject => ({
    objectType: 'Agent',
    account: { homePage: `${config.publicBaseUrl}/api/partners`, name: partnerId },
  });

  router.use('/xapi', (_req, res, next) => {
    res.set('X-Experience-API-Version', XAPI_VERSION);
    next();
  });

  // About (Communication 2.8): public, no version header needed.
  router.get('/xapi/about', refuseUnknownParameters, (_req, res) => {
    res.json({ version: SUPPORTED_VERSIONS });
  });
  router.all('/xapi/about', (_req, res) => {
    res.set('Allow', 'GET, HEAD');
    throw new HttpProblem(405, 'method-not-allowed', 'Method not allowed', 'the about resource answers GET and HEAD');
  });

  // Every answer of the statement resource says up to when it is consistent: a statement is stored before its
  // POST or PUT is answered, so everything answered before this instant is visible.
  router.use('/xapi/statements', (_req, res, next) => {
    res.set('X-Experience-API-Consistent-Through', new Date().toISOString());
    next();
  });

  // The alternate request syntax (Communication 1.3): POST ?method=… with a form holding the headers, the
  // parameters and the content. Read before the credentials, which may be in the form.
  const form = express.urlencoded({ extended: false, limit: bodyLimit });
  const alternateSyntax: RequestHandler[] = [
    (req, res, next) => ('method' in (req.query as object) ? form(req, res, next) : next()),
    (req, res, next) => {
      const query = req.query as Record<string, unknown>;
      if (!('method' in query)) {
        res.locals.xapi = { method: req.method === 'HEAD' ? 'GET' : req.method, params: query } satisfies XapiInput;
        return next();
      }
      if (req.method !== 'POST') return next(bad('query.method', 'the alternate request syntax is a POST'));
      const extra = Object.keys(query).find((k) => k !== 'method');
      if (extra) return next(bad(`query.${extra}`, 'with the alternate request syntax, every parameter is sent in the form'));
      const method = typeof query.method === 'string' ? query.method.toUpperCase() : '';
      if (!ALTERNATE_METHODS.includes(method)) return next(bad('query.method', `must be one of ${ALTERNATE_METHODS.join(', ')}`));
      if (!req.is('application/x-www-form-urlencoded'))
        return next(bad('header.Content-Type', 'the alternate request syntax sends application/x-www-form-urlencoded'));
      const fields = (req.body ?? {}) as Record<string, unknown>;
      const unstorable = findUnstorable(fields, 'form');
      if (unstorable) return next(bad(unstorable.field, unstorable.message));
      const params: Record<string, unknown> = {};
      let content: Buffer | undefined;
      delete req.headers['content-type'];
      for (const [name, value] of Object.entries(fields)) {
        const lower = name.toLowerCase();
        if (typeof value !== 'string') return next(bad(`form.${name}`, 'given more than once'));
        if (HEADER_FIELDS.includes(lower)) req.headers[lower] = value;
        else if (name === 'content') content = Buffer.from(value, 'utf8');
        else params[name] = value;
      }
      if ((method === 'PUT' || method === 'POST') && content === undefined) return next(bad('form.content', 'required'));
      req.headers['content-type'] ??= 'application/json';
      res.locals.xapi = { method: method === 'HEAD' ? 'GET' : method, params, content } satisfies XapiInput;
      next();
    },
  ];

  const guards = [basicAuth(db, authFailureLimits(deps)), partnerRateLimit(deps), requireVersion];
  const raw = express.raw({ type: () => true, limit: bodyLimit });
  const readBody: RequestHandler = (req, res, next) => {
    const input = inputOf(res);
    if (input.content !== undefined || (input.method !== 'POST' && input.method !== 'PUT')) return next();
    raw(req, res, (err?: unknown) => {
      if (err) return next(err);
      input.content = Buffer.isBuffer(req.body) ? req.body : undefined;
      next();
    });
  };

  /** Parses the statements of a POST or PUT and what came with them; statement i is named `fieldOf(i)`. */
  async function statementsOf(req: Request, input: XapiInput, one: boolean) {
    const { json, parts } = statementBody(input.content, req.get('content-type'));
    if (one && Array.isArray(json)) throw bad('body', 'PUT takes one statement; POST takes several');
    const statements = Array.isArray(json) ? parseXapi(xapiStatementBatch, json, 'body') : [parseXapi(xapiStatement, json, 'body')];
    const fieldOf = (i: number) => (Array.isArray(json) ? `body.${i}` : 'body');
    return { statements, fieldOf, attachments: await attachmentsOf(statements, parts, fieldOf) };
  }

  async function post(req: Request, res: Response, input: XapiInput) {
    if (Object.keys(input.params).length) throw bad(`query.${Object.keys(input.params)[0]}`, 'POST takes no parameters');
    const { statements, fieldOf, attachments } = await statementsOf(req, input, false);
    res.status(200).json(await recordStatements(deps, partnerOf(req), statements, fieldOf, attachments));
  }

  async function put(req: Request, res: Response, input: XapiInput) {
    const { statementId } = parseXapi(xapiPutQuery, input.params, 'query');
    const { statements, fieldOf, attachments } = await statementsOf(req, input, true);
    if (statements[0].id && statements[0].id.toLowerCase() !== statementId.toLowerCase())
      throw bad('body.id', 'must equal query.statementId');
    await recordStatements(deps, partnerOf(req), statements, fieldOf, attachments, statementId);
    res.status(204).end();
  }

  /** Answers statements as JSON, or with attachments=true as multipart/mixed with their attachments' content. */
  async function answer(req: Request, res: Response, body: unknown, kept: JsonObject[], withAttachments: boolean) {
    if (!withAttachments) return void res.json(body);
    const contents = await attachmentContents(db, partnerOf(req).partnerId, kept.flatMap(attachmentHashes));
    const multipart = buildMultipart(body, contents);
    res.type(multipart.contentType).send(multipart.body);
  }

  async function get(req: Request, res: Response, params: Record<string, unknown>, after?: [number, number]) {
    const q = parseXapi(xapiGetQuery, params, 'query');
    const { partnerId } = partnerOf(req);
    const shown = (s: StoredStatement) =>
      inFormat(served(s.statement, s.stored, authorityOf(partnerId)), q.format ?? 'exact', req.get('accept-language'));
    const id = q.statementId ?? q.voidedStatementId;
    if (id !== undefined) {
      const found = await findStatement(db, partnerId, id, q.voidedStatementId !== undefined);
      if (!found) throw problems.notFound(`statement ${id}${q.voidedStatementId ? ' (voided)' : ''}`);
      res.set('Last-Modified', found.stored.toUTCString());
      return answer(req, res, shown(found), [found.statement], q.attachments ?? false);
    }
    const limit = q.limit ? Math.min(q.limit, XAPI_PAGE_MAX) : XAPI_PAGE_MAX;
    const rows = await queryStatements(
      db,
      partnerId,
      {
        agent: q.agent && agentKey(q.agent),
        verb: q.verb,
        activity: q.activity,
        registration: q.registration,
        relatedActivities: q.related_activities,
        relatedAgents: q.related_agents,
        since: q.since && new Date(timestampMs(q.since)!).toISOString(),
        until: q.until && new Date(timestampMs(q.until)!).toISOString(),
        ascending: q.ascending,
      },
      limit,
      after,
    );
    const page = rows.slice(0, limit);
    const more =
      rows.length > limit
        ? `${basePath}/xapi/statements/more/${Buffer.from(JSON.stringify({ p: params, a: page[page.length - 1].position })).toString('base64url')}`
        : '';
    const latest = q.ascending ? page[page.length - 1] : page[0];
    if (latest) res.set('Last-Modified', latest.stored.toUTCString());
    await answer(
      req,
      res,
      { statements: page.map(shown), more },
      page.map((s) => s.statement),
      q.attachments ?? false,
    );
  }

  // The method first, before the credentials and the version header are looked at.
  const statementMethods: RequestHandler = (req, res, next) => {
    if (['GET', 'HEAD', 'POST', 'PUT'].includes(req.method)) return next();
    res.set('Allow', 'GET, HEAD, POST, PUT');
    throw new HttpProblem(405, 'method-not-allowed', 'Method not allowed', 'the statement resource answers GET, HEAD, POST and PUT');
  };
  router.all('/xapi/statements', statementMethods, ...alternateSyntax, ...guards, readBody, async (req, res) => {
    const input = inputOf(res);
    if (input.method === 'GET') return get(req, res, input.params);
    if (input.method === 'POST') return post(req, res, input);
    if (input.method === 'PUT') return put(req, res, input);
    res.set('Allow', 'GET, HEAD, POST, PUT');
    throw new HttpProblem(405, 'method-not-allowed', 'Method not allowed', 'the statement resource answers GET, HEAD, POST and PUT');
  });

  // The next page of a GET (the `more` of a StatementResult): the same query, after the last statement shown.
  router.get('/xapi/statements/more/:token', refuseUnknownParameters, ...guards, async (req, res) => {
    let token: z.infer<typeof moreToken>;
    try {
      token = moreToken.parse(JSON.parse(Buffer.from(String(req.params.token), 'base64url').toString('utf8')));
    } catch {
      throw bad('path.token', 'not a page of statements this LRS handed out');
    }
    await get(req, res, token.p, token.a);
  });

  // The activities and agents resources (Communication 2.4, 2.5): what the partner's statements say about one.
  router.get('/xapi/activities', ...guards, async (req, res) => {
    const { activityId } = parseXapi(xapiActivitiesQuery, req.query, 'query');
    const mentions = await statementsMentioning(db, partnerOf(req).partnerId, { activity: activityId });
    const activity = mergedActivity(activityId, mentions);
    if (!activity) throw problems.notFound(`activity ${activityId.slice(0, 200)} (no statement of yours mentions it)`);
    res.json(activity);
  });
  router.get('/xapi/agents', ...guards, async (req, res) => {
    const { agent } = parseXapi(xapiAgentsQuery, req.query, 'query');
    res.json(personOf(agent, await statementsMentioning(db, partnerOf(req).partnerId, { agent: agentKey(agent)! })));
  });

  // The document resources of xAPI (state, activity profiles, agent profiles) are not kept here. Like every
  // resource but about, they still need the credentials and the version header.
  router.all('/xapi/{*resource}', ...guards, (req) => {
    throw problems.notFound(`the xAPI resource ${req.path.slice(0, 100)}`);
  });

  return router;
}
