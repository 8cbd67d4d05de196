import type { Db } from '../../db/pool';
import { type Queryable, recordWithWebhookEvents, type WebhookDispatcher } from '../../db/webhook-outbox';
import { iso } from '../../lib/dates';
import { credentialStatusOf, statusPosition } from '../../services/credentials';
import type { Actor } from '../../core/actor';
import { refuse } from '../../core/refusals';
import { certificateEnrollment, revokedAt } from './queries';
import { audit } from '../../core/audit';

/** A certificate as its revocation left it. */
interface RevokedCertificateRow {
  id: string;
  verification_code: string;
  revoked_at: Date;
  revoked_reason: string;
  status_index: number;
}

/**
 * Revokes a certificate (an admin, with a reason, audited): its row, from which both its status-list bit and its entry
 * in the 1EdTech Revocation List are derived. 409 if revoked already.
 */
export async function revokeCertificate(
  db: Db,
  admin: Actor,
  certificateId: string,
  reason: string,
  publicBaseUrl: string,
  webhooks?: WebhookDispatcher,
) {
  const revoke = (q: Queryable) =>
    q.query<RevokedCertificateRow>(
      `UPDATE certificates SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL
       RETURNING id, verification_code, revoked_at, revoked_reason, status_index`,
      [certificateId, reason],
    );
  const enrollmentId = await certificateEnrollment(db, certificateId);
  // With its `credential.revoked` event (ids and status; the admin's reason stays out) in the same transaction.
  const {
    rows: [revoked],
  } = enrollmentId
    ? await recordWithWebhookEvents(
        db,
        {
          enrollmentId,
          write: revoke,
          events: ({ rows: [r] }, before) =>
            r
              ? [
                  {
                    key: `enrollment:${enrollmentId}:credential.revoked`,
                    type: 'credential.revoked',
                    occurredAt: iso(r.revoked_at)!,
                    data: { enrollmentId, programId: before.programId, certificateId, status: 'revoked', revokedAt: iso(r.revoked_at) },
                  },
                ]
              : [],
        },
        webhooks,
      )
    : { rows: [] };
  if (!revoked) {
    const at = await revokedAt(db, certificateId);
    if (at === undefined) throw refuse.notFound(`certificate ${certificateId}`);
    throw refuse.conflict(`certificate ${certificateId} was revoked on ${iso(at)}`);
  }
  const { listId, index } = statusPosition(Number(revoked.status_index));
  await audit(
    db,
    admin,
    'certificate.revoked',
    { type: 'certificate', id: certificateId },
    { reason, verificationCode: revoked.verification_code, statusList: listId, statusListIndex: index },
  );
  return {
    certificateId,
    verificationCode: revoked.verification_code,
    status: 'revoked',
    revokedAt: iso(revoked.revoked_at),
    revocationReason: revoked.revoked_reason,
    // The credential's own credentialStatus: the 1EdTech Revocation List that now names it, and its bitstring position.
    credentialStatus: credentialStatusOf(Number(revoked.status_index), publicBaseUrl),
  };
}
