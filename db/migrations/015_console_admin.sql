-- The console's funder and admin pages (issue 13): each list reads one page, newest first, from an index in that
-- order instead of sorting the whole table.

-- The audit log: newest first, filtered by action or by actor, a page at a time (keyset on id).
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);

-- Vouchers newest first: one funding organization's (a funder), or every one (an admin).
CREATE INDEX vouchers_organization_created_idx ON vouchers (organization_id, created_at DESC, id);
CREATE INDEX vouchers_created_idx ON vouchers (created_at DESC, id);

-- The voucher-funded enrollments newest first (GET /api/funded-enrollments, the funder's Funded enrollments page).
CREATE INDEX enrollments_funded_created_idx ON enrollments (created_at DESC, id) WHERE voucher_id IS NOT NULL;

-- The certificates issued last (the admin's Certificates page).
CREATE INDEX certificates_issued_idx ON certificates (issued_at DESC, id);
