#!/usr/bin/env python3
"""Times the Argo CD plugin's generate step against the kustomize build it runs.

Usage: argocd_bench.py REPO APPS_FILE RUNS IMAGESCAN KUSTOMIZE

For each run and each app (alternating the order of the two commands per app):
- `KUSTOMIZE build .` in the app path of the pristine repository;
- `IMAGESCAN argocd` in the app path of a fresh copy of the repository under
  `_cmp_server/<uuid>/` (as Argo CD's plugin server unpacks it; the copy is not timed),
  with Argo CD's environment. It resolves the whole repository in place, then runs the
  same `kustomize build .` (KUSTOMIZE's directory first in PATH).
The cache (IMAGESCAN_CACHE_DIR from the environment) must be warm. Wall time includes
process start-up for both. Prints, over all apps: the sum of per-app medians of each
command, the time imagescan adds (difference of the sums) and its share of kustomize's.
"""

import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid


def timed(command, cwd, env):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    repo, apps_file, runs, imagescan, kustomize = sys.argv[1:6]
    runs = int(runs)
    with open(apps_file) as f:
        apps = [line.strip() for line in f if line.strip()]
    work = os.path.join(os.path.dirname(os.path.abspath(repo)), "work", "_cmp_server")
    os.makedirs(work, exist_ok=True)
    tools = os.path.dirname(os.path.abspath(kustomize))
    base_env = {"PATH": tools + ":/usr/local/bin:/usr/bin:/bin",
                "HOME": os.environ.get("HOME", "/nonexistent"),
                "IMAGESCAN_CACHE_DIR": os.environ["IMAGESCAN_CACHE_DIR"]}
    k_times = {app: [] for app in apps}
    i_times = {app: [] for app in apps}
    for run in range(runs):
        for n, app in enumerate(apps):
            unpacked = os.path.join(work, str(uuid.uuid4()))
            shutil.copytree(repo, unpacked, symlinks=True)
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
            k = lambda: k_times[app].append(timed([kustomize, "build", "."], os.path.join(repo, app), base_env))
            i = lambda: i_times[app].append(timed([imagescan, "argocd"], os.path.join(unpacked, app), env))
            for step in ((k, i) if (run + n) % 2 == 0 else (i, k)):
                step()
            shutil.rmtree(unpacked)
    k_sum = sum(statistics.median(k_times[a]) for a in apps)
    i_sum = sum(statistics.median(i_times[a]) for a in apps)
    added = i_sum - k_sum
    print(f"apps: {len(apps)}, runs: {runs} (per-app medians, summed)")
    print(f"kustomize build      {k_sum * 1000:9.1f} ms  ({k_sum / len(apps) * 1000:6.1f} ms/app)")
    print(f"imagescan argocd     {i_sum * 1000:9.1f} ms  ({i_sum / len(apps) * 1000:6.1f} ms/app)")
    print(f"added by imagescan   {added * 1000:9.1f} ms  ({added / len(apps) * 1000:6.1f} ms/app) = "
          f"{added / k_sum * 100:.1f}% of kustomize (target < 10%)")


if __name__ == "__main__":
    main()
