import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/pool';
import { inTransaction } from '../../db/pool';
import type { Actor } from '../../core/actor';
import { readCsvTable } from '../../core/csv';
import { refuse } from '../../core/refusals';
import { audit } from '../../core/audit';
import { dollarsAsCents } from '../../core/schemas';
import { type VoucherFields, voucherFields } from './schemas';

export const VOUCHER_CSV_MAX_ROWS = 5000;
export const VOUCHER_CSV_MAX_BYTES = 1024 * 1024;

const COLUMNS = {
  number: 'number',
  fundingsource: 'fundingSource',
  studentemail: 'studentEmail',
  studentid: 'studentId',
  amountcents: 'amountCents',
  amount: 'amount',
  currency: 'currency',
  expireson: 'expiresOn',
  programid: 'programId',
  organizationid: 'organizationId',
} as const;
type Column = (typeof COLUMNS)[keyof typeof COLUMNS];

/**
 * The organization a voucher is issued for: a funder's own (naming another is refused), the one an admin names.
 * Answers the organization, or the reason it cannot be issued.
 */
function issuingOrganization(actor: Actor, named: string | undefined): { organizationId: string } | { refused: string } {
  if (actor.role === 'funder') {
    if (named !== undefined && named !== actor.organizationId) return { refused: 'a funder issues vouchers of its own organization only' };
    return { organizationId: actor.organizationId! };
  }
  if (named === undefined) return { refused: 'organizationId is required: name the funding organization that issues the voucher' };
  return { organizationId: named };
}

/** The programs among `ids` that exist. */
async function knownPrograms(db: Db, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const { rows } = await db.query<{ id: string }>('SELECT id FROM programs WHERE id = ANY($1::uuid[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

const INSERT = `INSERT INTO vouchers (id, organization_id, number, funding_source, student_id, student_email, amount_cents, currency,
                                      expires_on, program_id, issued_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
const insertValues = (id: string, organizationId: string, v: VoucherFields, issuedBy: string) => [
  id,
  organizationId,
  v.number,
  v.fundingSource,
  v.studentId ?? null,
  v.studentEmail ?? null,
  v.amountCents,
  v.currency,
  v.expiresOn,
  v.programId ?? null,
  issuedBy,
];

/** Issues one voucher (audited); 409 when the organization issued this number already. */
export async function issueVoucher(db: Db, actor: Actor, v: VoucherFields): Promise<{ id: string; organizationId: string }> {
  const org = issuingOrganization(actor, v.organizationId);
  if ('refused' in org) {
    throw actor.role === 'funder'
      ? refuse.forbidden(org.refused)
      : refuse.invalid(org.refused, [{ field: 'body.organizationId', message: 'required' }]);
  }
  if (v.programId && !(await knownPrograms(db, [v.programId])).has(v.programId)) {
    throw refuse.invalid(`program ${v.programId} does not exist`, [{ field: 'body.programId', message: 'no such program' }]);
  }
  const id = randomUUID();
  try {
    await db.query(INSERT, insertValues(id, org.organizationId, v, actor.id));
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw refuse.conflict(`voucher ${v.number} was already issued by ${org.organizationId}`);
    throw err;
  }
  await audit(
    db,
    actor,
    'voucher.issue',
    { type: 'voucher', id },
    { organizationId: org.organizationId, fundingSource: v.fundingSource, amountCents: v.amountCents },
  );
  return { id, organizationId: org.organizationId };
}

export type VoucherRowOutcome = 'issued' | 'already_issued' | 'invalid';
export interface VoucherImportRow {
  line: number;
  outcome: VoucherRowOutcome;
  message: string;
  voucherId?: string;
}

/** What a row of the file says, for people checking it (the console's dry run shows it beside each outcome). */
export interface VoucherRowPreview {
  line: number;
  number?: string;
  student?: string;
  amountCents?: number;
  currency?: string;
  expiresOn?: string;
}

/** The columns of an import file with an example row: what the console offers to download as a template. */
export const VOUCHER_CSV_TEMPLATE =
  'number,fundingSource,studentEmail,amount,currency,expiresOn,programId\r\n' +
  'ITA-2027-0001,wioa_ita,student@example.org,1250.00,usd,2027-06-30,\r\n';

/**
 * A funder's CSV of vouchers (the columns of POST /api/vouchers; the amount as `amountCents`, or as `amount` in
 * dollars such as 1250.00, as the console's form takes it): each row `issued` (in a dry run: would be),
 * `already_issued` (the organization has this number, or an earlier row of the file issues it) or `invalid`. The
 * valid rows are issued together in one transaction (the import audited); importing the same file again changes nothing.
 */
export async function importVouchers(db: Db, actor: Actor, data: Buffer, dryRun: boolean) {
  const { header, width, records } = readCsvTable(data, COLUMNS, VOUCHER_CSV_MAX_ROWS);
  const missing: string[] = (['number', 'fundingSource', 'currency', 'expiresOn'] as const).filter((c) => header[c] === undefined);
  if (header.amountCents === undefined && header.amount === undefined) missing.push('amount (or amountCents)');
  if (header.studentEmail === undefined && header.studentId === undefined) missing.push('studentEmail (or studentId)');
  if (missing.length) {
    throw refuse.invalid(
      `line 1 is not a voucher header: missing ${missing.join(', ')}`,
      missing.map((c) => ({ field: `body.header.${c.split(' ')[0]}`, message: 'required' })),
    );
  }
  const cell = (fields: string[], c: Column) => (header[c] === undefined ? undefined : fields[header[c]]?.trim() || undefined);
  type Planned = VoucherImportRow & { voucher?: VoucherFields; organizationId?: string };
  const previews: VoucherRowPreview[] = [];
  const planned: Planned[] = records.map(({ line, fields }) => {
    const invalid = (message: string): Planned => ({ line, outcome: 'invalid', message });
    const cents = cell(fields, 'amountCents');
    const dollars = header.amountCents === undefined ? dollarsAsCents.safeParse(cell(fields, 'amount') ?? '') : undefined;
    const amountCents = dollars
      ? dollars.success
        ? dollars.data
        : cell(fields, 'amount')
      : cents !== undefined && /^\d+$/.test(cents)
        ? Number(cents)
        : cents;
    previews.push({
      line,
      number: cell(fields, 'number'),
      student: cell(fields, 'studentEmail') ?? cell(fields, 'studentId'),
      amountCents: typeof amountCents === 'number' ? amountCents : undefined,
      currency: cell(fields, 'currency'),
      expiresOn: cell(fields, 'expiresOn'),
    });
    if (fields.length !== width) return invalid(`expected ${width} fields like the header, found ${fields.length}`);
    if (dollars && !dollars.success) return invalid(`amount: ${dollars.error.issues[0]?.message ?? 'not an amount'}`);
    const { amount: _dollars, ...row } = Object.fromEntries(Object.values(COLUMNS).map((c) => [c, cell(fields, c)]));
    const parsed = voucherFields.safeParse({ ...row, amountCents });
    if (!parsed.success) return invalid(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
    const org = issuingOrganization(actor, parsed.data.organizationId);
    if ('refused' in org) return invalid(org.refused);
    return { line, outcome: 'issued', message: '', voucher: parsed.data, organizationId: org.organizationId };
  });

  const programs = await knownPrograms(db, [...new Set(planned.flatMap((r) => (r.voucher?.programId ? [r.voucher.programId] : [])))]);
  const keyOf = (r: Planned) => `${r.organizationId}\n${r.voucher!.number.toLowerCase()}`;
  const valid = planned.filter((r) => r.voucher);
  const { rows: existing } = valid.length
    ? await db.query<{ key: string }>(
        `SELECT organization_id || E'\\n' || lower(number) AS key FROM vouchers
        WHERE (organization_id, lower(number)) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [valid.map((r) => r.organizationId!), valid.map((r) => r.voucher!.number.toLowerCase())],
      )
    : { rows: [] };
  const issuedBefore = new Set(existing.map((r) => r.key));
  const firstLine = new Map<string, number>();
  for (const r of valid) {
    const key = keyOf(r);
    if (r.voucher!.programId && !programs.has(r.voucher!.programId)) {
      Object.assign(r, { outcome: 'invalid', message: `program ${r.voucher!.programId} does not exist`, voucher: undefined });
    } else if (issuedBefore.has(key)) {
      Object.assign(r, {
        outcome: 'already_issued',
        message: `${r.organizationId} issued voucher ${r.voucher!.number} already`,
        voucher: undefined,
      });
    } else if (firstLine.has(key)) {
      Object.assign(r, { outcome: 'already_issued', message: `line ${firstLine.get(key)} issues this number already`, voucher: undefined });
    } else {
      firstLine.set(key, r.line);
      r.message = dryRun ? 'would be issued' : 'issued';
    }
  }

  if (!dryRun) {
    await inTransaction(db, async (client) => {
      for (const r of planned.filter((p) => p.outcome === 'issued')) {
        const id = randomUUID();
        // Another import of the same number may have committed since the plan: that row is then already issued.
        const { rowCount } = await client.query(
          `${INSERT} ON CONFLICT DO NOTHING`,
          insertValues(id, r.organizationId!, r.voucher!, actor.id),
        );
        if (rowCount) r.voucherId = id;
        else Object.assign(r, { outcome: 'already_issued', message: `${r.organizationId} issued voucher ${r.voucher!.number} already` });
      }
    });
  }
  const rows: VoucherImportRow[] = planned.map(({ line, outcome, message, voucherId }) => ({
    line,
    outcome,
    message,
    ...(voucherId && { voucherId }),
  }));
  const summary: Record<VoucherRowOutcome, number> = { issued: 0, already_issued: 0, invalid: 0 };
  for (const r of rows) summary[r.outcome] += 1;
  if (!dryRun) await audit(db, actor, 'voucher.import', { type: 'organization', id: actor.organizationId ?? 'admin' }, summary);
  return { rows, summary, previews };
}
