#!/usr/bin/env bash
# Render benchmark (issue 3 item 7): generates bench/out/render/ (2,000 files, ~40 MB,
# 1,000 markers over 50 scans served from OCI layouts) when missing, then times
# `imagescan render DIR > /dev/null` against `cat FILES > /dev/null` in the same run.
#
#   bench/render.sh [RUNS]
#   RENDER="target/release/imagescan render --memory-limit 0" bench/render.sh
#                                     # every file read twice (past the memory limit)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
out=bench/out/render

[ -d "$out/tree" ] || python3 bench/render_tree.py "$out"
cargo build --release --quiet --bin imagescan
if [ -z "${RENDER:-}" ]; then
  RENDER="target/release/imagescan render"
  # Warm the cache once (the benchmark measures a warm-cache render, SPEC §9).
  $RENDER "$out/tree" >/dev/null
fi
# shellcheck disable=SC2086 # RENDER is a command with arguments
python3 bench/render_bench.py "$out/tree" "$runs" -- $RENDER
