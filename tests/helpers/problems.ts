import type { httpClient } from './system';

export type Res = Awaited<ReturnType<ReturnType<typeof httpClient>>>;

/** The exact status, an RFC 9457 body, and (for validation failures) an `errors` entry for each named field. */
export function expectProblem(res: Res, status: number, fields: string[] = []) {
  const summary = `${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, summary }).toEqual({ status, summary });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/\S/),
      title: expect.stringMatching(/\S/),
      status,
      detail: expect.stringMatching(/\S/),
    }),
  );
  if (fields.length) {
    expect(Array.isArray(res.body.errors)).toBe(true);
    const named = (res.body.errors as { field: string; message: string }[]).map((e) => e.field);
    for (const field of fields) expect(named).toContain(field);
    for (const e of res.body.errors) expect(e.message).toEqual(expect.stringMatching(/\S/));
  }
}
