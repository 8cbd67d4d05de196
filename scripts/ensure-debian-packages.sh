#!/usr/bin/env bash
# Install the given Debian packages if what they provide is missing.
#
#   bash scripts/ensure-debian-packages.sh docker-compose poppler-utils chromium
#
# A package counts as present when its command is on PATH (known packages
# below) or, for any other name, when `dpkg -s NAME` says it is installed.
# Missing ones are installed with apt-get (run as root), after a single quiet
# `apt-get update`. Every apt call is bounded by `timeout` so this never hangs.
# On failure it prints one line starting with "ensure-debian-packages:" and
# exits non-zero.
set -u -o pipefail

APT_TIMEOUT="${APT_TIMEOUT:-300}"
export DEBIAN_FRONTEND=noninteractive

if [ "$#" -eq 0 ]; then
  echo "ensure-debian-packages: usage: $0 PACKAGE..." >&2
  exit 2
fi

# Command that proves a package is installed (empty: use dpkg -s).
command_for() {
  case "$1" in
    docker-compose) echo docker-compose ;;
    poppler-utils) echo pdftotext ;;
    chromium) echo chromium ;;
    *) echo "" ;;
  esac
}

is_present() {
  local cmd
  cmd="$(command_for "$1")"
  if [ -n "$cmd" ]; then
    command -v "$cmd" >/dev/null 2>&1
  else
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
  fi
}

missing=()
for pkg in "$@"; do
  if ! is_present "$pkg"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-debian-packages: missing ${missing[*]} and not root, cannot apt-get install" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if ! timeout "$APT_TIMEOUT" apt-get update -qq >"$log" 2>&1; then
  echo "ensure-debian-packages: apt-get update failed or timed out after ${APT_TIMEOUT}s (wanted: ${missing[*]}): $(tail -n 1 "$log")" >&2
  exit 1
fi

if ! timeout "$APT_TIMEOUT" apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >"$log" 2>&1 </dev/null; then
  echo "ensure-debian-packages: apt-get install ${missing[*]} failed or timed out after ${APT_TIMEOUT}s: $(tail -n 1 "$log")" >&2
  exit 1
fi

for pkg in "${missing[@]}"; do
  if ! is_present "$pkg"; then
    echo "ensure-debian-packages: installed $pkg but $(command_for "$pkg" | sed 's/^$/its dpkg status/') is still missing" >&2
    exit 1
  fi
done

echo "ensure-debian-packages: installed ${missing[*]}"
