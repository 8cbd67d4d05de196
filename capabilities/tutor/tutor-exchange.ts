import { randomUUID } from 'node:crypto';
import { type Db, inTransaction } from '../../db/pool';
import { type TutorMessage, type TutorModel, type TutorUsage, TutorUnavailableError } from '../../services/tutor-model';
import { type EnrollmentFacts, systemPrompt, trimHistory } from '../../services/tutor-prompt';
import type { EnrollmentState } from '../../workflows/messages';
import type { Actor } from '../../core/actor';
import type { EnrollmentClient } from '../../core/enrollment-client';
import { refuse } from '../../core/refusals';
import { findEnrollment } from '../enrollments/queries';
import { requireTutorConsent } from './tutor-consent';
import {
  conversationMessages,
  enrollmentFactsFromReadModel,
  findConversation,
  latestSubmissions,
  loadProgramFacts,
  newestEnrollmentIn,
  programExists,
} from './queries';

type Deps = { db: Db; enrollments: EnrollmentClient };
type Limits = { ratePerMinute: number; dailyTokens: number; historyTokens: number };

const tooMany = (detail: string, retryAfter: number) => refuse.tooManyRequests(detail, retryAfter);

/** A model that cannot answer now is an unavailable Refusal (the caller may ask again); anything else is left as it is. */
export const unavailableAsProblem = (err: unknown) =>
  err instanceof TutorUnavailableError ? refuse.unavailable(`${err.message}; please try again in a moment`) : err;

/** For a promise's `catch`: rejects with `unavailableAsProblem(err)`. */
export const rethrowUnavailableAsProblem = (err: unknown): never => {
  throw unavailableAsProblem(err);
};

export interface Conversation {
  id: string;
  programId: string;
  enrollmentId: string | null;
  isNew: boolean;
}

/**
 * The start of a tutor exchange, before the model is asked: the student's consent (409 without it, before anything
 * else: not even moderation may see the message), the conversation (404 for anything not the student's),
 * the student's rate limit and daily token budget (429), moderation (400 when flagged), and the prompt: what the
 * tutor knows of the course and the enrollment, the conversation so far, and the question.
 */
export async function beginExchange(
  deps: Deps,
  tutor: TutorModel,
  limits: Limits,
  student: Actor,
  body: { message: string; courseId?: string; enrollmentId?: string; conversationId?: string },
) {
  const { db } = deps;
  await requireTutorConsent(db, student.id);
  const conversation = await resolveConversation(db, student.id, body);
  await checkRate(db, student.id, limits.ratePerMinute);
  await checkBudget(db, student.id, limits.dailyTokens);

  const moderation = await tutor.moderate(body.message).catch(rethrowUnavailableAsProblem);
  if (moderation?.flagged) {
    throw refuse.invalid('your message was flagged by moderation and was not sent to the tutor; please rephrase it', [
      { field: 'body.message', message: `flagged: ${moderation.categories.join(', ') || 'unsafe content'}` },
    ]);
  }

  const [program, facts, history] = await Promise.all([
    loadProgramFacts(db, conversation.programId),
    conversation.enrollmentId ? loadEnrollmentFacts(deps, conversation.enrollmentId) : undefined,
    conversation.isNew ? [] : conversationMessages(db, conversation.id),
  ]);
  if (!program) throw refuse.notFound('course');
  const messages: TutorMessage[] = [
    { role: 'system', content: systemPrompt(program, facts) },
    ...trimHistory(
      history.map((m) => ({ role: m.role, content: m.content })),
      limits.historyTokens,
    ),
    { role: 'user', content: body.message },
  ];
  return { conversation, messages };
}

/** The program and enrollment a question is about, and its conversation; 404 for anything not the student's. */
async function resolveConversation(
  db: Db,
  studentId: string,
  body: { courseId?: string; enrollmentId?: string; conversationId?: string },
): Promise<Conversation> {
  let programId: string;
  let enrollmentId: string | null;
  if (body.enrollmentId) {
    const e = await findEnrollment(db, body.enrollmentId);
    if (!e || e.student_id !== studentId) throw refuse.notFound('enrollment');
    if (body.courseId && body.courseId !== e.program_id)
      throw refuse.invalid('the enrollment is not in this course', [{ field: 'body.courseId', message: 'does not match the enrollment' }]);
    programId = e.program_id;
    enrollmentId = e.id;
  } else {
    if (!(await programExists(db, body.courseId!))) throw refuse.notFound(`course ${body.courseId}`);
    programId = body.courseId!;
    // The student's newest enrollment in the course, if any, gives the tutor its state.
    enrollmentId = await newestEnrollmentIn(db, studentId, programId);
  }
  if (!body.conversationId) return { id: randomUUID(), programId, enrollmentId, isNew: true };
  const c = await findConversation(db, body.conversationId);
  if (!c || c.student_id !== studentId) throw refuse.notFound('conversation');
  if (c.program_id !== programId || (body.enrollmentId && c.enrollment_id && c.enrollment_id !== body.enrollmentId)) {
    throw refuse.invalid('this conversation is about another course or enrollment; start a new one', [
      { field: 'body.conversationId', message: 'belongs to another course or enrollment' },
    ]);
  }
  return { id: c.id, programId, enrollmentId: c.enrollment_id ?? enrollmentId, isNew: false };
}

/** A student's request count in the current minute, and the seconds until the next minute. */
interface RateWindowRow {
  requests: number;
  retry_after: number;
}

/** A fixed one-minute window per student; every request counts. */
async function checkRate(db: Db, studentId: string, perMinute: number) {
  const { rows } = await db.query<RateWindowRow>(
    `INSERT INTO tutor_rate_windows (student_id, window_start, requests) VALUES ($1, date_trunc('minute', now()), 1)
     ON CONFLICT (student_id, window_start) DO UPDATE SET requests = tutor_rate_windows.requests + 1
     RETURNING requests, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int AS retry_after`,
    [studentId],
  );
  if (rows[0].requests > perMinute) {
    const retryAfter = Math.max(1, rows[0].retry_after);
    throw tooMany(`you can ask the tutor ${perMinute} questions a minute; try again in ${retryAfter} s`, retryAfter);
  }
  // Old windows are of no use; clear this student's now and then.
  if (Math.random() < 0.05)
    await db.query(`DELETE FROM tutor_rate_windows WHERE student_id = $1 AND window_start < now() - interval '1 hour'`, [studentId]);
}

/** The tokens a student used today (UTC), and the seconds until midnight UTC. */
interface DailyUsageRow {
  tokens: number;
  retry_after: number;
}

async function checkBudget(db: Db, studentId: string, dailyTokens: number) {
  const { rows } = await db.query<DailyUsageRow>(
    `SELECT coalesce((SELECT tokens FROM tutor_usage WHERE student_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date), 0) AS tokens,
            ceil(extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day'
                                    - (now() AT TIME ZONE 'UTC')))::int AS retry_after`,
    [studentId],
  );
  if (rows[0].tokens >= dailyTokens) {
    throw tooMany(
      `you have used today's tutor budget of ${dailyTokens} tokens; it renews at midnight UTC`,
      Math.max(1, rows[0].retry_after),
    );
  }
}

/** The question and the answer together, with the usage, in one transaction: an exchange is saved whole or not at all. */
export async function saveExchange(db: Db, studentId: string, c: Conversation, question: string, reply: string, usage: TutorUsage) {
  await inTransaction(db, async (client) => {
    if (c.isNew) {
      await client.query('INSERT INTO tutor_conversations (id, student_id, program_id, enrollment_id) VALUES ($1, $2, $3, $4)', [
        c.id,
        studentId,
        c.programId,
        c.enrollmentId,
      ]);
    } else {
      await client.query('UPDATE tutor_conversations SET updated_at = now() WHERE id = $1', [c.id]);
    }
    await client.query(
      `INSERT INTO tutor_messages (conversation_id, role, content, created_at) VALUES ($1, 'user', $2, clock_timestamp())`,
      [c.id, question],
    );
    await client.query(
      `INSERT INTO tutor_messages (conversation_id, role, content, prompt_tokens, completion_tokens, created_at)
       VALUES ($1, 'assistant', $2, $3, $4, clock_timestamp())`,
      [c.id, reply, usage.promptTokens, usage.completionTokens],
    );
    await client.query(
      `INSERT INTO tutor_usage (student_id, day, requests, tokens) VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 1, $2)
       ON CONFLICT (student_id, day) DO UPDATE SET requests = tutor_usage.requests + 1, tokens = tutor_usage.tokens + $2`,
      [studentId, usage.promptTokens + usage.completionTokens],
    );
  });
}

function fromState(state: EnrollmentState): EnrollmentFacts {
  const { pending, rejected } = latestSubmissions(state.submissions);
  return {
    status: state.status,
    launchedAt: state.launchedAt,
    completedAt: state.completedAt,
    deadlineAt: state.deadlineAt,
    pendingSince: pending?.submittedAt,
    lastRejection: rejected?.reason ? { reason: rejected.reason } : undefined,
    source: 'workflow',
  };
}

/** The live state from the workflow's status query (bounded wait); the read model when the workflow does not answer. */
async function loadEnrollmentFacts({ db, enrollments }: Deps, enrollmentId: string, waitMs = 5_000): Promise<EnrollmentFacts | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const state = await Promise.race([
      enrollments.status(enrollmentId),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('status query timed out')), waitMs))),
    ]);
    return fromState(state);
  } catch {
    return enrollmentFactsFromReadModel(db, enrollmentId);
  } finally {
    clearTimeout(timer);
  }
}
