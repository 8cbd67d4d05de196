-- A funded enrollment's payment is keyed by the enrollment (one funding each); the voucher it came with is kept
-- beside it, so a voucher number seen twice never hides the second enrollment's payment.
ALTER TABLE payments ADD COLUMN voucher_number text;
CREATE INDEX payments_voucher_idx ON payments (voucher_number) WHERE voucher_number IS NOT NULL;
