/**
 * The outbound guard (lib/outbound-guard.ts), the one door for URLs the platform fetches for someone: production only
 * `https` URLs whose host resolves to public addresses, checked on the addresses the connection actually uses (so a
 * name that resolves elsewhere at connection time is refused too); development and tests also `http` and loopback,
 * never private networks. Then each path through it: the guarded fetch itself (no redirects, a deadline, a size cap),
 * webhook delivery and the partner API adapter, each against a loopback canary that counts connections.
 * (The LTI tool JWKS read is proven at the API level: tests/api/lti.test.ts.)
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ResponseTooLargeError } from '../lib/bounded-fetch';
import {
  addressProblem,
  createOutboundGuard,
  OutboundRefusedError,
  OutboundTimeoutError,
  outboundPolicy,
  outboundUrlProblem,
  type ResolveHost,
} from '../lib/outbound-guard';
import { createHttpPartnerAdapter } from '../services/partner-adapter';
import { FailureType } from '../workflows/messages';
import { type Canary, startCanary } from './helpers/canary';
import { createWebhookSender } from '../services/webhook-sender';
import { listenOnFreePort } from './helpers/ports';

const production = outboundPolicy('production');
const development = outboundPolicy('development');

describe('addresses', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'not a global unicast'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::', 'not a global unicast'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['2002:a00:1::1', '6to4'],
    ['2001::1', 'IETF protocol'],
    ['2001:db8::1', 'documentation'],
  ])('production refuses %s (%s)', (address, what) => {
    expect(addressProblem(address, production)).toContain(what);
  });

  test.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('production allows %s', (address) => {
    expect(addressProblem(address, production)).toBeUndefined();
  });

  test('development allows loopback, and still refuses private networks and link-local', () => {
    expect(addressProblem('127.0.0.1', development)).toBeUndefined();
    expect(addressProblem('::1', development)).toBeUndefined();
    expect(addressProblem('::ffff:127.0.0.1', development)).toBeUndefined();
    expect(addressProblem('10.0.0.1', development)).toContain('private');
    expect(addressProblem('169.254.169.254', development)).toContain('link-local');
  });
});

describe('URLs at registration', () => {
  const names: Record<string, string[]> = {
    'hooks.partner.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'internal.partner.example': ['10.20.30.40'],
    // One public and one private address: a connection could take either.
    'mixed.partner.example': ['93.184.215.14', '192.168.0.7'],
    localhost: ['127.0.0.1', '::1'],
  };
  const resolve = (host: string) =>
    names[host]
      ? Promise.resolve(names[host].map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))
      : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));

  test.each([
    ['http://hooks.partner.example/in', 'must be an https URL'],
    ['ftp://hooks.partner.example/in', 'must be an https URL'],
    ['https://user:pass@hooks.partner.example/in', 'user name or password'],
    ['https://127.0.0.1/in', 'loopback'],
    ['https://[::1]/in', 'not a global unicast'],
    ['https://[::ffff:127.0.0.1]/in', 'loopback'],
    ['https://localhost/in', 'loopback'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://2130706433/in', 'loopback'],
    ['https://0x7f.1/in', 'loopback'],
    ['https://internal.partner.example/in', 'private'],
    ['https://mixed.partner.example/in', 'private'],
    ['https://nowhere.partner.example/in', 'does not resolve'],
    ['https://[fd00::1]:8443/in', 'unique-local'],
  ])('production refuses %s', async (url, why) => {
    expect(await outboundUrlProblem(url, production, resolve)).toContain(why);
  });

  test('production accepts an https URL whose every address is public', async () => {
    expect(await outboundUrlProblem('https://hooks.partner.example/in', production, resolve)).toBeUndefined();
  });

  test('development accepts http to loopback, and refuses private networks', async () => {
    expect(await outboundUrlProblem('http://localhost:8080/in', development, resolve)).toBeUndefined();
    expect(await outboundUrlProblem('http://127.0.0.1:8080/in', development, resolve)).toBeUndefined();
    expect(await outboundUrlProblem('http://internal.partner.example/in', development, resolve)).toContain('private');
  });
});

describe('at delivery, on the addresses the connection uses', () => {
  let server: http.Server;
  let port: number;
  let received = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received++;
      res.writeHead(req.url === '/redirect' ? 302 : 204, req.url === '/redirect' ? { location: 'http://127.0.0.1:1/' } : {}).end();
    });
    port = await listenOnFreePort(server);
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => (received = 0));

  const request = (url: string) => ({ url, headers: { 'webhook-id': 'msg_1' }, body: '{}' });

  test('a name that resolved to a public address at registration and resolves to loopback now is refused, nothing sent', async () => {
    // DNS rebinding: the same name, answered differently at delivery time.
    const send = createWebhookSender({
      policy: { ...production, allowHttp: true },
      timeoutMs: 2_000,
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    const outcome = await send(request(`http://hooks.partner.example:${port}/in`));
    expect(outcome).toEqual(expect.objectContaining({ error: expect.stringMatching(/^refused: .*loopback/) as unknown }));
    expect(outcome.statusCode).toBeUndefined();
    expect(received).toBe(0);
  });

  test('an IP literal is checked too (it is never looked up)', async () => {
    const send = createWebhookSender({ policy: { ...production, allowHttp: true }, timeoutMs: 2_000 });
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]']) {
      expect((await send(request(`http://${host}:${port}/in`))).error).toMatch(/^refused: .*loopback/);
    }
    expect((await createWebhookSender({ policy: production, timeoutMs: 2_000 })(request(`http://93.184.215.14/in`))).error).toMatch(
      /^refused: .*https/,
    );
    expect(received).toBe(0);
  });

  test('development delivers to loopback; a redirect is an answer, not followed', async () => {
    const send = createWebhookSender({ policy: development, timeoutMs: 2_000 });
    expect(await send(request(`http://localhost:${port}/in`))).toEqual({ statusCode: 204, durationMs: expect.any(Number) as unknown });
    expect((await send(request(`http://127.0.0.1:${port}/redirect`))).statusCode).toBe(302);
    expect(received).toBe(2);
  });
});

/** Every name resolves to what the test says (DNS rebinding: a public name that answers loopback now). */
const resolveTo =
  (address: string): ResolveHost =>
  () =>
    Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]);

describe('the guarded fetch, against a loopback canary', () => {
  let canary: Canary;
  let other: http.Server;
  let otherUrl: string;
  beforeAll(async () => {
    canary = await startCanary();
    other = http.createServer((req, res) => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: `${canary.url}/after-redirect` }).end();
      if (req.url === '/silent') return; // never answers
      if (req.url === '/big') return void res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    otherUrl = `http://127.0.0.1:${await listenOnFreePort(other)}`;
  });
  afterAll(async () => {
    other.closeAllConnections();
    await new Promise((r) => other.close(r));
    await canary.close();
  });

  const refusal = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutboundRefusedError);
    return (err as Error).message;
  };

  test('production refuses http, metadata, private, loopback and a name that resolves to loopback; nothing connects', async () => {
    const strict = createOutboundGuard({ policy: production, timeoutMs: 2_000 });
    // With http allowed, only the address decides: each of these would reach the canary (or an internal host).
    const httpOk = createOutboundGuard({ policy: { ...production, allowHttp: true }, timeoutMs: 2_000 });
    expect(await refusal(strict.fetch(`${canary.url}/x`))).toMatch(/https/);
    expect(await refusal(httpOk.fetch(`${canary.url}/x`))).toMatch(/loopback/);
    expect(await refusal(httpOk.fetch(`http://127.9.9.9:${canary.port}/x`))).toMatch(/loopback/);
    expect(await refusal(httpOk.fetch(`http://[::1]:${canary.port}/x`))).toMatch(/not a global unicast/);
    expect(await refusal(httpOk.fetch(`http://[::ffff:127.0.0.1]:${canary.port}/x`))).toMatch(/loopback/);
    expect(await refusal(httpOk.fetch('http://169.254.169.254/latest/meta-data/'))).toMatch(/link-local/);
    expect(await refusal(httpOk.fetch('http://10.1.2.3/x'))).toMatch(/private/);
    const rebound = createOutboundGuard({ policy: { ...production, allowHttp: true }, resolve: resolveTo('127.0.0.1'), timeoutMs: 2_000 });
    expect(await refusal(rebound.fetch(`http://jwks.partner.example:${canary.port}/x`))).toMatch(
      /jwks\.partner\.example resolves to .*loopback/,
    );
    const toMetadata = createOutboundGuard({ policy: production, resolve: resolveTo('169.254.169.254'), timeoutMs: 2_000 });
    expect(await refusal(toMetadata.fetch(`https://metadata.partner.example:${canary.port}/x`))).toMatch(/link-local/);
    expect(canary.connections()).toBe(0);
  });

  test('development connects to loopback; a redirect is answered as it is, never followed', async () => {
    const dev = createOutboundGuard({ policy: development, timeoutMs: 2_000 });
    const ok = await dev.fetch(`${otherUrl}/hello`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    const redirect = await dev.fetch(`${otherUrl}/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${canary.url}/after-redirect`);
    await redirect.body?.cancel();
    expect(canary.connections()).toBe(0);
    // Development still refuses private networks and metadata addresses.
    expect(await refusal(dev.fetch('http://169.254.169.254/latest/meta-data/'))).toMatch(/link-local/);
  });

  test('an exchange has a deadline and a size cap', async () => {
    const dev = createOutboundGuard({ policy: development, timeoutMs: 300, maxBytes: 1024 });
    await expect(dev.fetch(`${otherUrl}/silent`)).rejects.toBeInstanceOf(OutboundTimeoutError);
    await expect(dev.fetch(`${otherUrl}/big`)).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  test('webhook delivery goes through it: a name that resolves to loopback is refused, nothing sent', async () => {
    const send = createWebhookSender({ policy: { ...production, allowHttp: true }, timeoutMs: 2_000, resolve: resolveTo('127.0.0.1') });
    const outcome = await send({ url: `http://hooks.partner.example:${canary.port}/in`, headers: {}, body: '{}' });
    expect(outcome.error).toMatch(/^refused: .*loopback/);
    expect(canary.connections()).toBe(0);
  });

  test('the partner API adapter goes through it: an api_base_url on loopback is refused in production, not retried', async () => {
    const adapter = createHttpPartnerAdapter(
      { id: 'inside', launchUrlTemplate: 'https://partner.example/{enrollmentId}', apiBaseUrl: `${canary.url}/partner` },
      {
        publicBaseUrl: 'https://marketplace.example',
        outbound: createOutboundGuard({ policy: { ...production, allowHttp: true } }),
        env: {},
      },
    );
    const err = await adapter.checkCompletion!({ enrollmentId: randomUUID() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toEqual(expect.objectContaining({ type: FailureType.partnerUnavailable, nonRetryable: true }));
    expect((err as Error).message).toMatch(/outbound policy refuses GET .*loopback/);
    expect(canary.connections()).toBe(0);
  });
});
