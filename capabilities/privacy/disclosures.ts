/**
 * The access and disclosure log's writes (FERPA 34 CFR 99.32, GDPR Art. 15 and 30): every page, API answer, export or
 * transmission that shows a student's personal data to someone other than that student records one entry per student
 * shown, with who, which record and fields, why, and whether it left the platform. Each read path is named once below
 * (READS); the routes, pages and activities that read call `recordReads` (or `recordExportReads`) and await it before
 * they answer, so no data is sent whose entry is not committed: a failed write fails the request instead.
 */
import type { PoolClient } from 'pg';
import type { Actor, Role } from '../../core/actor';
import { inTransaction, type Db } from '../../db/pool';

/** Why a read path shows a student's data (the purpose the route serves). */
export const PURPOSES = [
  'review',
  'support',
  'funding_oversight',
  'state_reporting',
  'verification',
  'course_delivery',
  'revenue_reconciliation',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Who may read or receive a student's data, besides the student: people signed in, a partner, its LTI tool, anyone. */
export const READER_ROLES = ['program_holder', 'funder', 'admin', 'partner', 'lti_tool', 'public'] as const;
export type ReaderRole = (typeof READER_ROLES)[number];

/** Who read or received: a signed-in actor (a student's own reads are not recorded), or a recipient outside the platform. */
export type Reader = Omit<Actor, 'role'> & { role: Role | ReaderRole };

/** One read path: what it shows of each student on it, and why. */
export interface ReadPath {
  /** Names the page, answer or export (the entry's `via`). */
  via: string;
  /** The kind of record its ids are. */
  record: 'enrollment' | 'submission' | 'completion_evidence' | 'certificate' | 'voucher' | 'wioa_record' | 'ledger';
  fields: readonly string[];
  purpose: Purpose;
  /** Leaves the platform whoever reads it (a state report); otherwise that depends on the reader (OUTSIDE). */
  leavesPlatform?: true;
}

/** Readers outside the platform and the institution that teaches: what they are shown is a disclosure. */
const OUTSIDE: ReadonlySet<Reader['role']> = new Set<ReaderRole>(['funder', 'partner', 'lti_tool', 'public']);

const ENROLLMENT_FIELDS = ['name', 'email', 'status', 'program', 'dates'];
const ENROLLMENT_DETAIL_FIELDS = [...ENROLLMENT_FIELDS, 'payment', 'submissions', 'history', 'completion evidence', 'certificate'];
const FUNDED_FIELDS = [...ENROLLMENT_FIELDS, 'student id', 'voucher', 'co-pay', 'credential', 'WIOA outcome'];
const QUEUE_FIELDS = ['name', 'email', 'program', 'submission'];

/** Every read path of a student's personal data by someone other than the student. */
export const READS = {
  enrollment: { via: 'enrollment', record: 'enrollment', fields: ENROLLMENT_DETAIL_FIELDS, purpose: 'review' },
  enrollmentPage: { via: 'enrollment page', record: 'enrollment', fields: ENROLLMENT_DETAIL_FIELDS, purpose: 'review' },
  enrollmentList: { via: 'enrollment list', record: 'enrollment', fields: ENROLLMENT_FIELDS, purpose: 'review' },
  enrollmentListPage: { via: 'enrollment list page', record: 'enrollment', fields: ENROLLMENT_FIELDS, purpose: 'review' },
  enrollmentListCsv: { via: 'enrollment list CSV', record: 'enrollment', fields: ENROLLMENT_FIELDS, purpose: 'review' },
  reviewQueue: { via: 'review queue', record: 'submission', fields: QUEUE_FIELDS, purpose: 'review' },
  reviewQueuePage: { via: 'review queue page', record: 'submission', fields: QUEUE_FIELDS, purpose: 'review' },
  reviewDigest: { via: 'review digest email', record: 'submission', fields: QUEUE_FIELDS, purpose: 'review' },
  evidenceFile: { via: 'evidence file', record: 'submission', fields: ['evidence file'], purpose: 'review' },
  completionProof: { via: 'certificate proof file', record: 'completion_evidence', fields: ['certificate proof file'], purpose: 'review' },
  certificatePdf: { via: 'certificate PDF', record: 'certificate', fields: ['name', 'program', 'completion date'], purpose: 'review' },
  credential: {
    via: 'signed credential',
    record: 'certificate',
    fields: ['student id', 'email hash', 'program', 'dates'],
    purpose: 'review',
  },
  certificatesPage: { via: 'certificates page', record: 'certificate', fields: ['name', 'program', 'status'], purpose: 'support' },
  fundedEnrollments: { via: 'funded enrollments', record: 'enrollment', fields: FUNDED_FIELDS, purpose: 'funding_oversight' },
  fundedEnrollmentsPage: { via: 'funded enrollments page', record: 'enrollment', fields: FUNDED_FIELDS, purpose: 'funding_oversight' },
  fundedEnrollmentsCsv: { via: 'funded enrollments CSV', record: 'enrollment', fields: FUNDED_FIELDS, purpose: 'funding_oversight' },
  vouchers: { via: 'voucher list', record: 'voucher', fields: ['name', 'enrollment status', 'program'], purpose: 'funding_oversight' },
  vouchersPage: {
    via: 'voucher list page',
    record: 'voucher',
    fields: ['name', 'enrollment status', 'program'],
    purpose: 'funding_oversight',
  },
  revenueSharePage: { via: 'revenue share page', record: 'ledger', fields: ['name', 'ledger entries'], purpose: 'revenue_reconciliation' },
  revenueShareReport: {
    via: 'revenue share report',
    record: 'ledger',
    fields: ['enrollment id', 'ledger entries'],
    purpose: 'revenue_reconciliation',
  },
  pirlExport: {
    via: 'WIOA PIRL export',
    record: 'wioa_record',
    fields: ['enrollment id', 'PIRL participant number', 'entry and exit dates', 'training', 'credential'],
    purpose: 'state_reporting',
    leavesPlatform: true,
  },
  partnerLaunch: {
    via: 'course launch',
    record: 'enrollment',
    fields: ['enrollment id (registration)', 'course', 'partner learner id'],
    purpose: 'course_delivery',
  },
  partnerRegistration: {
    via: 'partner registration',
    record: 'enrollment',
    fields: ['enrollment id (registration)', 'course'],
    purpose: 'course_delivery',
  },
  ltiLaunch: {
    via: 'LTI launch',
    record: 'enrollment',
    fields: ['LTI user id (pseudonymous)', 'program', 'learner role', 'line item'],
    purpose: 'course_delivery',
  },
  verification: {
    via: 'public verification',
    record: 'certificate',
    fields: ['name', 'program', 'completion date', 'status'],
    purpose: 'verification',
  },
  /** The same page when the student chose to be named by their initials only. */
  verificationByInitials: {
    via: 'public verification',
    record: 'certificate',
    fields: ['initials', 'program', 'completion date', 'status'],
    purpose: 'verification',
  },
} as const satisfies Record<string, ReadPath>;

/** One student's record on a page: its enrollment (whose student it is) and the record shown, the enrollment itself unless said. */
export interface Shown {
  enrollmentId: string;
  recordId?: string;
}

/** An admin opening what program holders review does it to support them (or the student). */
const purposeOf = (read: ReadPath, reader: Reader): Purpose =>
  reader.role === 'admin' && read.purpose === 'review' ? 'support' : read.purpose;

/** The entry's columns that come from the reader and the read path, in ENTRY_TYPES' order. */
function entryValues(reader: Reader, read: ReadPath): unknown[] {
  return [
    reader.id,
    reader.role,
    reader.name ?? reader.email ?? null,
    reader.organizationId ?? null,
    read.record,
    read.fields,
    read.via,
    purposeOf(read, reader),
    read.leavesPlatform === true || OUTSIDE.has(reader.role),
  ];
}

/** The entry's own columns take their values from `entryValues`, bound from `$<first>` on. */
const ENTRY_TYPES = ['text', 'text', 'text', 'text', 'text', 'text[]', 'text', 'text', 'boolean'];

/**
 * One statement that writes an entry per student: `shown` yields (enrollment_id, record_id) pairs; each student is
 * their enrollment's, and a student with two records there has one entry naming both.
 */
function insertPerStudent(shown: string, first: number): string {
  const values = ENTRY_TYPES.map((type, i) => `$${first + i}::${type}`).join(', ');
  return `INSERT INTO disclosure_log (actor_id, actor_role, actor_name, actor_organization_id, record_kind, fields, via, purpose, disclosure,
                                     student_id, record_ids)
          SELECT ${values}, e.student_id, array_agg(DISTINCT shown.record_id ORDER BY shown.record_id)
            FROM ${shown} JOIN enrollments e ON e.id = shown.enrollment_id
           GROUP BY e.student_id`;
}

/**
 * Records that `reader` was shown these students' records by `read`: one statement for the whole page (a student with
 * two rows on it has one entry). Await it before answering. A student's own reads are not recorded.
 */
export async function recordReads(db: Pick<Db | PoolClient, 'query'>, reader: Reader, read: ReadPath, shown: readonly Shown[]) {
  if (reader.role === 'student' || shown.length === 0) return;
  await db.query(insertPerStudent('unnest($1::uuid[], $2::text[]) AS shown (enrollment_id, record_id)', 3), [
    shown.map((s) => s.enrollmentId),
    shown.map((s) => s.recordId ?? s.enrollmentId),
    ...entryValues(reader, read),
  ]);
}

/** What an export streams: its query and parameters, read in the snapshot its read-only transaction exported. */
export interface ExportedRows {
  snapshot: string;
  sql: string;
  params: unknown[];
}

/** A snapshot name as pg_export_snapshot() makes it (it cannot be a bound parameter of SET TRANSACTION SNAPSHOT). */
const SNAPSHOT = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Records an export's entries before its first byte, from the very rows it will stream: in the export's own snapshot,
 * one INSERT … SELECT over the export's query (`enrollmentColumn` names the column of its rows holding their
 * enrollment's id), committed on a connection of its own. Memory stays flat however many rows the export has, and a row
 * committed meanwhile is in neither.
 */
export async function recordExportReads(db: Db, reader: Reader, read: ReadPath, exported: ExportedRows, enrollmentColumn: string) {
  if (reader.role === 'student') return;
  if (!SNAPSHOT.test(exported.snapshot)) throw new Error(`not a snapshot name: ${exported.snapshot}`);
  if (!/^\w+$/.test(enrollmentColumn)) throw new Error(`not a column name: ${enrollmentColumn}`);
  const column = `exported.${enrollmentColumn}`;
  const shown = `(SELECT ${column} AS enrollment_id, ${column}::text AS record_id FROM (${exported.sql}) exported) shown`;
  await inTransaction(db, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await client.query(`SET TRANSACTION SNAPSHOT '${exported.snapshot}'`);
    // The export's own parameters keep their numbers; the entry's follow them.
    await client.query(insertPerStudent(shown, exported.params.length + 1), [...exported.params, ...entryValues(reader, read)]);
  });
}

/** A program's training partner, receiving a student's launch or registration (named by the partner's row when read). */
export const partnerReader = (partner: { id: string }): Reader => ({ id: partner.id, role: 'partner', organizationId: partner.id });

/** A partner's LTI tool, receiving a student's launch (named by its partner's row when read). */
export const ltiToolReader = (tool: { clientId: string; partnerId: string }): Reader => ({
  id: `lti:${tool.clientId}`,
  role: 'lti_tool',
  organizationId: tool.partnerId,
});

/** Anyone holding a certificate's verification code (the public page asks no one's name). */
export const PUBLIC_READER: Reader = { id: 'public', role: 'public', name: 'Anyone with the verification code' };
