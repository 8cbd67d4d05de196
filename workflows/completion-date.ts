/**
 * The one rule for a completion's date, from every channel: not before the enrollment's launch (before its start,
 * when nothing was launched yet), and not in the future. Pure and deterministic (no I/O, the clock is passed in), so
 * the workflow's validators, the API's early checks and the tests all import this same function.
 */

/** Clocks disagree (the partner's, the student's browser, ours): an instant this close to a bound still counts. */
export const COMPLETION_CLOCK_TOLERANCE_MS = 5 * 60_000;

const HOUR_MS = 3_600_000;
/**
 * A calendar day without a time zone is some day somewhere on Earth: it begins at UTC+14 (14 h before 00:00 UTC)
 * and ends at UTC−12 (36 h after). A student who launched at 18:00 in California (02:00 UTC the next day) and
 * writes that day's date must not be told the course was not launched yet.
 */
const DAY_STARTS_BEFORE_UTC_MS = 14 * HOUR_MS;
const DAY_ENDS_AFTER_UTC_MS = 36 * HOUR_MS;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
/**
 * The API keeps a date-only `completedAt` as that day's 00:00 UTC (api/schemas.ts), and the workflow sees only that;
 * so midnight UTC is read as the calendar day it stands for. A true instant at exactly midnight UTC is then judged
 * as its day: more lenient by at most a day, never wrongly refused.
 */
const MIDNIGHT_UTC = /^(\d{4}-\d{2}-\d{2})T00:00(:00(\.0{1,9})?)?(Z|[+-]00:?00)$/i;

export interface CompletionDateBounds {
  /** When the student launched the course (ISO), if they did. */
  launchedAt?: string;
  /** When the enrollment started (ISO): the bound for channels that need no launch (a holder's mark before launch). */
  startedAt?: string;
  /** The current time in ms: the workflow's own clock in the workflow, the machine's in the API. */
  now: number;
}

/** A completedAt as the span of instants it may mean: one instant, or a calendar day anywhere on Earth. */
function spanOf(completedAt: string): { from: number; to: number; shown: string } | undefined {
  const day = DATE_ONLY.exec(completedAt)?.[0] ?? MIDNIGHT_UTC.exec(completedAt)?.[1];
  if (day) {
    const midnight = Date.parse(`${day}T00:00:00Z`);
    // Date.parse rolls 2026-02-30 over to March; a day that does not exist is not a date.
    if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) return undefined;
    return { from: midnight - DAY_STARTS_BEFORE_UTC_MS, to: midnight + DAY_ENDS_AFTER_UTC_MS, shown: day };
  }
  if (!ISO_INSTANT.test(completedAt)) return undefined;
  const at = Date.parse(completedAt);
  return Number.isNaN(at) ? undefined : { from: at, to: at, shown: new Date(at).toISOString() };
}

/** An instant as people read it in a message: 2026-03-04 10:15 UTC. */
const readable = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Why `completedAt` cannot be this enrollment's completion date, or undefined when it can. `completedAt` is an ISO
 * 8601 calendar date (2026-11-24) or date-time with a zone; anything else is a problem too (a partner's unreadable
 * answer). Leave out `launchedAt` and `startedAt` to check only that it is not in the future (the API, at parse time).
 */
export function completionDateProblem(completedAt: string, bounds: CompletionDateBounds): string | undefined {
  const span = spanOf(completedAt);
  if (!span) return `completedAt ${JSON.stringify(completedAt.slice(0, 80))} is not an ISO 8601 date or date-time with a time zone`;
  if (span.from > bounds.now + COMPLETION_CLOCK_TOLERANCE_MS)
    return `completedAt ${span.shown} is in the future (it is now ${readable(bounds.now)})`;
  const [bound, what] =
    bounds.launchedAt !== undefined
      ? [bounds.launchedAt, 'the course was launched']
      : bounds.startedAt !== undefined
        ? [bounds.startedAt, 'the enrollment started']
        : [undefined, ''];
  const boundMs = bound === undefined ? NaN : Date.parse(bound);
  if (!Number.isNaN(boundMs) && span.to < boundMs - COMPLETION_CLOCK_TOLERANCE_MS) {
    return `completedAt ${span.shown} is before ${what} on ${readable(boundMs)}`;
  }
  return undefined;
}
