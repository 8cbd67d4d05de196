import { refuse } from './refusals';

/**
 * A small RFC 4180 reader: comma-separated fields, double-quoted fields (which may hold commas, line breaks and
 * `""` for a quote), records ending in CRLF (LF and a lone CR are accepted as well). Blank lines are skipped.
 * Each record remembers the line it starts on, so a report can point at it. The exports write CSV with
 * csvCell and csvLine below.
 */
export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

/** The text is not CSV (an unterminated quote, a quote inside an unquoted field, text after a closing quote). */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

/** More records than the caller allows. */
export class CsvTooManyRecordsError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} records`);
    this.name = 'CsvTooManyRecordsError';
  }
}

export function parseCsv(text: string, options: { maxRecords?: number } = {}): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  /** Consumes a line break at `i` if there is one (CRLF, LF or CR). */
  const lineBreak = (): boolean => {
    if (text[i] === '\r') {
      i += text[i + 1] === '\n' ? 2 : 1;
    } else if (text[i] === '\n') {
      i += 1;
    } else {
      return false;
    }
    line += 1;
    return true;
  };

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        quoted = true;
        const opened = line;
        i += 1;
        for (;;) {
          if (i >= n) throw new CsvSyntaxError('a quoted field is never closed', opened);
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          const at = i;
          if (lineBreak()) {
            value += text.slice(at, i);
            continue;
          }
          value += text[i];
          i += 1;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          throw new CsvSyntaxError('only a comma or a line break may follow a closing quote', line);
        }
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          if (text[i] === '"') throw new CsvSyntaxError('a quote inside a field that does not start with one', line);
          i += 1;
        }
        value = text.slice(start, i);
      }
      fields.push(value);
      if (i < n && text[i] === ',') {
        i += 1;
        continue;
      }
      lineBreak();
      break;
    }
    if (fields.length === 1 && fields[0] === '' && !quoted) continue; // a blank line
    records.push({ line: startLine, fields });
    if (options.maxRecords !== undefined && records.length > options.maxRecords) throw new CsvTooManyRecordsError(options.maxRecords);
  }
  return records;
}

/** One CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
export function csvCell(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record, ending in CRLF. */
export const csvLine = (cells: readonly (string | number)[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/**
 * Whether bytes are UTF-8 text rather than a binary file: valid UTF-8 with no control characters other than tab,
 * CR and LF. Answers the text (without a byte order mark) or undefined.
 */
export function decodeText(data: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

/** A CSV file as a table: the known columns' positions in its header, and its data records. */
export interface CsvTable<C extends string> {
  header: Partial<Record<C, number>>;
  width: number;
  records: CsvRecord[];
}

/**
 * Reads an uploaded CSV into a table, or answers the 4xx problem that says why it is not one: UTF-8 text, at most
 * `maxRows` data rows, a header row whose names are matched to
 * `columns` by their letters alone (case, spaces, `_` and `-` ignored); other columns are allowed and ignored.
 */
export function readCsvTable<C extends string>(data: Buffer, columns: Record<string, C>, maxRows: number): CsvTable<C> {
  if (data.length === 0) throw refuse.invalid('the CSV is empty', [{ field: 'body', message: 'a header row and data rows are required' }]);
  const text = decodeText(data);
  if (text === undefined) throw refuse.unsupportedType('the body is not text: a CSV is UTF-8 text without control characters');
  let records;
  try {
    records = parseCsv(text, { maxRecords: maxRows + 1 });
  } catch (err) {
    if (err instanceof CsvTooManyRecordsError) throw refuse.tooLarge(`at most ${maxRows} rows per import`);
    if (err instanceof CsvSyntaxError)
      throw refuse.invalid(`not a valid CSV (RFC 4180): ${err.message}`, [{ field: 'body', message: err.message }]);
    throw err;
  }
  const [first, ...rest] = records;
  if (!first) throw refuse.invalid('the CSV has no header row', [{ field: 'body', message: 'a header row is required' }]);
  const header: Partial<Record<C, number>> = {};
  first.fields.forEach((name, index) => {
    const column =
      columns[
        name
          .trim()
          .replace(/[\s_-]/g, '')
          .toLowerCase()
      ];
    if (!column) return;
    if (header[column] !== undefined) {
      throw refuse.invalid(`line 1: column ${column} appears twice`, [{ field: `body.header.${column}`, message: 'appears twice' }]);
    }
    header[column] = index;
  });
  return { header, width: first.fields.length, records: rest };
}
