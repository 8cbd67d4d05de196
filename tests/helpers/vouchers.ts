import { randomUUID } from 'node:crypto';
import type { Actor } from '../../api/auth';
import { httpClient, type System } from './system';

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
