import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Actor } from '../core/actor';
import type { ApiDeps } from '../api/deps';
import { escapeHtml } from '../api/html';
import { enrollmentView, loadAuthorizedEnrollment } from '../capabilities/enrollments/queries';
import { loadProgramFacts } from '../capabilities/tutor/queries';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * GET /demo/student: a small student page that embeds the widget next to the enrollment's status, launch button and
 * completion upload; never in production (see `demoRoutes`). Its script and styles are files, so the CSP needs no inline.
 */
export function demoStudentRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/demo/student', (req, res) => demoStudentPage(deps, req, res));
  router.get('/demo/student.js', (_req, res) => void res.type('application/javascript').send(DEMO_SCRIPT));
  router.get('/demo/student.css', (_req, res) => void res.type('text/css').send(DEMO_STYLE));
  return router;
}

async function demoStudentPage(deps: ApiDeps, req: Request, res: Response) {
  // The token travels in the query string here (a development convenience): keep it out of caches and referrers.
  res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  const token = typeof req.query.token === 'string' ? req.query.token.trim() : '';
  const enrollmentId = typeof req.query.enrollmentId === 'string' ? req.query.enrollmentId.trim() : '';
  if (!token || !enrollmentId) return void res.status(400).type('html').send(demoHtml('Student demo', usage()));
  if (!UUID.test(enrollmentId))
    return void res
      .status(400)
      .type('html')
      .send(demoHtml('Student demo', `<p class="notice">enrollmentId must be a UUID.</p>${usage()}`));

  let actor: Actor;
  try {
    actor = await deps.authenticate(token);
  } catch {
    return void res
      .status(401)
      .type('html')
      .send(demoHtml('Student demo', `<p class="notice">The token is invalid or expired.</p>${usage()}`));
  }
  if (actor.role !== 'student') {
    return void res
      .status(403)
      .type('html')
      .send(demoHtml('Student demo', `<p class="notice">This page is for a student’s token, not a ${escapeHtml(actor.role)}’s.</p>`));
  }
  try {
    await loadAuthorizedEnrollment(deps.db, actor, enrollmentId, ['student']);
  } catch {
    // Another student's enrollment is as unknown as a missing one.
    return void res
      .status(404)
      .type('html')
      .send(demoHtml('Student demo', `<p class="notice">No enrollment ${escapeHtml(enrollmentId)} of yours.</p>`));
  }
  const view = await enrollmentView(deps.db, enrollmentId, deps.config.publicBaseUrl);
  const program = await loadProgramFacts(deps.db, view.programId);
  res
    .type('html')
    .send(demoHtml(`${program?.title ?? 'Your course'} · student demo`, studentBody(token, actor, view, program?.title ?? view.programId)));
}

function usage() {
  return `<p>Open this page as <code>/demo/student?token=&lt;student JWT&gt;&amp;enrollmentId=&lt;enrollment id&gt;</code>.
A development token: <code>npm run token -- student</code>.</p>`;
}

type View = Awaited<ReturnType<typeof enrollmentView>>;

const when = (iso: string | null) => (iso ? new Date(iso).toUTCString().replace(' GMT', ' UTC') : '—');

function studentBody(token: string, actor: Actor, view: View, title: string) {
  const latest = view.submissions.at(-1);
  const rows: [string, string][] = [
    ['Status', `<strong data-testid="status">${escapeHtml(view.status.replace(/_/g, ' '))}</strong>`],
    ['Funding', escapeHtml(view.fundingSource.replace(/_/g, ' '))],
    ['Paid', escapeHtml(when(view.paidAt))],
    ['Launched', escapeHtml(when(view.launchedAt))],
    ['Completed', escapeHtml(when(view.completedAt))],
  ];
  if (latest)
    rows.push(['Last upload', `${escapeHtml(latest.status.replace(/_/g, ' '))}${latest.reason ? `: ${escapeHtml(latest.reason)}` : ''}`]);
  if (view.certificate)
    rows.push(['Certificate', `<a href="${escapeHtml(view.certificate.verifyUrl)}">${escapeHtml(view.certificate.verificationCode)}</a>`]);
  const canUpload = ['in_progress', 'ready_to_launch'].includes(view.status);
  return `<header><p class="eyebrow">Student demo · ${escapeHtml(actor.name ?? actor.email ?? actor.id)}</p>
<h1>${escapeHtml(title)}</h1></header>
<main id="app" data-enrollment-id="${escapeHtml(view.enrollmentId)}">
<section class="card" aria-labelledby="status-title"><h2 id="status-title">Your enrollment</h2>
<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>
${view.checkoutUrl ? `<p><a class="button" href="${escapeHtml(view.checkoutUrl)}">Pay to start</a></p>` : ''}</section>
<section class="card" aria-labelledby="launch-title"><h2 id="launch-title">Your course</h2>
<p>Opens the course at the partner (the launch is recorded first).</p>
<button type="button" id="launch">Launch the course</button>
<p id="launch-result" role="status"></p></section>
<section class="card" aria-labelledby="upload-title"><h2 id="upload-title">Finished? Upload your proof</h2>
<form id="upload">
<label>Certificate or transcript (PDF, PNG or JPEG) <input type="file" name="file" accept="application/pdf,image/png,image/jpeg" required></label>
<label>Completed on <input type="date" name="completedAt" required></label>
<button type="submit"${canUpload ? '' : ' disabled'}>Upload</button>
</form>
<p id="upload-result" role="status">${canUpload ? '' : `Uploads are open once the course is launched and before it is completed (now: ${escapeHtml(view.status.replace(/_/g, ' '))}).`}</p></section>
</main>
<script src="/widget/ai-tutor.js" defer></script>
<ai-tutor token="${escapeHtml(token)}" course-id="${escapeHtml(view.programId)}" enrollment-id="${escapeHtml(view.enrollmentId)}" api-base=""></ai-tutor>
<script src="/demo/student.js" defer></script>`;
}

/** The page's behaviour; it reads everything it needs from the page (the enrollment id, the widget's token). */
const DEMO_SCRIPT = `(() => {
  const tutor = document.querySelector('ai-tutor');
  const enrollmentId = document.getElementById('app').dataset.enrollmentId;
  const auth = { Authorization: 'Bearer ' + tutor.getAttribute('token') };
  const detail = async (res) => { try { const p = await res.json(); return p.detail || p.title || ('HTTP ' + res.status); } catch { return 'HTTP ' + res.status; } };
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  const refresh = async () => {
    const res = await fetch('/api/enrollments/' + enrollmentId, { headers: auth });
    if (res.ok) document.querySelector('[data-testid=status]').textContent = (await res.json()).status.replace(/_/g, ' ');
  };
  document.getElementById('launch').addEventListener('click', async () => {
    show('launch-result', 'Launching…');
    try {
      // The launch answers 302 to the partner; fetch follows it, and a page can read where it ended only when
      // that partner allows it (CORS), as the local demo partner on this origin does.
      const res = await fetch('/api/enrollments/' + enrollmentId + '/launch', { headers: auth });
      if (!res.ok) return show('launch-result', await detail(res));
      window.location.assign(res.url);
    } catch {
      show('launch-result', 'Your launch is recorded; the partner’s site does not let this page open it for you. Open the course from the partner’s site.');
    }
  });
  document.getElementById('upload').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    show('upload-result', 'Uploading…');
    try {
      const res = await fetch('/api/enrollments/' + enrollmentId + '/completion-submissions', { method: 'POST', headers: auth, body: form });
      if (!res.ok) return show('upload-result', await detail(res));
      show('upload-result', 'Received: waiting for the program holder’s review.');
      event.target.reset();
      await refresh();
    } catch {
      show('upload-result', 'The upload did not get through; try again.');
    }
  });
  document.querySelector('input[name=completedAt]').max = new Date().toISOString().slice(0, 10);
})();
`;

function demoHtml(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/demo/student.css"></head>
<body>${body}</body></html>`;
}

const DEMO_STYLE = `body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto 6rem;padding:0 1rem;color:#1b1b1b;line-height:1.5}
h1{margin:.2rem 0 1rem;font-size:1.6rem}.eyebrow{margin:0;color:#5f6673;font-size:.9rem}
.card{border:1px solid #d0d4dc;border-radius:10px;padding:1rem 1.25rem;margin:1rem 0}.card h2{margin:0 0 .5rem;font-size:1.1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dt{color:#5f6673}dd{margin:0}
label{display:block;margin:.5rem 0}button,.button{font-size:1rem;padding:.45rem 1.1rem;border-radius:6px;border:1px solid #2353c7;background:#2353c7;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button:disabled{opacity:.5;cursor:default}.notice{background:#fff3cd;border:2px solid #c9a227;padding:.75rem 1rem}[role=status]:empty{display:none}
`;
