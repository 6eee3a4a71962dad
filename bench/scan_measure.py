#!/usr/bin/env python3
"""Runs commands alternately N times each; prints median/min wall time and the peak RSS.

Wall time is measured here around the bare command. Peak RSS comes from
`/usr/bin/time -f %M` in separate runs: ru_maxrss of a child forked from this Python
process would count Python's own pages (the child's RSS before exec), ~10 MiB.

usage: scan_measure.py RUNS NAME -- [VAR=VALUE...] CMD... [ --- NAME -- ... ]
Each command's stdout goes to /dev/null; a failing run aborts. Leading VAR=VALUE words
go into the command's environment (no `env` process in between). `{fresh}` in any word
is replaced, for every single run, by a new empty directory (a cold cache per run:
IMAGESCAN_CACHE_DIR={fresh}). The directories are removed only once all runs are done:
removing a run's few hundred cache files right before the next run makes ext4's inode
allocator check every inode freed in the last 30 s before it reuses one
(`recently_deleted`), which cost a cold 100-scan run ~60 ms of CPU here. That is a cost
of this loop, not of a cold cache (a new pod's cache volume has freed nothing).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# {fresh} directories of finished runs, removed at exit (see the module docs).
SPENT = []


def parse(argv):
    runs = int(argv[0])
    groups, current = [], None
    args = argv[1:]
    i = 0
    while i < len(args):
        name = args[i]
        assert args[i + 1] == "--", "expected NAME -- CMD"
        j = i + 2
        cmd = []
        while j < len(args) and args[j] != "---":
            cmd.append(args[j])
            j += 1
        groups.append((name, cmd))
        i = j + 1
    return runs, groups


def prepare(words):
    """(argv, env, fresh dir) for one run: assignments split off, {fresh} filled in."""
    fresh = None
    if any("{fresh}" in w for w in words):
        fresh = tempfile.mkdtemp(prefix="scan-bench-")
        words = [w.replace("{fresh}", fresh) for w in words]
    env = dict(os.environ)
    i = 0
    while i < len(words) and "=" in words[i] and not words[i].startswith(("/", ".")):
        name, value = words[i].split("=", 1)
        env[name] = value
        i += 1
    return words[i:], env, fresh


def call(words, prefix=()):
    cmd, env, fresh = prepare(words)
    try:
        start = time.perf_counter()
        status = subprocess.call([*prefix, *cmd], stdout=subprocess.DEVNULL, env=env)
        wall = time.perf_counter() - start
    finally:
        if fresh:
            SPENT.append(fresh)
    if status != 0:
        sys.exit(f"{cmd[0]} failed with status {status}")
    return wall


def run_once(cmd):
    wall = call(cmd)
    with tempfile.NamedTemporaryFile("r") as out:
        call(cmd, ["/usr/bin/time", "-f", "%M", "-o", out.name])
        rss_kib = int(out.read().split()[-1])
    return wall, rss_kib


def main():
    runs, groups = parse(sys.argv[1:])
    results = {name: ([], []) for name, _ in groups}
    for name, cmd in groups:  # warm-up: page cache, registry's own caches
        run_once(cmd)
    for _ in range(runs):
        for name, cmd in groups:
            wall, rss = run_once(cmd)
            results[name][0].append(wall)
            results[name][1].append(rss)
    base = None
    for name, _ in groups:
        walls, rsss = results[name]
        median = statistics.median(walls)
        rss = max(rsss)
        line = f"{name:<28} median {median * 1000:8.1f} ms  min {min(walls) * 1000:8.1f} ms  peak RSS {rss / 1024:6.1f} MiB"
        if base is None:
            base = (median, rss)
        else:
            line += f"  (this/ref: wall {median / base[0]:.2f}x, RSS {rss / base[1]:.2f}x)"
        print(line)


try:
    main()
finally:
    for spent in SPENT:
        shutil.rmtree(spent)
