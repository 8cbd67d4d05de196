/**
 * Where a person's name or email still is: every text, varchar, json, jsonb, text[] and bytea column of every table
 * (from information_schema, so a table added later is scanned too), and every file under some folders (the file
 * store, the development outbox). Case-insensitive; bytea is searched for the UTF-8 bytes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/pool';

export interface Mention {
  table: string;
  column: string;
  rows: number;
}

export async function columnsMentioning(db: Db, needles: string[]): Promise<Mention[]> {
  const { rows: columns } = await db.query<{ table: string; column: string; data_type: string }>(
    `SELECT c.table_name AS table, c.column_name AS column, c.data_type
       FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea')
      ORDER BY 1, 2`,
  );
  const found: Mention[] = [];
  for (const c of columns) {
    const col = `"${c.column}"`;
    const test =
      c.data_type === 'bytea'
        ? `EXISTS (SELECT 1 FROM unnest($1::text[]) n WHERE position(convert_to(lower(n), 'UTF8') IN ${col}) > 0
                    OR position(convert_to(n, 'UTF8') IN ${col}) > 0)`
        : `EXISTS (SELECT 1 FROM unnest($1::text[]) n WHERE strpos(lower(${col}::text), lower(n)) > 0)`;
    const {
      rows: [{ n }],
    } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${c.table}" WHERE ${test}`, [needles]);
    if (n) found.push({ table: c.table, column: c.column, rows: n });
  }
  return found;
}

/**
 * The text of a file as a search must see it: its bytes, and for a PDF (whose text streams are compressed) the text
 * pdftotext extracts.
 */
function searchableText(file: string): string {
  const bytes = fs.readFileSync(file);
  const text = bytes.toString('latin1');
  if (!text.startsWith('%PDF-')) return text;
  try {
    return `${text}\n${execFileSync('pdftotext', [file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })}`;
  } catch {
    return text;
  }
}

/** The files under `dir` (recursively) whose bytes, or whose text when a PDF, hold any needle (case-insensitive). */
export function filesMentioning(dir: string, needles: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const lower = needles.map((n) => n.toLowerCase());
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => {
      const text = searchableText(file).toLowerCase();
      return lower.some((n) => text.includes(n));
    });
}

/**
 * The whole history of a workflow as text, each payload decoded (inputs, results, activity arguments and answers,
 * signal and update payloads, memos, search attributes, failures): what a search for a name must look through.
 */
export async function historyText(client: Client, workflowId: string, runId?: string): Promise<string> {
  const raw = JSON.stringify(await client.workflow.getHandle(workflowId, runId).fetchHistory());
  const payloads = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map(([, b64]) => Buffer.from(b64, 'base64').toString('utf8'));
  return [raw, ...payloads].join('\n');
}
