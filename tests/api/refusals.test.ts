import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import { PAGE_OF_KIND } from '../../console/refusals';
import { HttpProblem, problemHandler, problemOf, problems } from '../../api/problems';
import { parse, Refusal, type RefusalKind, refuse, refuseUrls } from '../../core/refusals';
import { PROJECT_ROOT } from '../../lib/paths';

/**
 * The core's refusals as the JSON API answers them: each kind → the problem the API answered before the core had
 * refusals of its own (status, type, title, detail, errors, Retry-After), checked on the wire.
 */

const urlPolicy = { urlProblem: (url: string) => Promise.resolve(url.startsWith('https:') ? undefined : 'must be https') };
const refusedUrls = () =>
  refuseUrls(urlPolicy, { 'body.url': 'http://127.0.0.1/hook', 'body.ok': 'https://example.org', 'body.none': undefined }).then(
    () => new Error('refuseUrls let a refused URL through'),
    (err: unknown) => err,
  );
const invalidParse = () => {
  try {
    parse(z.object({ name: z.string(), age: z.number() }), { age: 'x' }, 'body');
  } catch (err) {
    return err;
  }
  return new Error('parse accepted a bad body');
};

interface Case {
  what: string;
  kind: RefusalKind;
  refusal: () => unknown;
  /** The HttpProblem the API threw for it before (problems.*, or the literal of the command that built its own). */
  before: () => HttpProblem;
  status: number;
  body: Record<string, unknown>;
  /** Raw header name and value, as sent (the case of the name too). */
  header?: [string, string];
}

const fieldErrors = [{ field: 'body.completedAt', message: 'is in the future' }];
const CASES: Case[] = [
  {
    what: 'invalid with errors',
    kind: 'invalid',
    refusal: () => refuse.invalid('completedAt is in the future', fieldErrors),
    before: () => problems.badRequest('completedAt is in the future', { errors: fieldErrors }),
    status: 400,
    body: { type: '/problems/bad-request', title: 'Bad request', status: 400, detail: 'completedAt is in the future', errors: fieldErrors },
  },
  {
    what: 'invalid without errors',
    kind: 'invalid',
    refusal: () => refuse.invalid('nonce was already used'),
    before: () => problems.badRequest('nonce was already used'),
    status: 400,
    body: { type: '/problems/bad-request', title: 'Bad request', status: 400, detail: 'nonce was already used' },
  },
  {
    what: 'invalid from parse (zod), named as before',
    kind: 'invalid',
    refusal: invalidParse,
    before: () =>
      problems.badRequest('2 invalid fields: body.name, body.age', {
        errors: [
          { field: 'body.name', message: 'Invalid input: expected string, received undefined' },
          { field: 'body.age', message: 'Invalid input: expected number, received string' },
        ],
      }),
    status: 400,
    body: {
      type: '/problems/bad-request',
      title: 'Bad request',
      status: 400,
      detail: '2 invalid fields: body.name, body.age',
      errors: [
        { field: 'body.name', message: 'Invalid input: expected string, received undefined' },
        { field: 'body.age', message: 'Invalid input: expected number, received string' },
      ],
    },
  },
  {
    what: 'url-refused',
    kind: 'url-refused',
    refusal: refusedUrls,
    before: () =>
      new HttpProblem(400, 'url-refused', 'URL refused', 'body.url must be https', {
        errors: [{ field: 'body.url', message: 'must be https' }],
      }),
    status: 400,
    body: {
      type: '/problems/url-refused',
      title: 'URL refused',
      status: 400,
      detail: 'body.url must be https',
      errors: [{ field: 'body.url', message: 'must be https' }],
    },
  },
  {
    what: 'unauthenticated, with the challenge',
    kind: 'unauthenticated',
    refusal: () => refuse.unauthenticated('the access token is refused'),
    before: () => problems.unauthorized('the access token is refused'),
    status: 401,
    body: { type: '/problems/unauthorized', title: 'Authentication required', status: 401, detail: 'the access token is refused' },
    header: ['WWW-Authenticate', 'Bearer realm="credential-marketplace"'],
  },
  {
    what: 'OAuth invalid_grant (400)',
    kind: 'invalid',
    refusal: () => new Refusal('invalid', 'the assertion expired', { oauthError: 'invalid_grant' }),
    before: () =>
      new HttpProblem(400, 'bad-request', 'Bad request', 'the assertion expired', {
        error: 'invalid_grant',
        error_description: 'the assertion expired',
      }),
    status: 400,
    body: {
      type: '/problems/bad-request',
      title: 'Bad request',
      status: 400,
      detail: 'the assertion expired',
      error: 'invalid_grant',
      error_description: 'the assertion expired',
    },
  },
  {
    what: 'OAuth invalid_client (401)',
    kind: 'unauthenticated',
    refusal: () => new Refusal('unauthenticated', 'unknown client', { oauthError: 'invalid_client' }),
    before: () =>
      new HttpProblem(401, 'unauthorized', 'Authentication required', 'unknown client', {
        error: 'invalid_client',
        error_description: 'unknown client',
      }),
    status: 401,
    body: {
      type: '/problems/unauthorized',
      title: 'Authentication required',
      status: 401,
      detail: 'unknown client',
      error: 'invalid_client',
      error_description: 'unknown client',
    },
  },
  {
    what: 'forbidden',
    kind: 'forbidden',
    refusal: () => refuse.forbidden('this enrollment belongs to another program holder'),
    before: () => problems.forbidden('this enrollment belongs to another program holder'),
    status: 403,
    body: { type: '/problems/forbidden', title: 'Not allowed', status: 403, detail: 'this enrollment belongs to another program holder' },
  },
  {
    what: 'not-found',
    kind: 'not-found',
    refusal: () => refuse.notFound('program p-1'),
    before: () => problems.notFound('program p-1'),
    status: 404,
    body: { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'program p-1 does not exist or is not visible to you' },
  },
  {
    what: 'conflict without a wait',
    kind: 'conflict',
    refusal: () => refuse.conflict('the enrollment is already withdrawn'),
    before: () => problems.conflict('the enrollment is already withdrawn'),
    status: 409,
    body: {
      type: '/problems/conflict',
      title: 'Not allowed in the current state',
      status: 409,
      detail: 'the enrollment is already withdrawn',
    },
  },
  {
    what: 'conflict with Retry-After',
    kind: 'conflict',
    refusal: () => refuse.conflict('still running', 3),
    before: () => problems.conflict('still running', 3),
    status: 409,
    body: { type: '/problems/conflict', title: 'Not allowed in the current state', status: 409, detail: 'still running' },
    header: ['retry-after', '3'],
  },
  {
    what: 'too-large',
    kind: 'too-large',
    refusal: () => refuse.tooLarge('at most 5000 rows per import'),
    before: () => problems.tooLarge('at most 5000 rows per import'),
    status: 413,
    body: { type: '/problems/too-large', title: 'Payload too large', status: 413, detail: 'at most 5000 rows per import' },
  },
  {
    what: 'unsupported-media-type',
    kind: 'unsupported-media-type',
    refusal: () => refuse.unsupportedType('the file must be a PDF, PNG or JPEG'),
    before: () => problems.unsupportedType('the file must be a PDF, PNG or JPEG'),
    status: 415,
    body: {
      type: '/problems/unsupported-media-type',
      title: 'Unsupported file type',
      status: 415,
      detail: 'the file must be a PDF, PNG or JPEG',
    },
  },
  {
    what: 'unprocessable',
    kind: 'unprocessable',
    refusal: () => refuse.unprocessable('the voucher cannot be used'),
    before: () => problems.unprocessable('the voucher cannot be used'),
    status: 422,
    body: { type: '/problems/unprocessable', title: 'Request cannot be processed', status: 422, detail: 'the voucher cannot be used' },
  },
  {
    what: 'too-many-requests (the tutor), its header spelt as before',
    kind: 'too-many-requests',
    refusal: () => refuse.tooManyRequests('at most 10 messages a minute', 7),
    before: () =>
      new HttpProblem(429, 'too-many-requests', 'Too many requests', 'at most 10 messages a minute', {}, { 'Retry-After': '7' }),
    status: 429,
    body: { type: '/problems/too-many-requests', title: 'Too many requests', status: 429, detail: 'at most 10 messages a minute' },
    header: ['Retry-After', '7'],
  },
  {
    what: 'unavailable, with the default wait',
    kind: 'unavailable',
    refusal: () => refuse.unavailable('the enrollment service did not answer in time; try again shortly'),
    before: () => problems.unavailable('the enrollment service did not answer in time; try again shortly'),
    status: 503,
    body: {
      type: '/problems/unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: 'the enrollment service did not answer in time; try again shortly',
    },
    header: ['retry-after', '5'],
  },
];

let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.get('/refusal/:i', async (req) => {
    throw await CASES[Number(req.params.i)].refusal();
  });
  app.use(problemHandler);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** One GET with the raw header names as Node received them. */
function get(url: string): Promise<{ status: number; rawHeaders: string[]; contentType?: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            contentType: res.headers['content-type'],
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          }),
        );
      })
      .on('error', reject);
  });
}

const headerPairs = (raw: string[]) => raw.flatMap((v, i) => (i % 2 === 0 ? [[v, raw[i + 1]] as [string, string]] : []));

describe.each(CASES.map((c, i) => [c.what, i] as const))('%s', (_what, i) => {
  const c = CASES[i];

  test('is a Refusal of its kind, mapped to the problem the API threw before', async () => {
    const refusal = await c.refusal();
    expect(refusal).toBeInstanceOf(Refusal);
    expect((refusal as Refusal).kind).toBe(c.kind);
    const mapped = problemOf(refusal as Refusal);
    const before = c.before();
    expect({ ...mapped, message: mapped.message }).toEqual({ ...before, message: before.message });
  });

  test('answers on the wire with the same status, problem document and headers', async () => {
    const res = await get(`${base}/refusal/${i}`);
    expect(res.status).toBe(c.status);
    expect(res.contentType).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toEqual(c.body);
    // The key order of the document is as it was: type, title, status, detail, then the extra members.
    expect(Object.keys(res.body as object)).toEqual(Object.keys(c.body));
    const pairs = headerPairs(res.rawHeaders);
    if (c.header) expect(pairs).toContainEqual(c.header);
    if (!c.header || c.header[0] === 'WWW-Authenticate') expect(pairs.map(([n]) => n.toLowerCase())).not.toContain('retry-after');
  });
});

test('every kind has a problem type and a console page with the same status and heading', () => {
  const kinds = Object.keys(PAGE_OF_KIND) as RefusalKind[];
  expect(new Set(CASES.map((c) => c.kind))).toEqual(new Set(kinds));
  for (const kind of kinds) {
    const problem = problemOf(new Refusal(kind, 'why'));
    expect({ kind, status: problem.status, title: problem.title }).toEqual({ kind, ...PAGE_OF_KIND[kind] });
  }
});

/** Every .ts file under a folder of the project. */
const sources = (dir: string): string[] =>
  fs
    .readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
const importsOf = (file: string) =>
  [...fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8').matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);

/**
 * A door's file inside a capability: its HTTP routes (`*.routes.ts`, the JSON API, and `*.openapi.ts`, what /openapi.json
 * says of them when they would not fit one file) or its pages (`*.pages.ts`, the console).
 */
const isDoorFile = (file: string) => /\.(routes|openapi|pages)\.ts$/.test(file);
/** The core: core/ and every capability's operations, queries and schemas (not its routes or pages). */
const coreFiles = () => [...sources('core'), ...sources('capabilities').filter((file) => !isDoorFile(file))];

test('the core imports no door: nothing from api/, console/, worker/, a routes or pages file, or express', () => {
  const files = coreFiles();
  expect(files).toContain(path.join('core', 'refusals.ts'));
  expect(files).toContain(path.join('capabilities', 'completion', 'xapi', 'statements.ts'));
  const doors = files.flatMap((file) =>
    importsOf(file)
      .filter(
        (spec) =>
          /^express($|\/)/.test(spec) ||
          /(^|\/)(api|console|worker)(\/|$)/.test(path.join(path.dirname(file), spec)) ||
          /\.(routes|openapi|pages)$/.test(spec),
      )
      .map((spec) => `${file}: ${spec}`),
  );
  expect(doors).toEqual([]);
});

test('operations and read-model queries throw Refusals, not the API’s problems', () => {
  const files = coreFiles();
  expect(files.length).toBeGreaterThan(40);
  const problemUses = files.flatMap((file) => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    const uses = [
      ...importsOf(file).filter((spec) => spec.endsWith('/problems')),
      ...(text.match(/\bHttpProblem\b|\bproblems\.\w+/g) ?? []),
    ];
    return uses.map((u) => `${file}: ${u}`);
  });
  expect(problemUses).toEqual([]);
});
