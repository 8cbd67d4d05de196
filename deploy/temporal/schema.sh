#!/bin/sh
# One-shot schema job (temporalio/admin-tools, the same version as the server):
# creates Temporal's two PostgreSQL databases if missing and brings both schemas
# to the version the image ships, before the server starts.
#
#   TEMPORAL_DB             persistence: workflow histories, mutable state, task queues, timers
#   TEMPORAL_VISIBILITY_DB  advanced visibility on PostgreSQL (the v12 visibility schema):
#                           what List/Count queries, the Temporal UI and search attributes read
#
# temporal-sql-tool reads its connection from SQL_PLUGIN, SQL_HOST, SQL_PORT,
# SQL_USER and SQL_PASSWORD (the password stays off the command line).
#
# Safe on every start: `create` accepts an existing database, `setup-schema -v 0.0`
# only records version 0.0 on an empty database and leaves a newer one alone,
# and `update-schema` applies only the versioned steps not yet applied. After an
# image upgrade it is what migrates the schema, before the new server starts.
set -eu

: "${SQL_HOST:?set SQL_HOST}"
: "${SQL_USER:?set SQL_USER}"
: "${TEMPORAL_DB:?set TEMPORAL_DB}"
: "${TEMPORAL_VISIBILITY_DB:?set TEMPORAL_VISIBILITY_DB}"
schemas=/etc/temporal/schema/postgresql/v12

migrate() {
  db=$1
  dir=$2
  echo "temporal-schema: $db <- $dir"
  temporal-sql-tool --db "$db" create
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$dir"
}

migrate "$TEMPORAL_DB" "$schemas/temporal/versioned"
migrate "$TEMPORAL_VISIBILITY_DB" "$schemas/visibility/versioned"
echo "temporal-schema: $TEMPORAL_DB and $TEMPORAL_VISIBILITY_DB are up to date"
