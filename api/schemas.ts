import { z } from 'zod';
import { PROBLEM_SLUGS, problemTypeUri } from './problems';
import { named } from '../core/schemas';

/** RFC 9457 problem details; `type` is one of the problem types (each a page at that address). */
export const problemResponse = named(
  'Problem',
  z.object({
    type: z.enum(PROBLEM_SLUGS.map(problemTypeUri) as [string, ...string[]]).describe('A problem type; its page is at this address'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Validation failures: one entry per bad field (body.x, query.x, path.x, header.x)'),
    error: z.string().optional().describe('OAuth 2 (RFC 6749 §5.2) error code: the LTI token endpoint’s problems only'),
    error_description: z.string().optional().describe('OAuth 2 error description: the LTI token endpoint’s problems only'),
  }),
  'RFC 9457 problem details (application/problem+json)',
);

export const healthResponse = named('Health', z.object({ status: z.literal('ok') }));
export const readinessResponse = named(
  'Readiness',
  z.object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ postgres: z.string(), temporal: z.string() }).describe('"ok", or "down: <why>"'),
  }),
);

/** A problem type's page as JSON (`/problems/{type}` with `Accept: application/json`). */
export const problemTypeResponse = named(
  'ProblemType',
  z.object({ type: z.string(), title: z.string(), status: z.number().int(), meaning: z.string(), whatToDo: z.string() }),
);
export const problemTypeListResponse = named('ProblemTypeList', z.object({ problemTypes: z.array(problemTypeResponse) }));
