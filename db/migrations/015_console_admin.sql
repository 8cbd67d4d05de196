-- The console's audit log page (issue 13): newest first, filtered by action or by actor, a page at a time (keyset on id).
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);

-- A funding organization's vouchers, newest first (the funder's Vouchers page and GET /api/vouchers).
CREATE INDEX vouchers_organization_created_idx ON vouchers (organization_id, created_at DESC, id);

-- The certificates issued last (the admin's Certificates page).
CREATE INDEX certificates_issued_idx ON certificates (issued_at DESC, id);
