/**
 * `npm run reencrypt [-- --batch-size N]`: seals every secret the platform keeps under the first key of
 * DATA_ENCRYPTION_KEY (db/sealed-columns.ts), clear values kept before secrets at rest and values sealed under an
 * older key alike, and the development credential key in DATA_DIR when there is one. Idempotent and resumable (a
 * batch per transaction); once it reports every value current, the older keys may be removed from DATA_ENCRYPTION_KEY.
 */
import { parseArgs } from 'node:util';
import { createPool } from '../db/pool';
import { describeReencryption, reencryptSecrets } from '../db/sealed-columns';
import { ConfigError, loadConfig } from '../lib/config';
import { reencryptDevelopmentKey } from '../services/credentials';

async function main() {
  const { values } = parseArgs({ options: { 'batch-size': { type: 'string', default: '100' } } });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('--batch-size: a whole number of at least 1');
  const config = loadConfig();
  console.log(`[reencrypt] sealing under key ${config.secretsAtRest.keyId}`);
  const db = createPool(config.databaseUrl, 1);
  try {
    for (const line of describeReencryption(await reencryptSecrets(db, config.secretsAtRest, { batchSize })))
      console.log(`[reencrypt] ${line}`);
  } finally {
    await db.end();
  }
  const file = await reencryptDevelopmentKey(config.credentials.devKeyFile, config.secretsAtRest);
  console.log(`[reencrypt] development credential key (${config.credentials.devKeyFile}): ${DEVELOPMENT_KEY_OUTCOME[file]}`);
}

const DEVELOPMENT_KEY_OUTCOME = {
  absent: 'none',
  current: 'already under the current key',
  clear: 'sealed from clear',
  'older key': 're-encrypted from an older key',
} as const;

main().catch((err) => {
  console.error(`[reencrypt] stopped: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
