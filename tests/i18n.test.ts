/**
 * The message catalog (lib/i18n): every message of every language parses as ICU MessageFormat and names the same
 * arguments as its English source; the formatters speak each language; and the console's pages choose their
 * language as console/locale.ts says (the switch, the cookie, Accept-Language; staff pages English).
 */
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { CATALOGS, type Locale, LOCALES, translator } from '../lib/i18n';
import { en } from '../lib/i18n/messages.en';
import { es } from '../lib/i18n/messages.es';
import { type ApiApp, startApiApp } from './helpers/api-app';
import { consoleClient } from './helpers/console-client';

/** The names of a message's arguments (`{name}`, `{count, plural, …}`, tags), sorted. */
function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const e of elements) {
      if (e.type === TYPE.literal || e.type === TYPE.pound) continue;
      names.add(e.value);
      if (e.type === TYPE.plural || e.type === TYPE.select) for (const option of Object.values(e.options)) walk(option.value);
      if (e.type === TYPE.tag) walk(e.children);
    }
  };
  walk(parse(message));
  return [...names].sort();
}

describe('the catalog', () => {
  test.each(LOCALES)('every %s message parses and names the arguments its English source names', (locale: Locale) => {
    const wrong = Object.entries(CATALOGS[locale]).filter(
      ([id, message]) => JSON.stringify(argumentsOf(message)) !== JSON.stringify(argumentsOf(en[id as keyof typeof en])),
    );
    expect(wrong).toEqual([]);
  });

  test('Spanish has every message but the staff pages’, and none English has not', () => {
    const translated = Object.keys(en).filter((id) => !id.startsWith('staff.'));
    expect(Object.keys(es).sort()).toEqual(translated.sort());
    // Not a copy: most Spanish messages differ from the English ones (brand names and formats may not).
    const same = translated.filter((id) => es[id as keyof typeof es] === en[id as keyof typeof en]);
    expect(same.length / translated.length).toBeLessThan(0.2);
  });

  test('dates, money and numbers in each language', () => {
    const at = '2026-12-08T15:04:00Z';
    expect(translator('en').date(at)).toBe('Dec 8, 2026');
    expect(translator('es').date(at)).toBe('8 dic 2026');
    expect(translator('en').dateTime(at)).toBe('Dec 8, 2026, 3:04 PM UTC');
    expect(translator('es').dateTime(at)).toBe('8 dic 2026, 15:04 UTC');
    expect(translator('en').money(125_000, 'usd')).toBe('$1,250.00');
    // Spanish puts a no-break space before the currency.
    expect(translator('es').money(125_000, 'usd')).toBe('1250,00\u00a0US$');
    expect(translator('en').number(10_000)).toBe('10,000');
    expect(translator('en').date(null)).toBe('');
  });

  test('a missing argument is an error outside production', () => {
    expect(() => translator('en').t('layout.title')).toThrow(/title/);
  });
});

describe('the page’s language', () => {
  let app: ApiApp;
  beforeAll(async () => {
    app = await startApiApp();
  });
  afterAll(() => app?.close());

  const langOf = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];

  test('a student’s pages: Accept-Language, then the switch (kept in a cookie), which says the other language', async () => {
    const student = consoleClient(app.baseUrl);
    await student.signIn('student');
    const spanish = { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' };
    const page = await student.get('/student/enrollments', spanish);
    expect(page.status).toBe(200);
    expect(langOf(page.html)).toBe('es');
    expect(page.html).toContain('Cerrar sesión');
    expect(page.html).toContain('<a href="/student/enrollments?lang=en" lang="en" hreflang="en">English</a>');

    const switched = await student.get('/student/enrollments?lang=en', spanish);
    expect(switched.status).toBe(303);
    expect(switched.headers.get('location')).toBe('/student/enrollments');
    expect(switched.headers.getSetCookie()).toContain('lang=en; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax');
    const english = await student.get('/student/enrollments', spanish);
    expect(langOf(english.html)).toBe('en');
    expect(english.html).toContain('<a href="/student/enrollments?lang=es" lang="es" hreflang="es">Español</a>');

    // An unknown language changes nothing but the URL.
    const unknown = await student.get('/student/enrollments?lang=xx');
    expect(unknown.status).toBe(303);
    expect(unknown.headers.getSetCookie().filter((c) => c.startsWith('lang='))).toEqual([]);
  });

  test('staff pages stay English, with no switch', async () => {
    const holder = consoleClient(app.baseUrl);
    await holder.signIn('program_holder');
    const page = await holder.get('/holder/enrollments', { 'accept-language': 'es' });
    expect(langOf(page.html)).toBe('en');
    expect(page.html).not.toContain('hreflang');
    expect(page.html).toContain('Sign out');
  });

  test('the JSON API takes no lang parameter', async () => {
    const res = await app.request('GET', '/api/programs?lang=es');
    expect(res.status).toBe(200);
  });
});
