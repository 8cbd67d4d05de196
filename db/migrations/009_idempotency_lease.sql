-- An Idempotency-Key is claimed for a while (a lease), not for ever: a key whose request died with its process
-- (no answer recorded) can be taken over by a retry once the lease has run out.
ALTER TABLE idempotency_keys ADD COLUMN claimed_until timestamptz NOT NULL DEFAULT now();

-- Keys claimed before leases existed and never answered are left by a dead request: their lease is over.
UPDATE idempotency_keys SET claimed_until = created_at WHERE status_code IS NULL;
