#!/bin/sh
# Times `imagescan select` (the real release binary, stdin to stdout) over 100,000
# generated tags. Issue 2's target: at most 50 ms per selection with a semver range.
# Needs hyperfine (Debian package `hyperfine`); falls back to a plain loop without it.
# Usage: bench/select.sh [RUNS]   (from the repository root)
set -eu

runs=${1:-20}
cargo build --release --quiet
bin=target/release/imagescan
tags=$(mktemp)
trap 'rm -f "$tags"' EXIT

# The same mix as benches/select.rs: releases, v-prefixed, prereleases, build metadata,
# signatures, timestamped branch builds and two-part versions.
awk 'BEGIN {
  for (i = 0; i < 100000; i++) {
    ma = i % 7; mi = int(i / 7) % 40; pa = int(i / 280); k = i % 10
    if (k == 0) printf "v%d.%d.%d\n", ma, mi, pa
    else if (k == 1) printf "%d.%d.%d-rc.%d\n", ma, mi, pa, i % 5
    else if (k == 2) printf "%d.%d.%d+build.%d\n", ma, mi, pa, i
    else if (k == 3) printf "sha256-%064x.sig\n", i
    else if (k == 4) printf "main-%07x-%d\n", i, 1700000000 + i
    else if (k == 5) printf "%d.%d\n", ma, mi
    else printf "%d.%d.%d\n", ma, mi, pa
  }
}' > "$tags"
echo "$(wc -l < "$tags") tags; selected: $("$bin" select --semver '>=1.2 <5' < "$tags")" >&2

if command -v hyperfine > /dev/null; then
  # Redirections inside the commands (hyperfine runs them through a shell) keep this
  # working with Debian 12's hyperfine 1.15, which has no --input.
  hyperfine --warmup 3 --runs "$runs" \
    --command-name "select --semver '>=1.2 <5'" \
    "$bin select --semver '>=1.2 <5' < $tags > /dev/null" \
    --command-name "select --semver '~3.4 || ^5 || 1.2 - 2' --exclude '\\.sig\$'" \
    "$bin select --semver '~3.4 || ^5 || 1.2 - 2' --exclude '\\.sig\$' < $tags > /dev/null" \
    --command-name "select --numerical asc --filter ... --extract '\$ts'" \
    "$bin select --numerical asc --filter '^main-[0-9a-f]+-(?P<ts>[0-9]+)\$' --extract '\$ts' < $tags > /dev/null"
else
  start=$(date +%s%N)
  i=0
  while [ "$i" -lt "$runs" ]; do
    "$bin" select --semver '>=1.2 <5' < "$tags" > /dev/null
    i=$((i + 1))
  done
  end=$(date +%s%N)
  echo "select --semver '>=1.2 <5': $(( (end - start) / runs / 1000 )) µs per run (mean of $runs)"
fi
