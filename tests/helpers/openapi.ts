/**
 * Answers checked against the OpenAPI document the API serves (ajv, JSON Schema 2020-12 as OpenAPI 3.1 has it): the
 * status must be one the operation lists, the media type one that status lists, and a JSON body must match its
 * schema. So a test that goes through the API also checks that /openapi.json says what the API does.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { HttpResponse } from './system';

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface OperationObject {
  operationId: string;
  responses: Record<string, ResponseObject>;
}
export interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { responses: Record<string, ResponseObject>; schemas: Record<string, unknown> };
}

const pointer = (...tokens: string[]) => tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The document's path template that a request's path is an instance of (`/api/enrollments/{enrollmentId}`). */
export function pathTemplateOf(doc: OpenApi, urlPath: string): string | undefined {
  const path = urlPath.split('?')[0];
  const matches = Object.keys(doc.paths).filter((template) =>
    new RegExp(
      `^${template
        .split(/\{\w+\}/)
        .map(escapeRegExp)
        .join('[^/]+')}$`,
    ).test(path),
  );
  // A literal path wins over a template that also matches it.
  return matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
}

export function openApiChecker(doc: OpenApi) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const validators = new Map<string, ValidateFunction>();
  const validator = (at: string) => {
    let v = validators.get(at);
    if (!v) validators.set(at, (v = ajv.compile({ $ref: `openapi.json#${at}` })));
    return v;
  };

  /** Whether the request is one of the document's operations. */
  const isOperation = (method: string, urlPath: string) => {
    const template = pathTemplateOf(doc, urlPath);
    return template !== undefined && doc.paths[template][method.toLowerCase()] !== undefined;
  };

  /**
   * What is wrong with this answer according to the document (nothing: an empty list). A 500 is not checked: it is
   * outside every contract (its problem type is in the document's list all the same).
   */
  function mismatches(method: string, urlPath: string, res: HttpResponse): string[] {
    const template = pathTemplateOf(doc, urlPath);
    const operation = template ? doc.paths[template][method.toLowerCase()] : undefined;
    if (!template || !operation) return [`${method} ${urlPath} is not an operation of the document`];
    if (res.status === 500) return [];
    const where = `${operation.operationId} ${res.status}`;
    let at = pointer('paths', template, method.toLowerCase(), 'responses', String(res.status));
    let response = operation.responses[String(res.status)];
    if (!response) return [`${where}: the status is not documented (${Object.keys(operation.responses).join(', ')})`];
    if (response.$ref) {
      const name = response.$ref.replace('#/components/responses/', '');
      at = pointer('components', 'responses', name);
      response = doc.components.responses[name];
    }
    // A redirect's body is Express's courtesy text for people; clients follow `Location`.
    if (res.status >= 300 && res.status < 400) return [];
    const mediaType = res.headers.get('content-type')?.split(';')[0].trim();
    if (!response.content) return mediaType && res.body !== '' ? [`${where}: a ${mediaType} body where none is documented`] : [];
    if (!mediaType) return [`${where}: no Content-Type (documented: ${Object.keys(response.content).join(', ')})`];
    if (!response.content[mediaType]) return [`${where}: ${mediaType} is not documented (${Object.keys(response.content).join(', ')})`];
    if (!/json$/.test(mediaType) || !response.content[mediaType].schema) return [];
    const validate = validator(`${at}${pointer('content', mediaType, 'schema')}`);
    if (validate(res.body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  return {
    isOperation,
    mismatches,
    /** Fails the test when the answer is not what the document says. */
    expectAnswer(method: string, urlPath: string, res: HttpResponse) {
      expect({ answer: `${method} ${urlPath} → ${res.status}`, mismatches: mismatches(method, urlPath, res) }).toEqual({
        answer: `${method} ${urlPath} → ${res.status}`,
        mismatches: [],
      });
    },
  };
}

export type OpenApiChecker = ReturnType<typeof openApiChecker>;

/**
 * A test client whose every answer is checked against the document (see `openApiChecker`): every request must be an
 * operation of it, or with `operationsOnly` the others (console pages, a path that does not exist) go unchecked.
 */
export function checkedClient<R extends (method: string, urlPath: string, ...rest: never[]) => Promise<HttpResponse>>(
  request: R,
  checker: OpenApiChecker,
  { operationsOnly = false } = {},
): R {
  return (async (method: string, urlPath: string, ...rest: never[]) => {
    const res = await request(method, urlPath, ...rest);
    if (!operationsOnly || checker.isOperation(method, urlPath)) checker.expectAnswer(method, urlPath, res);
    return res;
  }) as R;
}
