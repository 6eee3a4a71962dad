#!/usr/bin/env bash
# Shared-cache benchmark (issue 12): a local anonymous docker-registry (access log on)
# and a local redis-server (password from its config file, persistence off), then
#   (a) a warm `imagescan render` of 50 scans (50 images, digest markers) through the
#       disk cache vs through Redis (a replica whose own disk cache is empty: every
#       answer comes from Redis), wall time median of RUNS, and the Redis commands one
#       warm render sends;
#   (b) 3 "replicas" (separate disk caches) x 200 apps (one render each, 6 at a time per
#       replica, the replicas at once) on a cold cache, 200 apps over 100 images: the
#       tag listings and manifest HEADs in the registry's access log, with Redis shared
#       and, for comparison, with each replica's disk cache alone.
# Needs: docker-registry, redis-server, curl, python3 (scripts/install-test-deps).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
PARTS=${PARTS:-ab}   # PARTS=b: only the replica request count

for cmd in docker-registry redis-server redis-cli curl python3; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: run scripts/install-test-deps" >&2; exit 1; }
done

work=$(mktemp -d)
registry_pid=""
redis_pid=""
cleanup() {
  for pid in "$registry_pid" "$redis_pid"; do
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
host=127.0.0.1:$port
base=http://$host
cat >"$work/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: false}}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: "$host", secret: bench}
YAML
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!

redis_port=$(free_port)
redis_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
cat >"$work/redis.conf" <<CONF
bind 127.0.0.1
port $redis_port
requirepass "$redis_password"
save ""
appendonly no
dir $work
CONF
redis-server "$work/redis.conf" >"$work/redis.log" 2>&1 &
redis_pid=$!
printf '%s\n' "$redis_password" >"$work/redis-password"
export REDISCLI_AUTH=$redis_password
rcli() { redis-cli -p "$redis_port" "$@"; }

for _ in $(seq 200); do curl -fs "$base/v2/" >/dev/null && rcli ping >/dev/null 2>&1 && break; sleep 0.05; done

cargo build --release --quiet --bin imagescan
bin=$PWD/target/release/imagescan

# 100 repositories bench/r0..r99 with tags 1.0.0 1.1.0 1.2.0, one small image.
upload() { # repo file -> digest
  local digest="sha256:$(sha256sum "$2" | cut -d' ' -f1)"
  local location
  location=$(curl -fsS -X POST -D - -o /dev/null "$base/v2/$1/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  case $location in /*) location=$base$location;; esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$2" "$location&digest=$digest" >/dev/null
  echo "$digest"
}
printf 'bench layer' >"$work/layer"
layer=$(upload bench/r0 "$work/layer")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' "$layer" >"$work/config.json"
config=$(upload bench/r0 "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"%s","size":%d}]}' \
  "$config" "$(stat -c %s "$work/config.json")" "$layer" "$(stat -c %s "$work/layer")" >"$work/manifest.json"
for blob in "$layer" "$config"; do
  curl -fsS --no-progress-meter --parallel --parallel-max 32 -X POST -o /dev/null \
    "$base/v2/bench/r[1-99]/blobs/uploads/?mount=$blob&from=bench/r0"
done
curl -fsS --no-progress-meter --parallel --parallel-max 32 -X PUT \
  -H 'Content-Type: application/vnd.docker.distribution.manifest.v2+json' \
  --data-binary "@$work/manifest.json" "$base/v2/bench/r[0-99]/manifests/1.[0-2].0" >/dev/null

registries="registries:
- host: $host
  insecure: true"
pod() { # name image-value marker
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  containers:\n  - name: c\n    image: %s # {"$imagescan": "%s"}\n' "$1" "$2" "$3"
}

# (a) one workspace of 50 scans and 50 pods.
mkdir -p "$work/w50"
{
  echo "imageScans:"
  for i in $(seq 0 49); do
    printf -- '- tagName: r%d\n  image: %s/bench/r%d\n  interval: 1h\n  policy: {semver: {range: ">=1.0.0"}}\n' "$i" "$host" "$i"
  done
  echo "$registries"
} >"$work/w50/imagescan.yaml"
for i in $(seq 0 49); do pod "p$i" "$host/bench/r$i:0.1" "r$i:digest" >"$work/w50/p$i.yaml"; done

url="redis://127.0.0.1:$redis_port"
render() { # cache-dir [redis-url] -> stdout of render
  IMAGESCAN_CACHE_DIR=$1 IMAGESCAN_CACHE=${2:-} IMAGESCAN_REDIS_PASSWORD_FILE=${2:+$work/redis-password} \
    "$bin" render "$work/w50"
}
render "$work/disk-cache" >"$work/expected.yaml"             # fills the disk cache
render "$work/filler-cache" "$url" >"$work/via-redis.yaml"   # fills Redis
cmp "$work/expected.yaml" "$work/via-redis.yaml"
grep -c '1.2.0@sha256:' "$work/expected.yaml" | grep -qx 50
mkdir -p "$work/empty-cache"
rcli config resetstat >/dev/null
render "$work/empty-cache" "$url" | cmp - "$work/expected.yaml"
test -z "$(ls "$work/empty-cache")" || { echo "a Redis hit wrote to disk" >&2; exit 1; }
echo "== Redis commands of one warm 50-scan render (AUTH is the connection handshake)"
rcli info commandstats | grep '^cmdstat' | sed 's/,usec_per_call.*//'

[[ $PARTS == *a* ]] && python3 - "$RUNS" "$bin" "$work" "$url" <<'PY'
import os, statistics, subprocess, sys, time
runs, binary, work, url = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def env(cache_dir, redis):
    e = dict(os.environ, IMAGESCAN_CACHE_DIR=cache_dir)
    e.pop("IMAGESCAN_CACHE", None)
    if redis:
        e.update(IMAGESCAN_CACHE=url, IMAGESCAN_REDIS_PASSWORD_FILE=f"{work}/redis-password")
    return e
cases = {
    "disk (warm disk cache)": env(f"{work}/disk-cache", False),
    "redis (warm Redis, empty disk cache)": env(f"{work}/empty-cache", True),
}
times = {name: [] for name in cases}
with open(os.devnull, "wb") as null:
    for _ in range(2):
        for e in cases.values():
            subprocess.run([binary, "render", f"{work}/w50"], stdout=null, env=e, check=True)
    for _ in range(runs):
        for name, e in cases.items():
            start = time.perf_counter()
            subprocess.run([binary, "render", f"{work}/w50"], stdout=null, env=e, check=True)
            times[name].append(time.perf_counter() - start)
print(f"== warm render of 50 scans, {runs} runs each, alternating")
for name, t in times.items():
    print(f"{name:40s} median {statistics.median(t)*1000:6.2f} ms  min {min(t)*1000:6.2f} ms")
d = statistics.median(times["redis (warm Redis, empty disk cache)"]) - statistics.median(times["disk (warm disk cache)"])
print(f"redis - disk: {d*1000:+.2f} ms per render")
PY

[[ $PARTS == *b* ]] || exit 0
# (b) 200 apps over 100 images, 3 replicas, cold.
for i in $(seq 0 199); do
  mkdir -p "$work/apps/a$i"
  printf 'imageScans:\n- tagName: img\n  image: %s/bench/r%d\n  policy: {semver: {range: ">=1.0.0"}}\n%s\n' \
    "$host" $((i % 100)) "$registries" >"$work/apps/a$i/imagescan.yaml"
  pod "a$i" "$host/bench/r$((i % 100)):0.1" "img:digest" >"$work/apps/a$i/pod.yaml"
done
replicas() { # label redis-url-or-empty
  rcli flushall >/dev/null
  : >"$work/registry.log"
  local start
  start=$(date +%s.%N)
  local pids=()
  for r in 1 2 3; do
    rm -rf "$work/replica-$r"
    ( seq 0 199 | xargs -P 6 -I{} env IMAGESCAN_CACHE_DIR="$work/replica-$r" IMAGESCAN_CACHE="$2" \
        IMAGESCAN_REDIS_PASSWORD_FILE="$work/redis-password" "$bin" render "$work/apps/a{}" \
        >"$work/out-$r.yaml" ) &
    pids+=($!)
  done
  wait "${pids[@]}"  # not the servers
  local took
  took=$(python3 -c "print(round($(date +%s.%N)-$start,2))")
  test "$(grep -c '1.2.0@sha256:' "$work"/out-[123].yaml | awk -F: '{s+=$2} END {print s}')" -eq 600
  printf '%-28s tags/list %4d  manifest HEAD %4d  (600 renders in %s s)\n' "$1" \
    "$(grep -c 'GET /v2/bench/r[0-9]*/tags/list' "$work/registry.log")" \
    "$(grep -c 'HEAD /v2/bench/r[0-9]*/manifests/' "$work/registry.log")" "$took"
}
echo "== 3 replicas x 200 apps (100 distinct images), cold"
replicas "disk cache per replica" ""
replicas "Redis shared" "$url"
