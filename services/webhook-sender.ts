/**
 * Sends one webhook request: a `POST` to the endpoint's URL, connected only to addresses the URL policy allows
 * (lib/webhook-urls.ts), checked on the very addresses the connection uses (the `lookup` of the request), so a name
 * that resolves to a private address at delivery time is refused even if it resolved to a public one at registration.
 * Redirects are not followed; the answer's status decides and its body is never read; the exchange has a deadline.
 * Never throws: the outcome says what happened, for the attempt's record.
 */
import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressProblem, type ResolveHost, urlShapeProblem, type WebhookUrlPolicy } from '../lib/webhook-urls';

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

/** A refusal by the URL policy (a connection never opened). */
class RefusedAddress extends Error {}

const systemLookup: ResolveHost = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** The request's `lookup`: resolves the name, refuses it when any address is not allowed, answers what Node asked for. */
function guardedLookup(policy: WebhookUrlPolicy, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = addresses.filter((a) => !options.family || a.family === options.family);
        const refused = addresses.map((a) => addressProblem(a.address, policy)).find((p) => p !== undefined);
        if (refused) return callback(new RefusedAddress(`${hostname} resolves to ${refused}`), '', 0);
        if (!wanted.length) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as (err: null, addresses: LookupAddress[]) => void)(null, wanted);
        callback(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/** A failure as the attempt's record says it: short, without a stack. */
function describe(err: unknown, host: string): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  if (err instanceof RefusedAddress) return `refused: ${err.message}`;
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
  resolve = systemLookup,
}: {
  policy: WebhookUrlPolicy;
  timeoutMs: number;
  /** The name resolver (tests give one that answers what they need). */
  resolve?: ResolveHost;
}): WebhookSender {
  const lookup = guardedLookup(policy, resolve);
  return (request) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve({ durationMs: 0, error: 'refused: not a URL' });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An IP literal is never looked up, so it is checked here.
    const refused = urlShapeProblem(url, policy) ?? (isIP(host) ? addressProblem(host, policy) : undefined);
    if (refused) return Promise.resolve({ durationMs: 0, error: `refused: ${request.url} ${refused}` });

    return new Promise<WebhookOutcome>((resolveOutcome) => {
      let settled = false;
      const settle = (o: Omit<WebhookOutcome, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolveOutcome({ ...o, durationMs: elapsed() });
      };
      const send = url.protocol === 'https:' ? https.request : http.request;
      const req = send(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) },
        lookup,
        // A connection of its own each time: an agent's pooled socket would skip the address check.
        agent: false,
      });
      const timer = setTimeout(() => {
        settle({ error: `no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      // The status line decides; the body is never used, so the exchange ends there.
      req.on('response', (res) => {
        settle({ statusCode: res.statusCode });
        res.resume();
        req.destroy();
      });
      req.on('error', (err) => settle({ error: describe(err, host) }));
      req.end(request.body);
    });
  };
}
