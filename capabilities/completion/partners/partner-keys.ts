import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../../db/pool';

/** A partner that authenticated with one of its API keys (the HTTP doors check the key; this is who they found). */
export interface PartnerCaller {
  partnerId: string;
  keyId: string;
}

/**
 * The role a partner has as `req.actor`: deliberately not one of the JWT roles, so `requireRole` refuses it on
 * every bearer-token endpoint. It is set so the Idempotency-Key middleware and the audit log key by the partner.
 */
export const PARTNER_ROLE = 'partner';
export const partnerActorId = (partnerId: string) => `partner:${partnerId}`;

const KEY_PREFIX = 'cmk_';
const MAX_KEY_LENGTH = 256;

export const hashApiKey = (apiKey: string) => createHash('sha256').update(apiKey, 'utf8').digest('hex');

/** A new key: shown once to the admin who creates it; only its hash is kept. */
export async function createApiKey(
  db: Db,
  partnerId: string,
  createdBy: string,
): Promise<{ id: string; apiKey: string; createdAt: string }> {
  const id = randomUUID();
  const apiKey = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const { rows } = await db.query<{ created_at: Date }>(
    'INSERT INTO partner_api_keys (id, partner_id, key_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING created_at',
    [id, partnerId, hashApiKey(apiKey), createdBy],
  );
  return { id, apiKey, createdAt: rows[0].created_at.toISOString() };
}

/** A partner's API key that is not revoked. */
interface LiveKeyRow {
  id: string;
  partner_id: string;
}

/** The live key with this value, or undefined (unknown, revoked, or not a plausible key at all). */
export async function findLiveKey(db: Db, apiKey: string): Promise<LiveKeyRow | undefined> {
  if (!apiKey || apiKey.length > MAX_KEY_LENGTH) return undefined;
  const { rows } = await db.query<LiveKeyRow>('SELECT id, partner_id FROM partner_api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
    hashApiKey(apiKey),
  ]);
  return rows[0];
}

/** The partner as the audit log records it. */
export const partnerAuditActor = (p: PartnerCaller) => ({ id: partnerActorId(p.partnerId), role: PARTNER_ROLE });
