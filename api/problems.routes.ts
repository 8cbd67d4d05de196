import { Router } from 'express';
import type { RenderPage } from '../lib/web/pages';
import { PROBLEM_TYPES, type ProblemSlug, problemTypeUri, problems } from './problems';
import { UNLIMITED, html, type Operation } from './openapi-operation';
import { problemTypeListResponse, problemTypeResponse } from './schemas';
import { z } from 'zod';

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

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

const problemTypeParam = z.object({ type: z.enum(Object.keys(PROBLEM_TYPES) as [ProblemSlug, ...ProblemSlug[]]) });

export const problemsOperations: Operation[] = [
  {
    method: 'get',
    path: '/problems',
    operationId: 'listProblemTypes',
    tag: 'Documentation',
    summary: 'Every problem type the API answers with',
    description: 'HTML, or JSON with `Accept: application/json`.',
    access: 'public',
    responses: {
      200: {
        description: 'The problem types',
        content: { 'application/json': { schema: problemTypeListResponse }, 'text/html': { schema: html } },
      },
    },
    problems: UNLIMITED,
  },
  {
    method: 'get',
    path: '/problems/{type}',
    operationId: 'getProblemType',
    tag: 'Documentation',
    summary: 'A problem type: what it means and what to do',
    description: 'The page a problem’s `type` leads to. HTML, or JSON with `Accept: application/json`.',
    access: 'public',
    requestParams: { path: problemTypeParam },
    responses: {
      200: {
        description: 'The problem type',
        content: { 'application/json': { schema: problemTypeResponse }, 'text/html': { schema: html } },
      },
    },
    problems: { 404: 'Not a problem type', ...UNLIMITED },
  },
];
