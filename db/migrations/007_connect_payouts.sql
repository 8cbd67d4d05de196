-- Stripe Connect payouts: the connected account of each program holder and partner that is paid out, and the
-- transfers made to them (separate charges and transfers: the platform collects, then transfers each party's share
-- with the enrollment as transfer_group). A party without a row here is not paid through Stripe; the platform
-- keeps its own share and never has a row.
CREATE TABLE connect_accounts (
  party             text NOT NULL CHECK (party IN ('holder', 'partner')),
  party_id          text NOT NULL,
  stripe_account_id text NOT NULL CHECK (stripe_account_id ~ '^acct_[A-Za-z0-9]+$'),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (party, party_id)
);

-- One transfer per enrollment and party, made at most once (the table is read before Stripe is called, and the
-- call carries the idempotency key transfer:<enrollmentId>:<party>); a refund reverses it once
-- (transfer-reversal:<enrollmentId>:<party>).
CREATE TABLE transfers (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrollment_id      uuid NOT NULL REFERENCES enrollments (id),
  party              text NOT NULL CHECK (party IN ('holder', 'partner')),
  party_id           text NOT NULL,
  destination        text NOT NULL,
  stripe_transfer_id text NOT NULL UNIQUE,
  amount_cents       integer NOT NULL CHECK (amount_cents > 0),
  currency           text NOT NULL,
  status             text NOT NULL CHECK (status IN ('created', 'reversed')),
  reversal_id        text,
  reversed_cents     integer CHECK (reversed_cents >= 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  reversed_at        timestamptz,
  UNIQUE (enrollment_id, party)
);
