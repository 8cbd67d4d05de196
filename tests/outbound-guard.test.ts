/**
 * Where webhooks may go: production only to `https` URLs whose host resolves to public addresses, checked on the
 * addresses the connection actually uses (so a name that resolves elsewhere at delivery time is refused too);
 * development and tests also to `http` and loopback, never to private networks.
 */
import http from 'node:http';
import { addressProblem, outboundPolicy, outboundUrlProblem } from '../lib/outbound-guard';
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
