/**
 * The <ai-tutor> widget in headless Chromium (Debian's `chromium`, driven by playwright-core).
 *
 * 1. Against a small in-test fake of the tutor endpoints: consent asked before the first question (what is sent,
 *    agree, withdraw, a 409 when it was withdrawn elsewhere; axe-core finds nothing serious), streaming across chunk
 *    boundaries, Enter and Shift+Enter, problem details (429, 503) shown in the panel, model text never parsed as
 *    HTML, and the conversation restored after a reload.
 * 2. Against the real system (Temporal, worker and API from dist/) with the OpenAI stand-in: the demo student page
 *    for a real enrollment, consent (the stand-in receives nothing before it), a streamed answer, the history after a
 *    reload, and consent withdrawn; a screenshot goes to tests/artifacts/.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { ApiDeps } from '../api/deps';
import { widgetRoutes } from '../capabilities/tutor/widget.routes';
import { PROJECT_ROOT } from '../lib/paths';
import { SEEDED_PROGRAMS } from '../db/seed';
import { accessibilityViolations } from './helpers/browser';
import type { Conversation, OpenedEnrollment, TutorConsent } from './helpers/contract';
import { type OpenAiStandIn, startOpenAiStandIn } from './helpers/openai-stand-in';
import { type System, httpClient, samplePdf, startSystem, waitForStatus } from './helpers/system';
import { fundedEnrollmentBody } from './helpers/vouchers';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'tests', 'artifacts');

/**
 * The few DOM members used by the functions that run in the page: the tests compile without the DOM library (they
 * run in Node), while those functions run in Chromium, where `globalThis` is the window.
 */
interface PageNode {
  readonly textContent: string | null;
  querySelector(selectors: string): PageElement | null;
}
interface PageElement extends PageNode {
  readonly classList: { contains(token: string): boolean };
  readonly shadowRoot: PageNode | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}
interface PageGlobals {
  document: PageNode & { body: PageElement };
  localStorage: Record<string, string>;
  getComputedStyle(element: PageElement): { maxWidth: string; position: string };
  MutationObserver: new (callback: () => void) => {
    observe(target: PageNode, options: { subtree: boolean; childList: boolean; characterData: boolean }): void;
  };
  /** Set by an injected `onerror` if model text were ever parsed as HTML. */
  __pwned?: unknown;
  /** The texts of the answer as it changed, recorded by the test's MutationObserver. */
  __seen: string[];
}

/** A chat request's JSON body as the widget sends it. */
interface ChatRequestBody {
  message: string;
  courseId?: string;
  enrollmentId?: string;
  conversationId?: string;
}

/** A chat-completion request as the OpenAI stand-in recorded it (the field this test reads). */
interface SentChat {
  messages: { role: string; content: string }[];
}

let browser: Browser;
beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run \`bash scripts/ensure-debian-packages.sh chromium\` (npm test does it)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
});
afterAll(async () => {
  await browser?.close();
});

/** What the widget shows: each message's role and text (without the screen-reader prefix). */
async function messages(page: Page) {
  return page
    .locator('ai-tutor li.msg')
    .evaluateAll((items: PageElement[]) =>
      items.map((li) => ({ role: li.getAttribute('data-role'), text: li.querySelector('.text')?.textContent ?? '' })),
    );
}

async function openPanel(page: Page) {
  await page.getByRole('button', { name: 'Ask the AI tutor' }).click();
  await page.getByRole('dialog', { name: 'AI tutor chat' }).waitFor({ state: 'visible' });
}

/** The notice the panel shows before the first question, and its button. */
const consentRegion = (page: Page) => page.getByRole('region', { name: 'What the tutor sends' });
const agreeButton = (page: Page) => page.getByRole('button', { name: 'I agree, start the tutor' });
const questionBox = (page: Page) => page.getByLabel('Your question (Enter sends, Shift+Enter adds a line)');

/** The accessible name or text of the element focused inside the widget. */
const focusedInWidget = (page: Page) =>
  page.evaluate(() => {
    const root = (globalThis as unknown as PageGlobals).document.querySelector('ai-tutor')!.shadowRoot as unknown as {
      activeElement: PageElement | null;
    };
    return root.activeElement?.getAttribute('id') ?? root.activeElement?.textContent ?? null;
  });

/** Agrees in the panel (already open, asking) and waits for the question box. */
async function agree(page: Page) {
  await consentRegion(page).waitFor();
  await agreeButton(page).click();
  await questionBox(page).waitFor({ state: 'visible' });
}

// A fake ai-tutor API (the contract, not the implementation) next to the real widget route.
describe('the <ai-tutor> widget against a fake tutor API', () => {
  const TOKEN = 'header.eyJzdWIiOiJzdHVkZW50LTEifQ.signature'; // only `sub` is read by the widget
  const ENROLLMENT = '11111111-2222-4333-8444-555555555555';
  const conversations = new Map<string, { role: string; content: string; createdAt: string }[]>();
  const requests: { auth?: string; accept?: string; body: unknown }[] = [];
  /** The student's consent as the fake API keeps it, and the consent requests the widget made. */
  let consented = false;
  const consentCalls: string[] = [];
  const NOTICE = {
    version: 'test-1',
    provider: 'models.example',
    sent: ['Your question.', 'The course and your enrollment in it.'],
    notSent: ['Your name, your email address or any id'],
  };
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(widgetRoutes({ config: { env: 'test' } } as unknown as ApiDeps));
    app.use(express.json());
    app.get('/page', (_req, res) => {
      res.type('html')
        .send(`<!doctype html><html lang="en"><head><title>widget</title><script src="/widget/ai-tutor.js" defer></script></head>
<body><h1>Course page</h1><ai-tutor token="${TOKEN}" course-id="course-1" enrollment-id="${ENROLLMENT}"></ai-tutor></body></html>`);
    });
    app.get('/api/me/tutor-consent', (req, res) => {
      if (req.get('authorization') !== `Bearer ${TOKEN}`) return res.status(401).json({ status: 401, detail: 'no token' });
      const consent: TutorConsent = {
        consented,
        givenAt: consented ? new Date().toISOString() : null,
        noticeVersion: consented ? NOTICE.version : null,
        withdrawnAt: null,
        notice: NOTICE,
      };
      res.json(consent);
    });
    app.put('/api/me/tutor-consent', (req, res) => {
      consentCalls.push(`PUT ${req.get('authorization')}`);
      consented = true;
      res.status(204).end();
    });
    app.delete('/api/me/tutor-consent', (req, res) => {
      consentCalls.push(`DELETE ${req.get('authorization')}`);
      consented = false;
      res.status(204).end();
    });
    app.post('/api/ai-tutor/chat', async (req, res) => {
      requests.push({ auth: req.get('authorization'), accept: req.get('accept'), body: req.body });
      const problem = (status: number, detail: string, headers: Record<string, string> = {}) =>
        res
          .status(status)
          .set(headers)
          .type('application/problem+json')
          .send(JSON.stringify({ type: 'about:blank', title: 'x', status, detail }));
      if (req.get('authorization') !== `Bearer ${TOKEN}`) return problem(401, 'no token');
      if (!consented) return problem(409, 'you have not consented to the AI tutor sending your messages; nothing was sent');
      const body = req.body as ChatRequestBody;
      const message: string = body.message;
      if (message.includes('too many'))
        return problem(429, 'You have asked 20 questions in the last minute; wait a little.', { 'Retry-After': '30' });
      if (message.includes('no model')) return problem(503, 'The AI tutor is not configured on this server.');
      const id = body.conversationId ?? `conv-${conversations.size + 1}`;
      const history = conversations.get(id) ?? [];
      const reply = message.includes('html')
        ? '<img src=x onerror="window.__pwned=1"> is just text'
        : 'Upload your certificate, then wait for the review.';
      res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }).flushHeaders();
      // The first part, then a pause (the test sees it streaming), then events split across writes.
      const [first, rest] = [reply.slice(0, 10), reply.slice(10)];
      res.write(`data: ${JSON.stringify({ type: 'delta', text: first })}\n\n`);
      await new Promise((r) => setTimeout(r, 700));
      const tail = `data: ${JSON.stringify({ type: 'delta', text: rest })}\n\ndata: ${JSON.stringify({ type: 'done', conversationId: id, reply })}\n\n`;
      res.write(tail.slice(0, 17));
      await new Promise((r) => setTimeout(r, 50));
      res.write(tail.slice(17));
      res.end();
      const now = new Date().toISOString();
      conversations.set(id, [
        ...history,
        { role: 'user', content: message, createdAt: now },
        { role: 'assistant', content: reply, createdAt: now },
      ]);
    });
    app.get('/api/ai-tutor/conversations/:id', (req, res) => {
      const history = conversations.get(req.params.id);
      if (!history || req.get('authorization') !== `Bearer ${TOKEN}`) return res.status(404).json({ status: 404, detail: 'unknown' });
      res.json({ conversationId: req.params.id, courseId: 'course-1', enrollmentId: ENROLLMENT, messages: history });
    });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test('the script is served as JavaScript with a cache policy', async () => {
    const res = await fetch(`${base}/widget/ai-tutor.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600, must-revalidate');
    const body = await res.text();
    expect(body).toContain("customElements.define('ai-tutor'");
    // (node:http, since fetch turns a conditional request into a no-cache one)
    const status = await new Promise<number | undefined>((resolve, reject) =>
      http
        .get(`${base}/widget/ai-tutor.js`, { headers: { 'if-none-match': res.headers.get('etag')! } }, (r) => {
          r.resume();
          resolve(r.statusCode);
        })
        .on('error', reject),
    );
    expect(status).toBe(304);
  });

  test('asks before the first question: what is sent, nothing before the student agrees, and consent withdrawn', async () => {
    consented = false;
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${base}/page`);
    await openPanel(page);
    await consentRegion(page).waitFor();
    expect(await consentRegion(page).textContent()).toContain(
      'To answer you, the tutor sends the following to its AI model provider (models.example):',
    );
    expect(await consentRegion(page).getByRole('listitem').allTextContents()).toEqual([...NOTICE.sent, ...NOTICE.notSent]);
    expect(await consentRegion(page).textContent()).toContain('It never sends:Your name, your email address or any id');
    expect(await questionBox(page).isVisible()).toBe(false);
    expect(await focusedInWidget(page)).toBe('I agree, start the tutor');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(requests).toHaveLength(0);

    // I agree: PUT, then the question box.
    await agreeButton(page).click();
    await questionBox(page).waitFor({ state: 'visible' });
    expect(consentCalls).toEqual([`PUT Bearer ${TOKEN}`]);
    expect(await consentRegion(page).isVisible()).toBe(false);
    expect(await focusedInWidget(page)).toBe('message');
    expect(await accessibilityViolations(page)).toEqual([]);

    // Withdraw consent: DELETE, and the panel asks again.
    await page.getByRole('button', { name: 'Withdraw consent' }).click();
    await consentRegion(page).waitFor();
    expect(consentCalls.at(-1)).toBe(`DELETE Bearer ${TOKEN}`);
    expect(await questionBox(page).isVisible()).toBe(false);

    // Withdrawn elsewhere (another tab): the question is refused (409), the panel asks again, the question is kept.
    await agree(page);
    consented = false;
    await questionBox(page).fill('Am I still allowed?');
    await questionBox(page).press('Enter');
    await consentRegion(page).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/not consented/);
    await agree(page);
    expect(await questionBox(page).inputValue()).toBe('Am I still allowed?');
    requests.length = 0;
    await context.close();
  });

  test('streams a reply, keeps it across a reload, and shows problem details', async () => {
    consented = false;
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${base}/page`);
    const launcher = page.getByRole('button', { name: 'Ask the AI tutor' });
    await expect(launcher.isVisible()).resolves.toBe(true);
    // Bottom right of the viewport.
    const box = (await launcher.boundingBox())!;
    expect(box.x + box.width).toBeGreaterThan(1000 - 40);
    expect(box.y + box.height).toBeGreaterThan(760 - 40);
    await openPanel(page);
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    await agree(page);

    // Shift+Enter is a new line; Enter sends.
    const input = page.getByLabel('Your question (Enter sends, Shift+Enter adds a line)');
    await input.fill('Why is my course');
    await input.press('Shift+Enter');
    await input.pressSequentially('not complete?');
    expect(await input.inputValue()).toBe('Why is my course\nnot complete?');
    await input.press('Enter');

    // Streaming: the first delta is on screen while the answer is still pending.
    await page.locator('ai-tutor li.msg.assistant.pending').waitFor();
    await page.waitForFunction(() => {
      const li = (globalThis as unknown as PageGlobals).document.querySelector('ai-tutor')!.shadowRoot!.querySelector('li.msg.assistant');
      return li?.classList.contains('pending') && li.querySelector('.text')!.textContent === 'Upload you';
    });
    await page.locator('ai-tutor li.msg.assistant:not(.pending)').waitFor();
    expect(await messages(page)).toEqual([
      { role: 'user', text: 'Why is my course\nnot complete?' },
      { role: 'assistant', text: 'Upload your certificate, then wait for the review.' },
    ]);
    expect(requests.at(-1)).toEqual({
      auth: `Bearer ${TOKEN}`,
      accept: 'text/event-stream',
      body: { message: 'Why is my course\nnot complete?', enrollmentId: ENROLLMENT },
    });
    expect(await input.inputValue()).toBe('');

    // The next question continues the conversation; model text that looks like HTML stays text.
    await input.fill('show me html');
    await input.press('Enter');
    await page.locator('ai-tutor li.msg.assistant:not(.pending) >> nth=1').waitFor();
    expect(requests.at(-1)!.body).toEqual({ message: 'show me html', enrollmentId: ENROLLMENT, conversationId: 'conv-1' });
    expect((await messages(page))[3]).toEqual({ role: 'assistant', text: '<img src=x onerror="window.__pwned=1"> is just text' });
    expect(await page.locator('ai-tutor img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();

    // A reload: the history comes back from GET /api/ai-tutor/conversations/:id.
    await page.reload();
    await openPanel(page);
    await page.locator('ai-tutor li.msg >> nth=3').waitFor();
    expect((await messages(page)).map((m) => m.text)).toEqual([
      'Why is my course\nnot complete?',
      'Upload your certificate, then wait for the review.',
      'show me html',
      '<img src=x onerror="window.__pwned=1"> is just text',
    ]);

    // Problem details are shown in the panel; the unsent question is given back.
    const alert = page.getByRole('alert');
    await input.fill('too many questions');
    await input.press('Enter');
    await page.waitForFunction(
      () =>
        !(globalThis as unknown as PageGlobals).document
          .querySelector('ai-tutor')!
          .shadowRoot!.querySelector('.error')!
          .hasAttribute('hidden'),
    );
    expect(await alert.textContent()).toBe('You have asked 20 questions in the last minute; wait a little. Try again in 30 s.');
    expect(await input.inputValue()).toBe('too many questions');
    expect(await messages(page)).toHaveLength(5); // the question stays, no empty answer
    await input.fill('is there no model?');
    await input.press('Enter');
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document
        .querySelector('ai-tutor')!
        .shadowRoot!.querySelector('.error')!
        .textContent!.includes('not configured'),
    );
    expect(await alert.textContent()).toBe('The AI tutor is not configured on this server.');

    // Escape closes the panel.
    await input.press('Escape');
    expect(await page.getByRole('dialog', { name: 'AI tutor chat' }).isVisible()).toBe(false);
    await context.close();
  });
});

describe('the demo student page with the real system and the OpenAI stand-in', () => {
  const REPLY =
    'Your course is not marked complete yet because no completion has been recorded: launch it, finish it at the partner, then upload your certificate below.';
  let openai: OpenAiStandIn;
  let system: System;

  beforeAll(async () => {
    openai = await startOpenAiStandIn();
    openai.state.reply = () => REPLY;
    openai.state.chunkDelayMs = 40; // word by word, slowly enough to watch it arrive
    system = await startSystem({ env: { OPENAI_API_KEY: 'sk-stand-in', OPENAI_BASE_URL: openai.baseUrl, OPENAI_MODEL: 'stand-in-model' } });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    await openai?.close();
  });

  test('the page answers clearly without a usable token', async () => {
    const request = httpClient(system.baseUrl);
    const missing = await request('GET', '/demo/student');
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('/demo/student?token=');
    const bad = await request('GET', `/demo/student?token=nope&enrollmentId=${SEEDED_PROGRAMS[0].id}`);
    expect(bad.status).toBe(401);
    expect(bad.body).toContain('The token is invalid or expired.');
    const { token } = await system.token('student');
    const unknown = await request('GET', `/demo/student?token=${token}&enrollmentId=${SEEDED_PROGRAMS[0].id}`);
    expect(unknown.status).toBe(404);
  });

  test('a student asks the tutor, sees the streamed answer, reloads, sees the history, launches and uploads', async () => {
    const request = httpClient(system.baseUrl);
    const { token, actor } = await system.token('student', { name: 'Ada Student' });
    const program = SEEDED_PROGRAMS.find((p) => p.partnerId === 'demo')!;
    const created = await request<OpenedEnrollment>('POST', '/api/enrollments', {
      token,
      json: await fundedEnrollmentBody(system, actor, program.id, { fundingSource: 'sponsor' }),
    });
    expect(created.status).toBe(201);
    const { enrollmentId } = created.body;
    await waitForStatus(system, token, enrollmentId, 'ready_to_launch');

    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The page runs under the API's Content-Security-Policy (no inline script or style): Chromium reports any refusal.
    const cspViolations: string[] = [];
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && cspViolations.push(m.text())));
    const demoUrl = `${system.baseUrl}/demo/student?token=${encodeURIComponent(token)}&enrollmentId=${enrollmentId}`;
    const response = await page.goto(demoUrl);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self';style-src 'self';/);
    expect(await page.locator('h1').textContent()).toBe(program.title);
    // Styled all the same: the page by its stylesheet, the widget by its constructed one.
    expect(
      await page.evaluate(
        () => (globalThis as unknown as PageGlobals).getComputedStyle((globalThis as unknown as PageGlobals).document.body).maxWidth,
      ),
    ).toBe('704px');
    expect(
      await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return g.getComputedStyle(g.document.querySelector('ai-tutor')!.shadowRoot!.querySelector('.launcher')!).position;
      }),
    ).toBe('fixed');
    expect(await page.getByTestId('status').textContent()).toBe('ready to launch');
    expect(await page.getByRole('button', { name: 'Launch the course' }).isVisible()).toBe(true);
    expect(await page.locator('form#upload input[type=file]').count()).toBe(1);
    expect(await page.locator('ai-tutor').getAttribute('enrollment-id')).toBe(enrollmentId);
    expect(await page.locator('ai-tutor').getAttribute('course-id')).toBe(program.id);

    // Before the first question, the panel says what is sent and asks; nothing has reached the provider.
    await openPanel(page);
    await consentRegion(page).waitFor();
    expect(await consentRegion(page).textContent()).toContain(`its AI model provider (${new URL(openai.baseUrl).host})`);
    expect(await consentRegion(page).textContent()).toContain('It never sends:Your name, your email address or any id');
    expect(await questionBox(page).isVisible()).toBe(false);
    expect(await accessibilityViolations(page)).toEqual([]);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ai-tutor-consent.png') });
    await agree(page);
    const consent = await request<TutorConsent>('GET', '/api/me/tutor-consent', { token });
    expect(consent.body).toEqual(expect.objectContaining({ consented: true, givenAt: expect.any(String) as unknown }));
    expect(openai.requests).toHaveLength(0);
    expect(await accessibilityViolations(page)).toEqual([]);

    // Ask: every change of the answer's text is recorded, to see that it arrived in pieces.
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const root = g.document.querySelector('ai-tutor')!.shadowRoot!;
      g.__seen = [];
      new g.MutationObserver(() => {
        const text = root.querySelector('li.msg.assistant .text')?.textContent;
        if (text && g.__seen.at(-1) !== text) g.__seen.push(text);
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });
    const input = page.getByLabel('Your question (Enter sends, Shift+Enter adds a line)');
    await input.fill('Why isn\u2019t my course marked complete?');
    await input.press('Enter');
    await page.locator('ai-tutor li.msg.assistant:not(.pending)').waitFor({ timeout: 30_000 });
    expect(await messages(page)).toEqual([
      { role: 'user', text: 'Why isn\u2019t my course marked complete?' },
      { role: 'assistant', text: REPLY },
    ]);
    const seen: string[] = await page.evaluate(() => (globalThis as unknown as PageGlobals).__seen);
    expect(seen.length).toBeGreaterThan(3); // streamed: many partial texts before the whole reply
    expect(REPLY.startsWith(seen[0])).toBe(true);
    expect(seen[0].length).toBeLessThan(REPLY.length);
    expect(seen.at(-1)).toBe(REPLY);
    expect(await page.getByRole('alert').isVisible()).toBe(false);
    // The model was asked the student's question.
    const lastChat = openai.chats().at(-1) as SentChat;
    expect(JSON.stringify(lastChat.messages)).toContain('marked complete?');

    await page.screenshot({ path: path.join(ARTIFACTS, 'ai-tutor-widget.png') });

    // The conversation id is kept; a reload shows the history from the server.
    const stored = await page.evaluate(() =>
      Object.entries((globalThis as unknown as PageGlobals).localStorage).filter(([k]) => k.startsWith('ai-tutor:conversation:')),
    );
    expect(stored).toHaveLength(1);
    const conversationId = stored[0][1];
    const saved = await request<Conversation>('GET', `/api/ai-tutor/conversations/${conversationId}`, { token });
    expect(saved.status).toBe(200);
    expect(saved.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);

    await page.reload();
    await openPanel(page);
    await page.locator('ai-tutor li.msg >> nth=1').waitFor();
    expect(await messages(page)).toEqual([
      { role: 'user', text: 'Why isn\u2019t my course marked complete?' },
      { role: 'assistant', text: REPLY },
    ]);
    // Consent is remembered by the server: the question box, and a way to withdraw it.
    expect(await questionBox(page).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Withdraw consent' }).click();
    await consentRegion(page).waitFor();
    expect((await request<TutorConsent>('GET', '/api/me/tutor-consent', { token })).body.consented).toBe(false);
    await agree(page);
    await page.getByRole('button', { name: 'Close the AI tutor' }).click();

    // Launch: the page fetches the launch with the token and follows it to the demo partner.
    await Promise.all([
      page.waitForURL(new RegExp(`/partners/demo/launch\\?enrollmentId=${enrollmentId}`)),
      page.getByRole('button', { name: 'Launch the course' }).click(),
    ]);
    await waitForStatus(system, token, enrollmentId, 'in_progress');

    // Upload proof of completion from the page.
    await page.goto(demoUrl);
    expect(await page.getByTestId('status').textContent()).toBe('in progress');
    await page
      .locator('form#upload input[type=file]')
      .setInputFiles({ name: 'certificate.pdf', mimeType: 'application/pdf', buffer: await samplePdf() });
    await page.locator('form#upload input[name=completedAt]').fill(new Date().toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Received: waiting for the program holder’s review.').waitFor();
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=status]')!.textContent === 'awaiting review',
      undefined,
      { timeout: 30_000 },
    );
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  }, 120_000);
});
