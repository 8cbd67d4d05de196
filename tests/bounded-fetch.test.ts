/**
 * Bounded reads of outside answers: the shared fetch wrapper against real HTTP servers on loopback, then each
 * caller that uses it: a partner API streaming 300 MB (the poll fails as garbage and memory stays flat), the
 * tutor model on the OpenAI stand-in and the Stripe client on the Stripe stand-in.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { boundedFetch, ResponseTooLargeError } from '../lib/bounded-fetch';
import { createOutboundGuard, outboundPolicy } from '../lib/outbound-guard';
import { createHttpPartnerAdapter } from '../services/partner-adapter';
import { createStripeClient, createStripePaymentProvider } from '../services/payment-provider';
import { createOpenAiTutorModel, TutorUnavailableError } from '../services/tutor-model';
import { FailureType } from '../workflows/messages';
import { startOpenAiStandIn, type OpenAiStandIn } from './helpers/openai-stand-in';
import { listenOnFreePort } from './helpers/ports';
import { MB, startFloodServer } from './helpers/flood-server';
import { startStripeStandIn } from './helpers/stripe-stand-in';

/** What the Stripe SDK rejects with when the connection fails: the cause in `detail.exception`. */
type StripeConnectionFailure = Error & { type: string; detail: { exception: Error } };

/** What `promise` rejected with, as the caller says it is (an `Error` and whatever fields it names). */
async function rejectionOf<E extends Error = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return err as E;
  }
  throw new Error('expected a rejection');
}

describe('boundedFetch against loopback servers', () => {
  let small: http.Server;
  let smallUrl: string;
  beforeAll(async () => {
    small = http.createServer((req, res) => {
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(201, { 'content-type': 'application/json', 'x-extra': 'kept' }).end(JSON.stringify({ ok: true, path: req.url }));
    });
    smallUrl = `http://127.0.0.1:${await listenOnFreePort(small)}`;
  });
  afterAll(() => new Promise<void>((r) => small.close(() => r())));

  test('an answer under the cap comes through whole: status, headers, body, URL; a 204 too', async () => {
    const res = await boundedFetch(1024)(`${smallUrl}/a?b=1`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-extra')).toBe('kept');
    expect(res.url).toBe(`${smallUrl}/a?b=1`);
    expect(await res.json()).toEqual({ ok: true, path: '/a?b=1' });
    const empty = await boundedFetch(1024)(`${smallUrl}/empty`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  test('a Content-Length above the cap is refused before the body is read', async () => {
    const flood = await startFloodServer(50 * MB, { declareLength: true });
    try {
      const err = await rejectionOf(boundedFetch(MB)(flood.url));
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      expect(err.message).toMatch(/larger than 1048576 bytes \(Content-Length 52428800\)/);
      await new Promise((r) => setTimeout(r, 200));
      expect(flood.stats.closedEarly).toBe(1);
      expect(flood.stats.bytesWritten).toBeLessThan(10 * MB);
    } finally {
      await flood.close();
    }
  });

  test('a streamed body (no Content-Length) errors once it passes the cap, and the download stops', async () => {
    const flood = await startFloodServer(100 * MB);
    try {
      const res = await boundedFetch(MB)(flood.url);
      expect(res.status).toBe(200);
      const err = await rejectionOf(res.text());
      expect(err).toBeInstanceOf(ResponseTooLargeError);
      await new Promise((r) => setTimeout(r, 200));
      expect(flood.stats.closedEarly).toBe(1);
      // What was sent is the cap plus what the socket buffers held, not the 100 MB on offer.
      expect(flood.stats.bytesWritten).toBeLessThan(10 * MB);
    } finally {
      await flood.close();
    }
  });
});

describe('a partner API that streams 300 MB', () => {
  test('the poll fails as an unreadable answer (backed off by the workflow), reads at most the cap, and memory stays flat', async () => {
    const total = 300 * MB;
    const flood = await startFloodServer(total);
    try {
      const adapter = createHttpPartnerAdapter(
        { id: 'flood', launchUrlTemplate: 'https://example.test/{enrollmentId}', apiBaseUrl: flood.url },
        {
          publicBaseUrl: 'http://127.0.0.1',
          outbound: createOutboundGuard({ policy: outboundPolicy('test') }),
          env: {},
          timeouts: { checkMs: 60_000 },
          maxAnswerBytes: MB,
        },
      );
      const before = process.memoryUsage().rss;
      const err = await rejectionOf(adapter.checkCompletion!({ enrollmentId: randomUUID() }));
      const growth = process.memoryUsage().rss - before;

      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toEqual(expect.objectContaining({ type: FailureType.partnerGarbage, nonRetryable: true }));
      expect(err.message).toMatch(/an answer larger than 1048576 bytes to GET/);
      await new Promise((r) => setTimeout(r, 200));
      expect(flood.stats.closedEarly).toBe(1);
      expect(flood.stats.bytesWritten).toBeLessThan(20 * MB);
      // Reading the whole answer would have held 300 MB (and more as a string).
      expect(growth).toBeLessThan(100 * MB);
      console.log(
        `partner flood: ${(flood.stats.bytesWritten / MB).toFixed(1)} MB sent of ${total / MB} MB offered; RSS grew ${(growth / MB).toFixed(1)} MB`,
      );
    } finally {
      await flood.close();
    }
  }, 60_000);
});

describe('the tutor model (openai SDK) on the OpenAI stand-in', () => {
  let model: OpenAiStandIn;
  beforeAll(async () => {
    model = await startOpenAiStandIn();
  });
  afterEach(() => model.reset());
  afterAll(() => model.close());
  const tutor = (maxAnswerBytes: number) =>
    createOpenAiTutorModel({
      apiKey: 'sk-test',
      baseUrl: model.baseUrl,
      model: 'stand-in-model',
      timeoutMs: 5_000,
      maxRetries: 0,
      maxAnswerBytes,
    });

  test('answers within the cap arrive as before, whole and streamed', async () => {
    const { text } = await tutor(64 * 1024).complete([{ role: 'user', content: 'What is a credential?' }]);
    expect(text).toMatch(/What is a credential/);
    let streamed = '';
    for await (const piece of tutor(64 * 1024).stream([{ role: 'user', content: 'And a badge?' }])) streamed += piece;
    expect(streamed).toMatch(/And a badge/);
  });

  test('an answer past the cap is refused: whole and mid-stream, as the tutor being unavailable', async () => {
    model.state.reply = () => 'word '.repeat(20_000);
    model.state.chunkDelayMs = 0;
    const whole = await rejectionOf(tutor(16 * 1024).complete([{ role: 'user', content: 'Tell me everything' }]));
    expect(whole).toBeInstanceOf(TutorUnavailableError);
    expect(whole.message).toMatch(/larger than 16384 bytes/);

    let received = '';
    const streamed = await rejectionOf(
      (async () => {
        for await (const piece of tutor(16 * 1024).stream([{ role: 'user', content: 'Tell me everything' }])) received += piece;
      })(),
    );
    expect(streamed).toBeInstanceOf(TutorUnavailableError);
    expect(streamed.message).toMatch(/larger than 16384 bytes/);
    // Some of the answer streamed before the cap; far from all of it.
    expect(received.length).toBeLessThan(16 * 1024);
  });
});

describe('the Stripe client on the Stripe stand-in', () => {
  test('a normal answer goes through; past the cap the call fails as a connection error (retried by the activity)', async () => {
    const stripe = await startStripeStandIn();
    try {
      const checkout = {
        enrollmentId: randomUUID(),
        amountCents: 12_500,
        currency: 'usd',
        description: 'Course',
        successUrl: 'https://example.test/ok',
        cancelUrl: 'https://example.test/cancel',
        expiresAt: new Date(Date.now() + 3_600_000),
      };
      const roomy = createStripePaymentProvider(
        createStripeClient({ secretKey: 'sk_test_stand_in', apiBase: stripe.apiBase, maxAnswerBytes: 64 * 1024 }),
      );
      await expect(roomy.createCheckout(checkout)).resolves.toEqual(
        expect.objectContaining<Record<string, unknown>>({ providerRef: expect.stringMatching(/^cs_test_/) }),
      );

      // A Checkout Session answer is some 400 bytes: a cap of 100 refuses it.
      const tight = createStripePaymentProvider(
        createStripeClient({ secretKey: 'sk_test_stand_in', apiBase: stripe.apiBase, maxAnswerBytes: 100 }),
      );
      const err = await rejectionOf<StripeConnectionFailure>(tight.createCheckout({ ...checkout, enrollmentId: randomUUID() }));
      expect(err.type).toBe('StripeConnectionError');
      expect(err.detail.exception).toBeInstanceOf(ResponseTooLargeError);
      expect(err.detail.exception.message).toMatch(/checkout\/sessions is larger than 100 bytes/);
    } finally {
      await stripe.close();
    }
  });
});
