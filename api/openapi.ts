import { z } from 'zod';
import {
  createEnrollmentBody,
  createProgramBody,
  listEnrollmentsQuery,
  markCompleteBody,
  rejectBody,
  reviewQueueQuery,
} from './schemas';

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  who: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  multipart?: boolean;
  responses: Record<number, string>;
}

const ERRORS = { 400: 'Bad input (problem details with `errors`)', 401: 'No or bad credentials', 403: 'Not yours', 404: 'Unknown', 409: 'Not allowed in the current state' };

const OPERATIONS: Operation[] = [
  { method: 'get', path: '/api/programs', summary: 'The catalog', who: 'anyone', responses: { 200: 'Programs' } },
  { method: 'post', path: '/api/programs', summary: 'Create a program', who: 'admin', body: createProgramBody, responses: { 201: 'Created', ...ERRORS } },
  { method: 'get', path: '/api/partners', summary: 'Partner platforms', who: 'anyone', responses: { 200: 'Partners' } },
  { method: 'post', path: '/api/enrollments', summary: 'Enroll in a program', who: 'student', body: createEnrollmentBody, responses: { 201: '`{ enrollmentId, status, checkoutUrl? }`', ...ERRORS } },
  { method: 'get', path: '/api/enrollments', summary: 'List enrollments', who: 'program holder (own programs), admin', query: listEnrollmentsQuery, responses: { 200: 'Enrollments', ...ERRORS } },
  { method: 'get', path: '/api/enrollments/{enrollmentId}', summary: 'One enrollment with submissions and history', who: 'its student, its holder, admin', responses: { 200: 'The enrollment', ...ERRORS } },
  { method: 'get', path: '/api/enrollments/{enrollmentId}/launch', summary: 'Launch the course at the partner', who: 'its student', responses: { 302: 'To the partner', ...ERRORS, 503: 'Partner unavailable' } },
  { method: 'post', path: '/api/enrollments/{enrollmentId}/completion-submissions', summary: 'Upload completion evidence (PDF, PNG or JPEG, ≤ 10 MB) with `completedAt`', who: 'its student', multipart: true, responses: { 202: '`{ submissionId, status }`', ...ERRORS, 413: 'Too large', 415: 'Not a PDF, PNG or JPEG' } },
  { method: 'get', path: '/api/submissions/{submissionId}/file', summary: 'The uploaded evidence', who: 'its student, its holder, admin', responses: { 200: 'The file', ...ERRORS } },
  { method: 'get', path: '/api/program-holder/submissions', summary: 'Review queue', who: 'program holder, admin', query: reviewQueueQuery, responses: { 200: 'Items', ...ERRORS } },
  { method: 'post', path: '/api/program-holder/submissions/{submissionId}/approve', summary: 'Approve evidence: the enrollment completes', who: 'the program’s holder', responses: { 200: 'Approved', ...ERRORS } },
  { method: 'post', path: '/api/program-holder/submissions/{submissionId}/reject', summary: 'Reject evidence with a reason', who: 'the program’s holder', body: rejectBody, responses: { 200: 'Rejected', ...ERRORS } },
  { method: 'post', path: '/api/program-holder/mark-complete', summary: 'Mark an enrollment complete', who: 'the program’s holder', body: markCompleteBody, responses: { 200: 'Completed', ...ERRORS } },
  { method: 'post', path: '/api/webhooks/stripe', summary: 'Stripe events (signed)', who: 'Stripe', responses: { 200: 'Received', 400: 'Bad signature', 503: 'Not configured' } },
  { method: 'get', path: '/api/certificates/{certificateId}.pdf', summary: 'Certificate PDF', who: 'its student, its holder, admin', responses: { 200: 'PDF', ...ERRORS } },
  { method: 'get', path: '/verify/{code}', summary: 'Public certificate verification (HTML or JSON)', who: 'anyone', responses: { 200: 'Valid or revoked', 404: 'Unknown code' } },
  { method: 'get', path: '/healthz', summary: 'Alive', who: 'anyone', responses: { 200: 'OK' } },
  { method: 'get', path: '/readyz', summary: 'Temporal and PostgreSQL reachable', who: 'anyone', responses: { 200: 'Ready', 503: 'Not ready' } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', who: 'anyone', responses: { 200: 'Metrics' } },
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(op.query ? (jsonSchema(op.query).properties as Record<string, object>) : {}).map(([name, schema]) => ({ name, in: 'query', schema })),
    ];
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      description: `Who: ${op.who}.`,
      ...(parameters.length && { parameters }),
      ...(op.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }),
      ...(op.multipart && {
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file', 'completedAt'], properties: { file: { type: 'string', format: 'binary' }, completedAt: { type: 'string' } } } } } },
      }),
      responses: Object.fromEntries(Object.entries(op.responses).map(([code, description]) => [code, { description }])),
      ...(op.who !== 'anyone' && op.who !== 'Stripe' && { security: [{ bearer: [] }] }),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'credential-marketplace', version: '0.1.0', description: 'Enrollment lifecycle API: every enrollment is a Temporal workflow.' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
