/**
 * The API in-process for API-level tests: `createApp` as api/server.ts wires it, against a database of its own and
 * the fake enrollment client instead of Temporal. No dev server, worker or API process: each test is a few requests.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { openApiDocument } from '../../api/openapi';
import { type Actor, type Role } from '../../core/actor';
import { createAuthenticator, signDevelopmentToken } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { loadConfig } from '../../lib/config';
import { loadCredentialSigner } from '../../services/credentials';
import { createLocalFileStore } from '../../services/file-store';
import { createOutboxMailer } from '../../services/mailer';
import { createSimulatedPaymentProvider } from '../../services/payment-provider';
import type { TutorModel } from '../../services/tutor-model';
import type { EnrollmentStatus } from '../../workflows/messages';
import { createTestDatabase } from './db';
import { createFakeEnrollmentClient } from './fake-enrollment-client';
import { checkedClient, type OpenApi, openApiChecker } from './openapi';
import { listenOnFreePort } from './ports';
import { inProcessPrivacyJobs } from './privacy-jobs';
import { httpClient } from './system';

const JWT_SECRET = 'api-level-test-secret';

export type Session = { token: string; actor: Actor };

/**
 * `env` adds to or overrides the test configuration; as a function, it is given the app's address first. `webhooks`
 * wakes webhook deliveries (the app's commands and the activities the test records facts with); `outbound` resolves
 * host names for the outbound guard; `tutor` is the AI tutor's model (none: the tutor answers 503 and is not offered).
 */
export async function startApiApp(
  env: NodeJS.ProcessEnv | ((baseUrl: string) => Promise<NodeJS.ProcessEnv>) = {},
  { webhooks, outbound, tutor }: { webhooks?: ApiDeps['webhooks']; outbound?: ApiDeps['outbound']; tutor?: TutorModel } = {},
) {
  const database = await createTestDatabase();
  const db = database.db;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-api-'));
  const server = http.createServer();
  const baseUrl = `http://127.0.0.1:${await listenOnFreePort(server)}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET,
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL: baseUrl,
    // Tests send many requests a second from one address; a test of the limits sets its own.
    RATE_LIMIT_CLIENT: '1000000',
    RATE_LIMIT_PARTNER: '1000000',
    RATE_LIMIT_AUTH_FAILURES: '1000000',
    ...(typeof env === 'function' ? await env(baseUrl) : env),
  });
  const files = createLocalFileStore(config.filesDir);
  // The workflow's real activities with the local payment provider and mailer: the fake opens enrollments with them,
  // and tests write the read model through them as the workflow would.
  const activities = createActivities({
    db,
    files,
    payments: createSimulatedPaymentProvider(baseUrl),
    mailer: createOutboxMailer(config.mail.outboxDir, config.mail.from),
    publicBaseUrl: baseUrl,
    webhooks: { dispatcher: webhooks?.dispatcher },
    credentials: { signer: () => loadCredentialSigner(config), issuerName: config.credentials.issuerName },
  });
  const enrollments = createFakeEnrollmentClient(activities);
  // Data exports and erasures: their workflows' activities, run in process in the background.
  const privacyJobs = inProcessPrivacyJobs(activities);
  const app = createApp({
    config,
    db,
    files,
    enrollments,
    authenticate: createAuthenticator(config.jwt),
    temporalHealth: () => Promise.resolve({}),
    tutor,
    webhooks,
    outbound,
    privacyJobs,
  });
  server.on('request', app);
  // Every answer of an operation of /openapi.json is checked against the document (tests/helpers/openapi.ts): the one
  // the route serves, built here rather than fetched, so that no test's rate limit counts the request.
  const doc = JSON.parse(JSON.stringify(openApiDocument(config.publicBaseUrl))) as OpenApi;
  const request = checkedClient(httpClient(baseUrl), openApiChecker(doc), { operationsOnly: true });
  // The first request pays for loading the routes' code and the first database connections; not any test's time.
  await request('GET', '/readyz');

  return {
    baseUrl,
    /** The Express app itself (its routes are walked by tests/api/openapi.test.ts). */
    app,
    config,
    db,
    files,
    enrollments,
    activities,
    privacyJobs,
    request,
    /** A signed token for a role: a new user unless `user.id` says who; a student has a name and an email, a funder an organization. */
    async token(role: Role, user: Partial<Actor> = {}): Promise<Session> {
      const id = user.id ?? `${role}-${randomUUID()}`;
      const actor: Actor = {
        id,
        role,
        email: user.email ?? `${id}@example.com`,
        name: user.name ?? `Test ${role}`,
        ...(role === 'funder' && { organizationId: user.organizationId ?? 'test-workforce-board' }),
      };
      return { token: await signDevelopmentToken(config.jwt, actor), actor };
    },
    /** Signs any claims with this app's secret (for tokens `token` would not make). */
    jwtSecret: config.jwt.secret,
    /** Projects the workflow's next status change into the read model (the real activity, the next `seq`). */
    async advance(
      enrollmentId: string,
      status: EnrollmentStatus,
      facts: { paidAt?: string; launchedAt?: string; completedAt?: string; completionMethod?: 'manual' } = {},
    ) {
      const {
        rows: [e],
      } = await db.query<{ status_seq: number }>('SELECT status_seq FROM enrollments WHERE id = $1', [enrollmentId]);
      await activities.recordEnrollmentStatus({ enrollmentId, seq: e.status_seq + 1, status, at: new Date().toISOString(), ...facts });
    },
    async close() {
      await privacyJobs.idle().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type ApiApp = Awaited<ReturnType<typeof startApiApp>>;
