-- The platform's records. Temporal holds each enrollment's history; these tables are the read model that
-- activities write (idempotently) and the API lists and reports from, plus the evidence behind every outcome.

CREATE TABLE partners (
  id                  text PRIMARY KEY,
  name                text NOT NULL,
  -- Where a student is sent to take the course; {enrollmentId}, {courseId} and {publicBaseUrl} are filled in.
  launch_url_template text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE programs (
  id                uuid PRIMARY KEY,
  title             text NOT NULL,
  partner_id        text NOT NULL REFERENCES partners (id),
  partner_course_id text,
  price_cents       integer NOT NULL CHECK (price_cents >= 0),
  currency          text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  holder_id         text NOT NULL,
  platform_bps      integer NOT NULL CHECK (platform_bps >= 0),
  holder_bps        integer NOT NULL CHECK (holder_bps >= 0),
  partner_bps       integer NOT NULL CHECK (partner_bps >= 0),
  credential_type   text NOT NULL CHECK (credential_type IN
                      ('occupational_certification', 'occupational_certificate', 'occupational_licensure', 'other')),
  deadline_days     integer NOT NULL CHECK (deadline_days > 0),
  move_on           text NOT NULL DEFAULT 'CompletedOrPassed'
                      CHECK (move_on IN ('Completed', 'Passed', 'CompletedAndPassed', 'CompletedOrPassed')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (platform_bps + holder_bps + partner_bps = 10000)
);
CREATE INDEX programs_holder_idx ON programs (holder_id);

CREATE TABLE enrollments (
  id                uuid PRIMARY KEY,
  program_id        uuid NOT NULL REFERENCES programs (id),
  student_id        text NOT NULL,
  student_email     text,
  student_name      text,
  funding_source    text NOT NULL CHECK (funding_source IN ('self_pay', 'wioa_ita', 'sponsor')),
  voucher_number    text,
  price_cents       integer NOT NULL,
  currency          text NOT NULL,
  status            text NOT NULL,
  -- The workflow numbers its status changes; a projection older than the row's is ignored.
  status_seq        integer NOT NULL DEFAULT 0,
  checkout_url      text,
  paid_at           timestamptz,
  launched_at       timestamptz,
  completed_at      timestamptz,
  completion_method text,
  closed_at         timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrollments_program_status_idx ON enrollments (program_id, status);
CREATE INDEX enrollments_student_idx ON enrollments (student_id);

CREATE TABLE enrollment_status_history (
  enrollment_id uuid NOT NULL REFERENCES enrollments (id),
  seq           integer NOT NULL,
  status        text NOT NULL,
  at            timestamptz NOT NULL,
  PRIMARY KEY (enrollment_id, seq)
);

CREATE TABLE payments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrollment_id uuid NOT NULL REFERENCES enrollments (id),
  provider      text NOT NULL,            -- stripe, simulated, wioa_ita, sponsor
  provider_ref  text NOT NULL,            -- Checkout Session id, or the voucher number
  amount_cents  integer NOT NULL,
  currency      text NOT NULL,
  -- accepted: counts as the enrollment's payment; rejected: kept for ops to refund (wrong amount, too late).
  status        text NOT NULL CHECK (status IN ('accepted', 'rejected')),
  reason        text,
  paid_at       timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_ref)
);
CREATE UNIQUE INDEX payments_one_accepted_idx ON payments (enrollment_id) WHERE status = 'accepted';

CREATE TABLE completion_submissions (
  id            uuid PRIMARY KEY,
  enrollment_id uuid NOT NULL REFERENCES enrollments (id),
  student_id    text NOT NULL,
  file_key      text NOT NULL,
  content_type  text NOT NULL,
  size_bytes    integer NOT NULL,
  sha256        text NOT NULL,
  completed_at  timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  reason        text,
  reviewed_by   text,
  reviewed_at   timestamptz,
  submitted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX completion_submissions_enrollment_idx ON completion_submissions (enrollment_id);
CREATE INDEX completion_submissions_status_idx ON completion_submissions (status);

CREATE TABLE certificates (
  id                      uuid PRIMARY KEY,
  enrollment_id           uuid NOT NULL UNIQUE REFERENCES enrollments (id),
  verification_code       text NOT NULL UNIQUE,
  file_key                text NOT NULL,
  partner_certificate_url text,
  completed_at            timestamptz NOT NULL,
  issued_at               timestamptz NOT NULL DEFAULT now(),
  revoked_at              timestamptz,
  revoked_reason          text
);

CREATE TABLE emails_sent (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrollment_id uuid REFERENCES enrollments (id),
  kind          text NOT NULL,
  -- One email per fact: e.g. completion:<enrollmentId>, rejection:<submissionId>.
  dedupe_key    text NOT NULL UNIQUE,
  message_id    text NOT NULL,
  to_address    text NOT NULL,
  subject       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('sending', 'sent')),
  sent_at       timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE wioa_outcomes (
  enrollment_id        uuid PRIMARY KEY REFERENCES enrollments (id),
  program_id           uuid NOT NULL REFERENCES programs (id),
  funding_source       text NOT NULL,
  program_entry_date   date NOT NULL,
  exit_date            date,
  training_completed   boolean NOT NULL,
  completion_date      date,
  credential_type      text,
  credential_date      date,
  recorded_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrollment_id uuid NOT NULL REFERENCES enrollments (id),
  program_id    uuid NOT NULL REFERENCES programs (id),
  party         text NOT NULL CHECK (party IN ('platform', 'holder', 'partner')),
  party_id      text NOT NULL,
  entry_type    text NOT NULL CHECK (entry_type IN ('share', 'reversal')),
  basis_cents   integer NOT NULL,
  bps           integer NOT NULL,
  amount_cents  integer NOT NULL,
  currency      text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (enrollment_id, party, entry_type)
);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    text NOT NULL,
  actor_role  text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);

-- Mutating requests with an Idempotency-Key: the first answer, replayed to retries.
CREATE TABLE idempotency_keys (
  actor_id      text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status_code   integer,
  response_body jsonb,
  headers       jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (actor_id, key)
);
