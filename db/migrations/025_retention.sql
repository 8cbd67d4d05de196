-- Retention (issue 23, item 4): the policy in capabilities/privacy/retention-policy.ts, applied daily by the
-- `retention` Schedule in bounded batches (capabilities/privacy/retention.ts).

-- An evidence file deleted under the policy leaves its row (the review's decision, the file's SHA-256, type and size)
-- marked, so pages and answers say the file is gone and when, instead of failing to find it.
ALTER TABLE completion_submissions ADD COLUMN file_deleted_at timestamptz;
ALTER TABLE completion_evidence ADD COLUMN proof_deleted_at timestamptz;

-- The scans by age. Audit entries arrive in time order, so a block range index stays tiny however large the log grows.
CREATE INDEX audit_log_at_idx ON audit_log USING brin (at);
CREATE INDEX tutor_conversations_updated_idx ON tutor_conversations (updated_at);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
CREATE INDEX tutor_usage_day_idx ON tutor_usage (day);
CREATE INDEX tutor_rate_windows_window_idx ON tutor_rate_windows (window_start);
CREATE INDEX lti_used_values_expires_idx ON lti_used_values (expires_at);
-- Evidence files still in the file store, by enrollment (the rule joins the enrollment to see whether it is due).
CREATE INDEX completion_submissions_file_kept_idx ON completion_submissions (enrollment_id) WHERE file_deleted_at IS NULL;
CREATE INDEX completion_evidence_proof_kept_idx ON completion_evidence (enrollment_id)
  WHERE proof_file_key IS NOT NULL AND proof_deleted_at IS NULL;

-- Personal data past RETENTION_PERSONAL_DATA is pseudonymized by the erasure itself: the retention run files an
-- erasure request on the policy's behalf (`origin` retention), which is then the record of what was erased and kept.
ALTER TABLE erasure_requests ADD COLUMN origin text NOT NULL DEFAULT 'student' CHECK (origin IN ('student', 'retention'));
CREATE INDEX erasure_requests_retention_idx ON erasure_requests (status) WHERE origin = 'retention';
-- After the accountability period (RETENTION_AUDIT_LOG) a completed request no longer ties its pseudonym to the
-- student's id (student_id becomes the pseudonym): what was kept is then tied to no one.
ALTER TABLE erasure_requests ADD COLUMN unlinked_at timestamptz;
CREATE INDEX erasure_requests_finished_idx ON erasure_requests (completed_at) WHERE status = 'completed' AND unlinked_at IS NULL;
