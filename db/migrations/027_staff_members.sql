-- Who the funders and admins are, as their last sign-in to the console said (program holders are in
-- program_holders): the audit log, the API keys and the pages staff read name people, not user ids.
CREATE TABLE staff_members (
  id              text PRIMARY KEY,
  role            text NOT NULL CHECK (role IN ('funder', 'admin')),
  name            text,
  email           text,
  organization_id text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
