/**
 * multipart/mixed as xAPI 1.0.3 uses it for attachments (Communication 1.5.2, RFC 2046 section 5.1): the first part
 * is the statement JSON (application/json), each further part one attachment's content with the headers
 * `X-Experience-API-Hash` (its sha2) and `Content-Transfer-Encoding: binary`. Parsed from and written to a Buffer,
 * so binary content passes untouched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { refuse } from '../../../core/refusals';

export interface Part {
  /** Header names in lower case. */
  headers: Record<string, string>;
  content: Buffer;
}

const CRLF = Buffer.from('\r\n');
const bad = (detail: string) => refuse.invalid(detail, [{ field: 'body', message: detail }]);

/** The boundary parameter of a multipart Content-Type (quoted or not), or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`a part has a malformed header line: ${line.slice(0, 80)}`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The parts of a multipart body (the preamble before the first boundary and the epilogue after the last are ignored). */
export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw bad('a multipart/mixed Content-Type needs a boundary parameter');
  const delimiter = Buffer.from(`--${boundary}`);
  // The first delimiter may open the body; every other one follows a CRLF (which belongs to it).
  let at: number;
  if (body.subarray(0, delimiter.length).equals(delimiter)) at = delimiter.length;
  else {
    const first = body.indexOf(Buffer.concat([CRLF, delimiter]));
    if (first < 0) throw bad(`the body has no part delimited by the boundary ${boundary}`);
    at = first + CRLF.length + delimiter.length;
  }
  const parts: Part[] = [];
  for (;;) {
    if (body.subarray(at, at + 2).toString() === '--') return parts; // the close delimiter
    // Transport padding, then the CRLF that ends the delimiter line.
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (!body.subarray(at, at + 2).equals(CRLF)) throw bad('a boundary line must end with CRLF');
    at += 2;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), at);
    if (next < 0) throw bad('the multipart body does not end with its close delimiter');
    const part = body.subarray(at, next);
    // body-part := headers [CRLF content]; with no headers the part starts with that CRLF.
    if (part.subarray(0, 2).equals(CRLF)) parts.push({ headers: {}, content: part.subarray(2) });
    else {
      const headerEnd = part.indexOf('\r\n\r\n');
      const headers = parseHeaders(part.subarray(0, headerEnd < 0 ? part.length : headerEnd).toString('utf8'));
      parts.push({ headers, content: headerEnd < 0 ? Buffer.alloc(0) : part.subarray(headerEnd + 4) });
    }
    at = next + CRLF.length + delimiter.length;
  }
}

/** The SHA-2 digest (by its length: 224, 256, 384 or 512 bits) of `content`, in the hex of `sha2`. */
export function sha2Matches(sha2: string, content: Buffer): boolean {
  const algorithm = { 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' }[sha2.length];
  return algorithm !== undefined && createHash(algorithm).update(content).digest('hex') === sha2.toLowerCase();
}

/** A multipart/mixed body: the JSON first, then each attachment's content. */
export function buildMultipart(json: unknown, attachments: { sha2: string; contentType: string; content: Buffer }[]) {
  const boundary = `xapi-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n`),
    Buffer.from(JSON.stringify(json), 'utf8'),
  ];
  for (const a of attachments)
    chunks.push(
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: ${a.contentType}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${a.sha2}\r\n\r\n`,
      ),
      a.content,
    );
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}
