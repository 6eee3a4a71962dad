#!/usr/bin/env bash
# CPU of one Argo CD generate of the demo app (issue 10 item 7), without the machine's
# load in the figure: `perf stat -e task-clock,page-faults` of `IMAGESCAN argocd` (the
# tool's spawn and a no-op `kustomize` included), each run in a fresh copy of
# testdata/{demo,oci} under _cmp_server/<uuid>/ with Argo CD's environment, the binaries
# taking turns; prints each binary's median task-clock and page faults, and the
# transparent huge pages the kernel allocated during its runs (/proc/vmstat).
#
#   bench/argocd_cpu.sh RUNS IMAGESCAN [OTHER_IMAGESCAN...]
# Needs: perf.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=$1
shift
out=$PWD/bench/out/argocd-cpu
rm -rf "$out" && mkdir -p "$out/repo" "$out/noop" "$out/_cmp_server"
cp -r testdata/demo testdata/oci "$out/repo/"
printf '#!/bin/sh\nexit 0\n' >"$out/noop/kustomize"
chmod +x "$out/noop/kustomize"
bins=()
for bin in "$@"; do bins+=("$(realpath "$bin")"); done
for _ in $(seq "$runs"); do
  for bin in "${bins[@]}"; do
    unpacked=$out/_cmp_server/$(cat /proc/sys/kernel/random/uuid)
    cp -r "$out/repo" "$unpacked"
    before=$(awk '/^thp_fault_alloc /{print $2}' /proc/vmstat)
    stat=$(cd "$unpacked/demo" && env -i PATH="$out/noop:/usr/bin:/bin" HOME=/nonexistent \
      IMAGESCAN_CACHE_DIR="$out/cache" ARGOCD_APP_NAME=demo ARGOCD_APP_NAMESPACE=demo \
      ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567 ARGOCD_APP_SOURCE_PATH=demo \
      ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/deploy.git \
      ARGOCD_APP_SOURCE_TARGET_REVISION=HEAD KUBE_VERSION=1.35.2 KUBE_API_VERSIONS=v1,apps/v1 \
      ARGOCD_APP_PARAMETERS=null \
      perf stat -x, -e task-clock,page-faults "$bin" argocd 2>&1 >/dev/null | cut -d, -f1 | tr '\n' ' ')
    after=$(awk '/^thp_fault_alloc /{print $2}' /proc/vmstat)
    echo "$bin $stat $((after - before))"
    rm -rf "$unpacked"
  done
done | python3 -c '
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in sys.stdin:
    bin, clock, faults, thp = line.split()
    rows[bin].append((float(clock), float(faults), int(thp)))
for bin, r in rows.items():
    print(f"{bin}: task-clock median {statistics.median(x[0] for x in r):.2f} ms, "
          f"page faults median {statistics.median(x[1] for x in r):.0f}, "
          f"huge pages allocated {sum(x[2] for x in r)} in {len(r)} runs")'
