-- The student's choices (issue 23, item 6).

-- Per certificate, the name its public verification page shows: the full name (the default, as employers expect) or
-- the initials only. Only the certificate's own student sets it; when, so a verifier's question can be answered.
ALTER TABLE certificates
  ADD COLUMN public_name text NOT NULL DEFAULT 'full' CHECK (public_name IN ('full', 'initials')),
  ADD COLUMN public_name_set_at timestamptz;

-- Consent to sending tutor messages to the AI model provider. A consent record is evidence: a withdrawal closes the
-- open record (withdrawn_at) and a later consent opens a new one, so every period a student consented stays on file,
-- with the version of the notice they were shown. At most one open record per student.
CREATE TABLE tutor_consents (
  id             bigserial PRIMARY KEY,
  student_id     text NOT NULL,
  notice_version text NOT NULL,
  given_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  withdrawn_at   timestamptz,
  CHECK (withdrawn_at IS NULL OR withdrawn_at >= given_at)
);
CREATE UNIQUE INDEX tutor_consents_open_idx ON tutor_consents (student_id) WHERE withdrawn_at IS NULL;
CREATE INDEX tutor_consents_student_idx ON tutor_consents (student_id, given_at DESC);
