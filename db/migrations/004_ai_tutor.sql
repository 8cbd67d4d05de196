-- The AI tutor: conversations (one student, one program, and the student's enrollment in it when there is one),
-- their messages (an exchange, the question and the answer, is always written together), and per-student usage
-- (daily requests and tokens for the budget; per-minute windows for the rate limit).

CREATE TABLE tutor_conversations (
  id            uuid PRIMARY KEY,
  student_id    text NOT NULL,
  program_id    uuid NOT NULL REFERENCES programs (id),
  enrollment_id uuid REFERENCES enrollments (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tutor_conversations_student_idx ON tutor_conversations (student_id, updated_at DESC);

CREATE TABLE tutor_messages (
  id                bigserial PRIMARY KEY,
  conversation_id   uuid NOT NULL REFERENCES tutor_conversations (id) ON DELETE CASCADE,
  role              text NOT NULL CHECK (role IN ('user', 'assistant')),
  content           text NOT NULL,
  prompt_tokens     integer,
  completion_tokens integer,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tutor_messages_conversation_idx ON tutor_messages (conversation_id, id);

CREATE TABLE tutor_usage (
  student_id text NOT NULL,
  day        date NOT NULL,
  requests   integer NOT NULL DEFAULT 0,
  tokens     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (student_id, day)
);

-- Fixed one-minute windows: every chat request counts, answered or not.
CREATE TABLE tutor_rate_windows (
  student_id   text NOT NULL,
  window_start timestamptz NOT NULL,
  requests     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (student_id, window_start)
);
