#!/bin/sh
# One-shot setup job (temporalio/admin-tools), run once the server is healthy:
# creates the app's namespace with its retention (or sets the retention of the
# existing one), then registers the app's search attributes in it and waits
# until the server serves them, so workflows started right after this job can
# use them.
#
#   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE  read by the `temporal` CLI itself
#   TEMPORAL_NAMESPACE_RETENTION          how long closed workflows are kept (e.g. 168h, 30d)
#   SEARCH_ATTRIBUTES                     space-separated Name=Type pairs (Type as the CLI spells it: Keyword, Int, ...)
#
# Safe on every start: an attribute that exists with the same type is accepted;
# one that exists with a different type stops the job (exit 1), since the app
# would write values the server refuses.
set -eu

: "${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS}"
: "${TEMPORAL_NAMESPACE:?set TEMPORAL_NAMESPACE}"
: "${TEMPORAL_NAMESPACE_RETENTION:?set TEMPORAL_NAMESPACE_RETENTION}"
: "${SEARCH_ATTRIBUTES:?set SEARCH_ATTRIBUTES}"
ns=$TEMPORAL_NAMESPACE

# retry <attempts> <what> <command...>: runs the command every 2 s until it succeeds.
retry() {
  attempts=$1
  what=$2
  shift 2
  i=0
  until out=$("$@" 2>&1); do
    i=$((i + 1))
    if [ "$i" -ge "$attempts" ]; then
      echo "temporal-setup: $what failed after $attempts attempts: $out" >&2
      exit 1
    fi
    sleep 2
  done
}

retry 90 "cluster health at $TEMPORAL_ADDRESS" temporal operator cluster health

if temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  retry 30 "setting the retention of $ns" temporal operator namespace update --namespace "$ns" --retention "$TEMPORAL_NAMESPACE_RETENTION"
  echo "temporal-setup: namespace $ns exists; retention $TEMPORAL_NAMESPACE_RETENTION"
else
  retry 30 "creating namespace $ns" temporal operator namespace create --namespace "$ns" --retention "$TEMPORAL_NAMESPACE_RETENTION"
  echo "temporal-setup: created namespace $ns; retention $TEMPORAL_NAMESPACE_RETENTION"
fi
# A new namespace reaches the frontend's namespace cache within seconds.
retry 60 "describing namespace $ns" temporal operator namespace describe --namespace "$ns"

for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  attempt=0
  until out=$(temporal operator search-attribute create --namespace "$ns" --name "$name" --type "$type" 2>&1); do
    case "$out" in
      *"different type"*)
        echo "temporal-setup: $out" >&2
        exit 1
        ;;
    esac
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 10 ]; then
      echo "temporal-setup: could not register $name ($type): $out" >&2
      exit 1
    fi
    sleep 3
  done
  echo "temporal-setup: $name ($type) registered"
done

# Wait until the server lists every attribute with its type (the CLI's table: Name, Type).
i=0
while :; do
  listed=$(temporal operator search-attribute list --namespace "$ns" 2>/dev/null || true)
  missing=""
  for pair in $SEARCH_ATTRIBUTES; do
    name=${pair%%=*}
    type=${pair#*=}
    printf '%s\n' "$listed" | grep -Eq "(^|[[:space:]])${name}[[:space:]]+${type}([[:space:]]|\$)" || missing="$missing $pair"
  done
  [ -z "$missing" ] && break
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then
    echo "temporal-setup: not listed after 120 s:$missing" >&2
    exit 1
  fi
  sleep 2
done
echo "temporal-setup: namespace $ns ready with $SEARCH_ATTRIBUTES"
