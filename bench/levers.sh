#!/usr/bin/env bash
# The lifecycle levers, one at a time, each a run of 3 rounds at 500 enrollments (see bench/lifecycle.ts), then their
# table (bench/results/levers/README.md). Build first (`npm run build && npx tsc -p tsconfig.json`). About 5 minutes a
# lever on two cores; run on an otherwise idle machine. LEVERS="baseline eager" runs only those.
#
# Levers that need another build are run from elsewhere and are not in this list: the SDK without its per-call vm
# watchdog (a measurement only, never shipped) is the same command from a checkout whose node_modules is patched.
set -euo pipefail
cd "$(dirname "$0")/.."

run() {
  local label="$1"
  shift
  echo "[levers] ${label}"
  env BENCH_LABEL="${label}" "$@" node dist/bench/lifecycle.js > ".data/lever-${label}.log" 2>&1 || {
    echo "[levers] ${label} failed, see .data/lever-${label}.log"
    return 1
  }
  grep '^\[bench\] \(platform\|skeleton\):' ".data/lever-${label}.log" | tail -2
}

mkdir -p .data
node24="$(bash scripts/ensure-node.sh --path)"
for lever in ${LEVERS:-baseline node24 eager threads-2 pollers-4 wft-slots-10 cache-100 workers-2}; do
  case "${lever}" in
    baseline) run baseline ;;
    node24) run node24 PATH="$(dirname "${node24}"):${PATH}" ;;
    eager) run eager BENCH_TEMPORAL_ARGS="--dynamic-config-value system.enableActivityEagerExecution=true" ;;
    threads-2) run threads-2 BENCH_SYSTEM_ENV="WORKER_WORKFLOW_THREADS=2" ;;
    pollers-4) run pollers-4 BENCH_SYSTEM_ENV="WORKER_WORKFLOW_POLLERS=4 WORKER_ACTIVITY_POLLERS=4" ;;
    wft-slots-10) run wft-slots-10 BENCH_SYSTEM_ENV="WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=10" ;;
    cache-100) run cache-100 BENCH_SYSTEM_ENV="WORKER_MAX_CACHED_WORKFLOWS=100" ;;
    workers-2) run workers-2 BENCH_WORKERS=2 ;;
    *) echo "[levers] unknown lever ${lever}" >&2 && exit 2 ;;
  esac
done
node dist/bench/levers.js > /dev/null
echo "[levers] table: bench/results/levers/README.md"
