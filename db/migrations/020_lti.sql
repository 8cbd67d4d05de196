-- LTI 1.3 platform (1EdTech LTI Core 1.3, LTI Advantage AGS 2.0): partners registered as LTI tools, the platform's
-- own signing keys, single-use values (launch hints, nonces, client-assertion jti), and every AGS score received.

-- A partner's LTI tool: one per partner; the tool's client id is unique across the platform.
CREATE TABLE lti_tools (
  id              uuid PRIMARY KEY,
  partner_id      text NOT NULL UNIQUE REFERENCES partners (id),
  client_id       text NOT NULL UNIQUE,
  deployment_id   text NOT NULL,
  oidc_login_url  text NOT NULL,
  target_link_uri text NOT NULL,
  -- Where /lti/authorize may post the id_token: the target link URI and any others the admin registered.
  redirect_uris   text[] NOT NULL,
  jwks_url        text NOT NULL,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The platform's signing keys (id_token, launch hints, AGS access tokens). The newest unretired key signs; keys retired
-- less than a day ago are still published in /lti/jwks so what they signed still verifies. Kept in PostgreSQL so every
-- API replica signs with the same key.
CREATE TABLE lti_platform_keys (
  kid         text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk  jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz
);
-- At most one key signs at a time, whoever creates it.
CREATE UNIQUE INDEX lti_platform_keys_one_current_idx ON lti_platform_keys ((true)) WHERE retired_at IS NULL;

-- Values that may be used once: a launch's lti_message_hint, an id_token's nonce per tool, a client assertion's jti.
CREATE TABLE lti_used_values (
  kind       text NOT NULL CHECK (kind IN ('message_hint', 'nonce', 'client_assertion')),
  value      text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, value)
);

-- Every AGS score a tool posted, as received, and what it did to the enrollment.
CREATE TABLE lti_scores (
  id                 uuid PRIMARY KEY,
  enrollment_id      uuid NOT NULL REFERENCES enrollments (id),
  tool_id            uuid NOT NULL REFERENCES lti_tools (id),
  user_id            text NOT NULL,
  score_given        double precision,
  score_maximum      double precision,
  activity_progress  text NOT NULL,
  grading_progress   text NOT NULL,
  comment            text,
  score_timestamp    timestamptz NOT NULL,
  -- applied / already_complete: it completed (or would have) the enrollment; recorded: kept, not a completion.
  outcome            text NOT NULL CHECK (outcome IN ('applied', 'already_complete', 'recorded', 'below_passing')),
  body               jsonb NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lti_scores_enrollment_idx ON lti_scores (enrollment_id, received_at);

-- The score (percent of the maximum) an LTI score must reach to complete an enrollment; null: any FullyGraded score.
ALTER TABLE programs ADD COLUMN passing_score_percent double precision CHECK (passing_score_percent BETWEEN 0 AND 100);

-- A completion by an LTI AGS score is evidence like any other channel's.
ALTER TABLE completion_evidence DROP CONSTRAINT completion_evidence_method_check;
ALTER TABLE completion_evidence ADD CONSTRAINT completion_evidence_method_check
  CHECK (method IN ('manual', 'student_upload', 'partner_api', 'partner_push', 'xapi', 'csv_import', 'lti_ags'));
