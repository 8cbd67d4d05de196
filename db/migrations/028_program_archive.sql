-- A program an admin archived: out of the catalog and closed to new enrollments; its enrollments carry on.
ALTER TABLE programs ADD COLUMN archived_at timestamptz;
