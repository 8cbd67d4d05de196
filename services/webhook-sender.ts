/**
 * Sends one webhook request: a `POST` to the endpoint's URL through the outbound guard (lib/outbound-guard.ts), so it
 * connects only to addresses the URL policy allows, checked on the very addresses the connection uses. Redirects are
 * not followed; the answer's status decides and its body is never read; the exchange has a deadline.
 * Never throws: the outcome says what happened, for the attempt's record.
 */
import { createOutboundGuard, OutboundRefusedError, type OutboundPolicy, type ResolveHost } from '../lib/outbound-guard';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookOutcome {
  /** The receiver's HTTP status, when it answered one. */
  statusCode?: number;
  durationMs: number;
  /** Why the attempt failed before or without an HTTP status (refused address, connection, timeout, not HTTP). */
  error?: string;
}

export type WebhookSender = (request: WebhookRequest) => Promise<WebhookOutcome>;

/** A failure as the attempt's record says it: short, without a stack. */
function describe(err: unknown, host: string): string {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof OutboundRefusedError) return `refused: ${err.message}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${host}`;
    case 'ECONNRESET':
      return 'the connection was reset before an answer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${host} does not resolve`;
    default:
      if (typeof e.code === 'string' && e.code.startsWith('HPE_')) return `the answer is not valid HTTP (${e.code})`;
      if (typeof e.code === 'string' && /CERT|SSL|TLS/.test(e.code)) return `TLS failed (${e.code})`;
      return (e.message || String(err)).slice(0, 300);
  }
}

export function createWebhookSender({
  policy,
  timeoutMs,
  resolve,
}: {
  policy: OutboundPolicy;
  timeoutMs: number;
  /** The name resolver (tests give one that answers what they need). */
  resolve?: ResolveHost;
}): WebhookSender {
  // The body is cancelled unread, so no answer is too large.
  const outbound = createOutboundGuard({ policy, resolve, timeoutMs, maxBytes: Infinity });
  return async (request) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await outbound.fetch(request.url, {
        method: 'POST',
        headers: { ...request.headers, 'content-type': 'application/json' },
        body: request.body,
      });
      // The status line decides; the body is never used, so the exchange ends there.
      await res.body?.cancel().catch(() => undefined);
      return { statusCode: res.status, durationMs: elapsed() };
    } catch (err) {
      let host = request.url;
      try {
        host = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
      } catch {
        // not a URL: the guard says so
      }
      return { durationMs: elapsed(), error: describe(err, host) };
    }
  };
}
