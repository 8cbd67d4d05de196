import type { Db } from '../../../db/pool';
import type { Actor } from '../../../core/actor';
import { createApiKey } from './partner-keys';
import { refuse } from '../../../core/refusals';
import { audit } from '../../../core/audit';
import { findApiKey, requireKnownPartner } from './queries';

/** A new API key for a known partner; the key is in the answer only (stored hashed). */
export async function createPartnerApiKey(db: Db, admin: Actor, partnerId: string) {
  await requireKnownPartner(db, partnerId);
  const key = await createApiKey(db, partnerId, admin.id);
  await audit(db, admin, 'partner.api_key.create', { type: 'partner_api_key', id: key.id }, { partnerId });
  return key;
}

/** Revokes the partner's key; revoking it again changes nothing (and is audited once). */
export async function revokePartnerApiKey(db: Db, admin: Actor, partnerId: string, id: string): Promise<void> {
  const key = await findApiKey(db, partnerId, id);
  if (!key) throw refuse.notFound(`API key ${id} of partner ${partnerId}`);
  if (key.revoked_at) return;
  const revoked = await db.query('UPDATE partner_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  if (revoked.rowCount) await audit(db, admin, 'partner.api_key.revoke', { type: 'partner_api_key', id }, { partnerId });
}
