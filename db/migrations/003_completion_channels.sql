-- Completion from every channel (partner polling and push, xAPI, CSV import), nudges, deadlines, withdrawal.

-- How the platform talks to each partner's completion API. A partner without api_base_url is not polled.
ALTER TABLE partners
  ADD COLUMN api_base_url          text,
  -- Name of the environment variable holding the bearer credential for the partner's API (never the secret itself).
  ADD COLUMN api_credential_env    text,
  -- Where the partner's answer keeps each fact, e.g. {"completed": "completed", "completedAt": "completedAt", "score": "score"}.
  ADD COLUMN field_map             jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN poll_interval_seconds integer NOT NULL DEFAULT 86400 CHECK (poll_interval_seconds >= 1),
  ADD COLUMN rate_limit_per_second double precision NOT NULL DEFAULT 5 CHECK (rate_limit_per_second > 0);

-- Reminders (days after the wait for completion starts) and what a withdrawal after launch refunds.
ALTER TABLE programs
  ADD COLUMN nudge_days              integer[] NOT NULL DEFAULT '{7,21,45}',
  ADD COLUMN refund_after_launch_bps integer NOT NULL DEFAULT 0 CHECK (refund_after_launch_bps BETWEEN 0 AND 10000);

ALTER TABLE enrollments
  ADD COLUMN partner_external_id text,
  ADD COLUMN withdrawn_at        timestamptz,
  ADD COLUMN expired_at          timestamptz;
CREATE UNIQUE INDEX enrollments_partner_external_idx ON enrollments (program_id, partner_external_id) WHERE partner_external_id IS NOT NULL;

-- Keys partners authenticate with (X-Api-Key, or HTTP Basic for xAPI); only a hash is kept.
CREATE TABLE partner_api_keys (
  id          uuid PRIMARY KEY,
  partner_id  text NOT NULL REFERENCES partners (id),
  key_hash    text NOT NULL UNIQUE,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX partner_api_keys_partner_idx ON partner_api_keys (partner_id);

-- Every completion report from every channel: the one applied, and those that came after it, kept as evidence.
CREATE TABLE completion_evidence (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrollment_id uuid NOT NULL REFERENCES enrollments (id),
  method        text NOT NULL CHECK (method IN ('manual', 'student_upload', 'partner_api', 'partner_push', 'xapi', 'csv_import')),
  -- The channel's own id of the report (statement id, push id, CSV row): a retried report is the same report.
  report_id     text NOT NULL,
  completed_at  timestamptz NOT NULL,
  reported_by   text NOT NULL,
  score         double precision,
  evidence_url  text,
  outcome       text NOT NULL CHECK (outcome IN ('applied', 'already_complete')),
  received_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (enrollment_id, method, report_id)
);

-- xAPI statements as received (kept raw), made idempotent by their id.
CREATE TABLE xapi_statements (
  id            uuid PRIMARY KEY,
  partner_id    text NOT NULL REFERENCES partners (id),
  enrollment_id uuid REFERENCES enrollments (id),
  verb          text NOT NULL,
  statement     jsonb NOT NULL,
  stored_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX xapi_statements_enrollment_idx ON xapi_statements (enrollment_id);

CREATE TABLE refunds (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrollment_id uuid NOT NULL UNIQUE REFERENCES enrollments (id),
  provider      text NOT NULL,
  provider_ref  text,
  amount_cents  integer NOT NULL CHECK (amount_cents >= 0),
  currency      text NOT NULL,
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE payments ADD COLUMN payment_intent text;
