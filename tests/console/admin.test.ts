/**
 * The admin's console at the HTTP level (the app in-process, a real PostgreSQL): report downloads through the JSON
 * API's endpoints, partner API keys (shown once, revoked after a confirmation), programs, certificate revocation with
 * a reason, the audit log; CSRF on every form, and nobody else comes in.
 */
import { createHash, randomUUID } from 'node:crypto';
import { rememberProgramHolder } from '../../capabilities/programs/program-holder-contact';
import { parseCsv } from '../../core/csv';
import { DEMO_ADMIN_ID, SEEDED_PROGRAMS } from '../../db/seed';
import { type ApiApp, startApiApp } from '../helpers/api-app';
import { confirmOn, type ConsoleClient, consoleClient } from '../helpers/console-client';

const IC3 = SEEDED_PROGRAMS.find((p) => p.partnerId === 'certiport')!;

let app: ApiApp;
let admin: ConsoleClient;
beforeAll(async () => {
  app = await startApiApp();
  admin = consoleClient(app.baseUrl);
  await admin.signIn('admin');
});
afterAll(() => app?.close());
beforeEach(() => app.enrollments.reset());

const today = () => new Date().toISOString().slice(0, 10);

/** A completed enrollment with its certificate, as the workflow's activities leave them. */
async function certified(studentName = 'Ada Lovelace') {
  const student = await app.token('student', { name: studentName });
  const opened = await app.request<{ enrollmentId: string }>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId: IC3.id, fundingSource: 'self_pay' },
  });
  const enrollmentId = opened.body.enrollmentId;
  const completedAt = new Date().toISOString();
  await app.advance(enrollmentId, 'completed', { completedAt, completionMethod: 'manual' });
  return app.activities.issueCertificate({ enrollmentId, completedAt });
}

describe('Reports', () => {
  test('the page offers each report; a form goes to the JSON API endpoint, blank dates meaning everything up to today', async () => {
    const page = await admin.get('/admin/reports');
    expect(page.status).toBe(200);
    for (const button of ['Download WIOA report (CSV)', 'Download ETP report', 'Download revenue-share report'])
      expect(page.html).toContain(`<button type="submit">${button}</button>`);

    const wioa = await admin.get('/admin/reports/wioa?from=&to=');
    expect({ status: wioa.status, location: wioa.location }).toEqual({ status: 303, location: '/api/reports/wioa' });
    expect((await admin.get('/admin/reports/wioa?from=2025-01-01&to=2025-12-31')).location).toBe(
      '/api/reports/wioa?from=2025-01-01&to=2025-12-31',
    );
    expect((await admin.get('/admin/reports/etp?year=2026&format=csv')).location).toBe('/api/reports/etp?year=2026&format=csv');
    expect((await admin.get('/admin/reports/revenue-share?from=&to=2026-01-31&format=json')).location).toBe(
      '/api/reports/revenue-share?to=2026-01-31&format=json',
    );
  });

  test('each download answers as a file of its type to the console session', async () => {
    await certified();
    const year = today().slice(0, 4);
    const downloads: [string, RegExp, RegExp][] = [
      ['/api/reports/wioa', /^text\/csv/, new RegExp(`^attachment; filename="wioa-pirl-1900-01-01-${today()}\\.csv"$`)],
      [`/api/reports/etp?year=${year}&format=csv`, /^text\/csv/, new RegExp(`^attachment; filename="?etp-${year}\\.csv"?$`)],
      [`/api/reports/etp?year=${year}&format=json`, /^application\/json/, new RegExp(`^attachment; filename="?etp-${year}\\.json"?$`)],
      ['/api/reports/revenue-share?format=csv', /^text\/csv/, /^attachment; filename="?revenue-share-1900-01-01-\d{4}-\d\d-\d\d\.csv"?$/],
      [
        '/api/reports/revenue-share?format=json',
        /^application\/json/,
        /^attachment; filename="?revenue-share-1900-01-01-\d{4}-\d\d-\d\d\.json"?$/,
      ],
    ];
    for (const [path, type, disposition] of downloads) {
      const res = await admin.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers.get('content-type')).toMatch(type);
      expect(res.headers.get('content-disposition')).toMatch(disposition);
    }
    const etp = parseCsv((await admin.get(`/api/reports/etp?year=${year}&format=csv`)).html).map((r) => r.fields);
    expect(etp[0]).toEqual([
      'programId',
      'programTitle',
      'enrolled',
      'completed',
      'credentialAttained',
      'wioaEnrolled',
      'wioaCompleted',
      'wioaCredentialAttained',
    ]);
    expect(etp.map((r) => r[0])).toContain(IC3.id);
    // Without a format, the endpoints answer as before: JSON to a JSON client, not an attachment.
    const plain = await app.request('GET', `/api/reports/etp?year=${year}`, { token: (await app.token('admin')).token });
    expect(plain.headers.get('content-disposition')).toBeNull();
  });

  test("bad dates are shown on the report's form (400) with what was typed, and no download starts", async () => {
    const backwards = await admin.get('/admin/reports/revenue-share?from=2026-03-01&to=2026-01-01&format=csv');
    expect(backwards.status).toBe(400);
    expect(backwards.html).toMatch(/id="revenue-to-error">must be on or after from</);
    expect(backwards.html).toContain('value="2026-03-01"');
    const year = await admin.get('/admin/reports/etp?year=26');
    expect(year.status).toBe(400);
    expect(year.html).toContain('id="etp-year-error"');
    expect((await admin.get('/admin/reports/nope')).status).toBe(404);
  });
});

describe('Partners and API keys', () => {
  const keyHash = async (id: string) =>
    (
      await app.db.query<{ key_hash: string; revoked_at: Date | null }>('SELECT key_hash, revoked_at FROM partner_api_keys WHERE id = $1', [
        id,
      ])
    ).rows[0];
  /** What the partner's push answers with this key: 404 for the unknown enrollment when the key is good, 401 when not. */
  const pushWith = async (key: string) =>
    (
      await fetch(`${app.baseUrl}/api/partners/demo/completions`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ enrollmentId: randomUUID(), completedAt: today() }),
      })
    ).status;

  test('a key is created and shown once, works, is never shown again, and is revoked after a confirmation', async () => {
    const page = await admin.get('/admin/partners');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<button type="submit">Create API key</button>');
    const created = await admin.post('/admin/partners/api-keys', { partnerId: 'demo' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const apiKey = /<code class="secret">([^<]+)<\/code>/.exec(created.html)![1];
    const keyId = /<dt>Key ID<\/dt><dd><code>([0-9a-f-]{36})<\/code>/.exec(created.html)![1];
    expect(apiKey).toMatch(/^cmk_/);
    expect(created.html).toContain('this is the only time it is');
    expect((await keyHash(keyId)).key_hash).toBe(createHash('sha256').update(apiKey).digest('hex'));
    expect(await pushWith(apiKey)).toBe(404);

    const listed = await admin.get('/admin/partners');
    expect(listed.html).not.toContain(apiKey);
    expect(listed.html).toContain(`<code>${keyId.slice(0, 8)}…</code>`);
    // Who made it, by name (the admin's sign-in told the console).
    expect(listed.html).toContain('<td>Demo Admin (you)</td>');
    const { rows } = await app.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM console_sessions WHERE sess::text LIKE '%' || $1 || '%'",
      [apiKey],
    );
    expect(Number(rows[0].n)).toBe(0);

    const confirm = await admin.get(`/admin/partners/demo/api-keys/${keyId}/revoke`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('<button type="submit" class="danger">Confirm</button>');
    expect(confirm.html).toContain('<button type="submit" class="secondary">Cancel</button>');
    expect(confirm.html).not.toContain(apiKey);
    expect((await keyHash(keyId)).revoked_at).toBeNull();
    // A POST without Confirm's token only asks again.
    expect((await admin.post(`/admin/partners/demo/api-keys/${keyId}/revoke`)).html).toContain('aria-label="Confirm or cancel"');
    expect((await keyHash(keyId)).revoked_at).toBeNull();
    const revoked = await confirmOn(admin, confirm);
    expect({ status: revoked.status, location: revoked.location }).toEqual({ status: 303, location: '/admin/partners' });
    expect((await keyHash(keyId)).revoked_at).toBeInstanceOf(Date);
    expect(await pushWith(apiKey)).toBe(401);
    const after = await admin.get('/admin/partners');
    expect(after.html).toMatch(/role="status">API key [0-9a-f]{8}… of demo is revoked/);
    expect(after.html).toContain('<span class="status status-revoked">Revoked');
  });

  test('without the CSRF token nothing is created or revoked; an unknown partner or key is 404', async () => {
    const before = await app.db.query('SELECT id FROM partner_api_keys');
    await admin.get('/admin/partners');
    expect((await admin.post('/admin/partners/api-keys', { partnerId: 'demo', _csrf: 'forged' })).status).toBe(403);
    expect((await app.db.query('SELECT id FROM partner_api_keys')).rowCount).toBe(before.rowCount);

    const created = await admin.post('/admin/partners/api-keys', { partnerId: 'nrf' });
    const keyId = /<dt>Key ID<\/dt><dd><code>([0-9a-f-]{36})<\/code>/.exec(created.html)![1];
    expect((await admin.post(`/admin/partners/nrf/api-keys/${keyId}/revoke`, { _csrf: 'forged' })).status).toBe(403);
    expect((await keyHash(keyId)).revoked_at).toBeNull();

    await admin.get('/admin/partners');
    expect((await admin.post('/admin/partners/api-keys', { partnerId: 'no-such-partner' })).status).toBe(404);
    expect((await admin.get(`/admin/partners/demo/api-keys/${keyId}/revoke`)).status).toBe(404);
  });
});

describe('Programs', () => {
  const programForm = (o: Record<string, string> = {}) => ({
    title: `Forklift safety ${randomUUID().slice(0, 6)}`,
    partnerId: 'nrf',
    partnerCourseId: '',
    price: '149.99',
    holderId: 'holder-from-console',
    credentialType: 'occupational_certificate',
    deadlineDays: '60',
    moveOn: 'Completed',
    trainingServiceType: 'registered_apprenticeship',
    platformShare: '20',
    holderShare: '50.5',
    partnerShare: '29.5',
    ...o,
  });

  test('the holder is chosen by name and email, and the catalog names each program’s holder (no user id to type or read)', async () => {
    const holder = {
      id: `holder-${randomUUID().slice(0, 8)}`,
      role: 'program_holder' as const,
      name: 'Hana Okafor',
      email: 'hana.okafor@college.example',
    };
    await rememberProgramHolder(app.db, holder);
    const page = await admin.get('/admin/programs');
    expect(page.html).toMatch(/<label for="holderId">Program holder<\/label>/);
    expect(page.html).toMatch(/<select id="holderId" name="holderId" required/);
    expect(page.html).toContain(`<option value="${holder.id}">Hana Okafor &lt;hana.okafor@college.example&gt;</option>`);
    expect(page.html).toContain('Demo Program Holder &lt;holder@example.com&gt;');
    const form = programForm({ holderId: holder.id });
    expect((await admin.post('/admin/programs', form)).status).toBe(303);
    const row = new RegExp(`>${form.title}</a>[\\s\\S]*?</tr>`).exec((await admin.get('/admin/programs')).html)![0];
    expect(row).toContain('<td>Hana Okafor</td>');
    expect(row).not.toContain(holder.id);
  });

  test('a program is edited (new enrollments get the new price) and archived: out of the catalog, closed to new enrollments, restorable', async () => {
    const form = programForm({ holderId: 'holder-of-an-edited-program' });
    await admin.post('/admin/programs', form);
    const { rows } = await app.db.query<{ id: string }>('SELECT id FROM programs WHERE title = $1', [form.title]);
    const id = rows[0].id;
    const list = await admin.get('/admin/programs');
    expect(list.html).toContain(`<a href="/admin/programs/${id}">${form.title}</a>`);
    const page = await admin.get(`/admin/programs/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('id="price" name="price" type="text" value="149.99"');

    const wrong = await admin.post(`/admin/programs/${id}`, {
      title: '',
      price: '12.345',
      credentialType: 'other',
      trainingServiceType: 'occupational_skills_training',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('value="12.345"');
    const saved = await admin.post(`/admin/programs/${id}`, {
      title: `${form.title} (2027)`,
      partnerCourseId: 'FORK-2027',
      price: '199.00',
      credentialType: 'other',
      trainingServiceType: 'occupational_skills_training',
    });
    expect(saved.status).toBe(303);
    const { rows: after } = await app.db.query(
      'SELECT title, partner_course_id, price_cents, credential_type, holder_bps FROM programs WHERE id = $1',
      [id],
    );
    expect(after).toEqual([
      { title: `${form.title} (2027)`, partner_course_id: 'FORK-2027', price_cents: 19_900, credential_type: 'other', holder_bps: 5050 },
    ]);

    const student = await app.token('student');
    const open = () =>
      app.request('POST', '/api/enrollments', { token: student.token, json: { programId: id, fundingSource: 'self_pay' } });
    expect((await admin.post(`/admin/programs/${id}/archive`)).status).toBe(303);
    expect((await app.request<{ programs: { id: string }[] }>('GET', '/api/programs')).body.programs.map((p) => p.id)).not.toContain(id);
    const refused = await open();
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain('closed to new enrollments');
    expect((await admin.get('/admin/programs')).html).toContain('Archived');
    expect((await admin.post(`/admin/programs/${id}/restore`)).status).toBe(303);
    expect((await open()).status).toBe(201);
    expect((await admin.get(`/admin/programs/${randomUUID()}`)).status).toBe(404);
  });

  test('a program is created with the price in exact cents and the shares in basis points, the same as POST /api/programs', async () => {
    const page = await admin.get('/admin/programs');
    expect(page.status).toBe(200);
    expect(page.html).toContain(IC3.title);
    const form = programForm();
    const created = await admin.post('/admin/programs', form);
    expect({ status: created.status, location: created.location }).toEqual({ status: 303, location: '/admin/programs' });
    const { rows } = await app.db.query('SELECT * FROM programs WHERE title = $1', [form.title]);
    expect(rows).toEqual([
      expect.objectContaining({
        partner_id: 'nrf',
        partner_course_id: null,
        price_cents: 14_999,
        currency: 'usd',
        holder_id: 'holder-from-console',
        platform_bps: 2000,
        holder_bps: 5050,
        partner_bps: 2950,
        credential_type: 'occupational_certificate',
        deadline_days: 60,
        move_on: 'Completed',
        training_service_type: 'registered_apprenticeship',
      }),
    ]);
    const listed = await admin.get('/admin/programs');
    expect(listed.html).toContain(`Program “${form.title}” created`);
    expect(listed.html).toContain('$149.99');
    // The type of training service in the PIRL's words and its 1303 code, in the catalog and as the form's choice.
    expect(listed.html).toContain('<td>Registered Apprenticeship (09)</td>');
    expect(listed.html).toMatch(
      /<option value="occupational_skills_training" selected>Occupational Skills Training \(non-WIOA Youth\) \(06\)<\/option>/,
    );
    const catalog = await app.request<{ programs: { title: string }[] }>('GET', '/api/programs');
    expect(catalog.body.programs.map((p) => p.title)).toContain(form.title);
  });

  test('shares that do not add up to 100%, a bad price and a missing title are shown with what was typed; nothing is created', async () => {
    await admin.get('/admin/programs');
    const form = programForm({ title: '', price: '12.999', holderShare: '60' });
    const refused = await admin.post('/admin/programs', form);
    expect(refused.status).toBe(400);
    expect(refused.html).toMatch(/id="price-error">an amount such as 1250.00</);
    expect(refused.html).toContain('value="12.999"');
    expect(refused.html).toContain('value="60"');

    await admin.get('/admin/programs');
    const unbalanced = await admin.post('/admin/programs', programForm({ holderShare: '60' }));
    expect(unbalanced.status).toBe(400);
    expect(unbalanced.html).toContain('id="shares-error">the three shares must add up to 100%');
    await admin.get('/admin/programs');
    const untitled = await admin.post('/admin/programs', programForm({ title: '' }));
    expect(untitled.html).toContain('id="title-error">required');
    const { rowCount } = await app.db.query("SELECT 1 FROM programs WHERE holder_id = 'holder-from-console' AND price_cents <> 14999");
    expect(rowCount).toBe(0);

    expect((await admin.post('/admin/programs', { ...programForm(), _csrf: 'forged' })).status).toBe(403);
  });
});

describe('Certificates', () => {
  test('found by the student’s name or email (part of it, any case), each read recorded; none found is 404', async () => {
    const tag = randomUUID().slice(0, 6);
    const cert = await certified(`Octavia Quillfeather${tag}`);
    const found = await admin.get(`/admin/certificates?q=${encodeURIComponent(`quillfeather${tag}`)}`);
    expect(found.status).toBe(200);
    expect(found.html).toContain(`Certificates of students matching “quillfeather${tag}”`);
    expect(found.html).toContain(
      `<a href="/admin/certificates?q=${cert.verificationCode}">${cert.verificationCode}</a> · Octavia Quillfeather${tag}`,
    );
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM disclosure_log WHERE via = 'certificates page' AND $1 = ANY(record_ids)`,
      [cert.id],
    );
    expect(rows[0].n).toBeGreaterThan(0);
    const none = await admin.get(`/admin/certificates?q=nobody-${tag}`);
    expect(none.status).toBe(404);
    expect(none.html).toContain('No certificate of a student whose name or email holds this.');
  });

  test('found by verification code (any case) or id; revoked with a required reason, the same as the JSON API', async () => {
    const cert = await certified('Grace Hopper');
    const found = await admin.get(`/admin/certificates?q=${cert.verificationCode.toLowerCase()}`);
    expect(found.status).toBe(200);
    expect(found.html).toContain(`<h2 id="certificate-heading">Certificate ${cert.verificationCode}</h2>`);
    expect(found.html).toContain('Grace Hopper');
    expect((await admin.get(`/admin/certificates?q=${cert.id}`)).html).toContain(cert.verificationCode);
    expect((await admin.get('/admin/certificates?q=ZZZZ-ZZZZ-ZZZZ')).status).toBe(404);

    const noReason = await admin.post(`/admin/certificates/${cert.id}/revoke`, { reason: '   ' });
    expect(noReason.status).toBe(400);
    expect(noReason.html).toContain('id="reason-error">a reason is required');
    expect((await admin.post(`/admin/certificates/${cert.id}/revoke`, { reason: 'forged', _csrf: 'forged' })).status).toBe(403);
    const verifyBefore = await app.request<{ status: string }>('GET', `/verify/${cert.verificationCode}`, {
      headers: { accept: 'application/json' },
    });
    expect(verifyBefore.body.status).toBe('valid');

    await admin.get(`/admin/certificates?q=${cert.verificationCode}`);
    // First the confirmation: what will happen, and nothing before Confirm.
    const asked = await admin.post(`/admin/certificates/${cert.id}/revoke`, { reason: 'Issued in error <script>' });
    expect(asked.status).toBe(200);
    expect(asked.html).toContain(`<h1 id="confirm-heading">Revoke certificate ${cert.verificationCode}?</h1>`);
    expect(asked.html).toContain(`The certificate ${cert.verificationCode} of Grace Hopper`);
    expect(asked.html).toContain('with your reason: “Issued in error &lt;script&gt;”');
    expect(asked.html).toContain('<button type="submit" class="danger">Confirm</button>');
    const stillValid = await app.request<{ status: string }>('GET', `/verify/${cert.verificationCode}`, {
      headers: { accept: 'application/json' },
    });
    expect(stillValid.body.status).toBe('valid');
    const revoked = await confirmOn(admin, asked);
    expect({ status: revoked.status, location: revoked.location }).toEqual({
      status: 303,
      location: `/admin/certificates?q=${cert.verificationCode}`,
    });
    const verify = await app.request<{ status: string; revocationReason: string }>('GET', `/verify/${cert.verificationCode}`, {
      headers: { accept: 'application/json' },
    });
    expect(verify.body).toEqual(expect.objectContaining({ status: 'revoked', revocationReason: 'Issued in error <script>' }));
    const after = await admin.get(revoked.location!);
    expect(after.html).toContain('Issued in error &lt;script&gt;');
    expect(after.html).not.toContain('<button type="submit" class="danger">Revoke certificate</button>');

    // A second revocation is the command's 409, shown on the page.
    const twice = await admin.post(`/admin/certificates/${cert.id}/revoke`, { reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.html).toContain('was revoked on');
  });
});

describe('Audit log', () => {
  test('entries newest first with who, what, when and target; filtered by action and by actor; a page at a time', async () => {
    const cert = await certified();
    await admin.get(`/admin/certificates?q=${cert.verificationCode}`);
    await confirmOn(admin, await admin.post(`/admin/certificates/${cert.id}/revoke`, { reason: 'audited' }));
    for (let i = 0; i < 55; i += 1) {
      await app.db.query(
        "INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, details) VALUES ('bulk-actor', 'funder', 'voucher.issue', 'voucher', $1, '{}')",
        [`bulk-${i}`],
      );
    }
    const page = await admin.get('/admin/audit');
    expect(page.status).toBe(200);
    const targets = [...page.html.matchAll(/<code>(bulk-\d+)<\/code>/g)].map((m) => m[1]);
    expect(targets[0]).toBe('bulk-54');
    expect(targets).toHaveLength(50);
    const older = /<a href="([^"]+)" rel="next">Older entries<\/a>/.exec(page.html)![1].replace(/&amp;/g, '&');
    const next = await admin.get(older);
    expect([...next.html.matchAll(/<code>(bulk-\d+)<\/code>/g)].map((m) => m[1])).toEqual([
      'bulk-4',
      'bulk-3',
      'bulk-2',
      'bulk-1',
      'bulk-0',
    ]);

    const revocations = await admin.get('/admin/audit?action=certificate.revoked');
    expect(revocations.html).toContain('<code>certificate.revoked</code>');
    expect(revocations.html).toContain(cert.id);
    // The admin by name (their sign-in told the console), the certificate by its code.
    expect(revocations.html).toContain(`<a href="/admin/audit?actor=${DEMO_ADMIN_ID}">Demo Admin</a>`);
    expect(revocations.html).toContain(`Certificate ${cert.verificationCode}`);
    expect(revocations.html).toContain('reason: audited');
    expect(revocations.html).not.toContain('bulk-');
    expect(revocations.html).toContain('<option value="certificate.revoked" selected>');
    // The filter form keeps what it filters by: the actor field holds the actor asked for.
    expect((await admin.get('/admin/audit?action=&actor=bulk-actor')).html).toContain(
      'id="audit-actor" name="actor" type="text" value="bulk-actor"',
    );
    expect(revocations.html).toContain('id="audit-actor" name="actor" type="text" value=""');

    const byActor = await admin.get('/admin/audit?actor=bulk-actor&action=');
    expect(byActor.html).toContain('bulk-54');
    expect(byActor.html).not.toContain('certificate.revoked</code>');
    expect((await admin.get('/admin/audit?actor=nobody')).html).toContain('No entries match');
    expect((await admin.get('/admin/audit?before=abc')).status).toBe(400);
  });

  test('people and things by name, never a student’s; filtered by days', async () => {
    const tag = randomUUID().slice(0, 8);
    const funderId = `funder-${tag}`;
    const funder = consoleClient(app.baseUrl);
    await funder.signIn('funder', { userId: funderId, name: 'Fatima Funder', email: `fatima.${tag}@board.example` });
    // The funder's page keeps their name (once per session); an entry of theirs, one of a student, one long ago.
    expect((await funder.get('/funder/vouchers')).status).toBe(200);
    const { rows } = await app.db.query<{ id: string; title: string }>('SELECT id, title FROM programs ORDER BY title LIMIT 1');
    await app.db.query(
      `INSERT INTO audit_log (at, actor_id, actor_role, action, target_type, target_id) VALUES
         (now(), $1, 'funder', 'program.looked_at', 'program', $2),
         (now(), $3, 'student', 'erasure.request', 'erasure_request', $4),
         ('2020-02-02T12:00:00Z', $1, 'funder', 'voucher.issue', 'voucher', $5)`,
      [funderId, rows[0].id, `student-${tag}`, randomUUID(), `old-${tag}`],
    );
    const today = new Date().toISOString().slice(0, 10);
    const page = await admin.get(`/admin/audit?from=${today}&to=${today}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<a href="/admin/audit?actor=${funderId}">Fatima Funder</a>`);
    expect(page.html).toContain(`<td>${rows[0].title}`);
    expect(page.html).toContain(`<a href="/admin/audit?actor=student-${tag}">A student</a>`);
    expect(page.html).not.toContain(`old-${tag}`);
    expect(page.html).toContain(`id="audit-from" name="from" type="date" value="${today}"`);
    const long = await admin.get('/admin/audit?from=2020-02-01&to=2020-02-03');
    expect(long.html).toContain(`old-${tag}`);
    expect(long.html).not.toContain('<code>program.looked_at</code>');
    const backwards = await admin.get('/admin/audit?from=2020-02-03&to=2020-02-01');
    expect(backwards.status).toBe(400);
    expect(backwards.html).toContain('must be on or after From');
  });
});

test('a funder, a program holder or a student is refused every admin page (403)', async () => {
  for (const role of ['funder', 'program_holder', 'student']) {
    const browser = consoleClient(app.baseUrl);
    await browser.signIn(role);
    for (const path of [
      '/admin/reports',
      '/admin/partners',
      '/admin/programs',
      '/admin/certificates',
      '/admin/audit',
      '/admin/reports/wioa',
    ])
      expect({ role, path, status: (await browser.get(path)).status }).toEqual({ role, path, status: 403 });
    expect((await browser.post('/admin/partners/api-keys', { partnerId: 'demo' })).status).toBe(403);
  }
});
