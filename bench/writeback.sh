#!/usr/bin/env bash
# Benchmark (issue 5): writeback on a repository of 1,000 YAML files, 100 of them with a
# marker, served by lighttpd + git http-backend with Basic auth on 127.0.0.1, against a
# plain-git shell script doing the same clone + edit (sed) + commit + push on the same
# server in the same run. Target: writeback <= 1.5x the script's wall time (medians).
#
# What is measured as "writeback" (default): the real binary, `imagescan writeback --repo URL
# --branch main --client-secret bench` with IMAGESCAN_SECRETS_DIR holding the Basic-auth
# username + password, over the same repository: shallow clone, the real marker pipeline
# (imagescan.yaml + an OCI layout committed in the repository, so no registry), commit,
# push; a cold registry cache each run. IMAGESCAN_BENCH_MODE=library measures instead the
# library cycle of src/writeback/run.rs with the fake line-editing resolver of
# tests/support/fake_resolver.rs (benches/writeback_cycle.rs).
#
# Usage: bench/writeback.sh [RUNS]   (default 7). Needs lighttpd (scripts/install-test-deps).
# IMAGESCAN_BENCH_WRAP="strace -f -c -o /tmp/wb.strace" (any command prefix) wraps each
# writeback run, e.g. to profile it; its time is then not comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
work=$(mktemp -d /tmp/imagescan-bench-writeback.XXXXXX)
lighttpd_pid=""
cleanup() {
  [ -z "$lighttpd_pid" ] || kill "$lighttpd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/repos" "$work/secret/bench"
printf 'bench' >"$work/secret/bench/username"
printf 'bench-password' >"$work/secret/bench/password"
printf 'bench:bench-password\n' >"$work/users"
auth='auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )'
cat >"$work/lighttpd.conf" <<CONF
server.document-root = "$work/repos"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$work/error.log"
server.modules = ( "mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv" )
auth.backend = "plain"
auth.backend.plain.userfile = "$work/users"
alias.url = ( "/git/" => "$(git --exec-path)/git-http-backend/" )
\$HTTP["url"] =~ "^/git/" {
  cgi.assign = ( "" => "" )
  setenv.add-environment = ( "GIT_PROJECT_ROOT" => "$work/repos", "GIT_HTTP_EXPORT_ALL" => "1" )
  \$HTTP["url"] =~ "/git-receive-pack\$" { $auth }
  \$HTTP["querystring"] =~ "service=git-receive-pack" { $auth }
}
CONF
/usr/sbin/lighttpd -D -f "$work/lighttpd.conf" &
lighttpd_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

# The repository: 1,000 YAML files in 10 directories; every 10th holds a marker.
bare="$work/repos/apps.git"
git init -q --bare --initial-branch=main "$bare"
seed="$work/seed"
mkdir -p "$seed"
python3 - "$seed" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(1000):
    d = os.path.join(root, f"team{i % 10}", f"app{i:04d}")
    os.makedirs(d, exist_ok=True)
    marker = ' # {"$imagescan": "web"}' if i % 10 == 0 else ""
    image = "nginx:1.25.0" if marker else "busybox:1.36"
    with open(os.path.join(d, "deploy.yaml"), "w") as f:
        f.write(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i:04d}
  labels: {{team: team{i % 10}}}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: main
        image: {image}{marker}
        ports: [{{containerPort: 8080}}]
        resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}
""")
# For the real engine: scan `web` over docker.io/library/nginx, served from an OCI
# layout in the repository (tags 1.25.0 and 1.26.1), so no registry is involved.
with open(os.path.join(root, "imagescan.yaml"), "w") as f:
    f.write("""imageScans:
- tagName: web
  image: nginx
  policy:
    semver: {range: ">=1.0.0"}
registries:
- host: docker.io
  layout: oci
""")
import hashlib, json
layout = os.path.join(root, "oci", "library", "nginx")
blobs = os.path.join(layout, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)
config, config_size = blob(b"{}")
manifests = []
for tag in ["1.25.0", "1.26.1"]:
    manifest = json.dumps({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": [], "annotations": {"tag": tag}}).encode()
    digest, size = blob(manifest)
    manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
        "size": size, "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(os.path.join(layout, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": manifests}, f)
PY
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
git -C "$seed" init -q --initial-branch=main
git -C "$seed" add -A
git -C "$seed" commit -qm initial
git -C "$seed" push -q "$bare" main
base=$(git -C "$bare" rev-parse main)
url="http://127.0.0.1:$port/git/apps.git"

# The plain-git script: same clone depth, same edit, same commit, same push, with the
# password given through an askpass script as writeback does.
cat >"$work/askpass" <<ASK
#!/bin/sh
case "\$1" in Username*) cat "$work/secret/bench/username" ;; *) cat "$work/secret/bench/password" ;; esac
ASK
chmod 700 "$work/askpass"
plain_git() {
  local dir="$work/plain"
  GIT_ASKPASS="$work/askpass" GIT_TERMINAL_PROMPT=0 \
    git clone -q --depth 1 --single-branch --no-tags --branch main "$url" "$dir"
  grep -rl --include='*.yaml' '# {"$imagescan": "web"}' "$dir" \
    | xargs sed -i 's|image: nginx:1.25.0 # {"$imagescan": "web"}|image: nginx:1.26.1 # {"$imagescan": "web"}|'
  git -C "$dir" commit -qam "Update from image update automation"
  GIT_ASKPASS="$work/askpass" GIT_TERMINAL_PROMPT=0 git -C "$dir" push -q origin HEAD:refs/heads/main
  # Removing the clone is part of the job, as writeback removes its temporary clone.
  rm -rf "$dir"
}

mode=${IMAGESCAN_BENCH_MODE:-binary}
if [ "$mode" = binary ]; then
  cargo build -q --release
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

if [ "$mode" = library ]; then
  harness=$(cargo bench -q --bench writeback_cycle --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("executable") and m.get("target", {}).get("name") == "writeback_cycle": print(m["executable"])')
fi
writeback_once() {
  if [ "$mode" = binary ]; then
    rm -rf "$work/cache"
    local t0 t1
    t0=$(now)
    IMAGESCAN_SECRETS_DIR="$work/secret" IMAGESCAN_CACHE_DIR="$work/cache" \
      ${IMAGESCAN_BENCH_WRAP:-} target/release/imagescan writeback --repo "$url" --branch main \
      --client-secret bench >/dev/null 2>>"$work/writeback.log" \
      || { echo "imagescan writeback failed:" >&2; cat "$work/writeback.log" >&2; return 1; }
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
  else
    BENCH_URL="$url" BENCH_BARE="$bare" BENCH_BASE="$base" \
      BENCH_SECRET_DIR="$work/secret/bench" BENCH_RUNS=1 \
      "$harness" 2>>"$work/harness.log" \
      | grep -o 'writeback_seconds [0-9.]*' | awk '{print $2}'
  fi
}

# Interleaved, so that the machine's load hits both alike.
plain_times=()
wb_times=()
for _ in $(seq "$runs"); do
  git -C "$bare" update-ref refs/heads/main "$base"
  t0=$(now); plain_git; t1=$(now)
  plain_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')")
  test "$(git -C "$bare" show main:team0/app0000/deploy.yaml | grep -c 'nginx:1.26.1')" = 1
  git -C "$bare" update-ref refs/heads/main "$base"
  wb_times+=("$(writeback_once)")
  test "$(git -C "$bare" show main:team0/app0000/deploy.yaml | grep -c 'nginx:1.26.1')" = 1
done
for t in "${wb_times[@]}"; do [ -n "$t" ] || { echo "a writeback run failed" >&2; cat "$work"/*.log >&2; exit 1; }; done

plain_med=$(printf '%s\n' "${plain_times[@]}" | median)
wb_med=$(printf '%s\n' "${wb_times[@]}" | median)
ratio=$(awk -v a="$wb_med" -v b="$plain_med" 'BEGIN {print a / b}')
plain_min=$(printf '%s\n' "${plain_times[@]}" | sort -n | head -1)
wb_min=$(printf '%s\n' "${wb_times[@]}" | sort -n | head -1)
min_ratio=$(awk -v a="$wb_min" -v b="$plain_min" 'BEGIN {print a / b}')
printf 'mode: %s (writeback measured %s)\n' "$mode" \
  "$([ "$mode" = library ] && echo 'as the library cycle with the fake resolver' || echo 'as the imagescan binary')"
printf 'plain git script: median %.3fs over %d runs (%s)\n' "$plain_med" "$runs" "${plain_times[*]}"
printf 'writeback:        median %.3fs over %d runs (%s)\n' "$wb_med" "$runs" "${wb_times[*]}"
printf 'ratio of medians: %.2fx, of minima: %.2fx (target <= 1.5x); load average: %s\n' \
  "$ratio" "$min_ratio" "$(cut -d' ' -f1-3 /proc/loadavg)"
