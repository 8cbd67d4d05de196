import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/pool';
import { inTransaction } from '../../db/pool';
import { day, iso } from '../../lib/dates';
import type { Actor } from '../auth';
import { readCsvTable } from '../csv';
import { problems } from '../problems';
import { type VoucherFields, voucherFields } from '../schemas';

export const VOUCHER_CSV_MAX_ROWS = 5000;
export const VOUCHER_CSV_MAX_BYTES = 1024 * 1024;

const COLUMNS = {
  number: 'number', fundingsource: 'fundingSource', studentemail: 'studentEmail', studentid: 'studentId', amountcents: 'amountCents',
  currency: 'currency', expireson: 'expiresOn', programid: 'programId', organizationid: 'organizationId',
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
  id, organizationId, v.number, v.fundingSource, v.studentId ?? null, v.studentEmail ?? null, v.amountCents, v.currency, v.expiresOn,
  v.programId ?? null, issuedBy,
];

/** Issues one voucher; 409 when the organization issued this number already. */
export async function issueVoucher(db: Db, actor: Actor, v: VoucherFields): Promise<{ id: string; organizationId: string }> {
  const org = issuingOrganization(actor, v.organizationId);
  if ('refused' in org) {
    throw actor.role === 'funder' ? problems.forbidden(org.refused) : problems.badRequest(org.refused, { errors: [{ field: 'body.organizationId', message: 'required' }] });
  }
  if (v.programId && !(await knownPrograms(db, [v.programId])).has(v.programId)) {
    throw problems.badRequest(`program ${v.programId} does not exist`, { errors: [{ field: 'body.programId', message: 'no such program' }] });
  }
  const id = randomUUID();
  try {
    await db.query(INSERT, insertValues(id, org.organizationId, v, actor.id));
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw problems.conflict(`voucher ${v.number} was already issued by ${org.organizationId}`);
    throw err;
  }
  return { id, organizationId: org.organizationId };
}

export type VoucherRowOutcome = 'issued' | 'already_issued' | 'invalid';
export interface VoucherImportRow {
  line: number;
  outcome: VoucherRowOutcome;
  message: string;
  voucherId?: string;
}

/**
 * A funder's CSV of vouchers (the columns of POST /api/vouchers): each row `issued` (in a dry run: would be),
 * `already_issued` (the organization has this number, or an earlier row of the file issues it) or `invalid`. The
 * valid rows are issued together in one transaction; importing the same file again changes nothing.
 */
export async function importVouchers(db: Db, actor: Actor, data: Buffer, dryRun: boolean): Promise<VoucherImportRow[]> {
  const { header, width, records } = readCsvTable(data, COLUMNS, VOUCHER_CSV_MAX_ROWS);
  const missing = (['number', 'fundingSource', 'amountCents', 'currency', 'expiresOn'] as const).filter((c) => header[c] === undefined);
  if (header.studentEmail === undefined && header.studentId === undefined) missing.push('studentEmail or studentId' as never);
  if (missing.length) {
    throw problems.badRequest(`line 1 is not a voucher header: missing ${missing.join(', ')}`, {
      errors: missing.map((c) => ({ field: `body.header.${c}`, message: 'required' })),
    });
  }
  const cell = (fields: string[], c: Column) => (header[c] === undefined ? undefined : fields[header[c]!]?.trim() || undefined);
  type Planned = VoucherImportRow & { voucher?: VoucherFields; organizationId?: string };
  const planned: Planned[] = records.map(({ line, fields }) => {
    const invalid = (message: string): Planned => ({ line, outcome: 'invalid', message });
    if (fields.length !== width) return invalid(`expected ${width} fields like the header, found ${fields.length}`);
    const amount = cell(fields, 'amountCents');
    const parsed = voucherFields.safeParse({
      ...Object.fromEntries(Object.values(COLUMNS).map((c) => [c, cell(fields, c)])),
      amountCents: amount !== undefined && /^\d+$/.test(amount) ? Number(amount) : amount,
    });
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
      [valid.map((r) => r.organizationId!), valid.map((r) => r.voucher!.number.toLowerCase())])
    : { rows: [] };
  const issuedBefore = new Set(existing.map((r) => r.key));
  const firstLine = new Map<string, number>();
  for (const r of valid) {
    const key = keyOf(r);
    if (r.voucher!.programId && !programs.has(r.voucher!.programId)) {
      Object.assign(r, { outcome: 'invalid', message: `program ${r.voucher!.programId} does not exist`, voucher: undefined });
    } else if (issuedBefore.has(key)) {
      Object.assign(r, { outcome: 'already_issued', message: `${r.organizationId} issued voucher ${r.voucher!.number} already`, voucher: undefined });
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
        const { rowCount } = await client.query(`${INSERT} ON CONFLICT DO NOTHING`, insertValues(id, r.organizationId!, r.voucher!, actor.id));
        if (rowCount) r.voucherId = id;
        else Object.assign(r, { outcome: 'already_issued', message: `${r.organizationId} issued voucher ${r.voucher!.number} already` });
      }
    });
  }
  return planned.map(({ line, outcome, message, voucherId }) => ({ line, outcome, message, ...(voucherId && { voucherId }) }));
}

/** The organization whose records a caller sees: a funder's own; an admin's choice, or all (undefined). */
export function visibleOrganization(actor: Actor, requested: string | undefined): string | undefined {
  return actor.role === 'funder' ? actor.organizationId : requested;
}

/**
 * Vouchers with their status, derived from the enrollments that used them: `used` while one funds an enrollment,
 * `expired` past its last day, `released` when given back and still valid, `issued` otherwise.
 */
export async function listVouchers(db: Db, organizationId: string | undefined, page: { limit: number; offset: number }) {
  const { rows } = await db.query(
    `SELECT v.id, v.organization_id, v.number, v.funding_source, v.student_id, v.student_email, v.amount_cents, v.currency,
            to_char(v.expires_on, 'YYYY-MM-DD') AS expires_on, v.program_id, v.created_at, e.id AS enrollment_id,
            CASE WHEN e.id IS NOT NULL AND e.voucher_released_at IS NULL THEN 'used'
                 WHEN v.expires_on < current_date THEN 'expired'
                 WHEN e.id IS NOT NULL THEN 'released'
                 ELSE 'issued' END AS status
       FROM vouchers v
       LEFT JOIN LATERAL (SELECT id, voucher_released_at FROM enrollments WHERE voucher_id = v.id
                           ORDER BY voucher_released_at IS NULL DESC, created_at DESC LIMIT 1) e ON true
      WHERE ($1::text IS NULL OR v.organization_id = $1)
      ORDER BY v.created_at DESC, v.id LIMIT $2 OFFSET $3`,
    [organizationId ?? null, page.limit, page.offset],
  );
  return rows.map((v) => ({
    id: v.id, organizationId: v.organization_id, number: v.number, fundingSource: v.funding_source, studentId: v.student_id,
    studentEmail: v.student_email, amountCents: v.amount_cents, currency: v.currency, expiresOn: v.expires_on, programId: v.program_id,
    status: v.status, enrollmentId: v.status === 'used' ? v.enrollment_id : null, createdAt: iso(v.created_at),
  }));
}

/** The enrollments an organization's vouchers fund, with what a case manager reports: status, completion, credential, exit. */
export async function listFundedEnrollments(db: Db, organizationId: string | undefined, page: { limit: number; offset: number }) {
  const { rows } = await db.query(
    `SELECT e.id, e.status, e.funding_source, e.program_id, p.title, e.student_id, e.student_name, e.student_email,
            v.id AS voucher_id, v.number, v.organization_id, e.voucher_cents, e.amount_due_cents, e.price_cents, e.currency,
            e.created_at, e.launched_at, e.completed_at, e.completion_method, e.closed_at, e.withdrawn_at, e.expired_at,
            e.voucher_released_at, c.id AS certificate_id, c.verification_code, c.issued_at, c.revoked_at,
            w.exit_date, w.credential_type, w.credential_date
       FROM enrollments e
       JOIN vouchers v ON v.id = e.voucher_id
       JOIN programs p ON p.id = e.program_id
       LEFT JOIN certificates c ON c.enrollment_id = e.id
       LEFT JOIN wioa_outcomes w ON w.enrollment_id = e.id
      WHERE ($1::text IS NULL OR v.organization_id = $1)
      ORDER BY e.created_at DESC, e.id LIMIT $2 OFFSET $3`,
    [organizationId ?? null, page.limit, page.offset],
  );
  return rows.map((e) => ({
    enrollmentId: e.id, status: e.status, fundingSource: e.funding_source, programId: e.program_id, programTitle: e.title,
    student: { id: e.student_id, name: e.student_name, email: e.student_email },
    voucher: { id: e.voucher_id, number: e.number, organizationId: e.organization_id, coveredCents: e.voucher_cents, released: e.voucher_released_at !== null },
    price: { amountCents: e.price_cents, currency: e.currency }, coPayCents: e.amount_due_cents,
    enrolledAt: iso(e.created_at), launchedAt: iso(e.launched_at), completedAt: iso(e.completed_at), completionMethod: e.completion_method,
    closedAt: iso(e.closed_at), withdrawnAt: iso(e.withdrawn_at), expiredAt: iso(e.expired_at),
    credential: e.certificate_id
      ? { certificateId: e.certificate_id, verificationCode: e.verification_code, issuedAt: iso(e.issued_at), revoked: e.revoked_at !== null }
      : null,
    wioa: { exitDate: day(e.exit_date), credentialType: e.credential_type, credentialDate: day(e.credential_date) },
  }));
}
