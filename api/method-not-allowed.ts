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

/**
 * Before the routes: a path some route serves, asked with a method none of them takes, is a 405 with `Allow`
 * (RFC 9110 §15.5.6) rather than a 404 or whatever a route's own checks would answer first; OPTIONS answers 204 with
 * the same `Allow`. Read from the app's own router when asked (every route is registered by then), so it cannot
 * disagree with the routes. Paths served only by a route of every method (the xAPI resources) dispatch themselves.
 */
export function methodNotAllowed(app: express.Express): express.RequestHandler {
  const { stack } = (app as unknown as { router: { stack: Layer[] } }).router;
  return (req, res, next) => {
    const methods = methodsFor(stack, req.path);
    if (methods.has('GET')) methods.add('HEAD');
    if (methods.size === 0 || methods.has(req.method)) return next();
    const allow = [...methods, 'OPTIONS'].sort();
    if (req.method === 'OPTIONS') return void res.set('Allow', allow.join(', ')).status(204).end();
    next(problems.methodNotAllowed(allow));
  };
}
