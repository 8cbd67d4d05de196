import OpenAI from 'openai';
import { boundedFetch, responseTooLarge } from '../lib/bounded-fetch';

/** One turn sent to the model. */
export interface TutorMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TutorUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Text chunks as they arrive; `usage` is known once the iteration has finished (the provider's, else an estimate). */
export interface TutorStream extends AsyncIterable<string> {
  readonly usage: TutorUsage | undefined;
}

export interface Moderation {
  flagged: boolean;
  categories: string[];
}

/** The tutor's language model: the API's chat and the workflow's nudges use it through this interface only. */
export interface TutorModel {
  readonly model: string;
  complete(messages: TutorMessage[], options?: { signal?: AbortSignal }): Promise<{ text: string; usage: TutorUsage }>;
  stream(messages: TutorMessage[], options?: { signal?: AbortSignal }): TutorStream;
  /** `undefined` when the provider has no moderation endpoint (an OpenAI-compatible server answering 404). */
  moderate(text: string, options?: { signal?: AbortSignal }): Promise<Moderation | undefined>;
}

/** A rough token count (≈ 4 characters a token), for budgets and when a provider reports no usage. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const estimateUsage = (messages: TutorMessage[], reply: string): TutorUsage => ({
  promptTokens: messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0),
  completionTokens: estimateTokens(reply),
});

/** The model failed, timed out or could not be reached; the caller answers 503 (or falls back). */
export class TutorUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'TutorUnavailableError';
  }
}

function unavailable(err: unknown): TutorUnavailableError {
  if (err instanceof TutorUnavailableError) return err;
  const tooLarge = responseTooLarge(err);
  if (tooLarge) return new TutorUnavailableError(`the tutor model's answer was larger than ${tooLarge.maxBytes} bytes`, err);
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new TutorUnavailableError('the tutor model did not answer in time', err);
  if (err instanceof OpenAI.APIUserAbortError) return new TutorUnavailableError('the tutor model request was cancelled or timed out', err);
  if (err instanceof OpenAI.APIError)
    return new TutorUnavailableError(
      err.status ? `the tutor model failed (${err.status})` : 'the tutor model could not be reached or did not answer',
      err,
    );
  return new TutorUnavailableError(`the tutor model failed: ${(err as Error)?.message ?? String(err)}`, err);
}

/** Aborts when `outer` does, or when `idleMs` pass without `touch()`; `dispose()` clears the timer. */
function idleSignal(idleMs: number, outer?: AbortSignal) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuter, { once: true });
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no answer from the model for ${idleMs} ms`)), idleMs);
  };
  touch();
  return {
    signal: controller.signal,
    touch,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

export interface OpenAiTutorOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  /** Per request (and, for streams, the longest silence between chunks). */
  timeoutMs?: number;
  maxRetries?: number;
  /** The most of one answer (or stream) that is read (OPENAI_RESPONSE_MAX_BYTES). */
  maxAnswerBytes?: number;
}

/** The tutor on the `openai` SDK: OpenAI itself or any OpenAI-compatible server (OPENAI_BASE_URL). */
export function createOpenAiTutorModel({
  apiKey,
  baseUrl,
  model,
  timeoutMs = 30_000,
  maxRetries = 1,
  maxAnswerBytes = 8 * 1024 * 1024,
}: OpenAiTutorOptions): TutorModel {
  const client = new OpenAI({ apiKey, baseURL: baseUrl, timeout: timeoutMs, maxRetries, fetch: boundedFetch(maxAnswerBytes) });
  let moderationMissing = false;

  return {
    model,

    async complete(messages, { signal } = {}) {
      try {
        const completion = await client.chat.completions.create({ model, messages }, { signal });
        const text = completion.choices[0]?.message?.content ?? '';
        if (!text.trim()) throw new TutorUnavailableError('the tutor model gave an empty answer');
        const usage = completion.usage
          ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens }
          : estimateUsage(messages, text);
        return { text, usage };
      } catch (err) {
        throw unavailable(err);
      }
    },

    stream(messages, { signal } = {}) {
      let usage: TutorUsage | undefined;
      return {
        get usage() {
          return usage;
        },
        async *[Symbol.asyncIterator]() {
          const idle = idleSignal(timeoutMs, signal);
          let text = '';
          let finished = false;
          try {
            const chunks = await client.chat.completions.create(
              { model, messages, stream: true, stream_options: { include_usage: true } },
              { signal: idle.signal },
            );
            for await (const chunk of chunks) {
              idle.touch();
              if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
              if (chunk.choices[0]?.finish_reason) finished = true;
              const delta = chunk.choices[0]?.delta?.content;
              if (delta) {
                text += delta;
                yield delta;
              }
            }
          } catch (err) {
            throw unavailable(err);
          } finally {
            idle.dispose();
          }
          // A stream that ends without a finish reason was cut off: not an answer to keep.
          if (!finished) throw new TutorUnavailableError('the tutor model’s answer was cut off');
          if (!text.trim()) throw new TutorUnavailableError('the tutor model gave an empty answer');
          usage ??= estimateUsage(messages, text);
        },
      };
    },

    async moderate(text, { signal } = {}) {
      if (moderationMissing) return undefined;
      try {
        const result = await client.moderations.create({ input: text }, { signal });
        const first = result.results[0];
        if (!first) return { flagged: false, categories: [] };
        const categories = Object.entries(first.categories ?? {})
          .filter(([, on]) => on)
          .map(([name]) => name);
        return { flagged: first.flagged, categories };
      } catch (err) {
        if (err instanceof OpenAI.NotFoundError) {
          // An OpenAI-compatible server without /moderations: remember it, and go without.
          moderationMissing = true;
          return undefined;
        }
        throw unavailable(err);
      }
    },
  };
}

/** The tutor from the configuration, or `undefined` when no OPENAI_API_KEY is set. */
export function tutorModelFromConfig(
  openai: { apiKey?: string; baseUrl?: string; model: string },
  tutor: { timeoutMs: number; maxRetries: number },
  maxAnswerBytes?: number,
): TutorModel | undefined {
  if (!openai.apiKey) return undefined;
  return createOpenAiTutorModel({
    apiKey: openai.apiKey,
    baseUrl: openai.baseUrl,
    model: openai.model,
    timeoutMs: tutor.timeoutMs,
    maxRetries: tutor.maxRetries,
    maxAnswerBytes,
  });
}
