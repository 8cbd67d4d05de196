/**
 * The columns that hold secrets, each value sealed (lib/secrets-at-rest.ts) for its table, column and row, and the
 * re-encryption that moves every one of them under the newest key of DATA_ENCRYPTION_KEY (`npm run reencrypt`; also
 * run after the migrations by `npm start` and `node dist/db/migrate.js`, which is how an upgrade seals the clear values
 * kept before migration 021).
 */
import type { SecretsAtRest } from '../lib/secrets-at-rest';
import { isSealed } from '../lib/secrets-at-rest';
import { type Db, inTransaction } from './pool';

export interface SealedColumn {
  table: string;
  column: string;
  /** The row's key: part of the place a value is sealed for, so it opens in its own row only. */
  key: string;
}

export const WEBHOOK_SECRETS: SealedColumn = { table: 'webhook_endpoint_secrets', column: 'secret', key: 'id' };
export const LTI_PRIVATE_KEYS: SealedColumn = { table: 'lti_platform_keys', column: 'private_jwk', key: 'kid' };

/** Every column holding a secret (partner API keys are kept as hashes; sessions hold nothing usable without SESSION_SECRET). */
export const SEALED_COLUMNS: readonly SealedColumn[] = [WEBHOOK_SECRETS, LTI_PRIVATE_KEYS];

/** Where a value is sealed for: `table.column:row`. */
export const sealedPlace = (c: SealedColumn, row: string | number): string => `${c.table}.${c.column}:${row}`;

/** Per column (`table.column`): values sealed from clear, moved from an older key, and already under the newest. */
export type ReencryptReport = Record<string, { sealed: number; resealed: number; current: number }>;

/**
 * Seals every clear value and re-seals every value under an older key with the newest key, `batchSize` rows per
 * transaction (locked while they change). Idempotent, and resumable: a stopped run leaves each batch done or not, and
 * the next run takes what is left. A value no configured key opens stops it, naming the row.
 */
export async function reencryptSecrets(
  db: Db,
  secrets: SecretsAtRest,
  o: { batchSize?: number; columns?: readonly SealedColumn[] } = {},
): Promise<ReencryptReport> {
  const batchSize = o.batchSize ?? 100;
  const current = `v1.${secrets.keyId}.`;
  const report: ReencryptReport = {};
  for (const c of o.columns ?? SEALED_COLUMNS) {
    const counts = { sealed: 0, resealed: 0, current: 0 };
    for (;;) {
      const done = await inTransaction(db, async (client) => {
        const { rows } = await client.query<{ row: string; value: string }>(
          `SELECT ${c.key}::text AS row, ${c.column}::text AS value FROM ${c.table}
            WHERE NOT starts_with(${c.column}::text, $1) ORDER BY ${c.key} LIMIT $2 FOR UPDATE`,
          [current, batchSize],
        );
        for (const { row, value } of rows) {
          const place = sealedPlace(c, row);
          const clear = isSealed(value) ? secrets.open(value, place) : value;
          counts[isSealed(value) ? 'resealed' : 'sealed'] += 1;
          await client.query(`UPDATE ${c.table} SET ${c.column} = $2 WHERE ${c.key} = $1`, [row, secrets.seal(clear, place)]);
        }
        return rows.length;
      });
      if (done < batchSize) break;
    }
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.table} WHERE starts_with(${c.column}::text, $1)`, [
      current,
    ]);
    counts.current = rows[0].n - counts.sealed - counts.resealed;
    report[`${c.table}.${c.column}`] = counts;
  }
  return report;
}

/** The report in a line per column, for the command's and the migration's output. */
export const describeReencryption = (report: ReencryptReport): string[] =>
  Object.entries(report).map(
    ([column, n]) =>
      `${column}: ${n.sealed} sealed from clear, ${n.resealed} re-encrypted from an older key, ${n.current} already under the current key`,
  );
