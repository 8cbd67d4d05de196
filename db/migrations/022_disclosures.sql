-- The access and disclosure log (issue 23; FERPA 34 CFR 99.32, GDPR Art. 15 and 30): one row per student whose
-- personal data one page, API answer, export or transmission showed to someone other than that student. Written by
-- capabilities/privacy/disclosures.ts (one INSERT per page or export, committed before the data is sent); read by the
-- student (GET /api/me/disclosures, the console's My data) and by an admin (GET /api/students/:studentId/disclosures).
--
-- Volume: a list page of 50 students writes 50 rows, so the table is the platform's largest and only ever appended to.
-- Its rows hold ids and short words, never the student's name or email: erasure pseudonymizes `student_id` alone.
CREATE TABLE disclosure_log (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at                    timestamptz NOT NULL DEFAULT now(),
  -- Whose data was read (the student's platform id).
  student_id            text NOT NULL,
  -- Who read or received it: a signed-in person, a training partner, its LTI tool, or anyone (the public verification).
  actor_id              text NOT NULL,
  actor_role            text NOT NULL CHECK (actor_role IN ('program_holder', 'funder', 'admin', 'partner', 'lti_tool', 'public')),
  -- The reader's display name when it read (their sign-in's name or email, a partner's name).
  actor_name            text,
  actor_organization_id text,
  -- What was read: the kind of record, its ids (the student's records on that page: usually one) and the fields shown.
  record_kind           text NOT NULL,
  record_ids            text[] NOT NULL,
  fields                text[] NOT NULL CHECK (cardinality(fields) > 0),
  -- Which page, answer or export showed it (capabilities/privacy/disclosures.ts names each one).
  via                   text NOT NULL,
  purpose               text NOT NULL CHECK (purpose IN ('review', 'support', 'funding_oversight', 'state_reporting', 'verification',
                                                           'course_delivery', 'revenue_reconciliation')),
  -- It left the platform: a funder, a partner or its tool, a state report, the public.
  disclosure            boolean NOT NULL
);
-- A student's list, newest first (the student's own and an admin's query: both by student).
CREATE INDEX disclosure_log_student_idx ON disclosure_log (student_id, at DESC, id DESC);
-- Retention deletes by age: rows arrive in time order, so a block range index stays tiny however large the table grows.
CREATE INDEX disclosure_log_at_idx ON disclosure_log USING brin (at);
