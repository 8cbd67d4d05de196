-- The xAPI 1.0.3 statement resource (issue 14): every valid statement a partner sends is kept, whatever its object
-- and whether or not its registration is one of the partner's enrollments (enrollment_id stays NULL then), and read
-- back with the spec's filters. What the filters match is written beside the statement when it is stored:
--   agent_keys            the actor, and the object when it is an Agent or Group ("agent")
--   related_agent_keys    those, the context's instructor and team, and the same inside a SubStatement ("related_agents")
--   activity_ids          the object when it is an Activity ("activity")
--   related_activity_ids  that, the context activities, and the same inside a SubStatement ("related_activities")
-- An agent key is "<Agent|Group>|<mbox|mbox_sha1sum|openid>|<value>" or "<Agent|Group>|account|<homePage>|<name>".
-- `stored` and `authority` are not kept in the statement: they are the row's stored_at and partner_id.

ALTER TABLE xapi_statements
  ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY,
  ADD COLUMN registration uuid,
  ADD COLUMN object_type text NOT NULL DEFAULT 'Activity'
    CHECK (object_type IN ('Activity', 'Agent', 'Group', 'StatementRef', 'SubStatement')),
  -- The target of a StatementRef object: the statement a voiding statement voids.
  ADD COLUMN object_ref uuid,
  ADD COLUMN voided boolean NOT NULL DEFAULT false,
  ADD COLUMN agent_keys text[] NOT NULL DEFAULT '{}',
  ADD COLUMN related_agent_keys text[] NOT NULL DEFAULT '{}',
  ADD COLUMN activity_ids text[] NOT NULL DEFAULT '{}',
  ADD COLUMN related_activity_ids text[] NOT NULL DEFAULT '{}';

-- The statements kept before: an Agent or Group actor, an Activity object, the registration of one of the partner's
-- enrollments.
CREATE FUNCTION pg_temp.xapi_agent_key(a jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL OR jsonb_typeof(a) <> 'object' THEN NULL ELSE
    COALESCE(a->>'objectType', 'Agent') || '|' || CASE
      WHEN a ? 'mbox' THEN 'mbox|' || (a->>'mbox')
      WHEN a ? 'mbox_sha1sum' THEN 'mbox_sha1sum|' || (a->>'mbox_sha1sum')
      WHEN a ? 'openid' THEN 'openid|' || (a->>'openid')
      WHEN a ? 'account' THEN 'account|' || (a->'account'->>'homePage') || '|' || (a->'account'->>'name')
    END END
$$;
UPDATE xapi_statements SET
  registration = enrollment_id,
  agent_keys = array_remove(ARRAY[pg_temp.xapi_agent_key(statement->'actor')], NULL),
  related_agent_keys = array_remove(ARRAY[
    pg_temp.xapi_agent_key(statement->'actor'),
    pg_temp.xapi_agent_key(statement->'context'->'instructor'),
    pg_temp.xapi_agent_key(statement->'context'->'team')], NULL),
  activity_ids = ARRAY[statement->'object'->>'id'],
  related_activity_ids = ARRAY[statement->'object'->>'id'] || ARRAY(
    SELECT jsonb_array_elements_text(jsonb_path_query_array(statement, 'lax $.context.contextActivities.*[*].id')));

-- Kept as the statement resource keeps them now: without a client's stored and authority, with a timestamp (the
-- stored time when none was sent), context activities as arrays.
UPDATE xapi_statements SET statement = statement - 'stored' - 'authority';
UPDATE xapi_statements
   SET statement = jsonb_set(statement, '{timestamp}', to_jsonb(to_char(stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
 WHERE NOT statement ? 'timestamp';
UPDATE xapi_statements
   SET statement = jsonb_set(statement, '{context,contextActivities}', (
         SELECT jsonb_object_agg(k, CASE WHEN jsonb_typeof(v) = 'array' THEN v ELSE jsonb_build_array(v) END)
           FROM jsonb_each(statement->'context'->'contextActivities') AS e(k, v)))
 WHERE jsonb_typeof(statement->'context'->'contextActivities') = 'object' AND statement->'context'->'contextActivities' <> '{}'::jsonb;

-- A partner's statements newest first (the default order), and each filter.
CREATE INDEX xapi_statements_partner_stored_idx ON xapi_statements (partner_id, stored_at DESC, seq DESC);
CREATE INDEX xapi_statements_partner_verb_idx ON xapi_statements (partner_id, verb);
CREATE INDEX xapi_statements_partner_registration_idx ON xapi_statements (partner_id, registration) WHERE registration IS NOT NULL;
CREATE INDEX xapi_statements_partner_ref_idx ON xapi_statements (partner_id, object_ref) WHERE object_ref IS NOT NULL;
CREATE INDEX xapi_statements_agent_keys_idx ON xapi_statements USING gin (agent_keys);
CREATE INDEX xapi_statements_related_agent_keys_idx ON xapi_statements USING gin (related_agent_keys);
CREATE INDEX xapi_statements_activity_ids_idx ON xapi_statements USING gin (activity_ids);
CREATE INDEX xapi_statements_related_activity_ids_idx ON xapi_statements USING gin (related_activity_ids);

-- Attachment content sent in multipart/mixed requests, once per partner and SHA-256 (statements name it by sha2).
CREATE TABLE xapi_attachments (
  partner_id   text NOT NULL REFERENCES partners (id),
  sha2         text NOT NULL,
  content_type text NOT NULL,
  content      bytea NOT NULL,
  stored_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, sha2)
);
