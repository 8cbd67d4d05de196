#!/usr/bin/env bash
# The house in figures (issue 22): lines of source per top-level folder, files over 500 lines outside the tests, and
# imports from one door into another. Usage: bash scripts/house-figures.sh [checkout] (default: this one); point it at
# an older checkout (git worktree add /tmp/old <rev>) to compare.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
sources() { git ls-files "$@" | grep -E '\.(ts|js|eta|css|sql)$' | grep -v '^tests/fixtures/\|^bench/results/' || true; }
lines() { local files; files=$(sources "$@"); [ -z "$files" ] && echo 0 || echo "$files" | xargs cat | wc -l; }

echo "lines of source (.ts .js .eta .css .sql) per top-level folder:"
app=0
for d in $(sources | cut -d/ -f1 | sort -u); do
  [ -d "$d" ] || continue
  n=$(lines "$d"); printf '  %-14s %6d\n' "$d" "$n"
  case $d in tests | bench | scripts) ;; *) app=$((app + n)) ;; esac
done
echo "  application (all but tests, bench, scripts): $app; api/'s share: $(awk -v a="$(lines api)" -v t="$app" 'BEGIN { printf "%.1f", 100 * a / t }') %"

echo "files over 500 lines outside tests/:"
git ls-files | grep -E '\.(ts|js)$' | grep -v '^tests/' | while read -r f; do
  n=$(wc -l <"$f"); [ "$n" -gt 500 ] && echo "  $f $n"; done || true

door_files() { git ls-files "$@" | grep '\.ts$' || true; }
count() { grep -hE "$1" $2 /dev/null | wc -l; }
api_door=$(door_files 'api/**' 'capabilities/**.routes.ts' 'capabilities/**.openapi.ts' | grep -v '^api/app.ts$' || true)
console_door=$(door_files 'console/**' 'capabilities/**.pages.ts')
core=$(door_files core capabilities lib workflows activities worker db services | grep -v '\.routes\.ts$\|\.openapi\.ts$\|\.pages\.ts$' || true)
echo "imports from one door into another (import lines):"
echo "  console → api:                  $(count "from '[./]*(api/|[^']*\.(routes|openapi)')" "$console_door")"
echo "  api → console (but api/app.ts): $(count "from '[./]*(console/|[^']*\.pages')" "$api_door")"
echo "  api/app.ts → console (the composition): $(count "from '[./]*console/" api/app.ts)"
echo "  the core and the worker's side → api or console: $(count "from '[./]*(api|console)/" "$core")"
