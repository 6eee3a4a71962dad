#!/usr/bin/env python3
"""Times the Argo CD plugin's generate step against the kustomize build it runs.

Usage: [BASELINE=BINARY] argocd_bench.py REPO APPS_FILE RUNS IMAGESCAN KUSTOMIZE [SAMPLE]

For each run and each app (of SAMPLE apps spread evenly over APPS_FILE, default all),
in an order alternating per app:
- `KUSTOMIZE build .` in the app path of the pristine repository;
- `IMAGESCAN argocd` in the app path of a fresh copy of the repository under
  `_cmp_server/<uuid>/` (as Argo CD's plugin server unpacks it; the copy is not timed),
  with Argo CD's environment. It resolves the files the app reads in place, then runs
  the same `kustomize build .` (KUSTOMIZE's directory first in PATH);
- the same `IMAGESCAN argocd` with a `kustomize` that does nothing (a shell script
  exiting 0) first in PATH: imagescan's own time, process start-up and the tool's
  spawn included, without kustomize's.
With BASELINE set (another imagescan binary, e.g. a copy of main's), both imagescan
commands also run with it, in the same alternation, and its rows are printed too.
The cache (IMAGESCAN_CACHE_DIR from the environment) must be warm. Wall time includes
process start-up for all. Prints, over the apps timed: the sum of per-app medians of each
command, the time imagescan adds (difference of the sums, and the no-op-tool run) and
its share of kustomize's.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid


def timed(command, cwd, env):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def sample(apps, count):
    if count <= 0 or count >= len(apps):
        return apps
    step = len(apps) / count
    return [apps[int(i * step)] for i in range(count)]


def main():
    repo, apps_file, runs, imagescan, kustomize = sys.argv[1:6]
    runs = int(runs)
    with open(apps_file) as f:
        all_apps = [line.strip() for line in f if line.strip()]
    apps = sample(all_apps, int(sys.argv[6]) if len(sys.argv) > 6 else 0)
    work = os.path.join(os.path.dirname(os.path.abspath(repo)), "work", "_cmp_server")
    os.makedirs(work, exist_ok=True)
    tools = os.path.dirname(os.path.abspath(kustomize))
    noop = tempfile.mkdtemp(prefix="imagescan-bench-noop-")
    with open(os.path.join(noop, "kustomize"), "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(os.path.join(noop, "kustomize"), 0o755)
    base_env = {"PATH": tools + ":/usr/local/bin:/usr/bin:/bin",
                "HOME": os.environ.get("HOME", "/nonexistent"),
                "IMAGESCAN_CACHE_DIR": os.environ["IMAGESCAN_CACHE_DIR"]}
    k_times = {app: [] for app in apps}
    i_times = {app: [] for app in apps}
    n_times = {app: [] for app in apps}
    baseline = os.environ.get("BASELINE") or None
    bi_times = {app: [] for app in apps}
    bn_times = {app: [] for app in apps}
    for run in range(runs):
        for n, app in enumerate(apps):
            env = dict(base_env)
            env.update({
                "ARGOCD_APP_NAME": os.path.basename(app),
                "ARGOCD_APP_NAMESPACE": os.path.basename(app),
                "ARGOCD_APP_PROJECT_NAME": "default",
                "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
                "ARGOCD_APP_SOURCE_PATH": app,
                "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/deploy.git",
                "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD",
                "KUBE_VERSION": "1.35.2",
                "KUBE_API_VERSIONS": "v1,apps/v1",
                "ARGOCD_APP_PARAMETERS": "null",
            })
            noop_env = dict(env, PATH=noop + ":" + env["PATH"])

            def unpacked_run(times, env, binary=imagescan):
                unpacked = os.path.join(work, str(uuid.uuid4()))
                shutil.copytree(repo, unpacked, symlinks=True)
                times.append(timed([binary, "argocd"], os.path.join(unpacked, app), env))
                shutil.rmtree(unpacked)

            k = lambda: k_times[app].append(timed([kustomize, "build", "."], os.path.join(repo, app), base_env))
            i = lambda: unpacked_run(i_times[app], env)
            o = lambda: unpacked_run(n_times[app], noop_env)
            steps = [k, i, o]
            if baseline:
                steps += [lambda: unpacked_run(bi_times[app], env, baseline),
                          lambda: unpacked_run(bn_times[app], noop_env, baseline)]
            for step in (steps if (run + n) % 2 == 0 else steps[::-1]):
                step()
    shutil.rmtree(noop)
    k_sum = sum(statistics.median(k_times[a]) for a in apps)
    i_sum = sum(statistics.median(i_times[a]) for a in apps)
    n_sum = sum(statistics.median(n_times[a]) for a in apps)
    added = i_sum - k_sum
    per = lambda t: t / len(apps) * 1000
    print(f"apps: {len(apps)} timed of {len(all_apps)}, runs: {runs} (per-app medians, summed)")
    print(f"kustomize build            {k_sum * 1000:9.1f} ms  ({per(k_sum):6.1f} ms/app)")
    print(f"imagescan argocd           {i_sum * 1000:9.1f} ms  ({per(i_sum):6.1f} ms/app)")
    print(f"added (difference)         {added * 1000:9.1f} ms  ({per(added):6.1f} ms/app) = "
          f"{added / k_sum * 100:.1f}% of kustomize (target < 10%)")
    print(f"imagescan, no-op kustomize {n_sum * 1000:9.1f} ms  ({per(n_sum):6.1f} ms/app) = "
          f"{n_sum / k_sum * 100:.1f}% of kustomize")
    if baseline:
        bi_sum = sum(statistics.median(bi_times[a]) for a in apps)
        bn_sum = sum(statistics.median(bn_times[a]) for a in apps)
        b_added = bi_sum - k_sum
        print(f"baseline ({baseline})")
        print(f"  imagescan argocd         {bi_sum * 1000:9.1f} ms  ({per(bi_sum):6.1f} ms/app)")
        print(f"  added (difference)       {b_added * 1000:9.1f} ms  ({per(b_added):6.1f} ms/app) = "
              f"{b_added / k_sum * 100:.1f}% of kustomize")
        print(f"  no-op kustomize          {bn_sum * 1000:9.1f} ms  ({per(bn_sum):6.1f} ms/app) = "
              f"{bn_sum / k_sum * 100:.1f}% of kustomize")


if __name__ == "__main__":
    main()
