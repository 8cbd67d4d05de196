import fs from 'node:fs';
import path from 'node:path';
import { Router, type ErrorRequestHandler } from 'express';
import type { CoreDeps } from '../core/deps';
import { PROJECT_ROOT } from '../lib/paths';
import { adminPages } from './pages/admin';
import { funderPages } from './pages/funder';
import { holderPages } from './pages/holder';
import { studentPages } from './pages/student';
import { refusalOf } from './refusals';
import { createRenderer, HOME, type Render } from './render';
import { signInRoutes } from './sign-in';

const CONSOLE_CSS = fs.readFileSync(path.join(PROJECT_ROOT, 'console', 'assets', 'console.css'));

/**
 * The web console: server-rendered pages for program holders, funders, admins and students, signed in with a
 * session. Pages only parse, authorize, call the same commands and read-model queries as the JSON API, and render.
 */
export function consoleRoutes(deps: CoreDeps, render: Render = createRenderer(deps.config)): Router {
  const router = Router();
  router.get(
    '/assets/console.css',
    (_req, res) => void res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(CONSOLE_CSS),
  );
  router.get('/', (req, res) => {
    const actor = req.session?.actor;
    render(req, res, 'landing', { title: 'Welcome', home: actor ? HOME[actor.role] : '/login' });
  });
  router.use(signInRoutes(deps.config, render));
  router.use('/holder', holderPages(deps, render));
  router.use('/funder', funderPages(deps, render));
  router.use('/admin', adminPages(deps, render));
  router.use('/student', studentPages(deps, render));
  router.use(consoleErrors(render));
  return router;
}

/** A console page's error as a page (the JSON API answers problems instead): what went wrong and a way back. */
function consoleErrors(render: Render): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const refused = refusalOf(err);
    if (!refused) {
      console.error('[console]', req.method, req.path, err);
      return render(
        req,
        res,
        'error',
        { title: 'Something went wrong', detail: 'The page could not be shown; try again in a moment.', back: '/' },
        500,
      );
    }
    res.set(refused.headers);
    const actor = req.session?.actor;
    const back = refused.status === 401 || !actor ? '/login' : HOME[actor.role];
    render(req, res, 'error', { title: refused.title, detail: refused.detail, back }, refused.status);
  };
}
