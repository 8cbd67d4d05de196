/**
 * The access and disclosure log at the API level (the app in-process, a real PostgreSQL, the fake enrollment client):
 * every read path of a student's personal data by someone other than the student writes exactly one entry per
 * student shown, with its purpose and whether it left the platform; the student's own reads write none; the student
 * reads their list (newest first, paged), an admin anyone's, and no one else.
 */
import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activities/deps';
import { createPartnerActivities } from '../../activities/partners';
import { FUNDED_ENROLLMENTS_SQL } from '../../capabilities/funding/queries';
import { READS, recordExportReads } from '../../capabilities/privacy/disclosures';
import { SEEDED_PROGRAMS } from '../../db/seed';
import { createOutboundGuard, outboundPolicy } from '../../lib/outbound-guard';
import { FailureType } from '../../workflows/messages';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import type { DisclosureList, EnrollmentList, EnrollmentState, OpenedEnrollment, ReviewQueue } from '../helpers/contract';
import { startLtiTool } from '../helpers/lti-tool';
import { voucherFundedEnrollment } from '../helpers/vouchers';
import { refusedUpdate } from '../helpers/fake-enrollment-client';
import { by, byStudent, disclosureRecorder, entry, summary } from '../helpers/disclosures';
import { expectProblem } from '../helpers/problems';
import { createTestProgram } from '../helpers/programs';
import { holderFixtures } from '../console/holder-fixtures';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;
const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const today = () => new Date().toISOString().slice(0, 10);

let app: ApiApp;
let admin: Session;
let fixtures: ReturnType<typeof holderFixtures>;
beforeAll(async () => {
  app = await startApiApp();
  admin = await app.token('admin', { name: 'Ada Admin' });
  fixtures = holderFixtures(app);
});
afterAll(() => app?.close());
beforeEach(() => {
  app.enrollments.reset();
  fixtures.projectWorkflow();
});

const recorded = (read: () => Promise<unknown>) => disclosureRecorder(app.db)(read);

const get = <Body = unknown>(who: Session | undefined, url: string) => app.request<Body>('GET', url, { token: who?.token });

/** A new program holder with a program of their own. */
async function holderWithProgram(title = 'Phlebotomy') {
  const holder = await app.token('program_holder', { name: 'Hana Holder' });
  return { holder, programId: await fixtures.programOf(holder, `${title} ${randomUUID().slice(0, 6)}`) };
}

const funded = (funder: Session, student: Session, programId: string = IC3.id) => voucherFundedEnrollment(app, funder, student, programId);

describe('each read path writes one entry per student shown', () => {
  test('the enrollment list: one entry per student (a student listed twice is one entry naming both); purpose review', async () => {
    const { holder, programId } = await holderWithProgram();
    const second = await fixtures.programOf(holder, 'Second program');
    const ada = await fixtures.enrolled(programId, 'Ada Lovelace');
    const bo = await fixtures.enrolled(programId, 'Bo Diddley');
    const again = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
      token: ada.student.token,
      json: { programId: second, fundingSource: 'self_pay' },
    });
    let list: EnrollmentList | undefined;
    const entries = await recorded(async () => (list = (await get<EnrollmentList>(holder, '/api/enrollments')).body));
    expect(list!.enrollments).toHaveLength(3);
    expect(entries.map(summary)).toEqual(
      byStudent([
        entry(ada.student, by(holder), 'enrollment list', ['enrollment', ...[ada.enrollmentId, again.body.enrollmentId].sort()], 'review'),
        entry(bo.student, by(holder), 'enrollment list', ['enrollment', bo.enrollmentId], 'review'),
      ]),
    );
    expect(entries[0]).toEqual(
      expect.objectContaining({ actor_name: 'Hana Holder', fields: expect.arrayContaining(['name', 'email']) as unknown }),
    );
    // A page with no one on it writes nothing.
    expect(await recorded(() => get(holder, '/api/enrollments?offset=100'))).toEqual([]);
  });

  test('one enrollment: the holder’s read is review, an admin’s support; the student’s own read writes nothing', async () => {
    const { holder, programId } = await holderWithProgram();
    const { student, enrollmentId } = await fixtures.enrolled(programId, 'Cy Twombly');
    const url = `/api/enrollments/${enrollmentId}`;
    const expected = (who: Session, purpose: string) => entry(student, by(who), 'enrollment', ['enrollment', enrollmentId], purpose);
    expect((await recorded(() => get(holder, url))).map(summary)).toEqual([expected(holder, 'review')]);
    expect((await recorded(() => get(admin, url))).map(summary)).toEqual([expected(admin, 'support')]);
    expect(await recorded(() => get<EnrollmentState>(student, url))).toEqual([]);
    // Refused reads write nothing: another holder (403), an unknown enrollment (404).
    expect(await recorded(async () => expectProblem(await get(await app.token('program_holder'), url), 403))).toEqual([]);
    expect(await recorded(async () => expectProblem(await get(holder, `/api/enrollments/${randomUUID()}`), 404))).toEqual([]);
  });

  test('the review queue and an evidence file: the holder’s reads are recorded, the student’s own file read is not', async () => {
    const { holder, programId } = await holderWithProgram();
    const up = await fixtures.uploaded(programId, 'Dee Dee');
    let queue: ReviewQueue | undefined;
    const listed = await recorded(async () => (queue = (await get<ReviewQueue>(holder, '/api/program-holder/submissions')).body));
    expect(queue!.items.map((i) => i.id)).toEqual([up.submissionId]);
    expect(listed.map(summary)).toEqual([entry(up.student, by(holder), 'review queue', ['submission', up.submissionId], 'review')]);
    const file = `/api/submissions/${up.submissionId}/file`;
    const opened = await recorded(async () => expect((await get(holder, file)).status).toBe(200));
    expect(opened.map(summary)).toEqual([expect.objectContaining({ via: 'evidence file', record: ['submission', up.submissionId] })]);
    expect(await recorded(async () => expect((await get(up.student, file)).status).toBe(200))).toEqual([]);
  });

  test('a funder’s funded enrollments (JSON, CSV) and vouchers are disclosures for funding oversight; an admin’s are not', async () => {
    const organizationId = `board-${randomUUID().slice(0, 8)}`;
    const funder = await app.token('funder', { organizationId, name: 'Fay Funder' });
    const student = await app.token('student');
    const { voucherId, enrollmentId: id } = await funded(funder, student);
    // An unused voucher names no student: its line writes nothing.
    await app.request('POST', '/api/vouchers', {
      token: funder.token,
      json: {
        number: `B-${randomUUID()}`,
        fundingSource: 'wioa_ita',
        studentEmail: 'nobody@example.com',
        amountCents: 100,
        currency: 'usd',
        expiresOn: '2099-12-31',
      },
    });
    const asFunder = (via: string, record: string[]) => entry(student, by(funder), via, record, 'funding_oversight', true);
    const json = await recorded(() => get(funder, '/api/funded-enrollments'));
    expect(json.map(summary)).toEqual([asFunder('funded enrollments', ['enrollment', id])]);
    expect(json[0]).toEqual(expect.objectContaining({ actor_organization_id: organizationId, actor_name: 'Fay Funder' }));
    let csv = '';
    const exported = await recorded(async () => (csv = (await get<string>(funder, '/api/funded-enrollments?format=csv')).body));
    expect(csv).toContain(id);
    expect(exported.map(summary)).toEqual([asFunder('funded enrollments CSV', ['enrollment', id])]);
    expect((await recorded(() => get(funder, '/api/vouchers'))).map(summary)).toEqual([asFunder('voucher list', ['voucher', voucherId])]);
    const byAdmin = await recorded(() => get(admin, `/api/funded-enrollments?organizationId=${organizationId}`));
    expect(byAdmin.map(summary)).toEqual([entry(student, by(admin), 'funded enrollments', ['enrollment', id], 'funding_oversight')]);
  });

  test('the PIRL export is a state report (a disclosure, whoever downloads it); the revenue-share report records its enrollments', async () => {
    const student = await app.token('student');
    const organizationId = `board-${randomUUID().slice(0, 8)}`;
    const funder = await app.token('funder', { organizationId });
    const { enrollmentId: id } = await funded(funder, student);
    await app.activities.recordWioaExit({ enrollmentId: id, exitDate: today() });
    const pirl = `/api/reports/wioa?from=${today()}&to=${today()}`;
    const byFunder = await recorded(async () => expect((await get<string>(funder, pirl)).body).toContain(id));
    const stateReport = (who: Session) => entry(student, by(who), 'WIOA PIRL export', ['wioa_record', id], 'state_reporting', true);
    expect(byFunder.map(summary)).toEqual([stateReport(funder)]);
    // The admin's export holds every participant of the period (other tests' too): this student's entry is one of them.
    const byAdmin = await recorded(() => get(admin, pirl));
    expect(byAdmin.filter((e) => e.student_id === student.actor.id).map(summary)).toEqual([stateReport(admin)]);
    expect(new Set(byAdmin.map((e) => e.student_id)).size).toBe(byAdmin.length);
    // The ETP report is counts only: no entry.
    expect(await recorded(() => get(admin, `/api/reports/etp?year=${today().slice(0, 4)}`))).toEqual([]);

    const { holder, programId } = await holderWithProgram('Shared');
    const paying = await fixtures.enrolled(programId, 'Eve Payer');
    await app.advance(paying.enrollmentId, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
    await app.activities.recordRevenueShare({ enrollmentId: paying.enrollmentId, basisCents: 10_000, currency: 'usd' });
    const report = await recorded(() => get(holder, `/api/reports/revenue-share?from=${today()}&to=${today()}&format=csv`));
    expect(report.map(summary)).toEqual([
      entry(paying.student, by(holder), 'revenue share report', ['ledger', paying.enrollmentId], 'revenue_reconciliation'),
    ]);
  });

  test('a certificate: the holder’s PDF and credential are recorded; the public verification is a disclosure to the public', async () => {
    const { holder, programId } = await holderWithProgram();
    const { student, enrollmentId } = await fixtures.enrolled(programId, 'Flo Finisher');
    await app.advance(enrollmentId, 'completed', { completedAt: new Date().toISOString(), completionMethod: 'manual' });
    const cert = await app.activities.issueCertificate({ enrollmentId, completedAt: new Date().toISOString() });
    const read = (via: string): unknown => expect.objectContaining({ student: student.actor.id, via, record: ['certificate', cert.id] });
    expect((await recorded(() => get(holder, `/api/certificates/${cert.id}.pdf`))).map(summary)).toEqual([read('certificate PDF')]);
    expect((await recorded(() => get(holder, `/api/certificates/${cert.id}/credential`))).map(summary)).toEqual([
      read('signed credential'),
    ]);
    expect(await recorded(() => get(student, `/api/certificates/${cert.id}.pdf`))).toEqual([]);
    const verified = await recorded(async () =>
      expect((await app.request('GET', `/verify/${cert.verificationCode}`, { headers: { accept: 'application/json' } })).status).toBe(200),
    );
    expect(verified.map(summary)).toEqual([
      entry(student, ['public', 'public'], 'public verification', ['certificate', cert.id], 'verification', true),
    ]);
    // An unknown code shows no one.
    expect(await recorded(() => app.request('GET', '/verify/AAAA-BBBB-CCCC'))).toEqual([]);
  });

  test('a launch discloses the enrollment to the partner (or its LTI tool) for course delivery; a refused launch writes nothing', async () => {
    const { programId } = await holderWithProgram();
    const { student, enrollmentId } = await fixtures.enrolled(programId, 'Gil Launcher');
    app.enrollments.refuse(
      'launch',
      refusedUpdate('the course cannot be launched while the enrollment is pending_payment', FailureType.conflict),
    );
    expect(await recorded(async () => expectProblem(await get(student, `/api/enrollments/${enrollmentId}/launch`), 409))).toEqual([]);
    app.enrollments.reset();
    await app.advance(enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
    const launched = await recorded(async () => expect((await get(student, `/api/enrollments/${enrollmentId}/launch`)).status).toBe(302));
    expect(launched.map(summary)).toEqual([
      entry(student, ['partner', 'nrf'], 'course launch', ['enrollment', enrollmentId], 'course_delivery', true),
    ]);
    const list = await get<DisclosureList>(student, '/api/me/disclosures');
    expect(list.body.items[0].actor).toEqual({ id: 'nrf', role: 'partner', name: 'NRF Foundation RISE Up', organizationId: 'nrf' });

    const tool = await startLtiTool(app.baseUrl);
    try {
      const holder = await app.token('program_holder');
      const ltiProgram = await createTestProgram(app.request, admin.token, {
        title: 'LTI course',
        holderId: holder.actor.id,
        partnerId: 'milady',
      });
      expect((await app.request('POST', '/api/partners/milady/lti-tools', { token: admin.token, json: tool.registration })).status).toBe(
        201,
      );
      const lti = await fixtures.enrolled(ltiProgram, 'Hal Tool');
      await app.advance(lti.enrollmentId, 'ready_to_launch', { paidAt: new Date().toISOString() });
      const entries = await recorded(async () =>
        expect((await get(lti.student, `/api/enrollments/${lti.enrollmentId}/launch`)).status).toBe(302),
      );
      expect(entries.map(summary)).toEqual([
        entry(
          lti.student,
          ['lti_tool', `lti:${tool.registration.clientId}`],
          'LTI launch',
          ['enrollment', lti.enrollmentId],
          'course_delivery',
          true,
        ),
      ]);
      expect(entries[0].actor_organization_id).toBe('milady');
    } finally {
      await tool.close();
    }
  });

  test('a partner with an API receives a registration: recorded before it is sent, each time it is', async () => {
    const { student, enrollmentId } = await fixtures.enrolled(DEMO.id, 'Ivy Registered');
    const acts = createPartnerActivities(
      { db: app.db, publicBaseUrl: app.baseUrl, outbound: createOutboundGuard({ policy: outboundPolicy('test') }) } as ActivityDeps,
      { env: {} },
    );
    const entries = await recorded(() => acts.launchAtPartner({ enrollmentId }));
    expect(entries.map(summary)).toEqual([
      entry(student, ['partner', 'demo'], 'partner registration', ['enrollment', enrollmentId], 'course_delivery', true),
    ]);
  });

  test('the review digest email records the students it names, with its claim (a resend records nothing more)', async () => {
    const { holder, programId } = await holderWithProgram();
    await app.db.query('INSERT INTO program_holders (id, email, name) VALUES ($1, $2, $3)', [
      holder.actor.id,
      'hana@example.com',
      'Hana Holder',
    ]);
    const [a, b] = [await fixtures.uploaded(programId, 'Jo One'), await fixtures.uploaded(programId, 'Kai Two')];
    const entries = await recorded(() => app.activities.sendReviewDigests());
    const mine = entries.filter((e) => e.actor_id === holder.actor.id);
    expect(mine.map(summary)).toEqual(
      byStudent([a, b].map((u) => entry(u.student, by(holder), 'review digest email', ['submission', u.submissionId], 'review'))),
    );
    expect(await recorded(() => app.activities.sendReviewDigests())).toEqual([]);
  });
});

describe('never lost', () => {
  test('when the entry cannot be written, nothing is sent: the page, the list and the export fail instead', async () => {
    const { holder, programId } = await holderWithProgram();
    const student = await app.token('student', { name: 'Nia Guarded' });
    const { enrollmentId } = await funded(admin, student, programId);
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    // Every insert into the log fails from now on (the rows already there are left alone).
    await app.db.query('ALTER TABLE disclosure_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
    try {
      for (const url of [`/api/enrollments/${enrollmentId}`, '/api/enrollments', '/api/funded-enrollments?format=csv']) {
        const who = url.includes('funded') ? admin : holder;
        const res = await get<string>(who, url);
        expect({ url, status: res.status }).toEqual({ url, status: 500 });
        expect(JSON.stringify(res.body)).not.toContain(student.actor.email!);
      }
      // The student's own reads are not recorded, so they are not stopped.
      expect((await get(student, `/api/enrollments/${enrollmentId}`)).status).toBe(200);
    } finally {
      await app.db.query('ALTER TABLE disclosure_log DROP CONSTRAINT refuse_all');
      quiet.mockRestore();
    }
  });
});

describe('an export’s entries', () => {
  test('are written from the export’s own snapshot: an enrollment committed after it is in neither the export nor the log', async () => {
    const organizationId = `board-${randomUUID().slice(0, 8)}`;
    const funder = await app.token('funder', { organizationId });
    const before = await funded(funder, await app.token('student'));
    const exporting = await app.db.connect();
    try {
      await exporting.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const {
        rows: [{ snapshot }],
      } = await exporting.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
      const after = await funded(funder, await app.token('student'));
      const entries = await recorded(() =>
        recordExportReads(
          app.db,
          funder.actor,
          READS.fundedEnrollmentsCsv,
          { snapshot, sql: FUNDED_ENROLLMENTS_SQL, params: [organizationId] },
          'id',
        ),
      );
      expect(entries.map((e) => e.record_ids)).toEqual([[before.enrollmentId]]);
      const exported = await exporting.query<{ id: string }>(`SELECT id FROM (${FUNDED_ENROLLMENTS_SQL}) q`, [organizationId]);
      expect(exported.rows.map((r) => r.id)).toEqual([before.enrollmentId]);
      const now = await app.db.query<{ id: string }>(`SELECT id FROM (${FUNDED_ENROLLMENTS_SQL}) q`, [organizationId]);
      expect(now.rows.map((r) => r.id)).toEqual([after.enrollmentId, before.enrollmentId]);
      await exporting.query('COMMIT');
    } finally {
      exporting.release();
    }
  });
});

describe('GET /api/me/disclosures and GET /api/students/:studentId/disclosures', () => {
  test('the student reads theirs newest first, paged; another student only their own; an admin anyone’s; no one else', async () => {
    const { holder, programId } = await holderWithProgram();
    const { student, enrollmentId } = await fixtures.enrolled(programId, 'Lu Reader');
    const other = await fixtures.enrolled(programId, 'Mo Other');
    const url = `/api/enrollments/${enrollmentId}`;
    await get(holder, url);
    await get(admin, url);
    await get(holder, '/api/enrollments');

    const mine = await get<DisclosureList>(student, '/api/me/disclosures');
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(expect.objectContaining({ limit: 50, offset: 0, total: 3 }));
    expect(mine.body.items.map((d) => [d.actor.role, d.purpose, (d.record as { via: string }).via])).toEqual([
      ['program_holder', 'review', 'enrollment list'],
      ['admin', 'support', 'enrollment'],
      ['program_holder', 'review', 'enrollment'],
    ]);
    expect(mine.body.items[0]).toEqual({
      at: expect.any(String) as unknown,
      actor: { id: holder.actor.id, role: 'program_holder', name: 'Hana Holder' },
      record: {
        kind: 'enrollment',
        ids: [enrollmentId],
        fields: expect.arrayContaining(['name', 'email']) as unknown,
        via: 'enrollment list',
      },
      purpose: 'review',
      disclosure: false,
    });
    expect(mine.body.items[1].actor).toEqual({ id: admin.actor.id, role: 'admin', name: 'Ada Admin' });
    const ats = mine.body.items.map((d) => Date.parse(d.at));
    expect([...ats].sort((x, y) => y - x)).toEqual(ats);

    const page2 = await get<DisclosureList>(student, '/api/me/disclosures?limit=2&offset=2');
    expect(page2.body).toEqual(expect.objectContaining({ limit: 2, offset: 2, total: 3 }));
    expect(page2.body.items).toEqual([mine.body.items[2]]);
    expectProblem(await get(student, '/api/me/disclosures?limit=0'), 400, ['query.limit']);
    expectProblem(await get(student, '/api/me/disclosures?offset=-1'), 400, ['query.offset']);

    // Reading the list is not a read of someone else's record, and writes nothing.
    expect(await recorded(() => get(student, '/api/me/disclosures'))).toEqual([]);
    const theirs = await get<DisclosureList>(other.student, '/api/me/disclosures');
    expect(theirs.body.items.map((d) => (d.record as { ids: string[] }).ids)).toEqual([[other.enrollmentId]]);

    const byAdmin = await get<DisclosureList>(admin, `/api/students/${encodeURIComponent(student.actor.id)}/disclosures`);
    expect(byAdmin.body).toEqual(mine.body);
    const nobody = await get<DisclosureList>(admin, `/api/students/${randomUUID()}/disclosures`);
    expect(nobody.body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });

    for (const who of [student, holder, await app.token('funder')]) {
      expectProblem(await get(who, `/api/students/${student.actor.id}/disclosures`), 403);
    }
    for (const who of [holder, admin]) expectProblem(await get(who, '/api/me/disclosures'), 403);
    expectProblem(await get(undefined, '/api/me/disclosures'), 401);
    expectProblem(await get(undefined, `/api/students/${student.actor.id}/disclosures`), 401);
  });
});
