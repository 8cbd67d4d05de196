/** Escapes text for HTML; every value put into a page goes through it. */
export const escapeHtml = (value: unknown) =>
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any value by design (the demo passes raw query values): String() it
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The pages' styles, served as /assets/page.css so the Content-Security-Policy needs no inline styles. */
export const PAGE_CSS = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
.banner{background:#fff3cd;border:2px solid #c9a227;padding:.75rem 1rem;font-weight:600}
.card{border:1px solid #ccc;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.valid{color:#1a7f37}.revoked{color:#b42318}button{font-size:1rem;padding:.5rem 1.25rem}
`;

/** A small page (no scripts, no outside assets) for the few screens the API serves itself. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/page.css"></head>
<body>${body}</body></html>`;
}
