import type { Created } from './contract';
import type { httpClient } from './system';

/** The fields of `POST /api/programs` a test names; the others are those of programBody. */
export type ProgramFields = { title: string; holderId: string } & Record<string, unknown>;

/**
 * The body of `POST /api/programs` for a program of the tests: unless `fields` say otherwise an nrf course (no
 * completion API, so no partner poll completes an enrollment behind a test's back), 50 dollars, shared 20/60/20
 * (platform, holder, partner), an occupational certificate, a year to complete.
 */
export function programBody(fields: ProgramFields) {
  return {
    partnerId: 'nrf',
    priceCents: 5000,
    currency: 'usd',
    revenueShare: { platformBps: 2000, holderBps: 6000, partnerBps: 2000 },
    credentialType: 'occupational_certificate',
    deadlineDays: 365,
    ...fields,
  };
}

/** Creates the program of programBody(fields) as an admin over HTTP (201) and answers its id. */
export async function createTestProgram(
  request: ReturnType<typeof httpClient>,
  adminToken: string,
  fields: ProgramFields,
): Promise<string> {
  const res = await request<Created>('POST', '/api/programs', { token: adminToken, json: programBody(fields) });
  expect(res.status).toBe(201);
  return res.body.id;
}
