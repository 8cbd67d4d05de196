-- The program holder's console (issue 13): proof kept with a holder's mark, the holder's address, and the hourly
-- digest of evidence that awaits review.

-- A holder's mark may carry notes and a proof file (PDF, PNG or JPEG, checked as a student's upload is); the file is
-- in the file store under proof_file_key, and the row is the evidence of that completion.
ALTER TABLE completion_evidence
  ADD COLUMN notes              text,
  ADD COLUMN proof_file_key     text,
  ADD COLUMN proof_content_type text,
  ADD COLUMN proof_size_bytes   integer,
  ADD COLUMN proof_sha256       text,
  ADD CONSTRAINT completion_evidence_proof_whole
    CHECK ((proof_file_key IS NULL) = (proof_content_type IS NULL AND proof_size_bytes IS NULL AND proof_sha256 IS NULL));

-- Who a program holder is, as their last sign-in to the console said: the review digest goes to this address.
CREATE TABLE program_holders (
  id         text PRIMARY KEY,
  email      text,
  name       text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The emails that tell a holder evidence awaits review: at most one an hour per holder (the sending activity checks
-- the last one under a per-holder lock). Claimed as 'sending' before the SMTP hand-off, 'sent' after, so a retry
-- resends the same digest with the same Message-ID instead of writing a second one.
CREATE TABLE review_digests (
  id         uuid PRIMARY KEY,
  holder_id  text NOT NULL,
  to_address text NOT NULL,
  message_id text NOT NULL,
  status     text NOT NULL CHECK (status IN ('sending', 'sent')),
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX review_digests_holder_idx ON review_digests (holder_id, created_at DESC);
CREATE INDEX review_digests_sending_idx ON review_digests (holder_id) WHERE status = 'sending';

-- Each submission is announced in one digest at most.
CREATE TABLE review_digest_submissions (
  submission_id uuid PRIMARY KEY REFERENCES completion_submissions (id),
  digest_id     uuid NOT NULL REFERENCES review_digests (id)
);
CREATE INDEX review_digest_submissions_digest_idx ON review_digest_submissions (digest_id);

-- The enrollment page's timeline lists the emails sent about the enrollment.
CREATE INDEX emails_sent_enrollment_idx ON emails_sent (enrollment_id) WHERE enrollment_id IS NOT NULL;
