import { randomUUID } from 'node:crypto';
import { type Response, Router } from 'express';
import { type Db, inTransaction } from '../../db/pool';
import { type TutorMessage, type TutorUsage, TutorUnavailableError } from '../../services/tutor-model';
import { actorOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpProblem, parse, problems } from '../problems';
import { findEnrollment } from '../read-model/enrollments';
import { idParam, tutorChatBody } from '../schemas';
import { loadEnrollmentFacts, loadProgramFacts, systemPrompt, trimHistory } from '../tutor-context';

const tooMany = (detail: string) => new HttpProblem(429, 'too-many-requests', 'Too many requests', detail);

interface Conversation {
  id: string;
  programId: string;
  enrollmentId: string | null;
  isNew: boolean;
}

/** The program and enrollment a question is about, and its conversation; 404 for anything not the student's. */
async function resolveConversation(db: Db, studentId: string, body: { courseId?: string; enrollmentId?: string; conversationId?: string }): Promise<Conversation> {
  let programId: string;
  let enrollmentId: string | null = null;
  if (body.enrollmentId) {
    const e = await findEnrollment(db, body.enrollmentId);
    if (!e || e.student_id !== studentId) throw problems.notFound('enrollment');
    if (body.courseId && body.courseId !== e.program_id) throw problems.badRequest('the enrollment is not in this course', { errors: [{ field: 'body.courseId', message: 'does not match the enrollment' }] });
    programId = e.program_id;
    enrollmentId = e.id;
  } else {
    const { rowCount } = await db.query('SELECT 1 FROM programs WHERE id = $1', [body.courseId]);
    if (!rowCount) throw problems.notFound(`course ${body.courseId}`);
    programId = body.courseId!;
    // The student's newest enrollment in the course, if any, gives the tutor its state.
    const { rows } = await db.query('SELECT id FROM enrollments WHERE student_id = $1 AND program_id = $2 ORDER BY created_at DESC LIMIT 1', [studentId, programId]);
    enrollmentId = rows[0]?.id ?? null;
  }
  if (!body.conversationId) return { id: randomUUID(), programId, enrollmentId, isNew: true };
  const { rows } = await db.query('SELECT id, student_id, program_id, enrollment_id FROM tutor_conversations WHERE id = $1', [body.conversationId]);
  const c = rows[0];
  if (!c || c.student_id !== studentId) throw problems.notFound('conversation');
  if (c.program_id !== programId || (body.enrollmentId && c.enrollment_id && c.enrollment_id !== body.enrollmentId)) {
    throw problems.badRequest('this conversation is about another course or enrollment; start a new one', { errors: [{ field: 'body.conversationId', message: 'belongs to another course or enrollment' }] });
  }
  return { id: c.id, programId, enrollmentId: c.enrollment_id ?? enrollmentId, isNew: false };
}

/** A fixed one-minute window per student; every request counts. */
async function checkRate(db: Db, res: Response, studentId: string, perMinute: number) {
  const { rows } = await db.query(
    `INSERT INTO tutor_rate_windows (student_id, window_start, requests) VALUES ($1, date_trunc('minute', now()), 1)
     ON CONFLICT (student_id, window_start) DO UPDATE SET requests = tutor_rate_windows.requests + 1
     RETURNING requests, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int AS retry_after`,
    [studentId],
  );
  if (rows[0].requests > perMinute) {
    const retryAfter = Math.max(1, rows[0].retry_after);
    res.set('Retry-After', String(retryAfter));
    throw tooMany(`you can ask the tutor ${perMinute} questions a minute; try again in ${retryAfter} s`);
  }
  // Old windows are of no use; clear this student's now and then.
  if (Math.random() < 0.05) await db.query(`DELETE FROM tutor_rate_windows WHERE student_id = $1 AND window_start < now() - interval '1 hour'`, [studentId]);
}

async function checkBudget(db: Db, res: Response, studentId: string, dailyTokens: number) {
  const { rows } = await db.query(
    `SELECT coalesce((SELECT tokens FROM tutor_usage WHERE student_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date), 0) AS tokens,
            ceil(extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day' - (now() AT TIME ZONE 'UTC')))::int AS retry_after`,
    [studentId],
  );
  if (rows[0].tokens >= dailyTokens) {
    res.set('Retry-After', String(Math.max(1, rows[0].retry_after)));
    throw tooMany(`you have used today's tutor budget of ${dailyTokens} tokens; it renews at midnight UTC`);
  }
}

/** The question and the answer together, with the usage, in one transaction: an exchange is saved whole or not at all. */
async function saveExchange(db: Db, studentId: string, c: Conversation, question: string, reply: string, usage: TutorUsage) {
  await inTransaction(db, async (client) => {
    if (c.isNew) {
      await client.query('INSERT INTO tutor_conversations (id, student_id, program_id, enrollment_id) VALUES ($1, $2, $3, $4)', [c.id, studentId, c.programId, c.enrollmentId]);
    } else {
      await client.query('UPDATE tutor_conversations SET updated_at = now() WHERE id = $1', [c.id]);
    }
    await client.query(`INSERT INTO tutor_messages (conversation_id, role, content, created_at) VALUES ($1, 'user', $2, clock_timestamp())`, [c.id, question]);
    await client.query(
      `INSERT INTO tutor_messages (conversation_id, role, content, prompt_tokens, completion_tokens, created_at) VALUES ($1, 'assistant', $2, $3, $4, clock_timestamp())`,
      [c.id, reply, usage.promptTokens, usage.completionTokens]);
    await client.query(
      `INSERT INTO tutor_usage (student_id, day, requests, tokens) VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 1, $2)
       ON CONFLICT (student_id, day) DO UPDATE SET requests = tutor_usage.requests + 1, tokens = tutor_usage.tokens + $2`,
      [studentId, usage.promptTokens + usage.completionTokens]);
  });
}

const toProblem = (err: unknown) => (err instanceof TutorUnavailableError ? problems.unavailable(`${err.message}; please try again in a moment`) : err);

export function tutorRoutes({ db, enrollments, config, tutor }: ApiDeps): Router {
  const router = Router();

  router.post('/api/ai-tutor/chat', requireRole('student'), async (req, res) => {
    const student = actorOf(req);
    const body = parse(tutorChatBody, req.body, 'body');
    if (!tutor) throw problems.unavailable('the AI tutor is not configured on this server (no model)');
    const conversation = await resolveConversation(db, student.id, body);
    await checkRate(db, res, student.id, config.tutor.ratePerMinute);
    await checkBudget(db, res, student.id, config.tutor.dailyTokens);

    const moderation = await tutor.moderate(body.message).catch((err) => Promise.reject(toProblem(err)));
    if (moderation?.flagged) {
      throw problems.badRequest('your message was flagged by moderation and was not sent to the tutor; please rephrase it', {
        errors: [{ field: 'body.message', message: `flagged: ${moderation.categories.join(', ') || 'unsafe content'}` }],
      });
    }

    const [program, facts, history] = await Promise.all([
      loadProgramFacts(db, conversation.programId),
      conversation.enrollmentId ? loadEnrollmentFacts(db, enrollments, conversation.enrollmentId) : undefined,
      conversation.isNew
        ? Promise.resolve({ rows: [] as TutorMessage[] })
        : db.query<TutorMessage>('SELECT role, content FROM tutor_messages WHERE conversation_id = $1 ORDER BY id', [conversation.id]),
    ]);
    if (!program) throw problems.notFound('course');
    const messages: TutorMessage[] = [
      { role: 'system', content: systemPrompt(program, facts) },
      ...trimHistory(history.rows.map((m) => ({ role: m.role, content: m.content })), config.tutor.historyTokens),
      { role: 'user', content: body.message },
    ];

    // A caller that goes away cancels the model request; nothing is saved then.
    const cancel = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) cancel.abort(new Error('the client went away'));
    });

    if (!/text\/event-stream/i.test(req.get('accept') ?? '')) {
      const answer = await tutor.complete(messages, { signal: cancel.signal }).catch((err) => Promise.reject(toProblem(err)));
      await saveExchange(db, student.id, conversation, body.message, answer.text, answer.usage);
      res.json({ conversationId: conversation.id, reply: answer.text, usage: answer.usage });
      return;
    }

    // Server-sent events: the first chunk is awaited before the 200, so a model that fails at once is still a 503.
    const stream = tutor.stream(messages, { signal: cancel.signal });
    const chunks = stream[Symbol.asyncIterator]();
    let first: IteratorResult<string>;
    try {
      first = await chunks.next();
    } catch (err) {
      throw toProblem(err);
    }
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    res.flushHeaders();
    const send = (event: object) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    let reply = '';
    try {
      for (let next = first; !next.done; next = await chunks.next()) {
        reply += next.value;
        send({ type: 'delta', text: next.value });
      }
      await saveExchange(db, student.id, conversation, body.message, reply, stream.usage ?? { promptTokens: 0, completionTokens: 0 });
      send({ type: 'done', conversationId: conversation.id, reply, usage: stream.usage });
    } catch (err) {
      if (!(err instanceof TutorUnavailableError)) console.error('[api] tutor stream failed:', err);
      send({ type: 'error', detail: err instanceof TutorUnavailableError ? `${err.message}; nothing was saved, please ask again` : 'the answer could not be completed; nothing was saved, please ask again' });
    }
    res.end();
  });

  router.get('/api/ai-tutor/conversations/:conversationId', requireRole('student', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const { conversationId } = parse(idParam('conversationId'), req.params, 'path');
    const { rows } = await db.query('SELECT id, student_id, program_id, enrollment_id FROM tutor_conversations WHERE id = $1', [conversationId]);
    const c = rows[0];
    if (!c || (actor.role === 'student' && c.student_id !== actor.id)) throw problems.notFound('conversation');
    const messages = await db.query('SELECT role, content, created_at FROM tutor_messages WHERE conversation_id = $1 ORDER BY id', [c.id]);
    res.json({
      conversationId: c.id,
      courseId: c.program_id,
      enrollmentId: c.enrollment_id,
      messages: messages.rows.map((m) => ({ role: m.role, content: m.content, createdAt: m.created_at.toISOString() })),
    });
  });

  return router;
}
