#!/usr/bin/env bash
# Installs Renovate's `renovate-config-validator` (npm package `renovate`, about 340 MB, under a minute) into a
# per-user cache, once per version, and prints the validator's path. tests/test_renovate.py runs it when present.
# Needs npm; without it, says so and exits 0 (the validator test then skips, the offline checks still run).
set -euo pipefail
# renovate: datasource=npm depName=renovate
RENOVATE_VERSION=44.121.2

prefix="${XDG_CACHE_HOME:-$HOME/.cache}/todo-observability/renovate-$RENOVATE_VERSION"
validator="$prefix/node_modules/.bin/renovate-config-validator"
if [ ! -x "$validator" ]; then
  if ! command -v npm >/dev/null; then
    echo "npm not found: renovate-config-validator not installed (the Renovate schema test will skip)" >&2
    exit 0
  fi
  mkdir -p "$prefix"
  # --ignore-scripts: no native builds (re2); the validator falls back to JavaScript regular expressions.
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --ignore-scripts --loglevel=error \
    "renovate@$RENOVATE_VERSION" >&2
fi
echo "$validator"
