-- A student's data export (GDPR Art. 15 and 20, FERPA 34 CFR 99.10) and erasure requests (GDPR Art. 17), issue 23.
-- Each is carried out by a Temporal workflow (workflows/privacy.ts) whose history holds the row's id alone.

-- One ZIP of everything the platform holds about a student, built into the file store under `file_key`, downloadable
-- by that student alone until `expires_at` (7 days after it is ready), then removed.
CREATE TABLE data_exports (
  id           uuid PRIMARY KEY,
  student_id   text NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'expired')),
  file_key     text,
  size_bytes   bigint,
  requested_at timestamptz NOT NULL DEFAULT now(),
  ready_at     timestamptz,
  expires_at   timestamptz,
  expired_at   timestamptz
);
-- At most one export being built per student: asking again while it is built answers the same one.
CREATE UNIQUE INDEX data_exports_one_pending_idx ON data_exports (student_id) WHERE status = 'pending';
CREATE INDEX data_exports_student_idx ON data_exports (student_id, requested_at DESC);

-- A request to be forgotten: asked by the student, approved or rejected (with a reason) by an admin; approval runs
-- the erasure. While it runs, `subject` holds the names and emails to look for (cleared when it completes) and
-- `steps` each finished step's result, so a retried step does nothing twice. The student's id stays here (who asked,
-- and that it was done: GDPR Art. 5(2)); every kept record is tied to `pseudonym` instead.
CREATE TABLE erasure_requests (
  id           uuid PRIMARY KEY,
  student_id   text NOT NULL,
  status       text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'rejected', 'approved', 'completed')),
  reason       text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_by   text,
  decided_at   timestamptz,
  completed_at timestamptz,
  pseudonym    text UNIQUE,
  subject      jsonb,
  steps        jsonb NOT NULL DEFAULT '{}',
  erased       jsonb,
  kept         jsonb,
  CHECK (status <> 'rejected' OR reason IS NOT NULL),
  CHECK (status NOT IN ('approved', 'completed') OR pseudonym IS NOT NULL)
);
-- One open request per student (the second is refused with 409).
CREATE UNIQUE INDEX erasure_requests_one_open_idx ON erasure_requests (student_id) WHERE status IN ('requested', 'approved');
-- The admin's list, newest first.
CREATE INDEX erasure_requests_requested_idx ON erasure_requests (requested_at DESC, id);
