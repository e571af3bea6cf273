#!/usr/bin/env bash
# Installs the Debian packages cxm needs to build and test, if any are missing.
# Safe to run repeatedly; does nothing when everything is present.
# Usage: scripts/install-deps.sh [--bench]   (--bench also installs the benchmark peers)
set -euo pipefail
pkgs=(build-essential cmake pkg-config libcmocka-dev libcsv-dev libicu-dev
      libjansson-dev libmicrohttpd-dev libsqlite3-dev libssl-dev libxxhash-dev tzdata valgrind curl
      libcurl4-openssl-dev python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The dashboard (web/, docs/DASHBOARD.md): node and npm bundle it at build
# time (esbuild, ECharts), chromium runs its browser tests (playwright-core).
web_missing=()
command -v node >/dev/null 2>&1 || web_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || web_missing+=(npm)
command -v chromium >/dev/null 2>&1 || web_missing+=(chromium)
# a CJK font, so the zh/ja screenshots of the browser tests show glyphs, not boxes
dpkg-query -W -f='${Status}' fonts-wqy-microhei 2>/dev/null | grep -q 'install ok installed' ||
  web_missing+=(fonts-wqy-microhei)
if [ ${#web_missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${web_missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${web_missing[@]}" >/dev/null
fi
web_dir="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -d "$web_dir/node_modules/echarts" ] || [ ! -d "$web_dir/node_modules/esbuild" ] ||
   [ ! -d "$web_dir/node_modules/playwright-core" ]; then
  echo "install-deps: npm ci in web/" >&2
  (cd "$web_dir" && npm ci --no-audit --no-fund --silent >/dev/null)
fi
if [ "${1:-}" = "--bench" ]; then
  command -v hyperfine >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq hyperfine >/dev/null || true; }
  command -v wrk >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq wrk >/dev/null || true; } # bench/serve.sh
  if ! command -v node >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ ! -d bench/node_modules/@duckdb/node-api ]; then
    (cd bench && npm install --no-audit --no-fund --silent >/dev/null)
  fi
fi
exit 0
