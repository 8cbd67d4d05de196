import type { RequestHandler } from 'express';
import { problems } from './problems';

/**
 * PostgreSQL `text` and `jsonb` refuse NUL (U+0000), and `jsonb` refuses a lone UTF-16 surrogate, so a string with
 * either would fail deep inside a handler as a 500. They are refused at the boundary instead: the URL (path
 * parameters, query string) and parsed bodies (JSON, forms), with the field named.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function whyUnstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it holds a lone surrogate)';
  return undefined;
}

/** The first string (or object key) in `value` that cannot be stored, as a field path and a reason. */
export function findUnstorable(value: unknown, path: string, depth = 0): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    const message = whyUnstorable(value);
    return message === undefined ? undefined : { field: path, message };
  }
  // Deeper than any body this API accepts; the parsers' size limits bound the walk anyway.
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = whyUnstorable(key);
    if (keyProblem)
      return {
        field: `${path}.${key.replaceAll('\u0000', '\ufffd').replace(/[\ud800-\udfff]/g, '\ufffd')}`,
        message: `a key ${keyProblem}`,
      };
    const found = findUnstorable(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Checks the URL and whatever body has been parsed so far; mounted before the routes that parse their own
 * bodies (URL only) and again after each body parser.
 */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  let decodedPath = req.path;
  try {
    decodedPath = decodeURIComponent(req.path);
  } catch {
    // Malformed percent-encoding: the router refuses it as a 400 of its own.
  }
  const pathProblem = whyUnstorable(decodedPath);
  const found =
    (pathProblem ? { field: 'path', message: pathProblem } : undefined) ??
    findUnstorable(req.query, 'query') ??
    findUnstorable(req.body, 'body');
  if (!found) return next();
  next(problems.badRequest(`${found.field} ${found.message}`, { errors: [found] }));
};
