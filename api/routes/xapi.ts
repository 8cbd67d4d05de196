import { randomUUID } from 'node:crypto';
import express, { type RequestHandler, Router } from 'express';
import { prepareStatement, recordStatements } from '../commands/xapi-statements';
import type { ApiDeps } from '../deps';
import { basicAuth, partnerOf } from '../partner-auth';
import { HttpProblem, parse, problems } from '../problems';
import { partnerRateLimit } from '../rate-limit';
import { xapiPutQuery, xapiStatement, xapiStatementBatch } from '../schemas';
import { refuseUnstorableText } from '../unstorable-text';

/**
 * A small xAPI 1.0.3 Learning Record Store for the partners' courses: statements are kept as they were sent, made
 * idempotent by their id, and `completed` / `passed` complete the enrollment named by `context.registration`
 * under its program's cmi5 moveOn rule. Mounted before the bearer-token reader (xAPI uses HTTP Basic).
 */
export const XAPI_VERSION = '1.0.3';

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

const requireJson: RequestHandler = (req, _res, next) => {
  const isJson = req.is('application/json');
  if (isJson === null)
    return next(
      problems.badRequest('send the statement as an application/json body', { errors: [{ field: 'body', message: 'required' }] }),
    );
  if (isJson === false) return next(problems.unsupportedType('statements are accepted as application/json only (no attachments)'));
  next();
};

/** A statement as sent, every property kept (the schema has checked it is an object; it drops what it does not name). */
const asSent = (statement: unknown): Record<string, unknown> =>
  typeof statement === 'object' && statement !== null && !Array.isArray(statement) ? { ...statement } : {};

export function xapiRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use('/xapi', (_req, res, next) => {
    res.set('X-Experience-API-Version', XAPI_VERSION);
    next();
  });
  const json = express.json({ limit: '1mb' });
  const guards = [basicAuth(deps.db), partnerRateLimit(deps), requireVersion, requireJson, json, refuseUnstorableText];

  router.post('/xapi/statements', ...guards, async (req, res) => {
    const partner = partnerOf(req);
    const body: unknown = req.body;
    const statements = Array.isArray(body) ? parse(xapiStatementBatch, body, 'body') : [parse(xapiStatement, body, 'body')];
    const raw: unknown[] = Array.isArray(body) ? body : [body];
    const prepared = statements.map((s, i) => prepareStatement(s, asSent(raw[i]), s.id ?? randomUUID()));
    await recordStatements(deps, partner, prepared, (i) => (Array.isArray(body) ? `body.${i}.timestamp` : 'body.timestamp'));
    res.status(200).json(prepared.map((p) => p.id));
  });

  router.put('/xapi/statements', ...guards, async (req, res) => {
    const partner = partnerOf(req);
    const { statementId } = parse(xapiPutQuery, req.query, 'query');
    if (Array.isArray(req.body))
      throw problems.badRequest('PUT takes one statement; POST takes several', {
        errors: [{ field: 'body', message: 'must be one statement object' }],
      });
    const body: unknown = req.body;
    const s = parse(xapiStatement, body, 'body');
    if (s.id && s.id.toLowerCase() !== statementId.toLowerCase()) {
      throw problems.badRequest('the statement’s id differs from the statementId parameter', {
        errors: [{ field: 'body.id', message: 'must equal query.statementId' }],
      });
    }
    await recordStatements(deps, partner, [prepareStatement(s, asSent(body), statementId)], () => 'body.timestamp');
    res.status(204).end();
  });

  router.all('/xapi/statements', (_req, res) => {
    res.set('Allow', 'POST, PUT');
    throw new HttpProblem(
      405,
      'method-not-allowed',
      'Method not allowed',
      'this LRS accepts statements (POST, PUT); it does not serve queries',
    );
  });

  return router;
}
