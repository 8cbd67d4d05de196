import { Client, Connection } from '@temporalio/client';
import express from 'express';
import { createPool } from '../db/pool';
import { ConfigError, loadConfig } from '../lib/config';
import { explainListenError } from '../lib/preflight';
import { createLocalFileStore } from '../services/file-store';
import { tutorModelFromConfig } from '../services/tutor-model';
import { createPrivacyJobs } from '../services/privacy-jobs';
import { createWebhookDispatcher } from '../services/webhook-dispatch';
import { createApp } from './app';
import { createAuthenticator } from './auth';
import { createEnrollmentClient } from '../core/enrollment-client';
import { problemHandler } from './problems';
import { metricsHandler } from './ops.routes';

async function main() {
  const config = loadConfig();
  const db = createPool(
    config.databaseUrl,
    config.databasePoolSize,
    config.databaseConnectTimeoutMs,
    `credential-marketplace api ${process.pid}`,
  );
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = createApp({
    config,
    db,
    files: createLocalFileStore(config.filesDir),
    enrollments: createEnrollmentClient(client, config.temporal.taskQueue, config.temporal.callTimeoutMs),
    authenticate: createAuthenticator(config.jwt),
    temporalHealth: () => connection.healthService.check({}),
    tutor: tutorModelFromConfig(config.openai, config.tutor, config.responseMaxBytes.openai),
    webhooks: { dispatcher: createWebhookDispatcher(client, { taskQueue: config.temporal.taskQueue, retry: config.webhooks.retry }) },
    privacyJobs: createPrivacyJobs(client, { taskQueue: config.temporal.taskQueue, callTimeoutMs: config.temporal.callTimeoutMs }),
  });
  const server = app.listen(config.port, () => {
    console.log(`[api] listening on ${config.publicBaseUrl} (port ${config.port})`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(`[api] ${explainListenError(err, config.port, 'the API', 'PORT')}`);
    process.exit(1);
  });
  // Metrics on a port of their own: the scraper reaches it on the private network; the public port has no /metrics.
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : express()
          .get('/metrics', metricsHandler({ config }))
          .use(problemHandler)
          .listen(config.metrics.port, () => console.log(`[api] metrics on port ${config.metrics.port}`));
  const stop = () => {
    metricsServer?.close();
    server.close(() => {
      void Promise.allSettled([connection.close(), db.end()]).then(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error('[api] could not start:', err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
