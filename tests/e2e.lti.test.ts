/**
 * LTI 1.3 over the running system (Temporal dev server, worker and API as processes): a hand-built LTI tool
 * (tests/helpers/lti-tool.ts) plays the partner. The student's launch goes through the tool's login to a verified
 * id_token; the tool gets its own AGS token and posts a Completed + FullyGraded score; the real workflow closes the
 * enrollment with completion method lti_ags, and a second score is kept as evidence without a second certificate.
 */
import { randomUUID } from 'node:crypto';
import type { EnrollmentState } from './helpers/contract';
import { type LtiTool, startLtiTool } from './helpers/lti-tool';
import { createTestProgram } from './helpers/programs';
import { httpClient, type Session, startSystem, type System, waitForStatus } from './helpers/system';
import { openFundedEnrollment } from './helpers/vouchers';

const AGS = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';

let system: System;
let request: ReturnType<typeof httpClient>;
let admin: Session;
let tool: LtiTool;
let programId: string;

beforeAll(async () => {
  system = await startSystem();
  request = httpClient(system.baseUrl);
  admin = await system.token('admin');
  const holder = await system.token('program_holder');
  tool = await startLtiTool(system.baseUrl);
  programId = await createTestProgram(request, admin.token, {
    title: `LTI ${randomUUID().slice(0, 6)}`,
    partnerId: 'milady',
    holderId: holder.actor.id,
  });
  expect((await request('POST', '/api/partners/milady/lti-tools', { token: admin.token, json: tool.registration })).status).toBe(201);
}, 180_000);
afterAll(async () => {
  await tool?.close();
  await system?.stop();
}, 60_000);

test('launch by LTI, a score through AGS, and the enrollment closes as lti_ags (once)', async () => {
  const { id, student } = await openFundedEnrollment(system, programId);
  // The student's launch: to the tool's login, on to our authorization endpoint, and the form posted to the tool.
  const launch = await request('GET', `/api/enrollments/${id}/launch`, { token: student.token });
  expect(launch.status).toBe(302);
  const login = await fetch(launch.headers.get('location')!, { redirect: 'manual' });
  expect(login.status).toBe(302);
  const html = await (await fetch(login.headers.get('location')!)).text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  const atTool = await fetch(tool.registration.targetLinkUri, {
    method: 'POST',
    body: new URLSearchParams({ id_token: field('id_token'), state: field('state') }),
  });
  expect(atTool.status).toBe(200);
  const { claims } = (await atTool.json()) as { claims: Record<string, unknown> };
  await waitForStatus(system, student.token, id, 'in_progress');

  const lineItem = (claims[AGS] as { lineitem: string }).lineitem;
  const token = await tool.accessToken();
  const score = (scoreGiven: number, at: Date) => ({
    userId: claims.sub,
    scoreGiven,
    scoreMaximum: 100,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: at.toISOString(),
  });
  expect(await tool.postScore(lineItem, token, score(91, new Date()))).toEqual({
    status: 200,
    body: { outcome: 'applied', status: expect.stringMatching(/^(completed|closed)$/) as unknown },
  });
  const closed: EnrollmentState = await waitForStatus(system, student.token, id, 'closed');
  expect(closed.completionMethod).toBe('lti_ags');
  expect(closed.certificate).not.toBeNull();

  const again = await tool.postScore(lineItem, token, score(97, new Date(Date.now() + 1000)));
  expect(again).toEqual({ status: 200, body: { outcome: 'already_complete', status: 'closed' } });
  const view = await request<EnrollmentState>('GET', `/api/enrollments/${id}`, { token: student.token });
  expect(view.body.completionEvidence.map((e) => [e.method, e.outcome, e.score])).toEqual([
    ['lti_ags', 'applied', 91],
    ['lti_ags', 'already_complete', 97],
  ]);
  const { rows } = await system.db.query<{ n: number }>('SELECT count(*)::int AS n FROM certificates WHERE enrollment_id = $1', [id]);
  expect(rows[0].n).toBe(1);
}, 120_000);
