/**
 * The WIOA reports against PostgreSQL and the express app on an ephemeral port: the PIRL CSV (the OBS Number first,
 * headers, WIOA-funded participants only, 1303 from the program, the participant records the activities write, edit
 * checks reported per row, YYYYMMDD dates, range filtering), the ETA-9171-style counts (all students), and the refusals.
 * The expected rows are written out here from the layout (ETA-9172 as lib/pirl.ts cites it), not computed by the export.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../api/app';
import { createAuthenticator, signDevelopmentToken } from '../api/auth';
import type { EnrollmentClient } from '../core/enrollment-client';
import { parseCsv } from '../core/csv';
import { WIOA_CSV_HEADER } from '../capabilities/reports/wioa.routes';
import type { ActivityDeps } from '../activities/deps';
import { createWioaActivities } from '../activities/wioa';
import { loadConfig } from '../lib/config';
import { editChecks, formatEditCheckErrors, pirlDate, TRAINING_SERVICE_TYPE_TO_PIRL } from '../lib/pirl';
import { TRAINING_SERVICE_TYPES } from '../lib/program-rules';
import { createLocalFileStore } from '../services/file-store';
import type { Problem } from './helpers/contract';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let tdb: TestDatabase;
let server: Server;
let baseUrl: string;
let adminToken: string;
let studentToken: string;
let holderToken: string;
const programId = randomUUID();
const otherProgramId = randomUUID();
/** Two programs of other types of training service (PIRL 1303 09 and 02). */
const apprenticeshipProgramId = randomUUID();
const upgradingProgramId = randomUUID();

async function get(pathAndQuery: string, token?: string) {
  const res = await fetch(`${baseUrl}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T = unknown>() => JSON.parse(text) as T };
}

/** `GET /api/reports/etp` (api.md: Outcomes), as these tests read it; contract.ts has no type for it. */
interface EtpCounts {
  enrolled: number;
  completed: number;
  credentialAttained: number;
}
interface EtpReport {
  year: number;
  programs: { programId: string; programTitle: string; allStudents: EtpCounts; wioaFunded: EtpCounts }[];
}

async function enrollment(opts: {
  program?: string;
  student?: string;
  funding?: string;
  paidAt: string;
  launchedAt?: string | null;
  completedAt?: string | null;
  status: string;
}): Promise<string> {
  const id = randomUUID();
  await tdb.db.query(
    `INSERT INTO enrollments (id, program_id, student_id, funding_source, price_cents, currency, status, paid_at, launched_at, completed_at)
     VALUES ($1, $2, $3, $4, 5000, 'usd', $5, $6, $7, $8)`,
    [
      id,
      opts.program ?? programId,
      opts.student ?? `student-${id.slice(0, 8)}`,
      opts.funding ?? 'wioa_ita',
      opts.status,
      opts.paidAt,
      opts.launchedAt ?? null,
      opts.completedAt ?? null,
    ],
  );
  return id;
}

/** A participant record written directly, for records the activities never write (the failing edit checks). */
async function outcome(enrollmentId: string, v: Record<string, unknown>): Promise<void> {
  const cols = ['enrollment_id', 'program_id', 'funding_source', ...Object.keys(v)];
  const vals = [enrollmentId, v.program_id ?? programId, 'wioa_ita', ...Object.values(v)];
  if ('program_id' in v) {
    cols.splice(3 + Object.keys(v).indexOf('program_id'), 1);
    vals.splice(3 + Object.keys(v).indexOf('program_id'), 1);
  }
  await tdb.db.query(`INSERT INTO wioa_outcomes (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, vals);
}

type Row = Record<string, string>;
function rowsOf(csv: string): Row[] {
  const [header, ...records] = parseCsv(csv);
  return records.map((r) => Object.fromEntries(header.fields.map((h, i) => [h, r.fields[i]])));
}
const ID = 'enrollment_id';
/** The enrollment ids of the rows an admin's `GET /api/reports/wioa<query>` exports, in its order. */
const exportedIds = async (query: string) => rowsOf((await get(`/api/reports/wioa${query}`, adminToken)).text).map((r) => r[ID]);
const H = {
  obs: 'OBS Number',
  id: 'PIRL 100 Unique Individual Identifier (WIOA)',
  entry: 'PIRL 900 Date of Program Entry (WIOA)',
  exit: 'PIRL 901 Date of Program Exit (WIOA)',
  received: 'PIRL 1300 Received Training (WIOA)',
  trainingEntry: 'PIRL 1302 Date Entered Training #1 (WIOA)',
  service: 'PIRL 1303 Type of Training Service #1 (WIOA)',
  completed: 'PIRL 1307 Training Completed #1',
  completedDate: 'PIRL 1308 Date Completed, or Withdrew from, Training #1',
  credType: 'PIRL 1800 Type of Recognized Credential (WIOA)',
  credDate: 'PIRL 1801 Date Attained Recognized Credential (WIOA)',
};

const ids: Record<string, string> = {};

beforeAll(async () => {
  tdb = await createTestDatabase();
  for (const [id, title] of [
    [programId, 'WIOA report program'],
    [otherProgramId, 'WIOA other program'],
  ]) {
    // Neither names its type of training service: the default, occupational skills training.
    await tdb.db.query(
      `INSERT INTO programs (id, title, partner_id, price_cents, currency, holder_id, platform_bps, holder_bps, partner_bps, credential_type, deadline_days)
       VALUES ($1, $2, 'nrf', 5000, 'usd', 'holder-1', 2000, 6000, 2000, 'occupational_certification', 365)`,
      [id, title],
    );
  }
  for (const [id, title, credentialType, trainingServiceType] of [
    [apprenticeshipProgramId, 'WIOA apprenticeship program', 'occupational_licensure', 'registered_apprenticeship'],
    [upgradingProgramId, 'WIOA upgrading program', 'occupational_certificate', 'skill_upgrading'],
  ]) {
    await tdb.db.query(
      `INSERT INTO programs (id, title, partner_id, price_cents, currency, holder_id, platform_bps, holder_bps, partner_bps,
                             credential_type, deadline_days, training_service_type)
       VALUES ($1, $2, 'nrf', 5000, 'usd', 'holder-1', 2000, 6000, 2000, $3, 365, $4)`,
      [id, title, credentialType, trainingServiceType],
    );
  }
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: path.join(os.tmpdir(), `wioa-test-${randomUUID()}`) });
  const app = createApp({
    config,
    db: tdb.db,
    files: createLocalFileStore(path.join(os.tmpdir(), `wioa-files-${randomUUID()}`)),
    enrollments: {} as EnrollmentClient, // never called by these routes
    authenticate: createAuthenticator(config.jwt),
    temporalHealth: () => Promise.resolve(undefined),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  adminToken = await signDevelopmentToken(config.jwt, { id: 'admin-1', role: 'admin' });
  studentToken = await signDevelopmentToken(config.jwt, { id: 'student-1', role: 'student' });
  holderToken = await signDevelopmentToken(config.jwt, { id: 'holder-1', role: 'program_holder' });

  // The records the activities write: a completion, a self-paid withdrawal after launch, an expiry before launch.
  const wioa = createWioaActivities({ db: tdb.db } as unknown as ActivityDeps);
  ids.completed = await enrollment({
    paidAt: '2025-03-01T10:00:00Z',
    launchedAt: '2025-03-02T10:00:00Z',
    completedAt: '2025-04-15T10:00:00Z',
    status: 'completed',
  });
  await wioa.recordWioaOutcome({ enrollmentId: ids.completed, completedAt: '2025-04-15T10:00:00Z' });
  await wioa.recordWioaOutcome({ enrollmentId: ids.completed, completedAt: '2025-04-20T10:00:00Z' }); // a retried activity: no change
  ids.withdrawn = await enrollment({
    paidAt: '2025-03-05T10:00:00Z',
    launchedAt: '2025-03-06T10:00:00Z',
    status: 'withdrawn',
    funding: 'self_pay',
  });
  await wioa.recordWioaExit({ enrollmentId: ids.withdrawn, exitDate: '2025-05-01T00:00:00Z' });
  ids.expired = await enrollment({ paidAt: '2025-03-10T10:00:00Z', status: 'expired' });
  await wioa.recordWioaExit({ enrollmentId: ids.expired, exitDate: '2025-06-30T00:00:00Z' });

  // One record failing each edit check.
  ids.credDateNoType = await enrollment({ paidAt: '2025-03-01T00:00:00Z', status: 'completed' });
  await outcome(ids.credDateNoType, {
    program_entry_date: '2025-03-01',
    exit_date: '2025-04-01',
    training_entry_date: '2025-03-01',
    training_completed: true,
    completion_date: '2025-04-01',
    credential_date: '2025-04-01',
  });
  ids.exitBeforeEntry = await enrollment({ paidAt: '2025-03-01T00:00:00Z', status: 'withdrawn' });
  await outcome(ids.exitBeforeEntry, {
    program_entry_date: '2025-03-20',
    exit_date: '2025-03-10',
    training_entry_date: '2025-03-20',
    training_completed: false,
  });
  ids.completionNotCompleted = await enrollment({ paidAt: '2025-03-01T00:00:00Z', status: 'withdrawn' });
  await outcome(ids.completionNotCompleted, {
    program_entry_date: '2025-03-01',
    exit_date: '2025-04-01',
    training_entry_date: '2025-03-01',
    training_completed: false,
    completion_date: '2025-03-25',
  });
  ids.future = await enrollment({ paidAt: '2025-03-01T00:00:00Z', status: 'completed' });
  await outcome(ids.future, {
    program_entry_date: '2025-03-01',
    exit_date: '2099-01-01',
    training_entry_date: '2025-03-01',
    training_completed: true,
    completion_date: '2099-01-01',
    credential_type: 'occupational_licensure',
    credential_date: '2099-01-01',
  });
  ids.credTypeNoDate = await enrollment({ paidAt: '2025-03-01T00:00:00Z', status: 'completed' });
  await outcome(ids.credTypeNoDate, {
    program_entry_date: '2025-03-01',
    exit_date: '2025-04-01',
    training_entry_date: '2025-03-01',
    training_completed: true,
    completion_date: '2025-04-01',
    credential_type: 'occupational_certificate',
  });

  // Out of the range below (entry and exit in 2024), and an open enrollment without a record (counted by ETP 2025).
  ids.outOfRange = await enrollment({ paidAt: '2024-01-05T00:00:00Z', status: 'completed', program: otherProgramId });
  await outcome(ids.outOfRange, {
    program_id: otherProgramId,
    program_entry_date: '2024-01-05',
    exit_date: '2024-02-01',
    training_entry_date: '2024-01-05',
    training_completed: true,
    completion_date: '2024-02-01',
    credential_type: 'occupational_certification',
    credential_date: '2024-02-01',
  });
  ids.open = await enrollment({ paidAt: '2025-07-01T00:00:00Z', launchedAt: '2025-07-02T00:00:00Z', status: 'in_progress' });

  // One WIOA participant with two periods of participation, in programs of other training services; and a sponsored
  // student, who is no WIOA participant (in the ETP counts, not in the PIRL).
  ids.apprentice = await enrollment({
    program: apprenticeshipProgramId,
    student: 'student-twice',
    paidAt: '2025-05-01T10:00:00Z',
    launchedAt: '2025-05-02T10:00:00Z',
    completedAt: '2025-06-10T10:00:00Z',
    status: 'completed',
  });
  await wioa.recordWioaOutcome({ enrollmentId: ids.apprentice, completedAt: '2025-06-10T10:00:00Z' });
  ids.upgradingWithdrawn = await enrollment({
    program: upgradingProgramId,
    student: 'student-twice',
    paidAt: '2025-07-01T10:00:00Z',
    launchedAt: '2025-07-03T10:00:00Z',
    status: 'withdrawn',
  });
  await wioa.recordWioaExit({ enrollmentId: ids.upgradingWithdrawn, exitDate: '2025-08-01T00:00:00Z' });
  ids.sponsored = await enrollment({
    program: upgradingProgramId,
    funding: 'sponsor',
    paidAt: '2025-07-01T10:00:00Z',
    launchedAt: '2025-07-02T10:00:00Z',
    completedAt: '2025-07-20T10:00:00Z',
    status: 'completed',
  });
  await wioa.recordWioaOutcome({ enrollmentId: ids.sponsored, completedAt: '2025-07-20T10:00:00Z' });
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await tdb?.drop();
});

describe('GET /api/reports/wioa', () => {
  let res: Awaited<ReturnType<typeof get>>;
  let rows: Row[];
  const byId = (id: string) => rows.find((r) => r[ID] === id)!;
  beforeAll(async () => {
    res = await get('/api/reports/wioa?from=2025-01-01&to=2025-12-31', adminToken);
    rows = rowsOf(res.text);
  });

  test('is an attachment CSV whose header cells carry the PIRL numbers and names, exactly', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="wioa-pirl-2025-01-01-2025-12-31.csv"');
    const header = parseCsv(res.text)[0].fields;
    expect(header).toEqual([
      'OBS Number',
      'PIRL 100 Unique Individual Identifier (WIOA)',
      H.entry,
      H.exit,
      H.received,
      H.trainingEntry,
      H.service,
      H.completed,
      H.completedDate,
      H.credType,
      H.credDate,
      'enrollment_id',
      'program_id',
      'funding_source',
      'edit_check_status',
      'edit_check_errors',
    ]);
    expect(header).toEqual(WIOA_CSV_HEADER);
    expect(res.text.split('\r\n')[0]).toBe(header.map((h) => (h.includes(',') ? `"${h}"` : h)).join(','));
  });

  test('a completed participant: training completed, credential attained, dates YYYYMMDD, an AN 12 identifier', () => {
    const r = byId(ids.completed);
    expect(r).toEqual(
      expect.objectContaining({
        [H.entry]: '20250302',
        [H.exit]: '20250415',
        [H.received]: '1',
        [H.trainingEntry]: '20250302',
        [H.service]: '06',
        [H.completed]: '1',
        [H.completedDate]: '20250415',
        [H.credType]: '6',
        [H.credDate]: '20250415',
        funding_source: 'wioa_ita',
        program_id: programId,
        edit_check_status: 'pass',
        edit_check_errors: '',
      }),
    );
    expect(r[H.obs]).toMatch(/^\d{9}$/);
    expect(r[H.id]).toMatch(/^\d{12}$/);
    expect(rows.filter((x) => x[ID] === ids.completed)).toHaveLength(1);
  });

  test('the OBS Number comes first: nine digits (IN 9, "000000000"), one for each record, never repeated', () => {
    expect(parseCsv(res.text)[0].fields[0]).toBe('OBS Number');
    for (const r of rows) expect(r[H.obs]).toMatch(/^\d{9}$/);
    expect(new Set(rows.map((r) => r[H.obs])).size).toBe(rows.length);
  });

  test('PIRL 100 is the same for each entry and exit of one participant, and differs between participants', () => {
    const twice = byId(ids.apprentice)[H.id];
    expect(twice).toMatch(/^\d{12}$/);
    expect(byId(ids.upgradingWithdrawn)[H.id]).toBe(twice);
    expect(byId(ids.apprentice)[H.obs]).not.toBe(byId(ids.upgradingWithdrawn)[H.obs]);
    const others = rows.filter((r) => r[ID] !== ids.apprentice && r[ID] !== ids.upgradingWithdrawn).map((r) => r[H.id]);
    expect(others).not.toContain(twice);
    expect(new Set(others).size).toBe(others.length);
  });

  test('1303 is the type of training service of the participant’s program: the rows as the layout writes them', () => {
    // OBS Number and PIRL 100 are the platform's numbers (checked above); every other cell written out from the layout.
    const cells = (r: Row) => WIOA_CSV_HEADER.slice(2).map((h) => r[h]);
    expect(cells(byId(ids.apprentice))).toEqual([
      '20250502', // 900 entry: the course's launch
      '20250610', // 901 exit: the completion
      '1', // 1300 received training
      '20250502', // 1302 entered training
      '09', // 1303 Registered Apprenticeship: the program's type
      '1', // 1307 training completed
      '20250610', // 1308 completed on
      '4', // 1800 Occupational Licensure: the program's credential
      '20250610', // 1801 attained on
      ids.apprentice,
      apprenticeshipProgramId,
      'wioa_ita',
      'pass',
      '',
    ]);
    expect(cells(byId(ids.upgradingWithdrawn))).toEqual([
      '20250703',
      '20250801',
      '1',
      '20250703',
      '02', // Skill Upgrading: the program's type
      '0', // withdrew
      '20250801', // 1308 the date the participant withdrew
      '0', // no recognized credential
      '',
      ids.upgradingWithdrawn,
      upgradingProgramId,
      'wioa_ita',
      'pass',
      '',
    ]);
    // The programs that name none are occupational skills training; never-launched training is no training service.
    expect(byId(ids.completed)[H.service]).toBe('06');
    expect(byId(ids.expired)[H.service]).toBe('00');
  });

  test('only WIOA participants: self-paid and sponsored students are not in the PIRL (the ETP report counts them)', () => {
    expect(byId(ids.withdrawn)).toBeUndefined(); // self-paid
    expect(byId(ids.sponsored)).toBeUndefined();
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.funding_source))).toEqual(new Set(['wioa_ita']));
  });

  test('an expired participant (never launched): no training received, no training service, no credential', () => {
    expect(byId(ids.expired)).toEqual(
      expect.objectContaining({
        [H.entry]: '20250310',
        [H.exit]: '20250630',
        [H.received]: '0',
        [H.trainingEntry]: '',
        [H.service]: '00',
        [H.completed]: '',
        [H.completedDate]: '',
        [H.credType]: '0',
        [H.credDate]: '',
        edit_check_status: 'pass',
        edit_check_errors: '',
      }),
    );
  });

  test('every row failing an edit check is reported with its error', () => {
    const failing: [string, RegExp][] = [
      [ids.credDateNoType, /PIRL 1801: a date attained needs a type of recognized credential \(1800\)/],
      [ids.exitBeforeEntry, /PIRL 901: is before the date of program entry \(900\)/],
      [ids.completionNotCompleted, /PIRL 1307: a training completion date is recorded but training completed \(1307\) is not 1/],
      [ids.future, /PIRL 901: is in the future.*PIRL 1308: is in the future.*PIRL 1801: is in the future/],
      [ids.credTypeNoDate, /PIRL 1800: a recognized credential needs its date attained \(1801\)/],
    ];
    for (const [id, message] of failing) {
      const r = byId(id);
      expect(r).toBeDefined();
      expect(r.edit_check_status).toBe('fail');
      expect(r.edit_check_errors).toMatch(message);
    }
    expect(byId(ids.credDateNoType)[H.credType]).toBe('0');
    expect(byId(ids.credDateNoType)[H.credDate]).toBe('20250401');
    expect(rows.filter((r) => r.edit_check_status === 'fail')).toHaveLength(failing.length);
  });

  test('every date cell is YYYYMMDD or blank', () => {
    for (const r of rows)
      for (const h of [H.entry, H.exit, H.trainingEntry, H.completedDate, H.credDate]) expect(r[h]).toMatch(/^(\d{8})?$/);
  });

  test('only participants with an entry or exit in the range', async () => {
    expect(rows.map((r) => r[ID]).sort()).toEqual(
      [
        ids.completed,
        ids.expired,
        ids.apprentice,
        ids.upgradingWithdrawn,
        ids.credDateNoType,
        ids.exitBeforeEntry,
        ids.completionNotCompleted,
        ids.future,
        ids.credTypeNoDate,
      ].sort(),
    );
    // Exit in range, entry before it; entry in range, exit after it; both bounds inclusive.
    const exitOnly = await exportedIds('?from=2025-06-30&to=2025-06-30');
    expect(exitOnly).toEqual([ids.expired]);
    const entryOnly = await exportedIds('?from=2025-03-02&to=2025-03-02');
    expect(entryOnly).toEqual([ids.completed]);
    // The self-paid withdrawal's own entry day holds no WIOA participant.
    expect(await exportedIds('?from=2025-03-06&to=2025-03-06')).toEqual([]);
    const year2024 = await exportedIds('?from=2024-01-01&to=2024-12-31');
    expect(year2024).toEqual([ids.outOfRange]);
    const none = await get('/api/reports/wioa?from=2030-01-01&to=2030-12-31', adminToken);
    expect(none.status).toBe(200);
    expect(parseCsv(none.text)).toHaveLength(1);
  });

  test('without from and to the export covers everything up to today (api.md: Reports)', async () => {
    const all = await exportedIds('');
    const explicit = await exportedIds(`?from=1900-01-01&to=${new Date().toISOString().slice(0, 10)}`);
    expect(all.length).toBeGreaterThan(0);
    expect(all).toEqual(explicit);
    const since2025 = await exportedIds('?from=2025-01-01');
    expect(since2025.length).toBeLessThan(all.length);
  });

  test.each([
    ['?from=20250101&to=2025-12-31', ['query.from']],
    ['?from=2025-02-30&to=2025-12-31', ['query.from']],
    ['?from=2025-12-31&to=2025-01-01', ['query.to']],
  ])('400 for from/to %p', async (query, fields) => {
    const res = await get(`/api/reports/wioa${query}`, adminToken);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(
      res
        .json<Problem>()
        .errors?.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual([...fields].sort());
  });

  test('401 without a token, 403 for a student or a program holder', async () => {
    expect((await get('/api/reports/wioa?from=2025-01-01&to=2025-12-31')).status).toBe(401);
    for (const token of [studentToken, holderToken]) {
      const res = await get('/api/reports/wioa?from=2025-01-01&to=2025-12-31', token);
      expect(res.status).toBe(403);
      expect(res.json()).toEqual(expect.objectContaining({ status: 403, type: '/problems/forbidden' }));
    }
  });
});

describe('GET /api/reports/etp', () => {
  test('per program, for all students and WIOA-funded ones: enrolled, completed, credentialAttained', async () => {
    const res = await get('/api/reports/etp?year=2025', adminToken);
    expect(res.status).toBe(200);
    const body = res.json<EtpReport>();
    expect(body.year).toBe(2025);
    const mine = body.programs.find((p: { programId: string }) => p.programId === programId);
    // 2025 entries in the program: completed, withdrawn (self-pay), expired, the five edit-check rows, and the open one.
    // Completed: completed + credDateNoType + future + credTypeNoDate. Credential: completed + future (type and date).
    expect(mine).toEqual({
      programId,
      programTitle: 'WIOA report program',
      allStudents: { enrolled: 9, completed: 4, credentialAttained: 2 },
      wioaFunded: { enrolled: 8, completed: 4, credentialAttained: 2 },
    });
    const other = body.programs.find((p: { programId: string }) => p.programId === otherProgramId);
    expect(other?.allStudents).toEqual({ enrolled: 0, completed: 0, credentialAttained: 0 });
    // The ETP report keeps every student: the sponsored one counts among all students, not among the WIOA-funded.
    expect(body.programs.find((p) => p.programId === upgradingProgramId)).toEqual({
      programId: upgradingProgramId,
      programTitle: 'WIOA upgrading program',
      allStudents: { enrolled: 2, completed: 1, credentialAttained: 1 },
      wioaFunded: { enrolled: 1, completed: 0, credentialAttained: 0 },
    });
    const y2024 = (await get('/api/reports/etp?year=2024', adminToken)).json<EtpReport>();
    expect(y2024.programs.find((p: { programId: string }) => p.programId === otherProgramId)).toEqual(
      expect.objectContaining({
        allStudents: { enrolled: 1, completed: 1, credentialAttained: 1 },
        wioaFunded: { enrolled: 1, completed: 1, credentialAttained: 1 },
      }),
    );
  });

  test('400 for a bad or missing year; 403 for a non-admin', async () => {
    for (const q of ['', '?year=25', '?year=abcd', '?year=1999']) {
      const res = await get(`/api/reports/etp${q}`, adminToken);
      expect(res.status).toBe(400);
      expect(res.json<Problem>().errors?.[0].field).toBe('query.year');
    }
    expect((await get('/api/reports/etp?year=2025', studentToken)).status).toBe(403);
  });
});

describe('the layout’s codes and checks', () => {
  test('each type of training service is its PIRL 1303 code, none of them 00 (no training) or 07 (TAA only)', () => {
    // Written out from the 1303 code values (lib/pirl.ts: PIRL_SOURCES['state-tooling']).
    expect(TRAINING_SERVICE_TYPE_TO_PIRL).toEqual({
      on_the_job_training: '01',
      skill_upgrading: '02',
      entrepreneurial_training: '03',
      abe_or_esl_with_training: '04',
      customized_training: '05',
      occupational_skills_training: '06',
      prerequisite_training: '08',
      registered_apprenticeship: '09',
      youth_occupational_skills_training: '10',
      other_non_occupational_skills_training: '11',
      job_readiness_training: '12',
    });
    expect(Object.keys(TRAINING_SERVICE_TYPE_TO_PIRL).sort()).toEqual([...TRAINING_SERVICE_TYPES].sort());
  });

  test('the check on programs.training_service_type lists exactly the types of training service', async () => {
    const {
      rows: [check],
    } = await tdb.db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
        WHERE c.conrelid = 'programs'::regclass AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%training_service_type%'`,
    );
    const listed = [...check.def.matchAll(/'([a-z_]+)'::text/g)].map((m: RegExpMatchArray) => m[1]);
    expect(listed.sort()).toEqual([...TRAINING_SERVICE_TYPES].sort());
  });

  test('an OBS Number that is not nine digits fails its edit check', () => {
    const record = {
      obsNumber: '12345',
      participantId: '000000000042',
      programEntry: '20250101',
      programExit: '20250201',
      receivedTraining: '1',
      trainingEntry: '20250101',
      trainingService: '06',
      trainingCompleted: '1',
      trainingCompletedDate: '20250201',
      credentialType: '6',
      credentialDate: '20250201',
    };
    expect(formatEditCheckErrors(editChecks(record, '20260101'))).toBe('OBS Number: must be nine digits');
    expect(editChecks({ ...record, obsNumber: '000000042' }, '20260101')).toEqual([]);
    expect(editChecks({ ...record, obsNumber: '00000004a' }, '20260101')).toHaveLength(1);
  });
});

test('pirlDate writes YYYYMMDD', () => {
  expect(pirlDate('2025-04-15')).toBe('20250415');
  expect(pirlDate(new Date('2025-01-02T23:00:00Z'))).toBe('20250102');
  expect(pirlDate(null)).toBe('');
});
