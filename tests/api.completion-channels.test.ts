/**
 * Completion from every channel, through HTTP against the running system (Temporal dev server, worker and API as
 * processes, a fresh database): partner API keys, partner push (by enrollment id and by the partner's external id),
 * xAPI statements under a program's moveOn rule, CSV import (dry run, apply, apply again), two channels racing,
 * withdrawal, and bad input for each channel: every refusal an exact 4xx problem (or the per-row outcome of a CSV),
 * with nothing changed.
 *
 * The programs are created here for partners without a completion API (nrf, milady), so no partner poll completes
 * an enrollment behind the test's back.
 */
import { createHash, randomUUID } from 'node:crypto';
import { csvHeaders, eventually, expectProblem, statement, VERBS, xapiHeaders } from './helpers/channels';
import { httpClient, startSystem, type System, waitForStatus, type Session } from './helpers/system';
import type { ApiKey, CompletionReceipt, ImportReport, OpenedEnrollment, Problem } from './helpers/contract';
import { CsvSyntaxError, CsvTooManyRecordsError, decodeText, parseCsv } from '../core/csv';
import { satisfyingStatement } from '../lib/program-rules';
import { createTestProgram } from './helpers/programs';
import { launchEnrollment, openFundedEnrollment } from './helpers/vouchers';

let system: System;
let request: ReturnType<typeof httpClient>;
let admin: Session;
/** Holds the nrf programs below. */
let holder: Session;
/** Holds the milady program and one nrf program. */
let otherHolder: Session;
const programs = { nrf: '', nrfAndPassed: '', nrfOtherHolder: '', milady: '' };
const keys = { nrf: { id: '', apiKey: '' }, milady: { id: '', apiKey: '' }, nrfRevoked: { id: '', apiKey: '' } };

const createProgram = (partnerId: string, holderId: string, extra: Record<string, unknown> = {}) =>
  createTestProgram(request, admin.token, { title: `Channels ${partnerId} ${randomUUID().slice(0, 6)}`, partnerId, holderId, ...extra });

async function createKey(partnerId: string): Promise<{ id: string; apiKey: string }> {
  const res = await request<ApiKey>('POST', `/api/partners/${partnerId}/api-keys`, { token: admin.token });
  expect(res.status).toBe(201);
  return { id: res.body.id, apiKey: res.body.apiKey };
}

beforeAll(async () => {
  system = await startSystem();
  request = httpClient(system.baseUrl);
  admin = await system.token('admin');
  holder = await system.token('program_holder');
  otherHolder = await system.token('program_holder');
  programs.nrf = await createProgram('nrf', holder.actor.id);
  programs.nrfAndPassed = await createProgram('nrf', holder.actor.id, { moveOn: 'CompletedAndPassed' });
  programs.nrfOtherHolder = await createProgram('nrf', otherHolder.actor.id);
  programs.milady = await createProgram('milady', otherHolder.actor.id);
  keys.nrf = await createKey('nrf');
  keys.milady = await createKey('milady');
  keys.nrfRevoked = await createKey('nrf');
  expect((await request('DELETE', `/api/partners/nrf/api-keys/${keys.nrfRevoked.id}`, { token: admin.token })).status).toBe(204);
}, 180_000);
afterAll(() => system?.stop(), 60_000);

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await system.db.query<{ n: number }>(sql, params);
  return Number(rows[0].n);
}

/** A voucher-funded enrollment of a new student: ready_to_launch, or launched (in_progress). */
async function enrollment(programId: string, launch = true): Promise<{ id: string; student: Session }> {
  const { id, student } = await openFundedEnrollment(system, programId);
  // The voucher's payment is recorded beside the status; a withdrawal refunds it.
  await eventually(
    async () => (await count('SELECT count(*) AS n FROM payments WHERE enrollment_id = $1', [id])) === 1,
    'the voucher payment',
  );
  // The enrollment email goes out beside the lifecycle: claimed before any snapshot, so none sees it arrive.
  await eventually(
    async () => (await count(`SELECT count(*) AS n FROM emails_sent WHERE enrollment_id = $1 AND kind = 'enrolled'`, [id])) === 1,
    'the enrollment email',
  );
  if (launch) await launchEnrollment(system, student, id);
  return { id, student };
}

type EnrollmentRow = {
  status: string;
  status_seq: number;
  completed_at: Date | null;
  completion_method: string | null;
  partner_external_id: string | null;
};
type EvidenceRow = { method: string; report_id: string; outcome: string };

/** Everything a report could change about one enrollment. */
async function snapshot(enrollmentId: string) {
  const db = system.db;
  const [e, history, evidence, xapi, certificates, ledger, emails] = await Promise.all([
    db.query<EnrollmentRow>(
      'SELECT status, status_seq, completed_at, completion_method, partner_external_id FROM enrollments WHERE id = $1',
      [enrollmentId],
    ),
    db.query<{ seq: number; status: string }>('SELECT seq, status FROM enrollment_status_history WHERE enrollment_id = $1 ORDER BY seq', [
      enrollmentId,
    ]),
    db.query<EvidenceRow>(
      'SELECT method, report_id, outcome FROM completion_evidence WHERE enrollment_id = $1 ORDER BY method, report_id',
      [enrollmentId],
    ),
    db.query<{ id: string }>('SELECT id FROM xapi_statements WHERE enrollment_id = $1 ORDER BY id', [enrollmentId]),
    db.query<{ id: string }>('SELECT id FROM certificates WHERE enrollment_id = $1', [enrollmentId]),
    db.query<{ party: string; entry_type: string }>(
      'SELECT party, entry_type FROM ledger_entries WHERE enrollment_id = $1 ORDER BY party, entry_type',
      [enrollmentId],
    ),
    db.query<{ kind: string }>('SELECT kind FROM emails_sent WHERE enrollment_id = $1 ORDER BY kind', [enrollmentId]),
  ]);
  return {
    enrollment: e.rows[0],
    history: history.rows,
    evidence: evidence.rows,
    xapi: xapi.rows,
    certificates: certificates.rows.length,
    ledger: ledger.rows,
    emails: emails.rows,
  };
}

/**
 * Completion dates the completion-date rule allows for an enrollment launched moments ago: today's date, and the
 * current instant in whole seconds (as partners send it; a moment before the launch is inside the clock tolerance).
 */
const TODAY = new Date().toISOString().slice(0, 10);
const nowSeconds = (offsetMs = 0) => `${new Date(Date.now() + offsetMs).toISOString().slice(0, 19)}Z`;
const normalized = (at: string) => new Date(at).toISOString();

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const auditCount = (action: string) => count('SELECT count(*) AS n FROM audit_log WHERE action = $1', [action]);

/** A closed enrollment: its certificate, completion email and three ledger shares exist exactly once. */
async function expectClosedOnce(enrollmentId: string, token: string, method: string) {
  const view = await waitForStatus(system, token, enrollmentId, 'closed');
  expect(view.completionMethod).toBe(method);
  expect(view.certificate).toEqual(
    expect.objectContaining<Record<string, unknown>>({ id: expect.any(String), verificationCode: expect.any(String) }),
  );
  const snap = await snapshot(enrollmentId);
  expect(snap.certificates).toBe(1);
  expect(snap.emails.filter((m) => m.kind === 'completion')).toHaveLength(1);
  expect(snap.ledger).toEqual([
    { party: 'holder', entry_type: 'share' },
    { party: 'partner', entry_type: 'share' },
    { party: 'platform', entry_type: 'share' },
  ]);
  return { view, snap };
}

const push = <Body = unknown>(partnerId: string, apiKey: string | undefined, json: unknown, headers: Record<string, string> = {}) =>
  request<Body>('POST', `/api/partners/${partnerId}/completions`, {
    json,
    headers: { ...(apiKey !== undefined && { 'x-api-key': apiKey }), ...headers },
  });

const importCsv = <Body = unknown>(partnerId: string, token: string, csv: string, dryRun = false, contentType = 'text/csv') =>
  request<Body>('POST', `/api/partners/${partnerId}/completions/import${dryRun ? '?dryRun=true' : ''}`, {
    body: csv,
    headers: csvHeaders(token, contentType),
  });

const xapiPost = <Body = unknown>(body: unknown, headers: Record<string, string>) =>
  request<Body>('POST', '/xapi/statements', { json: body, headers });

// ── API keys ───────────────────────────────────────────────────────────────────────────────────────────

describe('partner API keys', () => {
  test('an admin creates a key (shown once, stored as its SHA-256 only) and revokes it; a repeat revoke is 204 and keeps the date', async () => {
    const res = await request<ApiKey>('POST', '/api/partners/milady/api-keys', { token: admin.token });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual<Record<string, unknown>>({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      partnerId: 'milady',
      apiKey: expect.stringMatching(/^cmk_[A-Za-z0-9_-]{43}$/),
      createdAt: expect.any(String),
    });
    const {
      rows: [row],
    } = await system.db.query<{ partner_id: string; key_hash: string; created_by: string; revoked_at: Date | null }>(
      'SELECT partner_id, key_hash, created_by, revoked_at FROM partner_api_keys WHERE id = $1',
      [res.body.id],
    );
    expect(row).toEqual({ partner_id: 'milady', key_hash: sha256Hex(res.body.apiKey), created_by: admin.actor.id, revoked_at: null });
    // The clear key is nowhere in the database: not in the keys, the audit log or the idempotency records.
    for (const table of ['partner_api_keys', 'audit_log', 'idempotency_keys']) {
      expect(await count(`SELECT count(*) AS n FROM ${table} t WHERE t::text LIKE $1`, [`%${res.body.apiKey}%`])).toBe(0);
    }
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'partner.api_key.create' AND target_id = $1`, [res.body.id]),
    ).toBe(1);

    // With an Idempotency-Key the answer is not kept either: a replay is 201 without the key, and no second key exists.
    const idempotencyKey = `key-${randomUUID()}`;
    const first = await request<ApiKey>('POST', '/api/partners/milady/api-keys', {
      token: admin.token,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(first.status).toBe(201);
    expect(first.body.apiKey).toMatch(/^cmk_/);
    const replay = await fetch(`${system.baseUrl}/api/partners/milady/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'idempotency-key': idempotencyKey },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('location')).toBe(`/api/partners/milady/api-keys/${first.body.id}`);
    expect(await replay.text()).toBe('');
    expect(
      await count(`SELECT count(*) AS n FROM idempotency_keys WHERE key = $1 AND response_body = 'null'::jsonb`, [idempotencyKey]),
    ).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM idempotency_keys t WHERE t::text LIKE $1`, [`%${first.body.apiKey}%`])).toBe(0);
    expect(
      await count(`SELECT count(*) AS n FROM partner_api_keys WHERE created_by = $1 AND partner_id = 'milady'`, [admin.actor.id]),
    ).toBe(3);

    const revoke = await request('DELETE', `/api/partners/milady/api-keys/${res.body.id}`, { token: admin.token });
    expect(revoke.status).toBe(204);
    expect(revoke.body).toBe('');
    const {
      rows: [revoked],
    } = await system.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM partner_api_keys WHERE id = $1', [res.body.id]);
    expect(revoked.revoked_at).toBeInstanceOf(Date);
    expect((await request('DELETE', `/api/partners/milady/api-keys/${res.body.id}`, { token: admin.token })).status).toBe(204);
    const {
      rows: [again],
    } = await system.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM partner_api_keys WHERE id = $1', [res.body.id]);
    expect(again.revoked_at).toEqual(revoked.revoked_at);
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'partner.api_key.revoke' AND target_id = $1`, [res.body.id]),
    ).toBe(1);
  });

  test('an unknown partner → 404; not an admin → 403; no token → 401; a malformed id → 400; nothing is created', async () => {
    const before = await count('SELECT count(*) AS n FROM partner_api_keys');
    expectProblem(await request('POST', '/api/partners/no-such-partner/api-keys', { token: admin.token }), 404);
    expectProblem(await request('POST', '/api/partners/nrf/api-keys', { token: holder.token }), 403);
    expectProblem(await request('POST', '/api/partners/nrf/api-keys', { token: (await system.token('student')).token }), 403);
    expectProblem(await request('POST', '/api/partners/nrf/api-keys'), 401);
    expectProblem(await request('POST', `/api/partners/${'x'.repeat(65)}/api-keys`, { token: admin.token }), 400, ['path.partnerId']);
    expect(await count('SELECT count(*) AS n FROM partner_api_keys')).toBe(before);
  });

  test('revoking an unknown key, or another partner’s key through this partner → 404; a malformed key id → 400; the key stays live', async () => {
    expectProblem(await request('DELETE', `/api/partners/nrf/api-keys/${randomUUID()}`, { token: admin.token }), 404);
    expectProblem(await request('DELETE', `/api/partners/nrf/api-keys/${keys.milady.id}`, { token: admin.token }), 404);
    expectProblem(await request('DELETE', '/api/partners/nrf/api-keys/not-a-uuid', { token: admin.token }), 400, ['path.id']);
    expectProblem(await request('DELETE', `/api/partners/milady/api-keys/${keys.milady.id}`, { token: holder.token }), 403);
    const {
      rows: [row],
    } = await system.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM partner_api_keys WHERE id = $1', [keys.milady.id]);
    expect(row.revoked_at).toBeNull();
  });
});

// ── partner push ───────────────────────────────────────────────────────────────────────────────────────

describe('partner push', () => {
  test('by enrollment id: 202 applied, the enrollment closes once with method partner_push; a retry is answered the same and changes nothing', async () => {
    const { id, student } = await enrollment(programs.nrf);
    const body = { enrollmentId: id, completedAt: nowSeconds(), score: 91.5, evidenceUrl: 'https://riseup.example.org/certificates/abc' };
    const res = await push<CompletionReceipt>('nrf', keys.nrf.apiKey, body);
    expect(res.status).toBe(202);
    const reportId = createHash('sha256')
      .update(`nrf\n${id}\n${normalized(body.completedAt)}`)
      .digest('hex');
    expect(res.body).toEqual({ enrollmentId: id, reportId, outcome: 'applied', status: 'completed' });

    const { view, snap } = await expectClosedOnce(id, student.token, 'partner_push');
    expect(view.completedAt).toBe(normalized(body.completedAt));
    await eventually(async () => (await snapshot(id)).evidence.length === 1, 'the applied evidence');
    const {
      rows: [evidence],
    } = await system.db.query<EvidenceRow & { reported_by: string | null; score: number | null; evidence_url: string | null }>(
      'SELECT method, report_id, outcome, reported_by, score, evidence_url FROM completion_evidence WHERE enrollment_id = $1',
      [id],
    );
    expect(evidence).toEqual({
      method: 'partner_push',
      report_id: reportId,
      outcome: 'applied',
      reported_by: 'partner:nrf',
      score: 91.5,
      evidence_url: body.evidenceUrl,
    });
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'completion.push' AND target_id = $1 AND actor_id = 'partner:nrf'`, [
        id,
      ]),
    ).toBe(1);

    // The same report again, after the workflow has finished: the same answer, nothing new.
    const retry = await push('nrf', keys.nrf.apiKey, body);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ enrollmentId: id, reportId, outcome: 'applied', status: 'closed' });
    const after = await snapshot(id);
    expect(after.evidence).toEqual([{ method: 'partner_push', report_id: reportId, outcome: 'applied' }]);
    expect(after.certificates).toBe(1);
    expect(after.history).toEqual(snap.history);

    // A different report for the closed enrollment is kept as evidence, and changes nothing else.
    const late = await push('nrf', keys.nrf.apiKey, { enrollmentId: id, completedAt: TODAY, reportId: 'late-report-1' });
    expect(late.status).toBe(202);
    expect(late.body).toEqual({ enrollmentId: id, reportId: 'late-report-1', outcome: 'already_complete', status: 'closed' });
    const final = await snapshot(id);
    expect(final.evidence).toEqual([
      { method: 'partner_push', report_id: reportId, outcome: 'applied' },
      { method: 'partner_push', report_id: 'late-report-1', outcome: 'already_complete' },
    ]);
    expect(final.enrollment).toEqual(snap.enrollment);
    expect(final.certificates).toBe(1);
  });

  test('by the partner’s external id, with an Idempotency-Key: applied once, a replay is the first answer', async () => {
    const { id, student } = await enrollment(programs.nrf);
    const externalId = `RISE-${randomUUID().slice(0, 8)}`;
    await system.db.query('UPDATE enrollments SET partner_external_id = $2 WHERE id = $1', [id, externalId]);
    const key = `push-${randomUUID()}`;
    const body = { externalId, completedAt: TODAY, reportId: `nrf-report-${externalId}` };
    const res = await push('nrf', keys.nrf.apiKey, body, { 'idempotency-key': key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ enrollmentId: id, reportId: body.reportId, outcome: 'applied', status: 'completed' });
    const replay = await push('nrf', keys.nrf.apiKey, body, { 'idempotency-key': key });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(res.body);
    // The key is kept per partner, not per address.
    expect(await count(`SELECT count(*) AS n FROM idempotency_keys WHERE actor_id = 'partner:nrf' AND key = $1`, [key])).toBe(1);

    const { view } = await expectClosedOnce(id, student.token, 'partner_push');
    expect(view.completedAt).toBe(`${TODAY}T00:00:00.000Z`);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'completion.push' AND target_id = $1`, [id])).toBe(1);
  });

  test('an unknown enrollment or external id → 404, and nothing is recorded', async () => {
    const evidenceBefore = await count('SELECT count(*) AS n FROM completion_evidence');
    const auditBefore = await auditCount('completion.push');
    expectProblem(await push('nrf', keys.nrf.apiKey, { enrollmentId: randomUUID(), completedAt: '2024-06-01' }), 404);
    expectProblem(await push('nrf', keys.nrf.apiKey, { externalId: 'NO-SUCH-LEARNER', completedAt: '2024-06-01' }), 404);
    expect(await count('SELECT count(*) AS n FROM completion_evidence')).toBe(evidenceBefore);
    expect(await auditCount('completion.push')).toBe(auditBefore);
  });

  test('another partner’s enrollment → 404 (not leaked); another partner’s path with a valid key → 403; the enrollment is unchanged', async () => {
    const { id } = await enrollment(programs.milady);
    const externalId = `MIL-${randomUUID().slice(0, 8)}`;
    await system.db.query('UPDATE enrollments SET partner_external_id = $2 WHERE id = $1', [id, externalId]);
    const before = await snapshot(id);
    expectProblem(await push('nrf', keys.nrf.apiKey, { enrollmentId: id, completedAt: '2024-06-01' }), 404);
    expectProblem(await push('nrf', keys.nrf.apiKey, { externalId, completedAt: '2024-06-01' }), 404);
    const forbidden = await push<Problem>('milady', keys.nrf.apiKey, { enrollmentId: id, completedAt: '2024-06-01' });
    expectProblem(forbidden, 403);
    expect(forbidden.body.detail).toContain('another partner');
    expect(await snapshot(id)).toEqual(before);
    expect(before.enrollment.status).toBe('in_progress');
    expect(before.evidence).toEqual([]);
  });

  test('no key, an unknown key, a revoked key → 401; a bearer token is no partner credential; the enrollment is unchanged', async () => {
    const { id } = await enrollment(programs.nrf);
    const before = await snapshot(id);
    const body = { enrollmentId: id, completedAt: '2024-06-01' };
    expectProblem(await push('nrf', undefined, body), 401);
    expectProblem(await push('nrf', 'cmk_not-a-real-key', body), 401);
    const revoked = await push<Problem>('nrf', keys.nrfRevoked.apiKey, body);
    expectProblem(revoked, 401);
    expect(revoked.body.detail).toContain('revoked');
    expectProblem(await push('nrf', undefined, body, { authorization: `Bearer ${admin.token}` }), 401);
    // A partner key does not open bearer-token endpoints either.
    expectProblem(await request('GET', `/api/enrollments/${id}`, { headers: { 'x-api-key': keys.nrf.apiKey } }), 401);
    expect(await snapshot(id)).toEqual(before);
  });

  test('a malformed report → 400 naming each field; an enrollment not yet paid → 409; nothing changes', async () => {
    const { id } = await enrollment(programs.nrf);
    const before = await snapshot(id);
    expectProblem(await push('nrf', keys.nrf.apiKey, { enrollmentId: id }), 400, ['body.completedAt']);
    expectProblem(await push('nrf', keys.nrf.apiKey, { completedAt: '2024-06-01' }), 400, ['body.enrollmentId']);
    expectProblem(await push('nrf', keys.nrf.apiKey, { enrollmentId: id, externalId: 'X-1', completedAt: '2024-06-01' }), 400, [
      'body.enrollmentId',
    ]);
    expectProblem(
      await push('nrf', keys.nrf.apiKey, {
        enrollmentId: 'not-a-uuid',
        completedAt: 'yesterday',
        score: 101,
        evidenceUrl: 'ftp://example.com/x',
        reportId: 'has spaces',
      }),
      400,
      ['body.enrollmentId', 'body.completedAt', 'body.score', 'body.evidenceUrl', 'body.reportId'],
    );
    expectProblem(
      await push('nrf', keys.nrf.apiKey, { enrollmentId: id, completedAt: new Date(Date.now() + 7 * 86_400_000).toISOString() }),
      400,
      ['body.completedAt'],
    );
    expect(await snapshot(id)).toEqual(before);

    const student = await system.token('student');
    const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: student.token,
      json: { programId: programs.nrf, fundingSource: 'self_pay' },
    });
    expect(created.status).toBe(201);
    await waitForStatus(system, student.token, created.body.enrollmentId, 'pending_payment');
    const unpaid = await push('nrf', keys.nrf.apiKey, { enrollmentId: created.body.enrollmentId, completedAt: '2024-06-01' });
    expectProblem(unpaid, 409);
    expect((await snapshot(created.body.enrollmentId)).enrollment.status).toBe('pending_payment');
    expect((await snapshot(created.body.enrollmentId)).evidence).toEqual([]);
  });
});

// ── xAPI ───────────────────────────────────────────────────────────────────────────────────────────────

describe('xAPI statements', () => {
  test('CompletedAndPassed: completed alone waits; passed (PUT) completes; failed is only recorded; retries are idempotent', async () => {
    const { id, student } = await enrollment(programs.nrfAndPassed);
    const headers = xapiHeaders('nrf', keys.nrf.apiKey);
    const failed = statement(id, VERBS.failed, {
      id: randomUUID(),
      timestamp: '2024-08-01T09:00:00Z',
      result: { success: false, score: { scaled: 0.41 } },
    });
    const completed = statement(id, VERBS.completed, { timestamp: nowSeconds(), result: { completion: true } });
    const first = await xapiPost<string[]>([failed, completed], headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-experience-api-version')).toBe('1.0.3');
    expect(first.body).toEqual([failed.id, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    const completedId: string = first.body[1];
    // Completed without passed does not meet CompletedAndPassed: still in progress, no report made.
    let snap = await snapshot(id);
    expect(snap.enrollment.status).toBe('in_progress');
    expect(snap.xapi.map((r) => r.id).sort()).toEqual([failed.id, completedId].sort());
    expect(snap.evidence).toEqual([]);
    const {
      rows: [kept],
    } = await system.db.query<{ partner_id: string; verb: string; statement: unknown }>(
      'SELECT partner_id, verb, statement FROM xapi_statements WHERE id = $1',
      [failed.id],
    );
    expect(kept).toEqual({ partner_id: 'nrf', verb: VERBS.failed, statement: failed });

    const passedId = randomUUID();
    const passed = statement(id, VERBS.passed, { timestamp: nowSeconds(1000), result: { success: true, score: { scaled: 0.87 } } });
    const put = await request('PUT', `/xapi/statements?statementId=${passedId}`, { json: passed, headers });
    expect(put.status).toBe(204);
    expect(put.headers.get('x-experience-api-version')).toBe('1.0.3');

    const { view } = await expectClosedOnce(id, student.token, 'xapi');
    expect(view.completedAt).toBe(normalized(passed.timestamp));
    await eventually(async () => (await snapshot(id)).evidence.length === 1, 'the applied evidence');
    const {
      rows: [evidence],
    } = await system.db.query<EvidenceRow & { score: number | null; reported_by: string | null }>(
      'SELECT method, report_id, outcome, score, reported_by FROM completion_evidence WHERE enrollment_id = $1',
      [id],
    );
    expect(evidence).toEqual({ method: 'xapi', report_id: passedId, outcome: 'applied', score: 87, reported_by: 'partner:nrf' });

    // The same statements again (a client retry): the same ids back, nothing stored twice, nothing reported again.
    snap = await snapshot(id);
    const retry = await xapiPost([failed, { ...completed, id: completedId }], headers);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual([failed.id, completedId]);
    const putAgain = await request('PUT', `/xapi/statements?statementId=${passedId}`, { json: { ...passed, id: passedId }, headers });
    expect(putAgain.status).toBe(204);
    expect(await snapshot(id)).toEqual(snap);
    expect(snap.xapi).toHaveLength(3);
  });

  test('CompletedOrPassed: one completed statement completes the enrollment, dated by the statement', async () => {
    const { id, student } = await enrollment(programs.nrf);
    // The current instant written in a zone two hours east of UTC.
    const at = nowSeconds();
    const inZone = `${new Date(Date.parse(at) + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const res = await xapiPost<string[]>(
      statement(id, VERBS.completed, { timestamp: inZone }),
      xapiHeaders('nrf', keys.nrf.apiKey, '1.0.0'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    const { view } = await expectClosedOnce(id, student.token, 'xapi');
    expect(view.completedAt).toBe(normalized(at));
    await eventually(async () => (await snapshot(id)).evidence.length === 1, 'the applied evidence');
    expect((await snapshot(id)).evidence).toEqual([{ method: 'xapi', report_id: res.body[0], outcome: 'applied' }]);
  });

  test('a missing or unsupported X-Experience-API-Version → 400 (the answer still names 1.0.3); nothing stored', async () => {
    const { id } = await enrollment(programs.nrf);
    const before = await snapshot(id);
    const s = statement(id, VERBS.completed);
    for (const version of [null, '2.0.0', '0.95']) {
      const res = await xapiPost(s, xapiHeaders('nrf', keys.nrf.apiKey, version));
      expectProblem(res, 400, ['header.X-Experience-API-Version']);
      expect(res.headers.get('x-experience-api-version')).toBe('1.0.3');
    }
    expect(await snapshot(id)).toEqual(before);
  });

  test('malformed statements → 400 naming the field; a batch with one bad statement stores none of it', async () => {
    const { id } = await enrollment(programs.nrf);
    const before = await snapshot(id);
    const statementsBefore = await count('SELECT count(*) AS n FROM xapi_statements');
    const headers = xapiHeaders('nrf', keys.nrf.apiKey);
    const good = statement(id, VERBS.completed);
    const cases: [unknown, string][] = [
      [{ ...good, verb: { id: 'completed' } }, 'body.verb.id'],
      [{ ...good, object: { id: 'not an iri' } }, 'body.object.id'],
      [{ ...good, actor: { name: 'Nobody' } }, 'body.actor'],
      [{ ...good, actor: { mbox: 'mailto:a@example.com', openid: 'https://id.example.com/a' } }, 'body.actor'],
      [{ ...good, context: { registration: 'not-a-uuid' } }, 'body.context.registration'],
      [{ ...good, id: '1234' }, 'body.id'],
      [{ ...good, result: { success: 'yes' } }, 'body.result.success'],
      [{ ...good, timestamp: 'last tuesday' }, 'body.timestamp'],
      [{ ...good, unexpected: true }, 'body.unexpected'],
      [[good, { ...good, verb: {} }], 'body.1.verb.id'],
    ];
    for (const [body, field] of cases) expectProblem(await xapiPost(body, headers), 400, [field]);
    const duplicate = randomUUID();
    expectProblem(
      await xapiPost(
        [
          { ...good, id: duplicate },
          { ...good, id: duplicate },
        ],
        headers,
      ),
      400,
      ['body.1.id'],
    );
    const notJson = await request('POST', '/xapi/statements', {
      body: '{"actor":',
      headers: { ...headers, 'content-type': 'application/json' },
    });
    expectProblem(notJson, 400);
    expect(notJson.headers.get('x-experience-api-version')).toBe('1.0.3');
    // xAPI (Communication 1.5): a statement request that is neither application/json nor multipart/mixed is a 400.
    expectProblem(
      await request('POST', '/xapi/statements', { body: 'actor=x', headers: { ...headers, 'content-type': 'text/plain' } }),
      400,
      ['header.Content-Type'],
    );
    const putId = randomUUID();
    expectProblem(await request('PUT', `/xapi/statements?statementId=${putId}`, { json: { ...good, id: randomUUID() }, headers }), 400, [
      'body.id',
    ]);
    expectProblem(await request('PUT', '/xapi/statements', { json: good, headers }), 400, ['query.statementId']);
    expectProblem(await request('PUT', `/xapi/statements?statementId=${putId}`, { json: [good], headers }), 400, ['body']);
    expect(await count('SELECT count(*) AS n FROM xapi_statements')).toBe(statementsBefore);
    expect(await snapshot(id)).toEqual(before);
  });

  test('an unknown registration, or another partner’s enrollment: stored as any statement, completes nothing; bad or revoked credentials → 401, nothing stored', async () => {
    const { id } = await enrollment(programs.milady);
    const before = await snapshot(id);
    const statementsBefore = await count('SELECT count(*) AS n FROM xapi_statements');
    const nrf = xapiHeaders('nrf', keys.nrf.apiKey);
    // An LRS keeps every valid statement (xAPI 1.0.3); only a registration of the partner's own enrollment counts.
    expect((await xapiPost(statement(randomUUID(), VERBS.completed), nrf)).status).toBe(200);
    expect((await xapiPost(statement(id, VERBS.completed), nrf)).status).toBe(200);
    expect(await count('SELECT count(*) AS n FROM xapi_statements')).toBe(statementsBefore + 2);
    expect(await count('SELECT count(*) AS n FROM xapi_statements WHERE enrollment_id = $1', [id])).toBe(0);
    for (const headers of [
      xapiHeaders('nrf', keys.nrfRevoked.apiKey),
      xapiHeaders('milady', keys.nrf.apiKey),
      xapiHeaders('nrf', 'cmk_wrong'),
      { 'x-experience-api-version': '1.0.3' },
      { 'x-experience-api-version': '1.0.3', authorization: `Bearer ${admin.token}` },
    ]) {
      const res = await xapiPost(statement(id, VERBS.completed), headers);
      expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="xAPI"/);
      expect(res.headers.get('x-experience-api-version')).toBe('1.0.3');
    }
    expect(await count('SELECT count(*) AS n FROM xapi_statements')).toBe(statementsBefore + 2);
    expect(await snapshot(id)).toEqual(before);
  });

  test('a statement id stored before with other content → 409 (POST and PUT); the first statement stays', async () => {
    const { id } = await enrollment(programs.nrfAndPassed);
    const headers = xapiHeaders('nrf', keys.nrf.apiKey);
    const statementId = randomUUID();
    const original = statement(id, VERBS.completed, { id: statementId, timestamp: nowSeconds() });
    expect((await xapiPost(original, headers)).status).toBe(200);
    const changed = { ...original, verb: { id: VERBS.passed } };
    expectProblem(await xapiPost(changed, headers), 409);
    expectProblem(await request('PUT', `/xapi/statements?statementId=${statementId}`, { json: changed, headers }), 409);
    // A batch with the conflicting statement stores none of its other statements.
    const other = statement(id, VERBS.experienced, { id: randomUUID() });
    expectProblem(await xapiPost([other, changed], headers), 409);
    const { rows } = await system.db.query('SELECT id, verb FROM xapi_statements WHERE enrollment_id = $1', [id]);
    expect(rows).toEqual([{ id: statementId, verb: VERBS.completed }]);
    expect((await snapshot(id)).enrollment.status).toBe('in_progress');
  });
});

// ── CSV import ─────────────────────────────────────────────────────────────────────────────────────────

describe('CSV import', () => {
  test('dry run changes nothing; apply completes; applying again changes nothing (already_complete)', async () => {
    const a = await enrollment(programs.nrf);
    const b = await enrollment(programs.nrf);
    const externalId = `RISE-${randomUUID().slice(0, 8)}`;
    await system.db.query('UPDATE enrollments SET partner_external_id = $2 WHERE id = $1', [b.id, externalId]);
    const instant = nowSeconds();
    const csv = `enrollmentId,externalId,completedAt,score\r\n${a.id},,${TODAY},88\r\n,${externalId},${instant},\r\n`;
    const before = [await snapshot(a.id), await snapshot(b.id)];

    const dry = await importCsv('nrf', holder.token, csv, true);
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual<{ [field: string]: unknown; rows: Record<string, unknown>[] }>({
      partnerId: 'nrf',
      dryRun: true,
      rows: [
        { line: 2, outcome: 'matched', message: expect.stringContaining('completes the enrollment'), enrollmentId: a.id },
        { line: 3, outcome: 'matched', message: expect.stringContaining('completes the enrollment'), enrollmentId: b.id },
      ],
      summary: { matched: 2, already_complete: 0, unknown: 0, invalid: 0 },
    });
    expect([await snapshot(a.id), await snapshot(b.id)]).toEqual(before);
    expect(await auditCount('completion.import')).toBe(0);

    const applied = await importCsv<ImportReport>('nrf', holder.token, csv);
    expect(applied.status).toBe(200);
    expect(applied.body.rows).toEqual([
      { line: 2, outcome: 'matched', message: 'completion applied', enrollmentId: a.id },
      { line: 3, outcome: 'matched', message: 'completion applied', enrollmentId: b.id },
    ]);
    const closedA = await expectClosedOnce(a.id, a.student.token, 'csv_import');
    const closedB = await expectClosedOnce(b.id, b.student.token, 'csv_import');
    expect(closedA.view.completedAt).toBe(`${TODAY}T00:00:00.000Z`);
    expect(closedB.view.completedAt).toBe(normalized(instant));
    expect(await auditCount('completion.import')).toBe(1);

    for (const e of [a, b]) await eventually(async () => (await snapshot(e.id)).evidence.length === 1, 'the applied evidence');
    const again = await importCsv<ImportReport>('nrf', holder.token, csv);
    expect(again.status).toBe(200);
    expect(again.body.rows).toEqual<Record<string, unknown>[]>([
      { line: 2, outcome: 'already_complete', message: expect.stringContaining('already closed'), enrollmentId: a.id },
      { line: 3, outcome: 'already_complete', message: expect.stringContaining('already closed'), enrollmentId: b.id },
    ]);
    for (const e of [a, b]) {
      const snap = await snapshot(e.id);
      expect(snap.evidence).toEqual<Record<string, unknown>[]>([
        { method: 'csv_import', report_id: expect.stringMatching(/^[0-9a-f]{64}$/), outcome: 'applied' },
      ]);
      expect(snap.certificates).toBe(1);
    }
    expect((await snapshot(a.id)).history).toEqual(closedA.snap.history);
  });

  test('bad rows are reported line by line (invalid or unknown) and change nothing; good rows in the same file apply', async () => {
    const good = await enrollment(programs.nrf);
    const notLaunched = await enrollment(programs.nrf, false);
    const otherHolders = await enrollment(programs.nrfOtherHolder);
    const otherPartners = await enrollment(programs.milady);
    const untouched = [notLaunched, otherHolders, otherPartners];
    const before = await Promise.all(untouched.map((e) => snapshot(e.id)));
    const unknownId = randomUUID();
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const csv = [
      'Enrollment ID,Completed At,Notes', // 1: header (spelling and an extra column tolerated)
      `${good.id},${TODAY},"finished, with honours"`, // 2: matched
      `${unknownId},2024-03-04,`, // 3: unknown
      'not-a-uuid,2024-03-04,', // 4: invalid id
      `${notLaunched.id},04/03/2024,`, // 5: invalid date
      `${notLaunched.id},${future},`, // 6: future date
      `,2024-03-04,`, // 7: missing id
      `${notLaunched.id},,`, // 8: missing date
      `${otherHolders.id},2024-03-04,`, // 9: another holder's enrollment: unknown
      `${otherPartners.id},2024-03-04,`, // 10: another partner's enrollment: unknown
      `${good.id},2024-03-04`, // 11: wrong field count
      `${good.id},${nowSeconds()},"a second report,`, // 12-13: a quoted field over two lines…
      'same row"', //        …an earlier row completes the same enrollment
      '',
    ].join('\n');
    const expected = [
      { line: 2, outcome: 'matched', enrollmentId: good.id },
      { line: 3, outcome: 'unknown' },
      { line: 4, outcome: 'invalid' },
      { line: 5, outcome: 'invalid' },
      { line: 6, outcome: 'invalid' },
      { line: 7, outcome: 'invalid' },
      { line: 8, outcome: 'invalid' },
      { line: 9, outcome: 'unknown' },
      { line: 10, outcome: 'unknown' },
      { line: 11, outcome: 'invalid' },
      { line: 12, outcome: 'already_complete', enrollmentId: good.id },
    ];
    const dry = await importCsv<ImportReport>('nrf', holder.token, csv, true);
    expect(dry.status).toBe(200);
    expect(dry.body.rows.map(({ message: _m, ...r }: { message: string }) => r)).toEqual(expected);
    const messages = dry.body.rows.map((r: { message: string }) => r.message);
    expect(messages[1]).toContain(`enrollmentId ${unknownId}`);
    expect(messages[2]).toContain('not-a-uuid');
    expect(messages[3]).toContain('completedAt "04/03/2024"');
    expect(messages[4]).toContain('future');
    expect(messages[5]).toBe('missing enrollmentId');
    expect(messages[6]).toBe('missing completedAt');
    expect(messages[9]).toBe('expected 3 fields like the header, found 2');
    expect(messages[10]).toBe('line 2 already completes this enrollment; kept as evidence');
    expect(dry.body.summary).toEqual({ matched: 1, already_complete: 1, unknown: 3, invalid: 6 });

    const applied = await importCsv<ImportReport>('nrf', holder.token, csv);
    expect(applied.status).toBe(200);
    expect(applied.body.rows.map(({ message: _m, ...r }: { message: string }) => r)).toEqual(expected);
    await expectClosedOnce(good.id, good.student.token, 'csv_import');
    await eventually(async () => (await snapshot(good.id)).evidence.length === 2, 'both reports as evidence');
    expect((await snapshot(good.id)).evidence.map((e) => e.outcome).sort()).toEqual(['already_complete', 'applied']);
    expect(await Promise.all(untouched.map((e) => snapshot(e.id)))).toEqual(before);

    // An admin sees every holder's enrollments of the partner; another partner's stay unknown.
    const asAdmin = await importCsv<ImportReport>(
      'nrf',
      admin.token,
      `enrollmentId,completedAt\n${otherHolders.id},${TODAY}\n${otherPartners.id},${TODAY}\n`,
      true,
    );
    expect(asAdmin.body.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['matched', 'unknown']);
    // A withdrawn (or not yet paid) enrollment cannot take a completion: invalid.
    const wd = await request('POST', `/api/enrollments/${notLaunched.id}/withdraw`, { token: notLaunched.student.token, json: {} });
    expect(wd.status).toBe(200);
    const afterWithdraw = await importCsv<ImportReport>('nrf', holder.token, `enrollmentId,completedAt\n${notLaunched.id},2024-03-04\n`);
    expect(afterWithdraw.body.rows).toEqual([
      {
        line: 2,
        outcome: 'invalid',
        message: 'the enrollment is withdrawn: a completion cannot be recorded',
        enrollmentId: notLaunched.id,
      },
    ]);
    expect((await snapshot(notLaunched.id)).evidence).toEqual([]);
  });

  test('not a CSV → 415 (wrong type, binary), 400 (no usable header, broken quoting, empty), 413 (too big, too many rows); a student → 403; nothing changes', async () => {
    const { id } = await enrollment(programs.nrf);
    const before = await snapshot(id);
    const auditBefore = await auditCount('completion.import');
    const csv = `enrollmentId,completedAt\n${id},2024-01-02\n`;
    expectProblem(
      await importCsv('nrf', holder.token, JSON.stringify({ enrollmentId: id, completedAt: '2024-01-02' }), false, 'application/json'),
      415,
    );
    expectProblem(await importCsv('nrf', holder.token, csv, false, 'text/plain'), 415);
    expectProblem(await importCsv('nrf', holder.token, csv, false, 'text/csv; charset=iso-8859-1'), 415);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      Buffer.from('IHDR'),
      Buffer.alloc(64),
    ]);
    const binary = await fetch(`${system.baseUrl}/api/partners/nrf/completions/import`, {
      method: 'POST',
      headers: csvHeaders(holder.token),
      body: png,
    });
    expect(binary.status).toBe(415);
    expect(binary.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expectProblem(await importCsv('nrf', holder.token, `id,date\n${id},2024-01-02\n`), 400, [
      'body.header.enrollmentId',
      'body.header.completedAt',
    ]);
    expectProblem(await importCsv('nrf', holder.token, `enrollmentId\n${id}\n`), 400, ['body.header.completedAt']);
    expectProblem(await importCsv('nrf', holder.token, `enrollmentId,completedAt\n"${id},2024-01-02\n`), 400, ['body']);
    expectProblem(await importCsv('nrf', holder.token, `enrollmentId,completedAt\n${id},2024"-01-02\n`), 400, ['body']);
    expectProblem(await importCsv('nrf', holder.token, ''), 400);
    expectProblem(await importCsv('nrf', holder.token, `enrollmentId,completedAt\n${`${id},2024-01-02\n`.repeat(5001)}`), 413);
    expectProblem(
      await importCsv('nrf', holder.token, `enrollmentId,completedAt,notes\n${id},2024-01-02,${'x'.repeat(1024 * 1024)}\n`),
      413,
    );
    expectProblem(await importCsv('nrf', (await system.token('student')).token, csv), 403);
    expectProblem(await importCsv('nrf', 'garbage', csv), 401);
    expectProblem(await importCsv('no-such-partner', admin.token, csv), 404);
    expectProblem(
      await request('POST', '/api/partners/nrf/completions/import?dryRun=maybe', { body: csv, headers: csvHeaders(holder.token) }),
      400,
      ['query.dryRun'],
    );
    expect(await snapshot(id)).toEqual(before);
    expect(await auditCount('completion.import')).toBe(auditBefore);
  });
});

// ── first completion wins ──────────────────────────────────────────────────────────────────────────────

describe('two channels at once', () => {
  test('a push and a CSV import racing: one applied, the other already_complete; one certificate, one email, one ledger set', async () => {
    const { id, student } = await enrollment(programs.nrf);
    const [pushedAt, importedAt] = [nowSeconds(), nowSeconds(1000)];
    const [pushed, imported] = await Promise.all([
      push<CompletionReceipt>('nrf', keys.nrf.apiKey, { enrollmentId: id, completedAt: pushedAt, reportId: `race-${id}` }),
      importCsv<ImportReport>('nrf', holder.token, `enrollmentId,completedAt\n${id},${importedAt}\n`),
    ]);
    expect(pushed.status).toBe(202);
    expect(imported.status).toBe(200);
    const row = imported.body.rows[0];
    const outcomes = [pushed.body.outcome, row.outcome === 'matched' ? 'applied' : row.outcome].sort();
    expect(outcomes).toEqual(['already_complete', 'applied']);

    const winner = pushed.body.outcome === 'applied' ? 'partner_push' : 'csv_import';
    const { view } = await expectClosedOnce(id, student.token, winner);
    expect(view.completedAt).toBe(normalized(winner === 'partner_push' ? pushedAt : importedAt));
    await eventually(async () => (await snapshot(id)).evidence.length === 2, 'both reports as evidence');
    const { rows } = await system.db.query('SELECT method, outcome FROM completion_evidence WHERE enrollment_id = $1 ORDER BY method', [
      id,
    ]);
    expect(rows).toEqual([
      { method: 'csv_import', outcome: winner === 'csv_import' ? 'applied' : 'already_complete' },
      { method: 'partner_push', outcome: winner === 'partner_push' ? 'applied' : 'already_complete' },
    ]);
  });
});

// ── withdrawal ─────────────────────────────────────────────────────────────────────────────────────────

describe('withdrawal', () => {
  test('the student withdraws before launch: full refund, status withdrawn; again → 409; a completion afterwards → 409', async () => {
    const { id, student } = await enrollment(programs.nrf, false);
    const res = await request('POST', `/api/enrollments/${id}/withdraw`, {
      token: student.token,
      json: { reason: 'moved to another city' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ enrollmentId: id, status: 'withdrawn', refundCents: 5000, currency: 'usd' });
    await waitForStatus(system, student.token, id, 'withdrawn');
    await eventually(
      async () => (await count('SELECT count(*) AS n FROM refunds WHERE enrollment_id = $1 AND amount_cents = 5000', [id])) === 1,
      'the refund',
    );
    expect(
      await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'enrollment.withdraw' AND target_id = $1 AND actor_id = $2`, [
        id,
        student.actor.id,
      ]),
    ).toBe(1);
    const before = await snapshot(id);
    expectProblem(await request('POST', `/api/enrollments/${id}/withdraw`, { token: student.token }), 409);
    expectProblem(await push('nrf', keys.nrf.apiKey, { enrollmentId: id, completedAt: '2024-06-01' }), 409);
    expect(await snapshot(id)).toEqual(before);
  });

  test('an admin may withdraw; another student → 404, the holder → 403, a completed enrollment → 409, a malformed reason → 400', async () => {
    const { id, student } = await enrollment(programs.nrf);
    expectProblem(await request('POST', `/api/enrollments/${id}/withdraw`, { token: (await system.token('student')).token }), 404);
    expectProblem(await request('POST', `/api/enrollments/${id}/withdraw`, { token: holder.token }), 403);
    expectProblem(await request('POST', `/api/enrollments/${id}/withdraw`, { token: student.token, json: { reason: 42 } }), 400, [
      'body.reason',
    ]);
    expectProblem(await request('POST', `/api/enrollments/${randomUUID()}/withdraw`, { token: admin.token }), 404);
    expect((await snapshot(id)).enrollment.status).toBe('in_progress');
    const res = await request('POST', `/api/enrollments/${id}/withdraw`, { token: admin.token });
    expect(res.status).toBe(200);
    // After launch the program's policy (refund_after_launch_bps, 0 by default) applies.
    expect(res.body).toEqual({ enrollmentId: id, status: 'withdrawn', refundCents: 0, currency: 'usd' });

    const done = await enrollment(programs.nrf);
    expect((await push('nrf', keys.nrf.apiKey, { enrollmentId: done.id, completedAt: TODAY })).status).toBe(202);
    await waitForStatus(system, done.student.token, done.id, 'closed');
    expectProblem(await request('POST', `/api/enrollments/${done.id}/withdraw`, { token: done.student.token }), 409);
    expect((await snapshot(done.id)).enrollment.status).toBe('closed');
  });
});

// ── the pieces underneath: the CSV reader and the moveOn rule ──────────────────────────────────────────

describe('RFC 4180 reader and moveOn rule', () => {
  test('CSV: CRLF, LF and CR line breaks, quoted commas, doubled quotes, line breaks inside quotes, blank lines, a BOM', () => {
    expect(parseCsv('a,b\r\n1,"x, y"\r\n\r\n"say ""hi""",\n"two\r\nlines",z\r3,4')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x, y'] },
      { line: 4, fields: ['say "hi"', ''] },
      { line: 5, fields: ['two\r\nlines', 'z'] },
      { line: 7, fields: ['3', '4'] },
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('"",\n')).toEqual([{ line: 1, fields: ['', ''] }]);
    expect(() => parseCsv('a\n"open')).toThrow(new CsvSyntaxError('a quoted field is never closed', 2));
    expect(() => parseCsv('a\nb"c')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('"a"b')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('h\n1\n2\n3', { maxRecords: 3 })).toThrow(CsvTooManyRecordsError);
    expect(decodeText(Buffer.from('\ufeffenrollmentId,completedAt\n'))).toBe('enrollmentId,completedAt\n');
    expect(decodeText(Buffer.from([0x61, 0x00, 0x62]))).toBeUndefined();
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x61]))).toBeUndefined();
  });

  test('moveOn: the statement that satisfies each rule, from completed and passed statements in order', () => {
    const c1 = { id: 'c1', verb: VERBS.completed };
    const p1 = { id: 'p1', verb: VERBS.passed };
    const c2 = { id: 'c2', verb: VERBS.completed };
    const f1 = { id: 'f1', verb: VERBS.failed };
    const ordered = [f1, c1, p1, c2];
    expect(satisfyingStatement('Completed', ordered)).toBe(c1);
    expect(satisfyingStatement('Passed', ordered)).toBe(p1);
    expect(satisfyingStatement('CompletedOrPassed', ordered)).toBe(c1);
    expect(satisfyingStatement('CompletedAndPassed', ordered)).toBe(p1);
    expect(satisfyingStatement('CompletedAndPassed', [p1, c2])).toBe(c2);
    expect(satisfyingStatement('CompletedOrPassed', [f1, p1])).toBe(p1);
    expect(satisfyingStatement('CompletedAndPassed', [f1, c1, c2])).toBeUndefined();
    expect(satisfyingStatement('Passed', [f1, c1])).toBeUndefined();
  });
});
