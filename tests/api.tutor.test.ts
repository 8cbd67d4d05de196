/**
 * The AI tutor against the real system (Temporal dev server, worker and API as processes, a fresh database) with
 * an OpenAI-compatible stand-in on loopback in place of the provider: the context the model gets (program, live
 * enrollment state, the last rejection reason; never the student's email, name or ids), history saved and replayed,
 * plain and streamed answers, the guardrails (rate limit, daily budget, moderation, provider errors and timeouts
 * that save nothing) and bad input. A second system without OPENAI_API_KEY answers 503. Nothing reaches the model
 * without the student's recorded consent (issue 23): every student here consents first, and the consent tests check
 * that a question without it is refused and the stand-in receives nothing.
 */
import { createNotificationActivities } from '../activities/notifications';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../db/seed';
import { createLocalFileStore } from '../services/file-store';
import { createSmtpMailer } from '../services/mailer';
import type { PaymentProvider } from '../services/payment-provider';
import { createOpenAiTutorModel } from '../services/tutor-model';
import type { OpenedEnrollment, Problem, SubmissionAccepted, TutorConsent, TutorReply } from './helpers/contract';
import { startOpenAiStandIn, type OpenAiStandIn } from './helpers/openai-stand-in';
import { sleep } from './helpers/eventually';
import { expectProblem } from './helpers/problems';
import {
  evidenceForm,
  httpClient,
  type HttpResponse,
  samplePdf,
  startSystem,
  type System,
  waitForStatus,
  type Session,
} from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

const DEMO = SEEDED_PROGRAMS.find((p) => p.id === '8a6f0d5e-2b1c-4e7a-9c3d-1f2e3d4c5b04')!;
const OTHER = SEEDED_PROGRAMS.find((p) => p.id !== DEMO.id)!;
const REJECTION = 'The certificate photo is blurry: the completion date cannot be read';

let system: System;
let model: OpenAiStandIn;
let request: ReturnType<typeof httpClient>;
let student: Session;
let enrollmentId: string;

/** An event of the tutor's stream: `delta` (text), then `done` (the conversation and the whole reply) or `error`. */
interface TutorEvent {
  type: string;
  text?: string;
  conversationId?: string;
  reply?: string;
  detail?: string;
}

/** A saved conversation as `GET /api/ai-tutor/conversations/:id` answers it. */
interface SavedConversation {
  conversationId: string;
  courseId: string;
  enrollmentId: string | null;
  messages: { role: string; content: string; createdAt: string }[];
}

/** A chat-completion request as the stand-in recorded it (the fields of OpenAI's API these tests read). */
interface SentChat {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** A moderation request as the stand-in recorded it. */
interface SentModeration {
  input: string;
}

/** Records the student's consent to sending their tutor messages to the model provider (the widget's button). */
async function consent(session: Session): Promise<Session> {
  expect((await request('PUT', '/api/me/tutor-consent', { token: session.token })).status).toBe(204);
  return session;
}
/** A new student who has consented. */
const consentingStudent = async () => consent(await system.token('student'));

const countMessages = async () => Number((await system.db.query<{ n: number }>('SELECT count(*) AS n FROM tutor_messages')).rows[0].n);

/** A chat request; with `stream`, the server-sent events parsed. The body is what the caller names (JSON or text). */
async function chat<Body = unknown>(token: string, json: object, stream = false): Promise<HttpResponse<Body> & { events: TutorEvent[] }> {
  const res = await fetch(`${system.baseUrl}/api/ai-tutor/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(stream && { accept: 'text/event-stream' }) },
    body: JSON.stringify(json),
  });
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    const text = await res.text();
    const events = text
      .split('\n\n')
      .filter((b) => b.startsWith('data: '))
      .map((b) => JSON.parse(b.slice(6)) as TutorEvent);
    return { status: res.status, headers: res.headers, body: undefined as Body, events };
  }
  const body: unknown = type.includes('json') ? await res.json() : await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: body as Body,
    events: [],
  };
}

beforeAll(async () => {
  model = await startOpenAiStandIn();
  system = await startSystem({
    env: { OPENAI_API_KEY: 'sk-test-stand-in', OPENAI_BASE_URL: model.baseUrl, OPENAI_MODEL: 'stand-in-model', TUTOR_TIMEOUT: '1s' },
  });
  request = httpClient(system.baseUrl);

  // A sponsored enrollment, launched, evidence uploaded and rejected with a reason: back to in_progress.
  student = await consent(await system.token('student', { name: 'Rosalind Quimby', email: 'rosalind.quimby@example.com' }));
  const holder = await system.token('program_holder', { id: DEMO_HOLDER_ID });
  const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: await fundedEnrollmentBody(system, student.actor, DEMO.id, { fundingSource: 'sponsor' }),
  });
  expect(created.status).toBe(201);
  enrollmentId = created.body.enrollmentId;
  await waitForStatus(system, student.token, enrollmentId, 'ready_to_launch');
  expect((await request('GET', `/api/enrollments/${enrollmentId}/launch`, { token: student.token })).status).toBe(302);
  const upload = await request<SubmissionAccepted>('POST', `/api/enrollments/${enrollmentId}/completion-submissions`, {
    token: student.token,
    body: evidenceForm(await samplePdf(), 'cert.pdf', new Date().toISOString().slice(0, 10)),
  });
  expect(upload.status).toBe(202);
  await waitForStatus(system, student.token, enrollmentId, 'awaiting_review');
  const rejected = await request('POST', `/api/program-holder/submissions/${upload.body.submissionId}/reject`, {
    token: holder.token,
    json: { reason: REJECTION },
  });
  expect(rejected.status).toBe(200);
  await waitForStatus(system, student.token, enrollmentId, 'in_progress');
}, 180_000);
afterAll(async () => {
  await system?.stop();
  await model?.close();
}, 60_000);
beforeEach(() => model.reset());

test('the model gets the program and the live enrollment state, and no personal data; the exchange is saved', async () => {
  const res = await chat<TutorReply>(student.token, { enrollmentId, message: '  Why is my course not marked complete?  ' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    conversationId: expect.any(String) as unknown,
    reply: 'Tutor says: you asked "Why is my course not marked complete?". Keep going, you are doing well!',
    usage: { promptTokens: expect.any(Number) as unknown, completionTokens: expect.any(Number) as unknown },
  });
  const sent = model.chats().at(-1) as SentChat;
  expect(sent.model).toBe('stand-in-model');
  const system_ = sent.messages[0];
  expect(system_.role).toBe('system');
  expect(system_.content).toContain(DEMO.title);
  expect(system_.content).toContain('Enrollment status: in_progress');
  expect(system_.content).toContain(REJECTION);
  expect(system_.content).toMatch(/launched the course today/);
  expect(system_.content).toMatch(/The deadline to complete is \d{4}-\d{2}-\d{2}/);
  expect(sent.messages.at(-1)).toEqual({ role: 'user', content: 'Why is my course not marked complete?' });
  const everything = JSON.stringify(sent);
  for (const secret of ['Rosalind', 'Quimby', 'rosalind.quimby@example.com', student.actor.id, enrollmentId])
    expect(everything).not.toContain(secret);
  // Moderation ran on the question before the model was asked.
  const moderated = model.requests.filter((r) => r.path === '/v1/moderations').at(-1)?.body as SentModeration | undefined;
  expect(moderated?.input).toBe('Why is my course not marked complete?');

  const saved = await request<SavedConversation>('GET', `/api/ai-tutor/conversations/${res.body.conversationId}`, {
    token: student.token,
  });
  expect(saved.status).toBe(200);
  expect(saved.body).toEqual({
    conversationId: res.body.conversationId,
    courseId: DEMO.id,
    enrollmentId,
    messages: [
      { role: 'user', content: 'Why is my course not marked complete?', createdAt: expect.any(String) as unknown },
      { role: 'assistant', content: res.body.reply, createdAt: expect.any(String) as unknown },
    ],
  });
});

test('a streamed second turn: deltas then done, the history replayed to the model, saved after the stream', async () => {
  const first = await chat<TutorReply>(student.token, { courseId: DEMO.id, message: 'What does this course lead to?' });
  expect(first.status).toBe(200);
  const { conversationId } = first.body;

  const second = await chat(student.token, { courseId: DEMO.id, conversationId, message: 'And what should I do next?' }, true);
  expect(second.status).toBe(200);
  expect(second.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const deltas = second.events.filter((e) => e.type === 'delta');
  expect(deltas.length).toBeGreaterThan(3);
  const done = second.events.at(-1)!;
  expect(done).toEqual(expect.objectContaining({ type: 'done', conversationId, reply: deltas.map((d) => d.text).join('') }));
  expect(done.reply).toContain('And what should I do next?');

  const sent = model.chats().at(-1) as SentChat;
  expect(sent.stream).toBe(true);
  expect(sent.stream_options).toEqual({ include_usage: true });
  // The course's enrollment gives the context; the first turn is replayed before the new question.
  expect(sent.messages[0].content).toContain(REJECTION);
  expect(sent.messages.slice(1)).toEqual([
    { role: 'user', content: 'What does this course lead to?' },
    { role: 'assistant', content: first.body.reply },
    { role: 'user', content: 'And what should I do next?' },
  ]);
  const saved = await request<SavedConversation>('GET', `/api/ai-tutor/conversations/${conversationId}`, { token: student.token });
  expect(saved.body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
    ['user', 'What does this course lead to?'],
    ['assistant', first.body.reply],
    ['user', 'And what should I do next?'],
    ['assistant', done.reply],
  ]);

  // Admins may read it; another student or a program holder may not.
  expect(
    (await request('GET', `/api/ai-tutor/conversations/${conversationId}`, { token: (await system.token('admin')).token })).status,
  ).toBe(200);
  expectProblem(
    await request('GET', `/api/ai-tutor/conversations/${conversationId}`, { token: (await system.token('student')).token }),
    404,
  );
  expectProblem(
    await request('GET', `/api/ai-tutor/conversations/${conversationId}`, { token: (await system.token('program_holder')).token }),
    403,
  );
  // Another student cannot continue it either, and it cannot move to another course.
  expectProblem(await chat((await consentingStudent()).token, { courseId: DEMO.id, conversationId, message: 'hi' }), 404);
  expectProblem(await chat(student.token, { courseId: OTHER.id, conversationId, message: 'hi' }), 400, ['body.conversationId']);
});

test('long histories are trimmed to the newest turns that fit the budget', async () => {
  const other = await consentingStudent();
  model.state.reply = () => 'x'.repeat(4000); // ≈ 1000 tokens an answer
  let conversationId: string | undefined;
  for (let i = 1; i <= 4; i++) {
    const res = await chat<TutorReply>(other.token, { courseId: OTHER.id, conversationId, message: `question ${i}` });
    expect(res.status).toBe(200);
    conversationId = res.body.conversationId;
  }
  const sent = model.chats().at(-1) as SentChat;
  // 3 earlier exchanges ≈ 3000+ tokens: the oldest one no longer fits the 3000-token history budget.
  expect(sent.messages.map((m: { role: string; content: string }) => (m.role === 'user' ? m.content : m.role))).toEqual([
    'system',
    'question 2',
    'assistant',
    'question 3',
    'assistant',
    'question 4',
  ]);
  expect(sent.messages[0].content).toContain('no enrollment in this program');
});

test('provider failures and timeouts answer 503 and save nothing, plain or streamed', async () => {
  const other = await consentingStudent();
  const before = await countMessages();

  model.state.failWith500 = true;
  const failed = await chat<Problem>(other.token, { courseId: DEMO.id, message: 'hello?' });
  expectProblem(failed, 503);
  expect(failed.body.detail).toMatch(/tutor model failed/);
  expectProblem(await chat(other.token, { courseId: DEMO.id, message: 'hello?' }, true), 503);

  model.reset();
  model.state.delayMs = 4_000;
  const started = Date.now();
  const slow = await chat<Problem>(other.token, { courseId: DEMO.id, message: 'hello?' });
  expectProblem(slow, 503);
  expect(slow.body.detail).toMatch(/did not answer in time|timed out/);
  expect(Date.now() - started).toBeLessThan(4_000 * 2);

  // A stream that breaks after it started: an error event, and still nothing saved.
  model.reset();
  model.state.breakMidStream = true;
  const broken = await chat(other.token, { courseId: DEMO.id, message: 'hello?' }, true);
  expect(broken.status).toBe(200);
  expect(broken.events[0]).toEqual({ type: 'delta', text: expect.any(String) as unknown });
  expect(broken.events.at(-1)).toEqual({ type: 'error', detail: expect.stringMatching(/nothing was saved/) as unknown });
  expect(broken.events.some((e) => e.type === 'done')).toBe(false);

  expect(await countMessages()).toBe(before);
  expect((await system.db.query('SELECT * FROM tutor_conversations WHERE student_id = $1', [other.actor.id])).rowCount).toBe(0);
  expect((await system.db.query('SELECT * FROM tutor_usage WHERE student_id = $1', [other.actor.id])).rowCount).toBe(0);
});

test('moderation: a flagged question is refused with 400 and never reaches the model; a server without moderation still answers', async () => {
  const other = await consentingStudent();
  model.state.moderation = 'flagged';
  const chatsBefore = model.chats().length;
  const flagged = await chat<Problem>(other.token, { courseId: DEMO.id, message: 'something nasty' });
  expectProblem(flagged, 400, ['body.message']);
  expect(flagged.body.detail).toMatch(/flagged by moderation/);
  expect(model.chats().length).toBe(chatsBefore);

  model.state.moderation = 'missing';
  expect((await chat(other.token, { courseId: DEMO.id, message: 'a normal question' })).status).toBe(200);
});

test('the rate limit per student per minute: the 11th request is a 429 with Retry-After', async () => {
  const other = await consentingStudent();
  // Stay inside one minute window.
  if (new Date().getSeconds() > 45) await sleep((61 - new Date().getSeconds()) * 1000);
  for (let i = 0; i < 10; i++) expect((await chat(other.token, { courseId: DEMO.id, message: `q${i}` })).status).toBe(200);
  const limited = await chat<Problem>(other.token, { courseId: DEMO.id, message: 'one more' });
  expectProblem(limited, 429);
  expect(limited.body.detail).toMatch(/10 questions a minute/);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  // Another student is not affected.
  expect((await chat((await consentingStudent()).token, { courseId: DEMO.id, message: 'hi' })).status).toBe(200);
}, 120_000);

test('the daily token budget: once used up, 429 until tomorrow', async () => {
  const other = await consentingStudent();
  model.state.usage = { prompt_tokens: 15_000, completion_tokens: 6_000 };
  expect((await chat(other.token, { courseId: DEMO.id, message: 'a long one' })).status).toBe(200);
  const usage = await system.db.query('SELECT requests, tokens FROM tutor_usage WHERE student_id = $1', [other.actor.id]);
  expect(usage.rows).toEqual([{ requests: 1, tokens: 21_000 }]);
  const over = await chat<Problem>(other.token, { courseId: DEMO.id, message: 'and another' }, true);
  expectProblem(over, 429);
  expect(over.body.detail).toMatch(/today's tutor budget of 20000 tokens/);
  expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
});

test('bad input: clear 4xx problems', async () => {
  const other = await consentingStudent();
  expectProblem(await chat(student.token, { enrollmentId, message: '   ' }), 400, ['body.message']);
  expectProblem(await chat(student.token, { enrollmentId, message: 'x'.repeat(4001) }), 400, ['body.message']);
  expectProblem(await chat(student.token, { message: 'hello' }), 400, ['body.courseId']);
  expectProblem(await chat(student.token, { courseId: 'not-a-uuid', message: 'hello' }), 400, ['body.courseId']);
  expectProblem(await chat(student.token, { enrollmentId, conversationId: 'nope', message: 'hello' }), 400, ['body.conversationId']);
  expectProblem(await chat(student.token, { courseId: '00000000-0000-4000-8000-000000000000', message: 'hello' }), 404);
  expectProblem(await chat(student.token, { enrollmentId: '00000000-0000-4000-8000-000000000000', message: 'hello' }), 404);
  expectProblem(await chat(other.token, { enrollmentId, message: 'whose is this?' }), 404);
  expectProblem(await chat(student.token, { enrollmentId, conversationId: '00000000-0000-4000-8000-000000000000', message: 'hello' }), 404);
  expectProblem(await chat((await system.token('program_holder')).token, { courseId: DEMO.id, message: 'hello' }), 403);
  expectProblem(await chat((await system.token('admin')).token, { courseId: DEMO.id, message: 'hello' }), 403);
  expectProblem(await request('POST', '/api/ai-tutor/chat', { json: { courseId: DEMO.id, message: 'hello' } }), 401);
  expectProblem(await request('GET', '/api/ai-tutor/conversations/not-a-uuid', { token: student.token }), 400);
  expectProblem(await request('GET', '/api/ai-tutor/conversations/00000000-0000-4000-8000-000000000000', { token: student.token }), 404);
});

describe('consent: nothing reaches the model provider without it', () => {
  const consentOf = async (token: string) => (await request<TutorConsent>('GET', '/api/me/tutor-consent', { token })).body;

  test('without consent, a question is a 409 naming the consent, and the stand-in receives nothing (not even moderation)', async () => {
    const asked = model.requests.length;
    const before = await countMessages();
    const fresh = await system.token('student');
    expect((await consentOf(fresh.token)).consented).toBe(false);

    const plain = await chat<Problem>(fresh.token, { courseId: DEMO.id, message: 'May I ask something?' });
    expectProblem(plain, 409);
    expect(plain.body.detail).toMatch(/not consented to the AI tutor sending your messages to its model provider/);
    expect(plain.body.detail).toMatch(/nothing was sent/);
    expectProblem(await chat(fresh.token, { courseId: DEMO.id, message: 'And streamed?' }, true), 409);
    // Refused before anything is looked up (here, another student's enrollment).
    expectProblem(await chat(fresh.token, { enrollmentId, message: 'whose?' }), 409);

    expect(model.requests.length).toBe(asked);
    expect(await countMessages()).toBe(before);
    for (const table of ['tutor_conversations', 'tutor_usage', 'tutor_rate_windows'])
      expect((await system.db.query(`SELECT 1 FROM ${table} WHERE student_id = $1`, [fresh.actor.id])).rowCount).toBe(0);
  });

  test('consent, then the tutor answers; withdrawn, then 409 again and nothing sent; given again, it answers', async () => {
    const learner = await system.token('student');
    await consent(learner);
    const given = await consentOf(learner.token);
    expect(given).toEqual(expect.objectContaining({ consented: true, givenAt: expect.any(String) as unknown }));
    const first = await chat<TutorReply>(learner.token, { courseId: DEMO.id, message: 'What does this course lead to?' });
    expect(first.status).toBe(200);
    expect((model.chats().at(-1) as SentChat).messages.at(-1)).toEqual({ role: 'user', content: 'What does this course lead to?' });

    expect((await request('DELETE', '/api/me/tutor-consent', { token: learner.token })).status).toBe(204);
    const asked = model.requests.length;
    const withdrawn = await chat<Problem>(learner.token, {
      courseId: DEMO.id,
      conversationId: first.body.conversationId,
      message: 'One more thing?',
    });
    expectProblem(withdrawn, 409);
    expect(withdrawn.body.detail).toMatch(/consent/);
    expect(model.requests.length).toBe(asked);
    expect(await consentOf(learner.token)).toEqual(
      expect.objectContaining({ consented: false, withdrawnAt: expect.any(String) as unknown }),
    );

    await consent(learner);
    const again = await chat<TutorReply>(learner.token, {
      courseId: DEMO.id,
      conversationId: first.body.conversationId,
      message: 'One more thing?',
    });
    expect(again.status).toBe(200);
    // The history of consent is kept: the withdrawn record and the one in force.
    const { rows } = await system.db.query<{ withdrawn: boolean }>(
      'SELECT withdrawn_at IS NOT NULL AS withdrawn FROM tutor_consents WHERE student_id = $1 ORDER BY id',
      [learner.actor.id],
    );
    expect(rows).toEqual([{ withdrawn: true }, { withdrawn: false }]);
  });

  test('only students: program holders and admins may neither consent nor chat', async () => {
    for (const role of ['program_holder', 'admin'] as const) {
      const { token } = await system.token(role);
      expectProblem(await request('PUT', '/api/me/tutor-consent', { token }), 403);
      expectProblem(await chat(token, { courseId: DEMO.id, message: 'hello' }), 403);
    }
  });
});

describe('proactive nudges (the activity, against the same database, SMTP server and model stand-in)', () => {
  const nudges = (tutor?: ReturnType<typeof createOpenAiTutorModel>) =>
    createNotificationActivities({
      db: system.db,
      mailer: createSmtpMailer(system.smtp.url, 'Tutor test <tutor@example.com>'),
      files: createLocalFileStore(system.dataDir),
      payments: {} as PaymentProvider,
      publicBaseUrl: system.baseUrl,
      tutor,
      tutorTimeoutMs: 1_500,
    });
  const tutor = () =>
    createOpenAiTutorModel({ apiKey: 'sk-test', baseUrl: model.baseUrl, model: 'stand-in-model', timeoutMs: 1_000, maxRetries: 0 });
  const mailFor = async (day: number) => {
    for (let i = 0; i < 50; i++) {
      const mail = system.smtp
        .to(student.actor.email!)
        .find((m) => m.subject?.startsWith('How is') && m.messageId?.includes(`nudge.${enrollmentId}.${day}`));
      if (mail) return mail;
      await sleep(100);
    }
    throw new Error(`no nudge for day ${day}`);
  };

  test("the tutor writes the paragraph for the student's program and stage, without personal data", async () => {
    model.state.reply = () => 'You are so close: upload a sharper photo of your certificate and you are done!';
    expect(await nudges(tutor()).sendNudgeEmail({ enrollmentId, day: 901 })).toBe('sent');
    const sent = model.chats().at(-1) as SentChat;
    expect(sent.messages[1].content).toContain(DEMO.title);
    expect(sent.messages[1].content).toContain(REJECTION);
    expect(JSON.stringify(sent)).not.toMatch(/Rosalind|Quimby|rosalind\.quimby/);
    expect(JSON.stringify(sent)).not.toContain(enrollmentId);
    const mail = await mailFor(901);
    expect(mail.text).toContain('Hello Rosalind Quimby,');
    expect(mail.text).toContain('upload a sharper photo of your certificate');
    // Sent once: a repeat neither mails nor asks the model again.
    const asked = model.chats().length;
    expect(await nudges(tutor()).sendNudgeEmail({ enrollmentId, day: 901 })).toBe('already_sent');
    expect(model.chats().length).toBe(asked);
  });

  test('without the student’s consent, the fixed template: the model is not asked', async () => {
    expect((await request('DELETE', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
    try {
      const asked = model.requests.length;
      expect(await nudges(tutor()).sendNudgeEmail({ enrollmentId, day: 905 })).toBe('sent');
      expect(model.requests.length).toBe(asked);
      expect((await mailFor(905)).text).toContain(`It has been 905 days since you started ${DEMO.title}`);
    } finally {
      await consent(student);
    }
  });

  test('the fixed template when the model fails, times out or is not configured', async () => {
    model.state.failWith500 = true;
    expect(await nudges(tutor()).sendNudgeEmail({ enrollmentId, day: 902 })).toBe('sent');
    expect((await mailFor(902)).text).toContain(`It has been 902 days since you started ${DEMO.title}`);

    model.reset();
    model.state.delayMs = 3_000;
    const started = Date.now();
    expect(await nudges(tutor()).sendNudgeEmail({ enrollmentId, day: 903 })).toBe('sent');
    expect(Date.now() - started).toBeLessThan(2_900);
    expect((await mailFor(903)).text).toContain('It has been 903 days');

    expect(await nudges(undefined).sendNudgeEmail({ enrollmentId, day: 904 })).toBe('sent');
    expect((await mailFor(904)).text).toContain('It has been 904 days');
  });
});

describe('without a model (no OPENAI_API_KEY)', () => {
  let bare: System;
  beforeAll(async () => {
    bare = await startSystem();
  }, 120_000);
  afterAll(() => bare?.stop(), 60_000);

  test('the tutor answers 503, plain or streamed, and validation still comes first', async () => {
    const { token } = await bare.token('student');
    const ask = httpClient(bare.baseUrl);
    const res = await ask<Problem>('POST', '/api/ai-tutor/chat', { token, json: { courseId: DEMO.id, message: 'hello' } });
    expectProblem(res, 503);
    expect(res.body.detail).toMatch(/not configured/);
    expectProblem(
      await ask('POST', '/api/ai-tutor/chat', {
        token,
        json: { courseId: DEMO.id, message: 'hello' },
        headers: { accept: 'text/event-stream' },
      }),
      503,
    );
    expectProblem(await ask('POST', '/api/ai-tutor/chat', { token, json: { courseId: DEMO.id, message: '' } }), 400, ['body.message']);
  });
});
