/**
 * Outages seen from the API process itself: a database address that accepts connections and never answers (the
 * pool's connect timeout turns it into a 503 instead of a hung request), which errors count as an outage, and the
 * settings that bound waiting.
 */
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { createApp } from '../api/app';
import type { EnrollmentClient } from '../core/enrollment-client';
import { networkOutage } from '../api/problems';
import { createPool, type Db } from '../db/pool';
import { loadConfig } from '../lib/config';
import { createLocalFileStore } from '../services/file-store';
import { expectProblem } from './helpers/problems';
import { listenOnFreePort } from './helpers/ports';
import { httpClient } from './helpers/system';

describe('a database that accepts connections and never answers', () => {
  let blackHole: net.Server;
  const sockets = new Set<net.Socket>();
  let db: Db;
  let server: http.Server;
  let request: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    blackHole = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    const port = await listenOnFreePort(blackHole);
    db = createPool(`postgres://postgres@127.0.0.1:${port}/nothing`, 2, 500);
    const app = createApp({
      config: loadConfig({ NODE_ENV: 'test' }),
      db,
      files: createLocalFileStore(os.tmpdir()),
      enrollments: {} as EnrollmentClient,
      authenticate: () => Promise.reject(new Error('no tokens here')),
      temporalHealth: () => Promise.resolve({}),
    });
    server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    request = httpClient(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await db?.end().catch(() => undefined);
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackHole?.close(r));
  });

  test('a request answers 503 with Retry-After once the connect timeout passes, not never', async () => {
    const started = Date.now();
    const res = await request('GET', '/api/programs');
    expectProblem(res, 503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sockets.size).toBeGreaterThanOrEqual(1);
    const ready = await request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('which errors are an outage (503) rather than a fault (500)', () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  test.each([
    ['connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', pgError('ECONNRESET')],
    ['57P01 admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot connect now', pgError('57P03', 'the database system is starting up')],
    ['08006 connection failure', pgError('08006')],
    ['08001 cannot establish connection', pgError('08001')],
    ['53300 too many connections', pgError('53300', 'sorry, too many clients already')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['client connect timeout', new Error('Connection terminated due to connection timeout')],
    ['server gone mid-query', new Error('Connection terminated unexpectedly')],
  ])('%s → 503', (_name, err) => {
    const problem = networkOutage(err);
    expect(problem?.status).toBe(503);
    expect(problem?.headers['retry-after']).toMatch(/^\d+$/);
  });

  test.each([
    ['a unique violation', pgError('23505', 'duplicate key value')],
    ['a syntax error (our bug)', pgError('42601', 'syntax error at or near')],
    ['a plain error', new Error('something else')],
    ['not an error', 'boom'],
  ])('%s → not an outage', (_name, err) => {
    expect(networkOutage(err)).toBeUndefined();
  });
});

describe('settings that bound waiting and reading', () => {
  test('defaults', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.idempotencyLeaseMs).toBe(30_000);
    expect(config.temporal.callTimeoutMs).toBe(20_000);
    expect(config.databaseConnectTimeoutMs).toBe(5_000);
    expect(config.responseMaxBytes).toEqual({ partner: 256 * 1024, openai: 8 * 1024 * 1024, stripe: 2 * 1024 * 1024 });
  });

  test('an Idempotency-Key lease no longer than a workflow call is refused, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', IDEMPOTENCY_LEASE: '20s' })).toThrow(
      /IDEMPOTENCY_LEASE: must be longer than TEMPORAL_CALL_TIMEOUT/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', IDEMPOTENCY_LEASE: '10s', TEMPORAL_CALL_TIMEOUT: '5s' })).not.toThrow();
  });

  test.each(['PARTNER_RESPONSE_MAX_BYTES', 'OPENAI_RESPONSE_MAX_BYTES', 'STRIPE_RESPONSE_MAX_BYTES'])(
    '%s must be a positive whole number',
    (name) => {
      expect(() => loadConfig({ NODE_ENV: 'test', [name]: '0' })).toThrow(new RegExp(name));
      expect(() => loadConfig({ NODE_ENV: 'test', [name]: 'lots' })).toThrow(new RegExp(name));
    },
  );

  test('durations are durations', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_CONNECT_TIMEOUT: '5' })).toThrow(/DATABASE_CONNECT_TIMEOUT/);
    expect(() => loadConfig({ NODE_ENV: 'test', TEMPORAL_CALL_TIMEOUT: 'soon' })).toThrow(/TEMPORAL_CALL_TIMEOUT/);
  });
});
