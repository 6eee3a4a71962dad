#!/usr/bin/env bash
# Helm post-renderer benchmark (issue 11 item 5): generates bench/out/post_render/
# (~20 MB of `helm template` output, 5,000 markers over 50 scans served from OCI
# layouts) when missing, then times `imagescan post-render --config C < OUT > /dev/null`
# against `cat OUT > /dev/null` in the same run. Target: <= 1.5x cat.
# PIPE=in|both: through pipes as Helm gives and takes it (bench/stdin_bench.py).
#
#   [BASELINE=OTHER_IMAGESCAN] bench/post_render.sh [RUNS]   (BASELINE: run another binary in the same alternation)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
[ -f bench/out/post_render/helm.yaml ] || python3 bench/stdin_inputs.py bench/out
cargo build --release --quiet --bin imagescan
python3 bench/stdin_bench.py bench/out/post_render/helm.yaml "$runs" 1.5 -- \
  target/release/imagescan post-render --config bench/out/post_render/imagescan.yaml
