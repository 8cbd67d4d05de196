import { Router } from 'express';
import { TutorUnavailableError } from '../../services/tutor-model';
import { actorOf, requireRole } from '../../api/auth';
import { beginExchange, saveExchange, rethrowUnavailableAsProblem } from './tutor-exchange';
import type { ApiDeps } from '../../api/deps';
import { parse, problems } from '../../api/problems';
import { conversationMessages, findConversation } from './queries';
import { idParam } from '../../core/schemas';
import { tutorChatBody, conversationResponse, tutorConsentResponse, tutorReplyResponse } from './schemas';
import { giveTutorConsent, tutorConsentState, tutorProvider, withdrawTutorConsent } from './tutor-consent';
import { USER, json, jsonBody, withId, type Operation } from '../../api/openapi-operation';

export function tutorRoutes(deps: ApiDeps): Router {
  const { db, config, tutor } = deps;
  const router = Router();

  router.post('/api/ai-tutor/chat', requireRole('student'), async (req, res) => {
    const student = actorOf(req);
    const body = parse(tutorChatBody, req.body, 'body');
    if (!tutor) throw problems.unavailable('the AI tutor is not configured on this server (no model)');
    const { conversation, messages } = await beginExchange(deps, tutor, config.tutor, student, body);

    // A caller that goes away cancels the model request; nothing is saved then.
    const cancel = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) cancel.abort(new Error('the client went away'));
    });

    if (!/text\/event-stream/i.test(req.get('accept') ?? '')) {
      const answer = await tutor.complete(messages, { signal: cancel.signal }).catch(rethrowUnavailableAsProblem);
      await saveExchange(db, student.id, conversation, body.message, answer.text, answer.usage);
      res.json({ conversationId: conversation.id, reply: answer.text, usage: answer.usage });
      return;
    }

    // Server-sent events: the first chunk is awaited before the 200, so a model that fails at once is still a 503.
    const stream = tutor.stream(messages, { signal: cancel.signal });
    const chunks = stream[Symbol.asyncIterator]();
    const first = await chunks.next().catch(rethrowUnavailableAsProblem);
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
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
      send({
        type: 'error',
        detail:
          err instanceof TutorUnavailableError
            ? `${err.message}; nothing was saved, please ask again`
            : 'the answer could not be completed; nothing was saved, please ask again',
      });
    }
    res.end();
  });

  // The student's consent to sending their tutor messages to the model provider: read (with what is sent), given, withdrawn.
  router.get('/api/me/tutor-consent', requireRole('student'), async (req, res) => {
    res.json(await tutorConsentState(db, actorOf(req).id, tutorProvider(config.openai.baseUrl)));
  });
  router.put('/api/me/tutor-consent', requireRole('student'), async (req, res) => {
    await giveTutorConsent(db, actorOf(req).id);
    res.status(204).end();
  });
  router.delete('/api/me/tutor-consent', requireRole('student'), async (req, res) => {
    await withdrawTutorConsent(db, actorOf(req).id);
    res.status(204).end();
  });

  router.get('/api/ai-tutor/conversations/:conversationId', requireRole('student', 'admin'), async (req, res) => {
    const actor = actorOf(req);
    const { conversationId } = parse(idParam('conversationId'), req.params, 'path');
    const c = await findConversation(db, conversationId);
    if (!c || (actor.role === 'student' && c.student_id !== actor.id)) throw problems.notFound('conversation');
    const messages = await conversationMessages(db, c.id);
    res.json({
      conversationId: c.id,
      courseId: c.program_id,
      enrollmentId: c.enrollment_id,
      messages: messages.map((m) => ({ role: m.role, content: m.content, createdAt: m.created_at.toISOString() })),
    });
  });

  return router;
}

// ── What /openapi.json says of these routes (api/openapi-operation.ts) ──────────────────────────────────

export const tutorOperations: Operation[] = [
  {
    method: 'post',
    path: '/api/ai-tutor/chat',
    operationId: 'tutorChat',
    tag: 'AI tutor',
    summary: 'Ask the AI tutor',
    description:
      'About a program (`courseId`) or one of your enrollments (`enrollmentId`); continue with `conversationId`. With ' +
      '`Accept: text/event-stream`, server-sent events: `delta` … then `done` (or `error`). Only with the student’s ' +
      'consent (`PUT /api/me/tutor-consent`): without it, 409 and nothing reaches the model provider.',
    access: 'user',
    who: 'student',
    requestBody: jsonBody(tutorChatBody),
    idempotent: true,
    responses: {
      200: {
        description: 'The reply',
        content: {
          'application/json': { schema: tutorReplyResponse },
          'text/event-stream': { schema: { type: 'string', description: 'data: {"type":"delta","text":…} events' } },
        },
      },
    },
    problems: {
      ...withId,
      ...USER,
      409: 'No consent to sending tutor messages to the model provider (PUT /api/me/tutor-consent first): nothing was sent; or a request with the same Idempotency-Key still runs',
      429: 'Rate limit or daily token budget reached',
      503: 'No model configured, or the model failed (nothing saved)',
    },
  },
  {
    method: 'get',
    path: '/api/me/tutor-consent',
    operationId: 'getTutorConsent',
    tag: 'AI tutor',
    summary: 'Your consent to sending tutor messages to the model provider',
    description: 'Whether it is given, and the notice of what a question sends (what the widget shows before asking).',
    access: 'user',
    who: 'the student',
    responses: { 200: json('The consent and the notice', tutorConsentResponse) },
    problems: USER,
  },
  {
    method: 'put',
    path: '/api/me/tutor-consent',
    operationId: 'giveTutorConsent',
    tag: 'AI tutor',
    summary: 'Consent to sending tutor messages to the model provider',
    description: 'Recorded with the time and the notice’s version; consent already given is left as it is.',
    access: 'user',
    who: 'the student',
    idempotent: true,
    responses: { 204: { description: 'Consent recorded' } },
    problems: { 400: 'A malformed Idempotency-Key', ...USER },
  },
  {
    method: 'delete',
    path: '/api/me/tutor-consent',
    operationId: 'withdrawTutorConsent',
    tag: 'AI tutor',
    summary: 'Withdraw consent: the tutor sends nothing more',
    description: 'The consent record is kept, with when it was withdrawn; without consent, a question answers 409.',
    access: 'user',
    who: 'the student',
    idempotent: true,
    responses: { 204: { description: 'Withdrawn (or none was given)' } },
    problems: { 400: 'A malformed Idempotency-Key', ...USER },
  },
  {
    method: 'get',
    path: '/api/ai-tutor/conversations/{conversationId}',
    operationId: 'getConversation',
    tag: 'AI tutor',
    summary: 'A saved conversation',
    access: 'user',
    who: 'its student, admin',
    requestParams: { path: idParam('conversationId') },
    responses: { 200: json('The conversation', conversationResponse) },
    problems: { ...withId, ...USER },
  },
];
