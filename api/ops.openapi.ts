/**
 * What /openapi.json says of the routes of ops.routes.ts (health, readiness, metrics and the document itself), in a
 * file of their own: ops.routes.ts serves the document, which is assembled from these.
 */
import { REFUSED_TOKEN, UNLIMITED, json, text, type Operation } from './openapi-operation';
import { healthResponse, readinessResponse } from './schemas';

export const opsOperations: Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tag: 'Operations',
    summary: 'Alive',
    access: 'public',
    responses: { 200: json('Alive', healthResponse) },
    problems: { 401: REFUSED_TOKEN },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tag: 'Operations',
    summary: 'Temporal and PostgreSQL reachable',
    access: 'public',
    responses: {
      200: json('Ready', readinessResponse),
      503: json('Not ready; `checks` says which is down', readinessResponse, {
        'Retry-After': { description: 'Seconds', schema: { type: 'integer' } },
      }),
    },
    problems: { 401: REFUSED_TOKEN },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics',
    description: 'With METRICS_TOKEN it needs that bearer token; with METRICS_PORT it is served on that port only.',
    access: 'metrics',
    responses: { 200: text('The metrics', 'text/plain') },
    problems: { 401: 'No or wrong metrics token' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'Documentation',
    summary: 'This document (OpenAPI 3.1)',
    access: 'public',
    responses: { 200: text('The document', 'application/json', { type: 'object' }) },
    problems: UNLIMITED,
  },
];
