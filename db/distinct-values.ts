import type { Db } from './pool';

/** Columns whose distinct values a filter offers; each needs an index that starts with it. */
const INDEXED_COLUMNS = { audit_log: 'action', vouchers: 'organization_id' } as const;
type Table = keyof typeof INDEXED_COLUMNS;

/**
 * The distinct values of an indexed column, in order: one index probe per value (a loose index scan), not a scan of
 * the table, so a filter's choices stay cheap however large the table grows.
 */
export async function distinctValues(db: Db, table: Table): Promise<string[]> {
  const column = INDEXED_COLUMNS[table];
  const { rows } = await db.query<{ value: string }>(
    `WITH RECURSIVE found AS (
       (SELECT ${column} AS value FROM ${table} ORDER BY ${column} LIMIT 1)
       UNION ALL
       SELECT (SELECT t.${column} FROM ${table} t WHERE t.${column} > found.value ORDER BY t.${column} LIMIT 1)
         FROM found WHERE found.value IS NOT NULL
     )
     SELECT value FROM found WHERE value IS NOT NULL`,
  );
  return rows.map((r) => r.value);
}
