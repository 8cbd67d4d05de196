import { randomUUID } from 'node:crypto';
import type { Actor } from '../../core/actor';
import type { ApiApp, Session as ApiSession } from './api-app';
import type { OpenedEnrollment } from './contract';
import { httpClient, type Session, type System, waitForStatus } from './system';

/**
 * Registers a voucher for a student as a funder would (admin, over HTTP) and answers the body of a funded enrollment
 * request that uses it. The voucher covers the price unless `amountCents` says less.
 */
export async function fundedEnrollmentBody(
  system: Pick<System, 'baseUrl' | 'token'>,
  student: Pick<Actor, 'id'>,
  programId: string,
  o: { fundingSource?: 'wioa_ita' | 'sponsor'; amountCents?: number; number?: string; organizationId?: string } = {},
) {
  const fundingSource = o.fundingSource ?? 'wioa_ita';
  const voucherNumber = o.number ?? `${fundingSource === 'wioa_ita' ? 'ITA' : 'SP'}-${randomUUID().slice(0, 8)}`;
  const admin = await system.token('admin', { id: 'voucher-issuing-admin' });
  const res = await httpClient(system.baseUrl)('POST', '/api/vouchers', {
    token: admin.token,
    json: {
      number: voucherNumber,
      fundingSource,
      studentId: student.id,
      amountCents: o.amountCents ?? 1_000_000,
      currency: 'usd',
      expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      organizationId: o.organizationId ?? 'test-workforce-board',
    },
  });
  if (res.status !== 201) throw new Error(`the voucher could not be issued: ${res.status} ${JSON.stringify(res.body)}`);
  return { programId, fundingSource, voucherNumber };
}

/** A new student's voucher-funded enrollment in `programId`, opened over HTTP (201) and ready to launch in the read model. */
export async function openFundedEnrollment(
  system: Pick<System, 'baseUrl' | 'token'>,
  programId: string,
): Promise<{ id: string; student: Session }> {
  const student = await system.token('student');
  const res = await httpClient(system.baseUrl)<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: await fundedEnrollmentBody(system, student.actor, programId),
  });
  expect(res.status).toBe(201);
  const id: string = res.body.enrollmentId;
  await waitForStatus(system, student.token, id, 'ready_to_launch');
  return { id, student };
}

/** The student launches the enrollment (302, to the partner) and it is in_progress in the read model: its view then. */
export async function launchEnrollment(system: Pick<System, 'baseUrl'>, student: Pick<Session, 'token'>, id: string) {
  expect((await httpClient(system.baseUrl)('GET', `/api/enrollments/${id}/launch`, { token: student.token })).status).toBe(302);
  return waitForStatus(system, student.token, id, 'in_progress');
}

/**
 * In the in-process API: a WIOA voucher `funder` issues `student` (an admin's, for the test workforce board), and the
 * student's enrollment in `programId` it pays for in full.
 */
export async function voucherFundedEnrollment(app: Pick<ApiApp, 'request'>, funder: ApiSession, student: ApiSession, programId: string) {
  const number = `ITA-${randomUUID().slice(0, 8)}`;
  const voucher = await app.request<{ id: string }>('POST', '/api/vouchers', {
    token: funder.token,
    json: {
      number,
      fundingSource: 'wioa_ita',
      studentId: student.actor.id,
      amountCents: 1_000_000,
      currency: 'usd',
      expiresOn: '2099-12-31',
      ...(funder.actor.role === 'admin' && { organizationId: 'test-workforce-board' }),
    },
  });
  expect(voucher.status).toBe(201);
  const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId, fundingSource: 'wioa_ita', voucherNumber: number },
  });
  expect(opened.status).toBe(201);
  return { voucherId: voucher.body.id, enrollmentId: opened.body.enrollmentId };
}
