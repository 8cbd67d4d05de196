-- Stripe events the webhook acted on, once per event id: a redelivery of a handled event is acknowledged and changes
-- nothing. An event is recorded as `received` before the webhook acts and becomes `handled` after; a crash in between
-- leaves it `received`, so Stripe's retry acts again (the workflow ignores a payment it has by its Checkout Session id,
-- and a rejected payment row is unique by provider and ref): nothing is lost and nothing is doubled.
CREATE TABLE stripe_events (
  id            text PRIMARY KEY,                -- Stripe's event id (evt_...)
  type          text NOT NULL,
  session_id    text NOT NULL,                   -- the Checkout Session the event is about
  enrollment_id uuid NOT NULL,                     -- no foreign key: an enrollment whose start failed is deleted
  state         text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'handled')),
  -- applied: sent to the workflow; same_payment: the session is the enrollment's payment already;
  -- rejected: kept as a rejected payment for a refund (the enrollment had ended).
  outcome       text CHECK (outcome IN ('applied', 'same_payment', 'rejected')),
  received_at   timestamptz NOT NULL DEFAULT now(),
  handled_at    timestamptz
);
CREATE INDEX stripe_events_enrollment_idx ON stripe_events (enrollment_id);
