/**
 * A browser stand-in for console tests at the HTTP level: keeps the session cookie, reads each page's CSRF token
 * from its forms, and posts forms as a browser does (urlencoded or multipart), never following redirects.
 */
export interface Page {
  status: number;
  headers: Headers;
  html: string;
  /** Where a redirect points (a path on this site or an absolute URL), when it is one. */
  location: string | null;
}

export function consoleClient(baseUrl: string) {
  const cookies = new Map<string, string>();
  let csrf = '';

  async function send(
    method: string,
    path: string,
    body?: URLSearchParams | FormData,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(path, baseUrl), {
      method,
      redirect: 'manual',
      headers: { accept: 'text/html', ...(cookie && { cookie }), ...headers },
      body,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html);
    if (token) csrf = token[1];
    return { status: res.status, headers: res.headers, html, location: res.headers.get('location') };
  }

  return {
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    /** Posts a form with the last page's CSRF token (unless the fields name their own `_csrf`). */
    post: (path: string, fields: Record<string, string> | FormData | URLSearchParams = {}, headers?: Record<string, string>) => {
      if (fields instanceof FormData || fields instanceof URLSearchParams) {
        if (!fields.has('_csrf')) fields.set('_csrf', csrf);
        return send('POST', path, fields, headers);
      }
      return send('POST', path, new URLSearchParams({ _csrf: csrf, ...fields }), headers);
    },
    /** The CSRF token the last page carried. */
    csrfToken: () => csrf,
    cookies,
    /**
     * Signs in with the development form (as a role's demo user unless `fields` say otherwise) and, as a browser
     * does, opens the page it leads to; answers the sign-in's redirect.
     */
    async signIn(role: string, fields: Record<string, string> = {}) {
      await send('GET', '/login');
      const res = await send('POST', '/login', new URLSearchParams({ _csrf: csrf, role, ...fields }));
      if (res.status !== 303 || !res.location) throw new Error(`development sign-in answered ${res.status}: ${res.html.slice(0, 300)}`);
      await send('GET', res.location);
      return res;
    },
  };
}

export type ConsoleClient = ReturnType<typeof consoleClient>;

const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

/**
 * Presses **Confirm** on a confirmation page (console/confirm.ts) as a browser does: posts its form's hidden fields
 * (the CSRF token, the confirmation token, what the first form carried) to its action, multipart when it is.
 */
export function confirmOn(client: ConsoleClient, page: Page): Promise<Page> {
  const form =
    /<form method="post" action="([^"]+)"( enctype="multipart\/form-data")? aria-label="Confirm or cancel">([\s\S]*?)<\/form>/.exec(
      page.html,
    );
  if (!form) throw new Error(`not a confirmation page (${page.status}): ${page.html.slice(0, 300)}`);
  const fields = [...form[3].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
    ([, name, value]) => [name, unescapeHtml(value)] as [string, string],
  );
  if (form[2]) {
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, value);
    return client.post(unescapeHtml(form[1]), data);
  }
  return client.post(unescapeHtml(form[1]), new URLSearchParams(fields));
}
