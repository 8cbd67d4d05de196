/**
 * A platform's webhook receiver on loopback, as a subscriber would write one: it verifies each request's Standard
 * Webhooks signature with the `standardwebhooks` library and deduplicates by `webhook-id`. A test makes it misbehave:
 * down (not listening), slow (answers after a delay), answering garbage (bytes that are not HTTP) or an error status.
 */
import http from 'node:http';
import type net from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { listenOnFreePort } from './ports';

/** One request as it arrived: its headers, its body as parsed, and which of the known secrets verify it. */
export interface ReceivedRequest {
  id: string;
  timestamp: string;
  signatures: string[];
  body: string;
  /** The known secrets (by index in `secrets`) whose verification passed. */
  verifiedWith: number[];
  at: number;
}

/** What the receiver does with the next requests. */
export type Behaviour = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'slow'; delayMs: number } | { kind: 'garbage' };

export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { enrollmentId: string; status: string };
}

export async function startWebhookReceiver() {
  const requests: ReceivedRequest[] = [];
  /** Verified events, once per webhook-id, in the order they were first accepted (answered 2xx). */
  const accepted = new Map<string, WebhookEvent>();
  const secrets: string[] = [];
  let behaviour: Behaviour = { kind: 'ok' };
  const sockets = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const verifiedWith = secrets.flatMap((secret, i) => {
        try {
          new Webhook(secret).verify(body, headers);
          return [i];
        } catch (err) {
          if (err instanceof WebhookVerificationError) return [];
          throw err;
        }
      });
      requests.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signatures: headers['webhook-signature'].split(' ').filter(Boolean),
        body,
        verifiedWith,
        at: Date.now(),
      });
      const current = behaviour;
      if (current.kind === 'garbage') {
        // Not HTTP at all: the sender cannot read a status line.
        req.socket.end('\u0000\u0001 this is not an HTTP answer \r\n\r\n');
        return;
      }
      if (current.kind === 'status') {
        res.writeHead(current.status).end('no');
        return;
      }
      const answer = () => {
        if (!verifiedWith.length) return res.writeHead(400).end('bad signature');
        // Deduplicated by webhook-id: a retry or a replay of an event already accepted is acknowledged and ignored.
        if (!accepted.has(headers['webhook-id'])) accepted.set(headers['webhook-id'], JSON.parse(body) as WebhookEvent);
        res.writeHead(204).end();
      };
      if (current.kind === 'slow') setTimeout(answer, current.delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listenOnFreePort(server);

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests,
    accepted,
    /** The secrets the receiver knows (the one shown at registration, then the rotated ones). */
    secrets,
    behave(next: Behaviour) {
      behaviour = next;
    },
    /** Stops listening (connections are refused) until `up`. */
    async down() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async up() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    /** The accepted events about one enrollment, in the order they were accepted. */
    eventsOf(enrollmentId: string): WebhookEvent[] {
      return [...accepted.values()].filter((e) => e.data.enrollmentId === enrollmentId);
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
