#!/usr/bin/env bash
# Argo CD plugin benchmark (issue 10 item 7): the time `imagescan argocd` (the plugin's
# generate step) adds on top of the `kustomize build` it runs, warm cache, for
#   (a) the demo app (testdata/demo, its OCI layouts under testdata/oci), and
#   (b) a 200-app repository (bench/argocd_repo.py: each app a kustomize overlay over one
#       shared base, 3 scans on a local docker-registry serving testdata/oci's images).
# Each generate runs in a fresh copy under _cmp_server/<uuid>/ (untimed), as Argo CD's
# plugin server unpacks the repository. Target: under 10% of kustomize's own time.
# In the APPS-app repository, SAMPLE apps spread evenly over it are timed (all: 0): the
# repository keeps all APPS apps, so what imagescan walks is the same; with the defaults
# (15 demo runs, 20 of 200 apps × 5 runs) it took 2.5–4.5 minutes on 2 loaded cores.
#
#   bench/argocd.sh [RUNS_DEMO] [RUNS_REPO] [APPS] [SAMPLE]
#   IMAGESCAN=target/release/imagescan bench/argocd.sh   # skip the build
#   BASELINE=/tmp/imagescan-main bench/argocd.sh         # also time another binary (a copy
#                                                        # of main's), same alternation
# Needs: docker-registry, skopeo, curl, python3 and the kube tools (scripts/install-test-deps).
set -euo pipefail
cd "$(dirname "$0")/.."
runs_demo=${1:-15}
runs_repo=${2:-5}
apps=${3:-200}
sample=${4:-20}
out=bench/out/argocd
kustomize=$PWD/.tools/bin/kustomize
[ -x "$kustomize" ] || { echo "missing $kustomize: run scripts/install-test-deps" >&2; exit 1; }
for cmd in docker-registry skopeo curl python3; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: run scripts/install-test-deps" >&2; exit 1; }
done

if [ -n "${IMAGESCAN:-}" ]; then
  imagescan=$(realpath "$IMAGESCAN")   # a release binary built beforehand
else
  cargo build --release --quiet --bin imagescan
  imagescan=$PWD/target/release/imagescan
fi
if [ -n "${BASELINE:-}" ]; then
  BASELINE=$(realpath "$BASELINE")
  export BASELINE
fi
rm -rf "$out" && mkdir -p "$out"
export IMAGESCAN_CACHE_DIR=$PWD/$out/cache

registry_pid=""
cleanup() {
  [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true
  [ -z "$registry_pid" ] || wait "$registry_pid" 2>/dev/null || true
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
cat >"$out/registry.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $PWD/$out/storage}}
http: {addr: "$host", secret: bench}
YAML
docker-registry serve "$out/registry.yml" >"$out/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -fs "http://$host/v2/" >/dev/null && break; sleep 0.05; done
for repo in team/web team/api team/worker; do
  layout=testdata/oci/registry.example.com/$repo
  for tag in $(python3 -c "import json,sys; print(' '.join(m['annotations']['org.opencontainers.image.ref.name'] for m in json.load(open('$layout/index.json'))['manifests']))"); do
    skopeo copy --quiet --all --dest-tls-verify=false "oci:$layout:$tag" "docker://$host/$repo:$tag"
  done
done

# (a) The demo: the repository is testdata/ (demo + its OCI layouts).
mkdir -p "$out/demo"
cp -r testdata/demo testdata/oci "$out/demo/"
echo demo >"$out/demo-apps.txt"
# Warm the cache (layouts need none; the run fills what the scans keep).
echo "== demo app (testdata/demo), $runs_demo runs"
python3 bench/argocd_bench.py "$out/demo" "$out/demo-apps.txt" 1 "$imagescan" "$kustomize" >/dev/null
python3 bench/argocd_bench.py "$out/demo" "$out/demo-apps.txt" "$runs_demo" "$imagescan" "$kustomize"

# (b) The 200-app repository.
python3 bench/argocd_repo.py "$out/many" "$host" "$apps"
echo "== $apps apps over one base (registry $host), $sample of them timed, $runs_repo runs"
head -n 1 "$out/many/apps.txt" >"$out/warm.txt"
python3 bench/argocd_bench.py "$out/many/repo" "$out/warm.txt" 1 "$imagescan" "$kustomize" >/dev/null
python3 bench/argocd_bench.py "$out/many/repo" "$out/many/apps.txt" "$runs_repo" "$imagescan" "$kustomize" "$sample"
