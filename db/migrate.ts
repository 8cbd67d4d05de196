import fs from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import type { SecretsAtRest } from '../lib/secrets-at-rest';
import { createPool } from './pool';
import { describeReencryption, reencryptSecrets } from './sealed-columns';

// Compiled code runs from dist/db; the SQL files stay in the source tree.
const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'db', 'migrations');
const LOCK_ID = 724_001;

/** Creates the database when it does not exist yet (local development and tests). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount)
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
  } finally {
    await admin.end();
  }
}

/** Applies every migration not applied yet, in name order, each in its own transaction, under an advisory lock. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.name));
    const done: string[] = [];
    for (const file of files.filter((f) => !applied.has(f))) {
      const sql = await fs.readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
        done.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}

/**
 * Seals what the migrations left in clear and moves values sealed under an older key to the current one
 * (db/sealed-columns.ts): run after migrating, so an upgrade leaves no clear secret. Answers the lines of what changed.
 */
export async function sealSecretsAfterMigrating(databaseUrl: string, secrets: SecretsAtRest): Promise<string[]> {
  const db = createPool(databaseUrl, 1);
  try {
    const report = await reencryptSecrets(db, secrets);
    return describeReencryption(Object.fromEntries(Object.entries(report).filter(([, n]) => n.sealed + n.resealed > 0)));
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  const { databaseUrl, secretsAtRest } = loadConfig();
  ensureDatabase(databaseUrl)
    .then(() => migrate(databaseUrl))
    .then((done) => console.log(done.length ? `[db] applied ${done.join(', ')}` : '[db] schema up to date'))
    .then(() => sealSecretsAfterMigrating(databaseUrl, secretsAtRest))
    .then((lines) => lines.forEach((line) => console.log(`[db] ${line}`)))
    .catch((err) => {
      console.error(`[db] ${(err as Error).message}`);
      process.exit(1);
    });
}
