import http from 'node:http';
import { z } from 'zod';
import { sleep } from './eventually';
import { listenOnFreePort } from './ports';

export interface RecordedOpenAiRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The JSON the client sent, as sent (the tests' expectations read it freely). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a request body is untyped JSON by nature; the test files read it as such
  body: any;
}

/** A chat-completion request, as far as the stand-in reads it (other fields kept as sent). */
const ChatRequest = z.looseObject({
  model: z.unknown().optional(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })).nullish(),
  stream: z.unknown().optional(),
  stream_options: z.looseObject({ include_usage: z.unknown().optional() }).nullish(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

export interface OpenAiStandInState {
  /** What the model answers; by default it echoes the last user message. */
  reply: (body: ChatRequest) => string;
  /** Usage reported with each answer; by default estimated from the characters. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Chat requests answered with 500 (the `openai` client retries them). */
  failWith500: boolean;
  /** Milliseconds before answering a chat request (a timeout when longer than the client's). */
  delayMs: number;
  /** Streams: send a couple of chunks, then cut the connection. */
  breakMidStream: boolean;
  /** Pause between streamed chunks. */
  chunkDelayMs: number;
  moderation: 'ok' | 'flagged' | 'missing';
}

const defaults = (): OpenAiStandInState => ({
  reply: (body) => {
    const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
    return `Tutor says: you asked "${(last?.content ?? '').slice(0, 200)}". Keep going, you are doing well!`;
  },
  failWith500: false,
  delayMs: 0,
  breakMidStream: false,
  chunkDelayMs: 5,
  moderation: 'ok',
});

/** Splits a reply into word-sized chunks, as a model streams them. */
const chunksOf = (text: string) => text.match(/\S+\s*/g) ?? [text];

/**
 * An OpenAI-compatible server on loopback: `POST /v1/chat/completions` (JSON, or server-sent events with
 * `stream: true`, a final usage chunk when `stream_options.include_usage`, then `data: [DONE]`) and
 * `POST /v1/moderations`. Every request is recorded; `state` switches errors, slowness and moderation.
 */
export async function startOpenAiStandIn() {
  const requests: RecordedOpenAiRequest[] = [];
  const state = defaults();

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    const answer = async () => {
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'bad JSON', type: 'invalid_request_error' } }));
        return;
      }
      const path = (req.url ?? '').split('?')[0];
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const json = (status: number, payload: unknown) => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };

      if (req.method === 'POST' && path === '/v1/moderations') {
        if (state.moderation === 'missing') return json(404, { error: { message: 'Not Found', type: 'invalid_request_error' } });
        const flagged = state.moderation === 'flagged';
        return json(200, {
          id: `modr-${requests.length}`,
          model: 'omni-moderation-latest',
          results: [
            {
              flagged,
              categories: { harassment: flagged, violence: false },
              category_scores: { harassment: flagged ? 0.98 : 0.01, violence: 0.0 },
            },
          ],
        });
      }
      if (req.method !== 'POST' || path !== '/v1/chat/completions')
        return json(404, { error: { message: `no stand-in for ${req.method} ${path}`, type: 'invalid_request_error' } });

      const parsed = ChatRequest.safeParse(body);
      if (!parsed.success) return json(400, { error: { message: parsed.error.message, type: 'invalid_request_error' } });
      const chat = parsed.data;

      if (state.delayMs) await sleep(state.delayMs);
      if (res.destroyed) return;
      if (state.failWith500) return json(500, { error: { message: 'the stand-in model is down', type: 'server_error' } });

      const text = state.reply(chat);
      const promptChars = (chat.messages ?? []).reduce((n, m) => n + m.content.length, 0);
      const usage = state.usage ?? { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(text.length / 4) };
      const id = `chatcmpl-${requests.length}`;
      const created = Math.floor(Date.now() / 1000);

      if (!chat.stream) {
        return json(200, {
          id,
          object: 'chat.completion',
          created,
          model: chat.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const event = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
      const chunk = (delta: object, finish: string | null = null) =>
        event({ id, object: 'chat.completion.chunk', created, model: chat.model, choices: [{ index: 0, delta, finish_reason: finish }] });
      chunk({ role: 'assistant', content: '' });
      const pieces = chunksOf(text);
      for (const [i, piece] of pieces.entries()) {
        if (res.destroyed) return;
        if (state.breakMidStream && i === 2) {
          res.destroy();
          return;
        }
        chunk({ content: piece });
        if (state.chunkDelayMs) await sleep(state.chunkDelayMs);
      }
      chunk({}, 'stop');
      if (chat.stream_options?.include_usage) {
        event({
          id,
          object: 'chat.completion.chunk',
          created,
          model: chat.model,
          choices: [],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        });
      }
      res.end('data: [DONE]\n\n');
    };
    req.on('end', () => void answer());
  });
  const port = await listenOnFreePort(server);

  return {
    /** For OPENAI_BASE_URL. */
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    state,
    /** The bodies of the chat-completion requests so far. */
    chats: (): RecordedOpenAiRequest['body'][] =>
      requests.filter((r) => r.path === '/v1/chat/completions').map((r): RecordedOpenAiRequest['body'] => r.body),
    /** Back to the defaults (answers echo, no errors, no delay, moderation on and passing). */
    reset() {
      Object.assign(state, defaults());
      delete state.usage;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type OpenAiStandIn = Awaited<ReturnType<typeof startOpenAiStandIn>>;
