import type { HttpResponse } from './system';

export type Res = HttpResponse;

/** The `errors` list of a validation problem, when the body has one. */
const errorsOf = (body: unknown): unknown => (typeof body === 'object' && body !== null && 'errors' in body ? body.errors : undefined);

/** The exact status, an RFC 9457 body, and (for validation failures) an `errors` entry for each named field. */
export function expectProblem(res: Res, status: number, fields: string[] = []) {
  const summary = `${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, summary }).toEqual({ status, summary });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
  expect(res.body).toEqual(
    expect.objectContaining<Record<string, unknown>>({
      type: expect.stringMatching(/\S/),
      title: expect.stringMatching(/\S/),
      status,
      detail: expect.stringMatching(/\S/),
    }),
  );
  if (fields.length) {
    const errors = errorsOf(res.body);
    expect(Array.isArray(errors)).toBe(true);
    const list = (Array.isArray(errors) ? errors : []) as { field: string; message: string }[];
    const named = list.map((e) => e.field);
    for (const field of fields) expect(named).toContain(field);
    for (const e of list) expect(e.message).toEqual(expect.stringMatching(/\S/));
  }
}
