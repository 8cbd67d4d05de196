-- Open Badges 3.0 credentials and their Bitstring Status List (W3C Bitstring Status List v1.0).
-- Every certificate gets one position in the platform's status lists, allocated once from a sequence and kept:
-- list = status_index / 131072 (16 KiB = 131,072 bits, the spec's minimum), bit = status_index % 131072.
-- A certificate's bit is 1 exactly when it is revoked (revoked_at set), so the published list is derived from rows.
CREATE SEQUENCE certificate_status_index_seq AS bigint MINVALUE 0 START WITH 0;

ALTER TABLE certificates
  ADD COLUMN status_index bigint NOT NULL DEFAULT nextval('certificate_status_index_seq');
ALTER SEQUENCE certificate_status_index_seq OWNED BY certificates.status_index;
ALTER TABLE certificates ADD CONSTRAINT certificates_status_index_key UNIQUE (status_index);
CREATE INDEX certificates_revoked_status_idx ON certificates (status_index) WHERE revoked_at IS NOT NULL;
