/**
 * Well-formed language tags (RFC 5646 section 2.1, "Syntax", and 2.2.9, "Classes of Conformance": well-formed
 * means the ABNF matches and no variant or extension singleton appears twice). xAPI 1.0.3 uses them as the keys of
 * language maps and as `context.language`. Validity against the IANA registry is not checked: a well-formed tag
 * whose subtags are not registered (yet) is accepted, as the RFC allows a well-formed processor to.
 */

// RFC 5646 section 2.1: the grandfathered tags, matched whole.
const IRREGULAR = [
  'en-GB-oed',
  'i-ami',
  'i-bnn',
  'i-default',
  'i-enochian',
  'i-hak',
  'i-klingon',
  'i-lux',
  'i-mingo',
  'i-navajo',
  'i-pwn',
  'i-tao',
  'i-tay',
  'i-tsu',
  'sgn-BE-FR',
  'sgn-BE-NL',
  'sgn-CH-DE',
];
const REGULAR = ['art-lojban', 'cel-gaulish', 'no-bok', 'no-nyn', 'zh-guoyu', 'zh-hakka', 'zh-min', 'zh-min-nan', 'zh-xiang'];
const GRANDFATHERED = new Set([...IRREGULAR, ...REGULAR].map((t) => t.toLowerCase()));

/** langtag = language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse] */
const LANGTAG = new RegExp(
  [
    '^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})', // language (with up to three extlangs)
    '(?:-[a-z]{4})?', // script
    '(?:-(?:[a-z]{2}|[0-9]{3}))?', // region
    '(?<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)', // variants
    '(?<extensions>(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*)', // extensions: a singleton (not x), then subtags
    '(?:-x(?:-[a-z0-9]{1,8})+)?$', // private use
  ].join(''),
);
const PRIVATE_USE = /^x(?:-[a-z0-9]{1,8})+$/;

const hasDuplicates = (items: string[]) => new Set(items).size !== items.length;

/** True when `tag` is a well-formed RFC 5646 language tag (case-insensitive, as the RFC says). */
export function isLanguageTag(tag: string): boolean {
  const t = tag.toLowerCase();
  if (GRANDFATHERED.has(t) || PRIVATE_USE.test(t)) return true;
  const m = LANGTAG.exec(t);
  if (!m?.groups) return false;
  const variants = m.groups.variants.split('-').filter(Boolean);
  // Each extension starts with its one-character singleton; "-a-bbb-c-ddd" has singletons a and c.
  const singletons = m.groups.extensions
    .split('-')
    .filter(Boolean)
    .filter((s) => s.length === 1);
  return !hasDuplicates(variants) && !hasDuplicates(singletons);
}
