/**
 * The wait for completion: it ends at the first completion, a withdrawal or the program's deadline; meanwhile the
 * partner is asked on a durable timer (backing off while it fails), the student is reminded on the program's
 * schedule, and a long wait continues as new so each run's history stays small.
 */
import { condition, workflowInfo } from '@temporalio/workflow';
import { partnerApi, viaTaskQueue } from './activity-proxies';
import { applyReport, completionDateProblemNow } from './enrollment-completion';
import type { Enrollment } from './enrollment-entity';
import type { EnrollmentStatus } from './messages';

const DAY_MS = 86_400_000;
/** A run continues as new well before this many events, so even a year of daily polls keeps each history small. */
const CONTINUE_AS_NEW_AFTER_EVENTS = 1_000;
/** Statuses in which the partner is asked whether the student finished (the course has been launched). */
const POLLED_STATUSES: readonly EnrollmentStatus[] = ['in_progress', 'awaiting_review'];

export type WaitOutcome = 'completed' | 'withdrawn' | 'expired' | 'continue';

export async function awaitCompletion(enrollment: Enrollment): Promise<WaitOutcome> {
  const wait = new CompletionWait(enrollment);
  for (;;) {
    if (enrollment.withdrawal) return 'withdrawn';
    if (enrollment.completion) return 'completed';
    const now = Date.now();
    if (wait.deadlinePassed(now)) {
      await enrollment.expire();
      return 'expired';
    }
    const reminder = wait.takeDueReminder(now);
    if (reminder !== undefined) {
      // A student whose evidence waits for review has done their part: no reminder.
      if (enrollment.state.status !== 'awaiting_review') {
        await viaTaskQueue.sendNudgeEmail({ enrollmentId: enrollment.enrollmentId, day: reminder });
      }
      continue;
    }
    if (wait.partnerCheckDue(now)) {
      await wait.askPartner();
      continue;
    }
    if (continueAsNewDue()) {
      await enrollment.settle();
      if (!enrollment.completion && !enrollment.withdrawal) return 'continue';
      continue;
    }
    await wait.untilNextEvent();
  }
}

const continueAsNewDue = () => {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= CONTINUE_AS_NEW_AFTER_EVENTS;
};

/** The deadline, reminders and partner checks of one run's wait; what must outlive the run is kept in the enrollment. */
class CompletionWait {
  private readonly deadlineAt: number | undefined;
  private readonly nudgeDays: number[];
  private readonly startedAt: number;
  private readonly partner: ReturnType<typeof partnerApi> | undefined;

  constructor(private readonly enrollment: Enrollment) {
    const { input, state } = enrollment;
    this.startedAt = enrollment.waitStartedAt ??= Date.now();
    this.deadlineAt = input.deadlineDays ? this.startedAt + input.deadlineDays * DAY_MS : undefined;
    if (this.deadlineAt !== undefined) state.deadlineAt = new Date(this.deadlineAt).toISOString();
    this.nudgeDays = [...(input.nudgeDays ?? [])].sort((a, b) => a - b);
    this.partner = input.polling && partnerApi(input.polling);
  }

  deadlinePassed(now: number): boolean {
    return this.deadlineAt !== undefined && now >= this.deadlineAt;
  }

  // ── reminders ───────────────────────────────────────────────────────────────────────────────────────

  /** Reminders count from the launch (from the start of the wait while the student has not launched yet). */
  private nudgeAt(day: number): number {
    const { launchedAt } = this.enrollment.state;
    return (launchedAt ? Date.parse(launchedAt) : this.startedAt) + day * DAY_MS;
  }

  private get unsentNudgeDays(): number[] {
    return this.nudgeDays.filter((day) => !this.enrollment.nudgesSent.has(day));
  }

  /** The day of a reminder that is due, counted as sent from now on; undefined when none is due. */
  takeDueReminder(now: number): number | undefined {
    const due = this.unsentNudgeDays.find((day) => this.nudgeAt(day) <= now);
    if (due !== undefined) this.enrollment.nudgesSent.add(due);
    return due;
  }

  // ── partner polling ─────────────────────────────────────────────────────────────────────────────────

  private polling(): boolean {
    return this.partner !== undefined && POLLED_STATUSES.includes(this.enrollment.state.status);
  }

  /** Whether the partner is to be asked now; the first check is one interval after polling begins. */
  partnerCheckDue(now: number): boolean {
    if (!this.polling()) return false;
    this.enrollment.nextPollAt ??= now + this.enrollment.pollIntervalMs!;
    return now >= this.enrollment.nextPollAt;
  }

  async askPartner(): Promise<void> {
    const { enrollment } = this;
    const polling = enrollment.input.polling!;
    try {
      const check = await this.partner!.checkPartnerCompletion({ enrollmentId: enrollment.enrollmentId });
      // A date the enrollment cannot have is an unreadable answer: never applied, asked again later.
      const dateProblem = check.completed ? completionDateProblemNow(enrollment, check.completedAt) : undefined;
      if (dateProblem) throw new Error(`the partner's answer is unreadable: ${dateProblem}`);
      enrollment.pollIntervalMs = polling.intervalMs;
      if (check.completed && !enrollment.completion && !enrollment.withdrawal) {
        await applyReport(enrollment, {
          method: 'partner_api',
          reportId: `poll:${check.completedAt}`,
          completedAt: check.completedAt,
          reportedBy: `partner:${enrollment.input.partnerId}`,
          score: check.score,
        });
      }
    } catch {
      // A partner that is down or answers garbage delays completion; it never fails the enrollment.
      enrollment.pollIntervalMs = Math.min(enrollment.pollIntervalMs! * 2, polling.maxIntervalMs);
    }
    enrollment.nextPollAt = Date.now() + enrollment.pollIntervalMs;
  }

  // ── sleeping until something changes ────────────────────────────────────────────────────────────────

  /** Sleeps until the next deadline, reminder or partner check, a completion or withdrawal, or polling starts or stops. */
  async untilNextEvent(): Promise<void> {
    const { enrollment } = this;
    const wakeAt = Math.min(
      this.deadlineAt ?? Infinity,
      ...this.unsentNudgeDays.map((day) => this.nudgeAt(day)),
      this.polling() ? enrollment.nextPollAt! : Infinity,
    );
    this.describe();
    const polledBefore = this.polling();
    const wake = () => enrollment.completion !== undefined || enrollment.withdrawal !== undefined || this.polling() !== polledBefore;
    if (wakeAt === Infinity) await condition(wake);
    else await condition(wake, Math.max(1, wakeAt - Date.now()));
  }

  /** The Web UI's details of the wait: the deadline, the next partner check and the next reminder. */
  private describe(): void {
    const { enrollment } = this;
    const nextNudge = this.unsentNudgeDays[0];
    enrollment.waitingUntil = [
      this.deadlineAt !== undefined ? `Deadline ${new Date(this.deadlineAt).toISOString()}.` : '',
      this.polling() ? `Next partner check ${new Date(enrollment.nextPollAt!).toISOString()}.` : '',
      nextNudge !== undefined ? `Next reminder (day ${nextNudge}) ${new Date(this.nudgeAt(nextNudge)).toISOString()}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    enrollment.describe();
  }
}
