/**
 * Webhook endpoints in the console (issue 24, item 10): a program holder adds an endpoint (the secret shown once),
 * sees it listed, disables and enables it, reads its deliveries and sends a failed one again, through the same
 * commands as /api/webhook-endpoints. No delivery workflow runs here: a delivery stays pending, as recorded with its
 * fact, unless the test settles it as the workflow would.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import type { ApiApp } from '../helpers/api-app';
import { checkPage, signInAsDeveloper, withAppAndBrowser } from '../helpers/browser';
import { consoleClient } from '../helpers/console-client';
import type { OpenedEnrollment } from '../helpers/contract';
import { createTestProgram } from '../helpers/programs';

let app: ApiApp;
let browser: Browser;
withAppAndBrowser((started) => ({ app, browser } = started));

test('a holder adds an endpoint, sees its secret once, disables and enables it, and sends a failed delivery again', async () => {
  const holderId = `webhook-holder-${randomUUID().slice(0, 8)}`;
  const admin = await app.token('admin');
  const programId = await createTestProgram(app.request, admin.token, { title: `Webhook program ${holderId}`, holderId });
  const holder = consoleClient(app.baseUrl);
  await holder.signIn('program_holder', { userId: holderId, name: 'Wendy Webhook', email: 'wendy@college.example' });

  const page = await holder.get('/holder/webhooks');
  expect(page.status).toBe(200);
  expect(page.html).toContain('No endpoint yet.');
  // A mistake first: the form says what is wrong and keeps what was typed.
  const bad = await holder.post('/holder/webhooks', { url: 'not a url', events: 'enrollment.created' });
  expect(bad.status).toBe(400);
  expect(bad.html).toContain('must be an absolute http(s) URL');
  expect(bad.html).toContain('value="not a url"');
  const none = await holder.post('/holder/webhooks', { url: 'http://127.0.0.1:9/hooks' });
  expect(none.status).toBe(400);
  expect(none.html).toContain('at least one event type');

  const created = await holder.post('/holder/webhooks', {
    url: 'http://127.0.0.1:9/hooks',
    description: 'Our student system',
    events: 'enrollment.created',
    programIds: programId,
  });
  expect(created.status).toBe(201);
  expect(created.headers.get('cache-control')).toBe('no-store');
  const secret = /<code class="secret">(whsec_[^<]+)<\/code>/.exec(created.html)![1];
  const endpointId = /href="\/holder\/webhooks\/([0-9a-f-]{36})">Open the endpoint/.exec(created.html)![1];
  const listed = await holder.get('/holder/webhooks');
  expect(listed.html).toContain(`<a href="/holder/webhooks/${endpointId}">http://127.0.0.1:9/hooks</a>`);
  expect(listed.html).not.toContain(secret);

  // A student enrolls: the fact records a delivery to this endpoint.
  const student = await app.token('student');
  const opened = await app.request<OpenedEnrollment>('POST', '/api/enrollments', {
    token: student.token,
    json: { programId, fundingSource: 'self_pay' },
  });
  expect(opened.status).toBe(201);
  const detail = await holder.get(`/holder/webhooks/${endpointId}`);
  expect(detail.html).toContain('<code>enrollment.created</code>');
  expect(detail.html).toContain('Being sent');
  expect(detail.html).not.toContain('Send again');

  // The delivery failed (as the workflow records it after its retries): it can be sent again.
  const { rows } = await app.db.query<{ id: string }>(
    `UPDATE webhook_deliveries SET status = 'failed', failed_at = now() WHERE endpoint_id = $1 RETURNING id`,
    [endpointId],
  );
  const failed = await holder.get(`/holder/webhooks/${endpointId}`);
  expect(failed.html).toContain('Failed');
  const again = await holder.post(`/holder/webhooks/${endpointId}/deliveries/${rows[0].id}/replay`, { type: 'enrollment.created' });
  expect(again.status).toBe(303);
  const after = await holder.get(again.location!);
  expect(after.html).toContain('The enrollment.created is being sent again.');
  expect((await app.db.query('SELECT status, replays FROM webhook_deliveries WHERE id = $1', [rows[0].id])).rows).toEqual([
    { status: 'pending', replays: 1 },
  ]);

  const disabled = await holder.post(`/holder/webhooks/${endpointId}/disable`);
  expect(disabled.status).toBe(303);
  expect((await holder.get(disabled.location!)).html).toContain('is disabled: it hears no new event until you enable it again.');
  expect((await app.db.query('SELECT enabled FROM webhook_endpoints WHERE id = $1', [endpointId])).rows).toEqual([{ enabled: false }]);
  await holder.post(`/holder/webhooks/${endpointId}/enable`);
  expect((await app.db.query('SELECT enabled FROM webhook_endpoints WHERE id = $1', [endpointId])).rows).toEqual([{ enabled: true }]);

  // Another holder does not see it; without the CSRF token nothing changes.
  const other = consoleClient(app.baseUrl);
  await other.signIn('program_holder', { userId: `other-${randomUUID().slice(0, 8)}` });
  expect((await other.get(`/holder/webhooks/${endpointId}`)).status).toBe(404);
  expect((await other.get('/holder/webhooks')).html).not.toContain(endpointId);
  expect((await holder.post(`/holder/webhooks/${endpointId}/disable`, { _csrf: 'forged' })).status).toBe(403);
});

test('in Chromium: the Webhooks link, the form by its labels, no axe violation', async () => {
  const page = await browser.newPage();
  await signInAsDeveloper(page, app.baseUrl, 'program_holder');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await checkPage(page);
  const form = page.getByRole('form', { name: 'Add endpoint' });
  await form.getByRole('textbox', { name: 'Endpoint URL' }).fill('http://127.0.0.1:9/console-hooks');
  await form.getByRole('checkbox', { name: 'enrollment.completed' }).check();
  await form.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('heading', { name: 'Webhook endpoint added' }).waitFor();
  await checkPage(page, 'holder-webhook-created');
  await page.getByRole('link', { name: 'Open the endpoint' }).click();
  await page.getByRole('button', { name: 'Disable endpoint' }).waitFor();
  await checkPage(page, 'holder-webhook');
  await page.close();
});
