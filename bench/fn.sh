#!/usr/bin/env bash
# KRM function benchmark (issue 11 item 5): generates bench/out/fn/resource-list.yaml
# (10,000 items, ~20 MB, 5,000 markers over 50 scans served from OCI layouts) when
# missing, then times `imagescan fn < LIST > /dev/null` against `cat LIST > /dev/null`
# in the same run. Target: <= 3x cat.
# PIPE=in|both: through pipes as kpt and kustomize give and take it (bench/stdin_bench.py).
#
#   [BASELINE=OTHER_IMAGESCAN] bench/fn.sh [RUNS]   (BASELINE: run another binary in the same alternation)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
[ -f bench/out/fn/resource-list.yaml ] || python3 bench/stdin_inputs.py bench/out
cargo build --release --quiet --bin imagescan
python3 bench/stdin_bench.py bench/out/fn/resource-list.yaml "$runs" 3 -- target/release/imagescan fn
