/**
 * The API's door to Temporal, faked for API tests (orders-go's `shipment/api_test.go` level): every call is recorded,
 * and answered as the workflow would answer it. Opening an enrollment runs the workflow's real first steps (the
 * record-writing activity, the simulated checkout, the first status projection), so the database rules (one open
 * enrollment per program, one enrollment per voucher, the voucher checks) answer as they do in production.
 * A test changes one method's answer with `on`, or makes it fail as Temporal would with `refuse`.
 */
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { EnrollmentActivities } from '../../activities';
import { createEnrollmentClient, type EnrollmentClient } from '../../core/enrollment-client';
import type { EnrollmentState } from '../../workflows/messages';

export type EnrollmentMethod = keyof EnrollmentClient;

/**
 * What the real client throws when Temporal fails a call with `err` (an update's ApplicationFailure, a workflow that
 * is gone, an outage): its own mapping, reached through a stand-in Temporal client whose every call fails so.
 */
export async function mappedByRealClient(err: Error): Promise<unknown> {
  const failing = () => Promise.reject(err);
  const temporal = {
    workflow: { getHandle: () => ({ query: failing, executeUpdate: failing, signal: failing }), executeUpdateWithStart: failing },
  } as unknown as Client;
  return createEnrollmentClient(temporal, 'fake')
    .status('mapped')
    .then(
      () => new Error('the stand-in Temporal client answered instead of failing'),
      (mapped: unknown) => mapped,
    );
}

/** An update refused by the workflow (its validator or handler threw `ApplicationFailure.nonRetryable(message, type)`). */
export const refusedUpdate = (message: string, type: string, details?: Record<string, unknown>) =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(message, type, ...(details ? [details] : [])));

export type FakeEnrollmentClient = EnrollmentClient & {
  calls: { method: EnrollmentMethod; args: unknown[] }[];
  /** The arguments of each call of `method`, in order. */
  callsOf(method: EnrollmentMethod): unknown[][];
  /** Answers `method` with `impl` from now on (until `reset`). */
  on<M extends EnrollmentMethod>(method: M, impl: EnrollmentClient[M]): void;
  /** `method` fails from now on as the real client fails when Temporal fails the call with `temporalError`. */
  refuse(method: EnrollmentMethod, temporalError: Error): void;
  /** Forgets the calls and the answers set with `on` and `refuse`. */
  reset(): void;
};

/** The client's methods as plain functions (the fake's answers never use `this`). */
type Answers = { [M in EnrollmentMethod]: (this: void, ...args: Parameters<EnrollmentClient[M]>) => ReturnType<EnrollmentClient[M]> };

type Records = Pick<EnrollmentActivities, 'openEnrollmentRecord' | 'openCheckout' | 'recordEnrollmentStatus'>;

export function createFakeEnrollmentClient(records: Records): FakeEnrollmentClient {
  const now = () => new Date().toISOString();
  /** The workflow's live view, as the updates answer it; ids and facts only. */
  const state = (enrollmentId: string, patch: Partial<EnrollmentState>): EnrollmentState => ({
    enrollmentId,
    status: 'in_progress',
    fundingSource: 'self_pay',
    currency: 'usd',
    submissions: [],
    history: [],
    ...patch,
  });

  const answers: Answers = {
    async start(input) {
      const opened = await records
        .openEnrollmentRecord({
          enrollmentId: input.enrollmentId,
          programId: input.programId,
          studentId: input.studentId,
          fundingSource: input.fundingSource,
          voucherNumber: input.voucherNumber,
          priceCents: input.priceCents,
          currency: input.currency,
          openedAt: now(),
        })
        .catch(async (err: unknown) => {
          // The activity's refusal is the opening update's failure.
          throw err instanceof ApplicationFailure
            ? await mappedByRealClient(new WorkflowUpdateFailedError('Workflow Update failed', err))
            : err;
        });
      const checkout =
        opened.status === 'pending_payment'
          ? await records.openCheckout({
              enrollmentId: input.enrollmentId,
              amountCents: opened.amountDueCents,
              currency: input.currency,
              expiresAt: new Date(Date.now() + input.paymentWindowMs).toISOString(),
            })
          : undefined;
      const at = now();
      await records.recordEnrollmentStatus({
        enrollmentId: input.enrollmentId,
        seq: 1,
        status: opened.status,
        at,
        checkoutUrl: checkout?.checkoutUrl,
        paidAt: opened.status === 'ready_to_launch' ? at : undefined,
      });
      return { status: opened.status, checkoutUrl: checkout?.checkoutUrl, amountDueCents: opened.amountDueCents };
    },
    confirmPayment: () => Promise.resolve(undefined),
    launch: (enrollmentId) =>
      Promise.resolve({ launchUrl: `https://partner.example/launch?registration=${enrollmentId}`, launchedAt: now() }),
    submitEvidence: (_enrollmentId, s) =>
      Promise.resolve({ id: s.submissionId, status: 'pending', completedAt: s.completedAt, submittedAt: now() }),
    approve: (enrollmentId) =>
      Promise.resolve(state(enrollmentId, { status: 'completed', completedAt: now(), completionMethod: 'student_upload' })),
    reject: (enrollmentId) => Promise.resolve(state(enrollmentId, { status: 'in_progress' })),
    markComplete: (enrollmentId, mark) =>
      Promise.resolve(state(enrollmentId, { status: 'completed', completedAt: mark.completedAt, completionMethod: 'manual' })),
    reportCompletion: () => Promise.resolve({ outcome: 'applied', status: 'completed' }),
    withdraw: () => Promise.resolve({ status: 'withdrawn', refundCents: 0, currency: 'usd' }),
    status: (enrollmentId) => Promise.resolve(state(enrollmentId, {})),
  };

  const calls: FakeEnrollmentClient['calls'] = [];
  let overrides: Partial<Record<EnrollmentMethod, (...args: never[]) => Promise<unknown>>> = {};
  const client = Object.fromEntries(
    (Object.keys(answers) as EnrollmentMethod[]).map((method) => [
      method,
      (...args: unknown[]) => {
        calls.push({ method, args });
        const impl = (overrides[method] ?? answers[method]) as (...a: unknown[]) => Promise<unknown>;
        return impl(...args);
      },
    ]),
  ) as EnrollmentClient;

  return Object.assign(client, {
    calls,
    callsOf: (method: EnrollmentMethod) => calls.filter((c) => c.method === method).map((c) => c.args),
    on<M extends EnrollmentMethod>(method: M, impl: EnrollmentClient[M]) {
      overrides[method] = impl;
    },
    refuse(method: EnrollmentMethod, temporalError: Error) {
      overrides[method] = async () => {
        throw await mappedByRealClient(temporalError);
      };
    },
    reset() {
      calls.length = 0;
      overrides = {};
    },
  });
}
