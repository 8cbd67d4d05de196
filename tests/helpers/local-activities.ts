import { createActivities, type EnrollmentActivities } from '../../activities';
import type { Db } from '../../db/pool';
import { createLocalFileStore } from '../../services/file-store';
import type { Mailer } from '../../services/mailer';
import { createStripeClient, createStripePaymentProvider, type PaymentProvider } from '../../services/payment-provider';

/** The platform's Stripe payment provider (the real `stripe` client) talking to a Stripe stand-in at `apiBase`. */
export const stripeStandInPayments = (apiBase: string): PaymentProvider =>
  createStripePaymentProvider(createStripeClient({ secretKey: 'sk_test_stand_in', apiBase }));

/** The real activities on `db`, keeping their files under `filesRoot`, paying and mailing through what the test gives. */
export function localActivities(
  db: Db,
  filesRoot: string,
  o: { payments: PaymentProvider; mailer: Mailer; publicBaseUrl?: string },
): EnrollmentActivities {
  return createActivities({
    db,
    files: createLocalFileStore(filesRoot),
    payments: o.payments,
    mailer: o.mailer,
    publicBaseUrl: o.publicBaseUrl ?? 'https://marketplace.test',
  });
}
