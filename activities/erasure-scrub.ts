/**
 * Rewriting a person out of free text: every occurrence of their email addresses and names (whole words, any case) in a
 * column, replaced by the erasure's pseudonymous address and a plain "[erased]". JSON columns are rewritten in their
 * JSON text, where a value appears JSON-escaped. The same rewrite serves text, json, jsonb and text[] columns, and
 * only rows that hold an occurrence are written.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/webhook-outbox';

/** Who is erased: what to look for, and what the records keep instead. */
export interface ErasureSubject {
  requestId: string;
  studentId: string;
  /** `erased-<uuid>`: replaces the student's id in every record kept. */
  pseudonym: string;
  names: string[];
  emails: string[];
}

/** The address that replaces the student's in what is kept (RFC 2606: `.invalid` never delivers). */
export const pseudonymousEmail = (s: Pick<ErasureSubject, 'pseudonym'>) => `${s.pseudonym}@erased.invalid`;
export const ERASED_NAME = '[erased]';

/** xAPI's mbox_sha1sum of an address: SHA-1 of its mailto IRI. */
const mboxSha1 = (email: string) => createHash('sha1').update(`mailto:${email}`).digest('hex');

export type ColumnKind = 'text' | 'json' | 'jsonb' | 'text[]';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const asJsonText = (s: string) => JSON.stringify(s).slice(1, -1);

/** One rewrite: a PostgreSQL regular expression (ARE) and what replaces each match. */
interface Rewrite {
  pattern: string;
  replacement: string;
}

/** The rewrites for a column of `kind`: emails, their xAPI hashes, then names; each a whole word, in any case. */
function rewrites(s: ErasureSubject, kind: ColumnKind, extra: [string, string][] = []): Rewrite[] {
  const form = kind === 'json' || kind === 'jsonb' ? asJsonText : (v: string) => v;
  const words = (values: string[]) => `\\y(${values.map((v) => escapeRegex(form(v))).join('|')})\\y`;
  const emails = s.emails.filter(Boolean);
  const names = s.names.filter((n) => n.trim().length >= 2);
  return [
    ...(emails.length ? [{ pattern: words(emails), replacement: pseudonymousEmail(s) }] : []),
    ...(emails.length ? [{ pattern: words(emails.map(mboxSha1)), replacement: mboxSha1(pseudonymousEmail(s)) }] : []),
    ...extra.map(([from, to]) => ({ pattern: words([from]), replacement: to })),
    ...(names.length ? [{ pattern: words(names), replacement: ERASED_NAME }] : []),
  ];
}

/** Numbered query parameters, in the order the SQL names them. */
export class Params {
  readonly values: unknown[] = [];
  constructor(...initial: unknown[]) {
    this.values.push(...initial);
  }
  /** `$n` of a new parameter holding `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Rewrites the subject out of `table.column` in the rows `where` selects (its parameters in `params`, `true` for
 * every row); `extra` adds exact words to replace (an LTI subject). Answers how many rows changed.
 */
export async function scrubColumn(
  q: Queryable,
  s: ErasureSubject,
  target: { table: string; column: string; kind: ColumnKind; where?: string; params?: Params; extra?: [string, string][] },
): Promise<number> {
  const params = target.params ?? new Params();
  const all = rewrites(s, target.kind, target.extra);
  if (!all.length) return 0;
  const col = `"${target.column}"`;
  const apply = (expr: string) =>
    all.reduce((e, r) => `regexp_replace(${e}, ${params.add(r.pattern)}, ${params.add(r.replacement)}, 'gi')`, expr);
  const set =
    target.kind === 'text'
      ? apply(col)
      : target.kind === 'text[]'
        ? `ARRAY(SELECT ${apply('x')} FROM unnest(${col}) WITH ORDINALITY AS u(x, i) ORDER BY i)`
        : `${apply(`${col}::text`)}::${target.kind}`;
  const any = params.add(all.map((r) => r.pattern).join('|'));
  const { rowCount } = await q.query(
    `UPDATE ${target.table} SET ${col} = ${set} WHERE (${target.where ?? 'true'}) AND ${col}::text ~* ${any}`,
    params.values,
  );
  return rowCount ?? 0;
}

/** The rows of `table` whose `columns` (text or JSON) hold the subject's email or name: for the tests' scan and the sweep. */
export function mentionPattern(s: ErasureSubject, kind: ColumnKind): string | undefined {
  const all = rewrites(s, kind);
  return all.length ? all.map((r) => r.pattern).join('|') : undefined;
}
