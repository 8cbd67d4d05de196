-- The web console (issue 13): sessions kept in PostgreSQL (connect-pg-simple's layout), so every API replica knows
-- every signed-in person and a restart signs nobody out.
CREATE TABLE console_sessions (
  sid    varchar      NOT NULL PRIMARY KEY,
  sess   json         NOT NULL,
  expire timestamp(6) NOT NULL
);
CREATE INDEX console_sessions_expire ON console_sessions (expire);

-- The console searches enrollments by the student's name or email.
CREATE INDEX enrollments_student_search ON enrollments (lower(student_name), lower(student_email));
