import { createPool } from '../db/pool';
import { loadConfig } from '../lib/config';
import { createMailer, createPaymentProvider } from '../lib/providers';
import { createLocalFileStore } from '../services/file-store';
import { createEnrollmentWorker } from './create-worker';

async function main() {
  const config = loadConfig();
  const db = createPool(config.databaseUrl, config.databasePoolSize);
  const { worker, connection } = await createEnrollmentWorker({
    config,
    deps: {
      db,
      files: createLocalFileStore(config.filesDir),
      payments: createPaymentProvider(config),
      mailer: createMailer(config),
      publicBaseUrl: config.publicBaseUrl,
    },
  });
  console.log(`[worker] polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  // SIGINT/SIGTERM make run() return after in-flight tasks finish (the SDK installs those handlers).
  await worker.run();
  await connection.close();
  await db.end();
}

main().catch((err) => {
  console.error('[worker] stopped:', err);
  process.exit(1);
});
