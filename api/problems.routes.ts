import { Router } from 'express';
import type { RenderPage } from '../lib/web/pages';
import { PROBLEM_TYPES, type ProblemSlug, problemTypeUri, problems } from './problems';

/** A problem type as its page shows it (and as JSON). */
const problemTypeView = (slug: ProblemSlug) => ({ type: problemTypeUri(slug), ...PROBLEM_TYPES[slug] });
const isProblemSlug = (slug: string): slug is ProblemSlug => Object.hasOwn(PROBLEM_TYPES, slug);

/**
 * GET /problems and /problems/:type: where the `type` of every problem the API answers with leads (RFC 9457: a page
 * for people that says what the problem means and what to do). HTML for a browser, JSON with `Accept: application/json`.
 */
export function problemRoutes(render: RenderPage): Router {
  const router = Router();

  router.get('/problems', (req, res) => {
    const problemTypes = (Object.keys(PROBLEM_TYPES) as ProblemSlug[]).map(problemTypeView);
    res.vary('Accept');
    if (req.accepts(['html', 'json']) === 'json') return res.set('Cache-Control', 'public, max-age=3600').json({ problemTypes });
    render(req, res, 'public/problems', { title: 'Problem types', problemTypes });
  });

  router.get('/problems/:type', (req, res) => {
    const slug = req.params.type;
    if (!isProblemSlug(slug)) throw problems.notFound(`problem type ${slug}`);
    const problemType = problemTypeView(slug);
    res.vary('Accept');
    if (req.accepts(['html', 'json']) === 'json') return res.set('Cache-Control', 'public, max-age=3600').json(problemType);
    render(req, res, 'public/problem', { title: problemType.title, problemType });
  });

  return router;
}
