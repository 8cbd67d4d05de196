import type { Db } from '../../db/pool';

/** What handling a Stripe event reads: whether the event was acted on, and the enrollment's accepted Stripe payment. */

export async function stripeEventState(db: Db, eventId: string): Promise<'received' | 'handled' | undefined> {
  return (await db.query<{ state: 'received' | 'handled' }>('SELECT state FROM stripe_events WHERE id = $1', [eventId])).rows[0]?.state;
}

/** The Checkout Session of the enrollment's accepted Stripe payment, if it has one. */
export async function acceptedStripeSession(db: Db, enrollmentId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ provider_ref: string }>(
    `SELECT provider_ref FROM payments WHERE enrollment_id = $1 AND status = 'accepted' AND provider = 'stripe'`,
    [enrollmentId],
  );
  return rows[0]?.provider_ref;
}
