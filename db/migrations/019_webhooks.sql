-- Outbound webhooks (issue 15, Standard Webhooks): endpoints registered by an admin or a program holder, the events
-- recorded in the same transaction as the fact they announce (the outbox), one delivery per endpoint and event, and
-- every attempt to send it.

CREATE TABLE webhook_endpoints (
  id          uuid PRIMARY KEY,
  -- An admin's endpoint hears every program; a program holder's only its own programs.
  owner_role  text NOT NULL CHECK (owner_role IN ('admin', 'program_holder')),
  owner_id    text NOT NULL,
  url         text NOT NULL,
  description text,
  -- Event types, or {*} (every type; an admin's endpoint only).
  event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
  -- Only these programs' events; NULL: every program the owner may see.
  program_ids uuid[],
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_owner_idx ON webhook_endpoints (owner_role, owner_id, created_at DESC);
-- Read by every fact that may be announced: which enabled endpoints hear it.
CREATE INDEX webhook_endpoints_enabled_idx ON webhook_endpoints (owner_id) WHERE enabled;

-- The signing secrets (Standard Webhooks `whsec_`). Kept in clear because each delivery is signed with them. After a
-- rotation the previous secret signs too until `expires_at` (both signatures in `webhook-signature`).
CREATE TABLE webhook_endpoint_secrets (
  id          bigserial PRIMARY KEY,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
  secret      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz
);
CREATE INDEX webhook_endpoint_secrets_endpoint_idx ON webhook_endpoint_secrets (endpoint_id, id);

-- The outbox. `seq` orders the events of one enrollment: it is taken under the enrollment's advisory lock, so the
-- events of an enrollment commit in `seq` order. `event_key` names the fact (a retried activity records it once).
-- `body` is the exact JSON sent, so every attempt and replay signs the same bytes.
CREATE TABLE webhook_events (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,
  event_key     text NOT NULL UNIQUE,
  type          text NOT NULL,
  enrollment_id uuid NOT NULL REFERENCES enrollments (id),
  program_id    uuid NOT NULL REFERENCES programs (id),
  occurred_at   timestamptz NOT NULL,
  body          text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now()
);

-- One per endpoint and event. `pending_since` starts the back-off window (the event, a replay, or the endpoint's
-- re-enabling); `dispatched_at` is set once the delivery workflow was woken for it (the sweep wakes the others).
CREATE TABLE webhook_deliveries (
  id            uuid PRIMARY KEY,
  endpoint_id   uuid NOT NULL REFERENCES webhook_endpoints (id),
  event_seq     bigint NOT NULL REFERENCES webhook_events (seq),
  enrollment_id uuid NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  pending_since timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz,
  last_attempt_at timestamptz,
  delivered_at  timestamptz,
  failed_at     timestamptz,
  replays       integer NOT NULL DEFAULT 0,
  UNIQUE (endpoint_id, event_seq)
);
-- The delivery workflow's next delivery: the endpoint's oldest pending one of the enrollment.
CREATE INDEX webhook_deliveries_queue_idx ON webhook_deliveries (endpoint_id, enrollment_id, event_seq) WHERE status = 'pending';
-- The sweep: pending deliveries, oldest first (those no workflow was woken for, or none has tried for long).
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (pending_since) WHERE status = 'pending';
-- The endpoint's deliveries, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, event_seq DESC);

CREATE TABLE webhook_attempts (
  id          bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id),
  attempted_at timestamptz NOT NULL,
  status_code integer,
  duration_ms integer NOT NULL,
  error       text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
