import { randomUUID } from 'node:crypto';
import type { EnrollmentWorkflowInput } from '../../workflows/messages';

export function workflowInput(overrides: Partial<EnrollmentWorkflowInput> = {}): EnrollmentWorkflowInput {
  return {
    enrollmentId: randomUUID(),
    programId: randomUUID(),
    partnerId: 'demo',
    studentId: randomUUID(),
    fundingSource: 'self_pay',
    priceCents: 14_900,
    currency: 'usd',
    paymentWindowMs: 72 * 3_600_000,
    ...overrides,
  };
}
