/** Helpers for the completion-channel tests: problems, partner credentials, xAPI statements, CSV bodies. */

export { expectProblem, type Res } from './problems';
export { eventually, sleep } from './eventually';

export const basicAuth = (partnerId: string, apiKey: string) => `Basic ${Buffer.from(`${partnerId}:${apiKey}`).toString('base64')}`;

export const VERBS = {
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
  experienced: 'http://adlnet.gov/expapi/verbs/experienced',
} as const;

/** An xAPI statement as the tests send it: the fields they read back, and whatever `extra` adds. */
export interface Statement {
  [field: string]: unknown;
  id?: string;
  timestamp: string;
  context: { registration: string };
}

/** A well-formed xAPI 1.0.3 statement about one registration (enrollment). */
export function statement(registration: string, verb: string, extra: Record<string, unknown> = {}): Statement {
  return {
    actor: {
      objectType: 'Agent',
      name: 'Test Learner',
      account: { homePage: 'https://partner.example.com', name: `learner-${registration.slice(0, 8)}` },
    },
    verb: { id: verb, display: { 'en-US': verb.split('/').pop() } },
    object: { objectType: 'Activity', id: 'https://partner.example.com/courses/safety-1', definition: { name: { 'en-US': 'Course' } } },
    context: { registration },
    timestamp: new Date().toISOString(),
    ...extra,
  };
}

export const xapiHeaders = (partnerId: string, apiKey: string, version: string | null = '1.0.3'): Record<string, string> => ({
  authorization: basicAuth(partnerId, apiKey),
  ...(version !== null && { 'x-experience-api-version': version }),
});

export const csvHeaders = (token: string, contentType = 'text/csv'): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': contentType,
});
