import type express from 'express';
import { problems } from './problems';

/** What Express keeps of a route or a router (express.Router has no public API to list them). */
interface Layer {
  match(path: string): { path: string } | false;
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** The methods the routes under `stack` take for `path`; a route of every method (`_all`) answers them itself. */
function methodsFor(stack: Layer[], path: string, found = new Set<string>()): Set<string> {
  for (const layer of stack) {
    const match = layer.match(path);
    if (!match) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.add(method.toUpperCase());
    } else if (layer.handle?.stack) {
      methodsFor(layer.handle.stack, path.slice(match.path.length) || '/', found);
    }
  }
  return found;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UUID_STAND_IN = '00000000-0000-4000-8000-000000000000';
const KNOWN_PATHS = 10_000;

/**
 * Before the routes: a path some route serves, asked with a method none of them takes, is a 405 with `Allow`
 * (RFC 9110 §15.5.6) rather than a 404 or whatever a route's own checks would answer first; OPTIONS answers 204 with
 * the same `Allow`. Read from the app's own router when asked (every route is registered by then), so it cannot
 * disagree with the routes. Paths served only by a route of every method (the xAPI resources) dispatch themselves.
 */
export function methodNotAllowed(app: express.Express): express.RequestHandler {
  const { stack } = (app as unknown as { router: { stack: Layer[] } }).router;
  // The walk costs tens of microseconds a request; its answer depends only on the path, and a UUID in a path only ever
  // fills a parameter, so paths that differ in their UUIDs share one entry (bounded: emptied when full).
  const known = new Map<string, ReadonlySet<string>>();
  const methodsOf = (path: string): ReadonlySet<string> => {
    const key = path.replace(UUID, UUID_STAND_IN);
    let methods = known.get(key);
    if (!methods) {
      const found = methodsFor(stack, key);
      if (found.has('GET')) found.add('HEAD');
      if (known.size >= KNOWN_PATHS) known.clear();
      known.set(key, (methods = found));
    }
    return methods;
  };
  return (req, res, next) => {
    const methods = methodsOf(req.path);
    if (methods.size === 0 || methods.has(req.method)) return next();
    const allow = [...methods, 'OPTIONS'].sort();
    if (req.method === 'OPTIONS') return void res.set('Allow', allow.join(', ')).status(204).end();
    next(problems.methodNotAllowed(allow));
  };
}
