/**
 * Streaming a large report from PostgreSQL to an HTTP response in flat memory: a server-side cursor in one read-only
 * snapshot, FETCHed a batch at a time, each batch written only once the socket has taken the previous one.
 * Used by the WIOA export (capabilities/reports/wioa.routes.ts) and the revenue-share report (capabilities/reports/revenue-share.routes.ts).
 */
import type { Response } from 'express';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

/** Rows fetched from the server-side cursor at a time. */
export const CURSOR_BATCH = 1000;

/** Resolves when the response can take more, or is gone (at once if it is gone already: 'close' comes only once). */
export function drained(res: Response): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface CursorExport<R extends QueryResultRow> {
  /** Names the export in the log line of a failure mid-stream. */
  label: string;
  /** The query whose rows are streamed, in order, and its parameters. */
  sql: string;
  params: unknown[];
  /**
   * Records who receives the rows (the access and disclosure log), given the query and the name of its snapshot
   * (pg_export_snapshot) so it reads exactly the rows that will be streamed; awaited before the first byte, and what it
   * throws is the route's error answer.
   */
  record?(exported: { snapshot: string; sql: string; params: unknown[] }): Promise<void>;
  /**
   * Runs in the same snapshot, after the cursor is declared and before the first byte: may query the client (small
   * results, such as totals that go in a header), sets the status and headers, and answers the text that opens the
   * body and the text that closes it. What it throws is the route's error answer, as if nothing were streamed.
   */
  open(client: PoolClient): Promise<{ head: string; tail?: string }> | { head: string; tail?: string };
  /** One batch of rows as text; called in order, so it may remember what it wrote (a separator). */
  rows(batch: R[]): string;
}

/** Asks for the cursor's next batch. */
function fetchBatch<R extends QueryResultRow>(client: PoolClient): Promise<QueryResult<R>> {
  const batch = client.query<R>(`FETCH ${CURSOR_BATCH} FROM report_export`);
  // Awaited by the loop, unless it stopped first (the client went away, a batch failed to write): then its failure,
  // if any, is the transaction's, already being rolled back or committed after it.
  batch.catch(() => undefined);
  return batch;
}

/**
 * Streams the rows of `sql` to `res` from a NO SCROLL cursor, in one REPEATABLE READ READ ONLY transaction on a client
 * of its own, CURSOR_BATCH rows at a time; memory stays flat however many rows there are. Stops reading when the
 * client goes away (the transaction ends and the connection goes back to the pool). A failure before the first byte
 * is thrown, for the problem handler; after it the connection is cut instead of ended, so half a report never looks
 * like a whole one.
 */
export async function streamCursor<R extends QueryResultRow>(db: Pool, res: Response, report: CursorExport<R>): Promise<void> {
  const client = await db.connect();
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  res.on('close', onClose);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (report.record) {
      // The transaction's first statement fixes its snapshot: the cursor below reads in this same one.
      const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
      await report.record({ snapshot: rows[0].snapshot, sql: report.sql, params: report.params });
    }
    await client.query(`DECLARE report_export NO SCROLL CURSOR FOR ${report.sql}`, report.params);
    const { head, tail = '' } = await report.open(client);
    res.write(head);
    // One batch read ahead: the database fetches the next batch while this one is turned into text and written.
    let next = fetchBatch<R>(client);
    while (!gone) {
      const { rows } = await next;
      if (rows.length === 0) break;
      next = fetchBatch<R>(client);
      // A write after the client went away (while the batch was fetched) answers false too: nothing to wait for.
      if (!res.write(report.rows(rows)) && !gone) await drained(res);
    }
    await client.query('COMMIT');
    if (!gone) res.end(tail);
  } catch (err) {
    broken = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    if (!res.headersSent) throw err;
    console.error(`[api] ${report.label} failed mid-stream:`, err);
    res.destroy(broken);
  } finally {
    res.off('close', onClose);
    client.release(broken);
  }
}
