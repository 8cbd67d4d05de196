/**
 * Secrets at rest: every secret the platform keeps (webhook signing secrets and the LTI platform's private keys in
 * PostgreSQL, the development credential signing key in DATA_DIR) is sealed with AES-256-GCM (node:crypto) under a
 * key from DATA_ENCRYPTION_KEY, so a dump of the database yields no usable secret.
 *
 * A sealed value is `v1.<kid>.<iv>.<tag>.<ciphertext>`, each part base64url: `kid` names the key it was sealed under
 * (derived from the key, so operators need not name keys, and a rotation knows what to re-seal), `iv` is 96 random
 * bits (NIST SP 800-38D §8.2.2: at most 2^32 values per key, far above what this platform seals), `tag` the 128-bit
 * GCM tag. The additional authenticated data is the header and the value's place (`table.column:row`), so a value
 * moved to another row or column, or relabelled with another key id, does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** AES-256: 32 bytes of key. */
export const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';
const SEALED = /^v1\.([A-Za-z0-9_-]{11})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;

/**
 * The key `npm start` and the tests use when DATA_ENCRYPTION_KEY is unset. It is published here, so what it seals is
 * as good as clear: production refuses it.
 */
export const DEVELOPMENT_DATA_ENCRYPTION_KEY = 'j2qBm7GyV359iYKyix4tSRM+cr3GPrXQMHd5arp2zsE=';

/** A value that cannot be opened: clear, sealed under a key not configured, altered, or moved from another place. */
export class SecretAtRestError extends Error {}

/** A key's id: the first 8 bytes of SHA-256 over a label and the key (revealing nothing usable of a random key). */
export const dataKeyId = (key: Buffer): string =>
  createHash('sha256').update('credential-marketplace data encryption key\n').update(key).digest().subarray(0, 8).toString('base64url');

/** Whether a stored value has the sealed form (anything else is a clear value from before secrets were sealed). */
export const isSealed = (stored: string): boolean => SEALED.test(stored);

/** What seals and opens the platform's secrets: the first key of DATA_ENCRYPTION_KEY seals, every listed key opens. */
export interface SecretsAtRest {
  /** The id of the key that seals. */
  readonly keyId: string;
  /** `plaintext` sealed for `place` (e.g. `webhook_endpoint_secrets.secret:42`): it opens only there. */
  seal(plaintext: string, place: string): string;
  /** The plaintext of a value sealed for `place`; throws SecretAtRestError, naming what to do, when it does not open. */
  open(stored: string, place: string): string;
  /** Whether `stored` is sealed under the sealing key (false: clear, or an older key `npm run reencrypt` replaces). */
  isCurrent(stored: string): boolean;
}

/** Seals under `keys[0]`, opens under any of `keys` (the newest first). The keys stay in this closure, never printed. */
export function secretsAtRest(keys: readonly Buffer[]): SecretsAtRest {
  if (keys.length === 0 || keys.some((k) => k.length !== DATA_KEY_BYTES))
    throw new Error(`data encryption keys are ${DATA_KEY_BYTES} bytes`);
  const byId = new Map(keys.map((key) => [dataKeyId(key), key] as const));
  const keyId = dataKeyId(keys[0]);
  const aad = (kid: string, place: string) => Buffer.from(`${VERSION}.${kid}.${place}`, 'utf8');
  return {
    keyId,
    seal(plaintext, place) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys[0], iv).setAAD(aad(keyId, place));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv, cipher.getAuthTag(), ciphertext]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(stored, place) {
      const parts = SEALED.exec(stored);
      if (!parts) {
        throw new SecretAtRestError(`${place} is not sealed (a clear value from before secrets at rest): run npm run reencrypt`);
      }
      const [, kid, iv, tag, ciphertext] = parts;
      const key = byId.get(kid);
      if (!key) {
        throw new SecretAtRestError(
          `${place} is sealed under key ${kid}, which DATA_ENCRYPTION_KEY does not list (list the older key after the current one)`,
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
          .setAAD(aad(kid, place))
          .setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretAtRestError(`${place} does not open under key ${kid}: it was altered or sealed for another place`);
      }
    },
    isCurrent: (stored) => SEALED.exec(stored)?.[1] === keyId,
  };
}

const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
const GENERATE = 'generate one with: openssl rand -base64 32';

/**
 * DATA_ENCRYPTION_KEY's keys (comma-separated, the newest first: it seals, the others only open), or why it is not
 * a list of base64 32-byte keys.
 */
export function parseDataEncryptionKeys(value: string): Buffer[] | string {
  const items = value.split(',').map((s) => s.trim());
  const bad = items.findIndex((s) => !BASE64_KEY.test(s));
  if (bad !== -1) {
    return `${items.length > 1 ? `key ${bad + 1} of the list: ` : ''}not ${DATA_KEY_BYTES} bytes in base64 (${GENERATE})`;
  }
  const keys = items.map((s) => Buffer.from(s, 'base64'));
  if (new Set(keys.map(dataKeyId)).size !== keys.length) return 'lists one key twice';
  return keys;
}

/** Why a key must not protect production's secrets (published, or plainly not random), or undefined when it may. */
export function weakDataKeyProblem(key: Buffer): string | undefined {
  if (key.equals(Buffer.from(DEVELOPMENT_DATA_ENCRYPTION_KEY, 'base64'))) {
    return `the published development key, refused in production (${GENERATE})`;
  }
  // 32 random bytes take about 30 distinct values, and are all printable ASCII once in 10^14 draws.
  const distinct = new Set(key).size;
  if (distinct < 16)
    return `not random: ${distinct === 1 ? 'every byte is the same' : `only ${distinct} distinct byte values`} (${GENERATE})`;
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) return `not random: it is text (every byte printable ASCII) (${GENERATE})`;
  return undefined;
}
