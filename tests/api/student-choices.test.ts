/**
 * The student's choices (issue 23, item 6), the app in process (real PostgreSQL, the fake enrollment client):
 * per certificate, the name its public verification shows (full by default, or initials), through the JSON API and
 * the console's plain form; and the consent to sending tutor messages to the model provider, recorded with its
 * history. The tutor's refusal without consent, with a real model stand-in, is in tests/api.tutor.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { initialsOf, publicHolderName } from '../../capabilities/credentials/public-name';
import { DEMO_HOLDER_ID, SEEDED_PROGRAMS } from '../../db/seed';
import { type ApiApp, type Session, startApiApp } from '../helpers/api-app';
import { consoleClient } from '../helpers/console-client';
import type { CertificatePublicName, OpenedEnrollment, TutorConsent, Verification } from '../helpers/contract';
import { expectProblem } from '../helpers/problems';

const DEMO = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
const PARTNER_CERTIFICATE = 'https://partner.example/certificates/jane-doe-42';

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp();
});
afterAll(() => app?.close());

/** A completed enrollment of a new student named `name`, with its certificate issued (and a partner certificate link). */
async function certifiedStudent(name: string): Promise<{ student: Session; enrollmentId: string; certificateId: string; code: string }> {
  const student = await app.token('student', { name });
  const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: DEMO.id, fundingSource: 'self_pay' },
  });
  expect(opened.status).toBe(201);
  const { enrollmentId } = opened.body;
  const completedAt = new Date().toISOString();
  await app.advance(enrollmentId, 'ready_to_launch', { paidAt: completedAt });
  await app.advance(enrollmentId, 'in_progress', { launchedAt: completedAt });
  await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
  const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
  await app.db.query('UPDATE certificates SET partner_certificate_url = $2 WHERE id = $1', [certificate.id, PARTNER_CERTIFICATE]);
  return { student, enrollmentId, certificateId: certificate.id, code: certificate.verificationCode };
}

const verifyJson = (code: string) => app.request<Verification>('GET', `/verify/${code}`, { headers: { accept: 'application/json' } });
const verifyHtml = async (code: string) => (await app.request<string>('GET', `/verify/${code}`, { headers: { accept: 'text/html' } })).body;

describe('initials', () => {
  test('the first letter of each word, upper-cased, each with a full stop; one word gives one initial', () => {
    expect(initialsOf('Jane Doe')).toBe('J. D.');
    expect(initialsOf('Cher')).toBe('C.');
    expect(initialsOf('  mary-jane   van dyke ')).toBe('M. J. V. D.');
    expect(initialsOf('Émile Zola')).toBe('É. Z.');
    expect(initialsOf('Ada (2) Lovelace')).toBe('A. L.');
    expect(publicHolderName('Jane Doe', 'full')).toBe('Jane Doe');
    expect(publicHolderName(null, 'initials')).toBe('Student');
    expect(publicHolderName('  ', 'full')).toBe('Student');
  });
});

describe('the name on the public verification page', () => {
  test('full by default; with initials, the HTML and the JSON name the holder by initials only, and nothing else names them', async () => {
    const { student, certificateId, code } = await certifiedStudent('Jane Quillfeather');
    const before = await verifyJson(code);
    expect(before.body.holder).toBe('Jane Quillfeather');
    expect(before.body.partnerCertificateUrl).toBe(PARTNER_CERTIFICATE);
    expect(await verifyHtml(code)).toContain('<strong>Jane Quillfeather</strong> completed');

    const shown = await app.request<CertificatePublicName>('GET', `/api/certificates/${certificateId}/public-name`, {
      token: student.token,
    });
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      certificateId,
      show: 'full',
      holder: 'Jane Quillfeather',
      options: { full: 'Jane Quillfeather', initials: 'J. Q.' },
      setAt: null,
      verifyUrl: `${app.baseUrl}/verify/${code}`,
    });
    const credentialBefore = await app.request<string>('GET', `/api/certificates/${certificateId}/credential`, { token: student.token });

    const set = await app.request<CertificatePublicName>('PUT', `/api/certificates/${certificateId}/public-name`, {
      token: student.token,
      json: { show: 'initials' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual(expect.objectContaining({ show: 'initials', holder: 'J. Q.', setAt: expect.any(String) as unknown }));

    const after = await verifyJson(code);
    expect(after.body.holder).toBe('J. Q.');
    expect(after.body.partnerCertificateUrl).toBeUndefined();
    const html = await verifyHtml(code);
    expect(html).toContain('<strong>J. Q.</strong> completed');
    for (const body of [JSON.stringify(after.body), html]) {
      expect(body).not.toMatch(/Jane|Quillfeather|jane-doe/i);
      expect(body).not.toContain(student.actor.email!);
    }
    // The signed credential the student downloads is theirs and unchanged (it names them by a hashed email only).
    const credential = await app.request<string>('GET', `/api/certificates/${certificateId}/credential`, { token: student.token });
    expect(decodeJwt(credential.body)).toEqual(decodeJwt(credentialBefore.body));
    expect(JSON.stringify(decodeJwt(credential.body))).not.toMatch(/Jane|Quillfeather/);
    // Audited, without the name.
    const { rows } = await app.db.query<{ actor_id: string; details: unknown }>(
      `SELECT actor_id, details FROM audit_log WHERE action = 'certificate.public_name' AND target_id = $1`,
      [certificateId],
    );
    expect(rows).toEqual([{ actor_id: student.actor.id, details: { show: 'initials' } }]);
    // The disclosure log says what the public saw: the name before, the initials after.
    const seen = await app.db.query<{ fields: string[] }>(
      `SELECT fields FROM disclosure_log WHERE record_kind = 'certificate' AND $1 = ANY (record_ids) AND actor_role = 'public' ORDER BY id`,
      [certificateId],
    );
    expect(seen.rows.map((r) => r.fields[0])).toEqual(['name', 'name', 'initials', 'initials']);

    // Back to the full name.
    const full = await app.request<CertificatePublicName>('PUT', `/api/certificates/${certificateId}/public-name`, {
      token: student.token,
      json: { show: 'full' },
    });
    expect(full.body.holder).toBe('Jane Quillfeather');
    expect((await verifyJson(code)).body).toEqual(
      expect.objectContaining({ holder: 'Jane Quillfeather', partnerCertificateUrl: PARTNER_CERTIFICATE }),
    );
  });

  test('only the certificate’s student: another student 404, its holder and an admin 403; bad input 400', async () => {
    const { certificateId, code, student } = await certifiedStudent('Owen Marchbanks');
    const path = `/api/certificates/${certificateId}/public-name`;
    const other = await app.token('student');
    const holder = await app.token('program_holder', { id: DEMO_HOLDER_ID });
    const admin = await app.token('admin');
    for (const method of ['GET', 'PUT']) {
      const json = method === 'PUT' ? { show: 'initials' } : undefined;
      expectProblem(await app.request(method, path, { token: other.token, json }), 404);
      expectProblem(await app.request(method, path, { token: holder.token, json }), 403);
      expectProblem(await app.request(method, path, { token: admin.token, json }), 403);
      expectProblem(await app.request(method, path, { json }), 401);
      expectProblem(await app.request(method, `/api/certificates/${randomUUID()}/public-name`, { token: student.token, json }), 404);
      expectProblem(await app.request(method, '/api/certificates/not-a-uuid/public-name', { token: student.token, json }), 400, [
        'path.certificateId',
      ]);
    }
    expectProblem(await app.request('PUT', path, { token: student.token, json: { show: 'nickname' } }), 400, ['body.show']);
    expectProblem(await app.request('PUT', path, { token: student.token, json: {} }), 400, ['body.show']);
    expect((await verifyJson(code)).body.holder).toBe('Owen Marchbanks');
  });

  test('the console form (no script): radios and a button on the enrollment page, CSRF, only the student’s own', async () => {
    const id = `student-${randomUUID()}`;
    const browser = consoleClient(app.baseUrl);
    await browser.signIn('student', { userId: id, name: 'Imogen Thistlewood', email: `${id}@example.com` });
    const { token } = await app.token('student', { id, name: 'Imogen Thistlewood' });
    const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
      token,
      json: { programId: DEMO.id, fundingSource: 'self_pay' },
    });
    const enrollmentId = opened.body.enrollmentId;
    const completedAt = new Date().toISOString();
    await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
    const certificate = await app.activities.issueCertificate({ enrollmentId, completedAt });
    const action = `/student/certificates/${certificate.id}/public-name`;

    const page = await browser.get(`/student/enrollments/${enrollmentId}`);
    expect(page.html).toContain('<h2 id="public-name-title">Your name on the verification page</h2>');
    expect(page.html).toContain(`<form method="post" action="${action}" class="stack">`);
    expect(page.html).toContain('<legend>Name on the verification page</legend>');
    expect(page.html).toMatch(/<input type="radio" id="public-name-full" name="show" value="full" checked>/);
    expect(page.html).toContain('<label for="public-name-full">Full name (Imogen Thistlewood)</label>');
    expect(page.html).toContain('<label for="public-name-initials">Initials only (I. T.)</label>');
    expect(page.html).toContain('<button type="submit">Save name choice</button>');

    // Without the form's CSRF token: refused, nothing changes.
    expect((await browser.post(action, { show: 'initials', _csrf: 'forged' })).status).toBe(403);
    expect((await verifyJson(certificate.verificationCode)).body.holder).toBe('Imogen Thistlewood');

    const saved = await browser.post(action, { show: 'initials' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/student/enrollments/${enrollmentId}`);
    const back = await browser.get(saved.location!);
    expect(back.html).toContain('Your certificate’s verification page now shows your initials only (I. T.).');
    expect(back.html).toMatch(/<input type="radio" id="public-name-initials" name="show" value="initials" checked>/);
    expect((await verifyJson(certificate.verificationCode)).body.holder).toBe('I. T.');

    // Another student's form post is as unknown as a missing certificate.
    const other = consoleClient(app.baseUrl);
    await other.signIn('student', { userId: `student-${randomUUID()}` });
    await other.get('/student/enrollments');
    expect((await other.post(action, { show: 'full' })).status).toBe(404);
    expect((await other.post('/student/certificates/not-a-uuid/public-name', { show: 'full' })).status).toBe(404);
    expect((await browser.post(action, { show: 'nickname' })).status).toBe(400);
    expect((await verifyJson(certificate.verificationCode)).body.holder).toBe('I. T.');
  });
});

describe('consent to sending tutor messages to the model provider', () => {
  const consent = (token?: string) => app.request<TutorConsent>('GET', '/api/me/tutor-consent', { token });

  test('none at first, with the notice of what is sent; given, withdrawn and given again, each record kept', async () => {
    const student = await app.token('student');
    const first = await consent(student.token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      consented: false,
      givenAt: null,
      noticeVersion: null,
      withdrawnAt: null,
      notice: {
        version: expect.any(String) as unknown,
        provider: 'api.openai.com',
        sent: expect.arrayContaining([expect.stringMatching(/^Your question/)]) as unknown,
        notSent: expect.arrayContaining([expect.stringMatching(/name, your email address or any id/)]) as unknown,
      },
    });

    expect((await app.request('PUT', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
    // Given again while in force: nothing changes (the record in force is the evidence).
    expect((await app.request('PUT', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
    const given = await consent(student.token);
    expect(given.body).toEqual(
      expect.objectContaining({ consented: true, givenAt: expect.any(String) as unknown, noticeVersion: first.body.notice.version }),
    );

    expect((await app.request('DELETE', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
    expect((await app.request('DELETE', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
    const withdrawn = await consent(student.token);
    expect(withdrawn.body).toEqual(
      expect.objectContaining({ consented: false, givenAt: null, withdrawnAt: expect.any(String) as unknown }),
    );
    expect((await app.request('PUT', '/api/me/tutor-consent', { token: student.token })).status).toBe(204);
    expect((await consent(student.token)).body).toEqual(expect.objectContaining({ consented: true, withdrawnAt: null }));

    const { rows } = await app.db.query<{ given_at: Date; withdrawn_at: Date | null; notice_version: string }>(
      'SELECT given_at, withdrawn_at, notice_version FROM tutor_consents WHERE student_id = $1 ORDER BY id',
      [student.actor.id],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0].withdrawn_at!.toISOString()).toBe(withdrawn.body.withdrawnAt);
    expect(rows[0].given_at.toISOString()).toBe(given.body.givenAt);
    expect(rows[1].withdrawn_at).toBeNull();
    expect(rows.map((r) => r.notice_version)).toEqual([first.body.notice.version, first.body.notice.version]);
  });

  test('only the student: a holder, a funder or an admin 403, no credentials 401; the console session with its CSRF token', async () => {
    for (const role of ['program_holder', 'funder', 'admin'] as const) {
      const { token } = await app.token(role);
      for (const method of ['GET', 'PUT', 'DELETE']) expectProblem(await app.request(method, '/api/me/tutor-consent', { token }), 403);
    }
    for (const method of ['GET', 'PUT', 'DELETE']) expectProblem(await app.request(method, '/api/me/tutor-consent'), 401);

    const id = `student-${randomUUID()}`;
    const browser = consoleClient(app.baseUrl);
    await browser.signIn('student', { userId: id });
    // As the widget on a console page sends it: the session's cookie, and its CSRF token in a header.
    const put = (headers: Record<string, string> = {}) =>
      fetch(`${app.baseUrl}/api/me/tutor-consent`, {
        method: 'PUT',
        headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'sec-fetch-site': 'same-origin', ...headers },
      });
    expect((await put()).status).toBe(403);
    expect((await put({ 'x-csrf-token': browser.csrfToken() })).status).toBe(204);
    expect((await consent((await app.token('student', { id })).token)).body.consented).toBe(true);
  });
});
