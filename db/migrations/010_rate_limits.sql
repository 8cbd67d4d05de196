-- Request counts for the API's rate limits, shared by every API replica: one row per client key holding its
-- current fixed window (a new window overwrites the old one in place, so the table grows with clients, not time).
-- UNLOGGED: counts are worth no WAL; after a crash they restart from zero, which only forgives some requests.
CREATE UNLOGGED TABLE rate_limit_hits (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL
);
-- For the cleanup of clients that stopped calling.
CREATE INDEX rate_limit_hits_window_start ON rate_limit_hits (window_start);
