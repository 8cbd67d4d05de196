/**
 * Histories recorded from earlier versions of the enrollment workflow replay on the current code: a change to the
 * order or kind of commands it issues (a reordered activity, a new timer, a renamed message) fails here, before it
 * could break the enrollments that are running in production.
 *
 * `RECORD_HISTORIES=1 npx jest tests/workflow.replay.test.ts` records the fixtures again on a dev server, with the
 * fake activities; record only from a version whose histories running workflows may have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type ReplayResult, Worker } from '@temporalio/worker';
import { enrollmentWorkflow } from '../workflows/enrollment';
import { PATCHES } from '../workflows/enrollment-entity';
import {
  approveSubmissionUpdate,
  enrollmentWorkflowId,
  launchUpdate,
  markCompleteUpdate,
  openEnrollmentUpdate,
  type PartnerCompletionCheck,
  paymentConfirmedSignal,
  rejectSubmissionUpdate,
  reportCompletionUpdate,
  submitEvidenceUpdate,
  withdrawUpdate,
} from '../workflows/messages';
import type { EnrollmentActivities } from '../activities';
import { coPaidRecord, fakeActivities, unusableVoucherRecord } from './helpers/fake-activities';
import {
  createDevServerEnv,
  createTestWorker,
  type EnrollmentHandle,
  startEnrollment,
  startPaidAndLaunched,
  waitForWorkflowStatus,
  workflowBundle,
} from './helpers/temporal';
import { evidenceSubmission, stripePayment, workflowInput } from './helpers/workflow-input';

const FIXTURES = path.join(__dirname, 'fixtures', 'histories');

// @temporalio/common's historyToJSON and historyFromJSON fail in this install: they load a second copy of protobufjs
// (npm did not dedupe it), whose `instanceof Type` refuses @temporalio/proto's types. The same protojson functions of
// @temporalio/proto's own copy write and read the proto3 JSON that other Temporal tools use for histories.
type History = proto.temporal.api.history.v1.IHistory;
const loadProtojson = async () =>
  (await import(require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] }))) as {
    toJson(type: unknown, message: unknown): unknown;
    fromJson(type: unknown, json: unknown): History;
  };
const protoRoot = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
const historyType = protoRoot.lookupType('temporal.api.history.v1.History');
const historyToJson = async (history: History) =>
  (await loadProtojson()).toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
const historyFromJson = async (json: unknown) => (await loadProtojson()).fromJson(historyType, json);
const DAY = 86_400_000;

/** The parts of a history's proto3 JSON that say which patches it took and which emails it sent, in order. */
interface HistoryJson {
  events: {
    markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  }[];
}
function patchesAndEmails(history: HistoryJson): { patches: string[]; emails: string[] } {
  const patches: string[] = [];
  const emails: string[] = [];
  for (const e of history.events) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_patch') {
      const data = marker.details?.['patch-data']?.payloads?.[0]?.data ?? '';
      patches.push((JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id);
    }
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity && /^send.*Email$/.test(activity)) emails.push(activity);
  }
  return { patches, emails };
}
const SUGGEST_CONTINUE_AS_NEW = 'limit.historyCount.suggestContinueAsNew';

/** One representative enrollment: the activities it runs with and what the test does to it until it ends. */
interface Scenario {
  overrides?: Partial<EnrollmentActivities>;
  /** A partner's completion API on its own task queue, for the polled scenario. */
  partner?: { taskQueue: string; answer(call: number): PartnerCompletionCheck | Error };
  play(client: Client, taskQueue: string): Promise<EnrollmentHandle>;
}

const evidence = () => evidenceSubmission({ fileKey: 'evidence/e.pdf' });

const ended = async (handle: EnrollmentHandle) => (await handle.result(), handle);

const POLLED_PARTNER = `partner-replay-${randomUUID()}`;
const CONTINUED_PARTNER = `partner-replay-${randomUUID()}`;

const SCENARIOS: Record<string, Scenario> = {
  'self-pay-upload-rejected-then-approved': {
    async play(client, taskQueue) {
      const input = workflowInput();
      const handle = await startPaidAndLaunched(client, taskQueue, input);
      const first = evidence();
      await handle.executeUpdate(submitEvidenceUpdate, { args: [first] });
      await handle.executeUpdate(rejectSubmissionUpdate, {
        args: [{ submissionId: first.submissionId, reviewerId: 'holder-1', reason: 'blurry' }],
      });
      const second = evidence();
      await handle.executeUpdate(submitEvidenceUpdate, { args: [second] });
      await handle.executeUpdate(approveSubmissionUpdate, { args: [{ submissionId: second.submissionId, reviewerId: 'holder-1' }] });
      return ended(handle);
    },
  },
  'voucher-marked-complete': {
    async play(client, taskQueue) {
      const handle = await startEnrollment(client, taskQueue, workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-REPLAY' }));
      await handle.executeUpdate(launchUpdate);
      await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: new Date().toISOString(), markedBy: 'holder-1' }] });
      return ended(handle);
    },
  },
  'co-paid-wrong-amount-then-due-amount': {
    overrides: { openEnrollmentRecord: coPaidRecord(10_000) },
    async play(client, taskQueue) {
      const input = workflowInput({ fundingSource: 'sponsor', voucherNumber: 'SP-REPLAY' });
      const handle = await startEnrollment(client, taskQueue, input);
      await handle.signal(paymentConfirmedSignal, stripePayment('cs_full', input.priceCents, input.currency));
      await handle.signal(paymentConfirmedSignal, stripePayment('cs_rest', input.priceCents - 10_000, input.currency));
      await waitForWorkflowStatus(handle, 'ready_to_launch');
      await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: new Date().toISOString(), markedBy: 'holder-1' }] });
      return ended(handle);
    },
  },
  'self-pay-withdrawn-after-launch': {
    async play(client, taskQueue) {
      const input = workflowInput({ refundAfterLaunchBps: 2_500 });
      const handle = await startPaidAndLaunched(client, taskQueue, input);
      await handle.executeUpdate(withdrawUpdate, { args: [{ requestedBy: 'student-1', reason: 'changed jobs' }] });
      return ended(handle);
    },
  },
  'self-pay-payment-expired': {
    async play(client, taskQueue) {
      return ended(await startEnrollment(client, taskQueue, workflowInput({ paymentWindowMs: 2_000 })));
    },
  },
  'voucher-reminded-then-deadline-expired': {
    async play(client, taskQueue) {
      // A reminder a second after the launch, the deadline four seconds after the start.
      const input = workflowInput({
        fundingSource: 'wioa_ita',
        voucherNumber: 'ITA-DEADLINE',
        nudgeDays: [1_000 / DAY],
        deadlineDays: 4_000 / DAY,
      });
      const handle = await startEnrollment(client, taskQueue, input);
      await handle.executeUpdate(launchUpdate);
      return ended(handle);
    },
  },
  'partner-poll-fails-then-completes': {
    partner: {
      taskQueue: POLLED_PARTNER,
      // Down for one poll (two attempts), then not yet, then done.
      answer: (call) =>
        call <= 2
          ? new Error('503 from partner')
          : call === 3
            ? { completed: false }
            : { completed: true, completedAt: new Date().toISOString(), score: 90 },
    },
    async play(client, taskQueue) {
      const handle = await startEnrollment(
        client,
        taskQueue,
        workflowInput({
          fundingSource: 'wioa_ita',
          voucherNumber: 'ITA-POLL',
          polling: { taskQueue: POLLED_PARTNER, intervalMs: 500, maxIntervalMs: 1_000 },
        }),
      );
      await handle.executeUpdate(launchUpdate);
      return ended(handle);
    },
  },
  'partner-polled-until-continued-as-new': {
    partner: { taskQueue: CONTINUED_PARTNER, answer: () => ({ completed: false }) },
    async play(client, taskQueue) {
      // A poll a millisecond after the last fills the run's history to the server's suggestion (see the recorder).
      const input = workflowInput({
        fundingSource: 'wioa_ita',
        voucherNumber: 'ITA-LONG',
        deadlineDays: 400,
        nudgeDays: [30],
        polling: { taskQueue: CONTINUED_PARTNER, intervalMs: 1, maxIntervalMs: 1_000 },
      });
      const handle = await startEnrollment(client, taskQueue, input);
      await handle.executeUpdate(launchUpdate);
      const latest = client.workflow.getHandle(handle.workflowId);
      const deadline = Date.now() + 50_000;
      while ((await latest.describe()).runId === handle.firstExecutionRunId) {
        if (Date.now() > deadline) throw new Error(`no continue-as-new after ${(await latest.describe()).historyLength} events`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await latest.terminate('recorded');
      return client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    },
  },
  'voucher-refused-at-opening': {
    overrides: { openEnrollmentRecord: unusableVoucherRecord },
    async play(client, taskQueue) {
      const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'NOPE' });
      const workflowId = enrollmentWorkflowId(input.enrollmentId);
      const handle = await client.workflow.start(enrollmentWorkflow, { taskQueue, workflowId, args: [input] });
      await handle.executeUpdate(openEnrollmentUpdate).catch(() => undefined);
      await handle.result().catch(() => undefined);
      return handle;
    },
  },
  // Recorded with the enrollment and payment emails (PATCHES in workflows/enrollment-entity.ts): their markers and
  // activities are in these histories, those above have neither.
  'self-pay-emailed-enrolled-and-paid-then-marked-complete': {
    async play(client, taskQueue) {
      const input = workflowInput();
      const handle = await startPaidAndLaunched(client, taskQueue, input);
      await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: new Date().toISOString(), markedBy: 'holder-1' }] });
      return ended(handle);
    },
  },
  'voucher-emailed-enrolled-then-marked-complete': {
    async play(client, taskQueue) {
      const handle = await startEnrollment(client, taskQueue, workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-EMAILED' }));
      await handle.executeUpdate(launchUpdate);
      await handle.executeUpdate(markCompleteUpdate, { args: [{ completedAt: new Date().toISOString(), markedBy: 'holder-1' }] });
      return ended(handle);
    },
  },
  // Recorded with PATCHES.refusalCompletes: the refused opening completes the workflow as refused (before: failed it,
  // as 'voucher-refused-at-opening' still replays).
  'voucher-refused-at-opening-completes': {
    overrides: { openEnrollmentRecord: unusableVoucherRecord },
    async play(client, taskQueue) {
      // As the API opens it (update-with-start), so the refusal answering the opening update is in the history.
      const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'NOPE-AGAIN' });
      const startWorkflowOperation = new WithStartWorkflowOperation(enrollmentWorkflow, {
        taskQueue,
        workflowId: enrollmentWorkflowId(input.enrollmentId),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      await client.workflow.executeUpdateWithStart(openEnrollmentUpdate, { startWorkflowOperation }).catch(() => undefined);
      const handle = await startWorkflowOperation.workflowHandle();
      await handle.result();
      return handle;
    },
  },
  'continued-run-completed-by-partner-push': {
    async play(client, taskQueue) {
      // What a run that continued as new carries: paid and launched a day ago, waiting for completion.
      const dayAgo = new Date(Date.now() - DAY).toISOString();
      const input = workflowInput({ fundingSource: 'wioa_ita', voucherNumber: 'ITA-CARRIED', deadlineDays: 90, nudgeDays: [7] });
      input.carried = {
        state: {
          enrollmentId: input.enrollmentId,
          status: 'in_progress',
          fundingSource: 'wioa_ita',
          currency: 'usd',
          voucherCents: 14_900,
          amountDueCents: 0,
          paidAt: dayAgo,
          amountCents: 14_900,
          launchedAt: dayAgo,
          launchUrl: 'https://partner.test/launch',
          submissions: [],
          history: [
            { status: 'ready_to_launch', at: dayAgo },
            { status: 'in_progress', at: dayAgo },
          ],
        },
        waitStartedAt: dayAgo,
        nudgesSent: [],
      };
      const handle = await startEnrollment(client, taskQueue, input);
      await handle.executeUpdate(reportCompletionUpdate, {
        args: [{ method: 'partner_push', reportId: 'push-1', completedAt: new Date().toISOString(), reportedBy: 'partner:demo' }],
      });
      return ended(handle);
    },
  },
};

if (process.env.RECORD_HISTORIES) {
  describe('recording the fixtures on a dev server', () => {
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      // The server suggests continuing as new after 200 events (not thousands), so a continued run records in seconds.
      env = await createDevServerEnv(['--dynamic-config-value', `${SUGGEST_CONTINUE_AS_NEW}=200`]);
    });
    afterAll(() => env?.teardown());

    test.each(Object.keys(SCENARIOS))(
      '%s',
      async (name) => {
        const scenario = SCENARIOS[name];
        const { worker, taskQueue } = await createTestWorker(env, fakeActivities(scenario.overrides).activities);
        const { partner } = scenario;
        let calls = 0;
        const partnerWorker =
          partner &&
          (await Worker.create({
            connection: env.nativeConnection,
            taskQueue: partner.taskQueue,
            workflowBundle,
            activities: {
              checkPartnerCompletion(): Promise<PartnerCompletionCheck> {
                const answer = partner.answer(++calls);
                return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
              },
            },
          }));
        const play = () => scenario.play(env.client, taskQueue);
        const handle = await worker.runUntil(partnerWorker ? partnerWorker.runUntil(play) : play);
        fs.mkdirSync(FIXTURES, { recursive: true });
        const json = JSON.stringify(await historyToJson(await handle.fetchHistory()), null, 1);
        fs.writeFileSync(path.join(FIXTURES, `${name}.json`), `${json}\n`);
      },
      60_000,
    );
  });
} else {
  describe('recorded histories replay on the current workflow code', () => {
    const results = new Map<string, ReplayResult>();
    beforeAll(async () => {
      const histories = await Promise.all(
        Object.keys(SCENARIOS).map(async (name) => ({
          workflowId: name,
          history: await historyFromJson(JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'))),
        })),
      );
      for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'enrollment-fixtures' }, histories)) {
        results.set(result.workflowId, result);
      }
    });

    test.each(Object.keys(SCENARIOS))('%s', (name) => {
      expect(results.get(name)).toBeDefined();
      expect(results.get(name)!.error).toBeUndefined();
    });

    test('histories from before each patch have no marker (and no student email); those recorded since have theirs', () => {
      const since: Record<string, { patches: string[]; emails: string[] }> = {
        'self-pay-emailed-enrolled-and-paid-then-marked-complete': {
          patches: [PATCHES.enrolledEmail, PATCHES.paymentReceivedEmail],
          emails: ['sendEnrolledEmail', 'sendPaymentReceivedEmail', 'sendCompletionEmail'],
        },
        'voucher-emailed-enrolled-then-marked-complete': {
          patches: [PATCHES.enrolledEmail],
          emails: ['sendEnrolledEmail', 'sendCompletionEmail'],
        },
        'voucher-refused-at-opening-completes': { patches: [PATCHES.refusalCompletes], emails: [] },
      };
      for (const name of Object.keys(SCENARIOS)) {
        const seen = patchesAndEmails(JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as HistoryJson);
        if (since[name]) expect({ name, ...seen }).toEqual({ name, ...since[name] });
        else {
          expect({ name, patches: seen.patches }).toEqual({ name, patches: [] });
          expect(seen.emails).not.toContain('sendEnrolledEmail');
          expect(seen.emails).not.toContain('sendPaymentReceivedEmail');
        }
      }
    });

    test('every fixture is a scenario here, so none is kept without being replayed', () => {
      const files = fs
        .readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.replace(/\.json$/, ''));
      expect(files.sort()).toEqual(Object.keys(SCENARIOS).sort());
    });
  });
}
