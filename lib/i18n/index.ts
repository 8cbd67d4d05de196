/**
 * The message catalog: every text a person reads, in each language the platform speaks, as ICU messages
 * (FormatJS: plurals, selects, dates and money formatted for the language). `messages.en.ts` is the source; each
 * other language's catalog has exactly its keys but the staff pages' (the compiler checks), and `tests/i18n.test.ts`
 * checks that every message parses and names the same arguments in each language.
 */
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { en } from './messages.en';
import { es } from './messages.es';

export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
/** Each language's name in itself, as a language switch shows it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

export type MessageId = keyof typeof en;
export type Catalog = Record<MessageId, string>;
/** Each language's messages; the staff pages' words, English only, complete every other language's. */
export const CATALOGS: Record<Locale, Catalog> = { en, es: { ...en, ...es } };
export type MessageValues = Record<string, string | number | Date | boolean | null | undefined>;

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/** What a page, an email or a certificate says, in one language. */
export interface Translator {
  locale: Locale;
  /** The message `id` with its arguments filled in. */
  t(this: void, id: MessageId, values?: MessageValues): string;
  /** A calendar day (`Dec 8, 2026`, `8 dic 2026`), in UTC; empty for none. */
  date(this: void, at: string | Date | null | undefined): string;
  /** A moment, to the minute, in UTC and saying so; empty for none. */
  dateTime(this: void, at: string | Date | null | undefined): string;
  /** An amount of integer cents in its currency (`$1,250.00`, `1250,00 US$`). */
  money(this: void, cents: number, currency: string): string;
  /** A count with its grouping (`10,000`, `10.000`). */
  number(this: void, n: number): string;
}

const cache = createIntlCache();
const translators = new Map<Locale, Translator>();

function build(locale: Locale): Translator {
  const intl: IntlShape<string> = createIntl(
    {
      locale,
      defaultLocale: DEFAULT_LOCALE,
      messages: CATALOGS[locale],
      timeZone: 'UTC',
      // A missing message or argument is a bug the tests catch; in production it must not take a page down.
      onError: (err) => {
        if (process.env.NODE_ENV !== 'production') throw err;
      },
    },
    cache,
  );
  const when = (at: string | Date) => (at instanceof Date ? at : new Date(at));
  return {
    locale,
    t: (id, values) => intl.formatMessage({ id }, values as Record<string, string | number | Date | boolean | null | undefined>),
    date: (at) => (at ? intl.formatDate(when(at), { dateStyle: 'medium' }) : ''),
    dateTime: (at) => (at ? `${intl.formatDate(when(at), { dateStyle: 'medium', timeStyle: 'short' })} UTC` : ''),
    money: (cents, currency) => intl.formatNumber(cents / 100, { style: 'currency', currency: currency.toUpperCase() }),
    number: (n) => intl.formatNumber(n),
  };
}

/** The translator for a language (made once, then shared). */
export function translator(locale: Locale = DEFAULT_LOCALE): Translator {
  let found = translators.get(locale);
  if (!found) translators.set(locale, (found = build(locale)));
  return found;
}
