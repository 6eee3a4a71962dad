#!/usr/bin/env python3
"""Runs commands alternately N times each; prints median/min wall time and the peak RSS.

Wall time is measured here around the bare command. Peak RSS comes from
`/usr/bin/time -f %M` in separate runs: ru_maxrss of a child forked from this Python
process would count Python's own pages (the child's RSS before exec), ~10 MiB.

usage: scan_measure.py RUNS NAME -- CMD... [ --- NAME -- CMD... ]
Each command's stdout goes to /dev/null; a failing run aborts.
"""
import statistics
import subprocess
import sys
import tempfile
import time


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


def run_once(cmd):
    start = time.perf_counter()
    status = subprocess.call(cmd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{cmd[0]} failed with status {status}")
    with tempfile.NamedTemporaryFile("r") as out:
        status = subprocess.call(
            ["/usr/bin/time", "-f", "%M", "-o", out.name, *cmd], stdout=subprocess.DEVNULL
        )
        if status != 0:
            sys.exit(f"{cmd[0]} failed with status {status}")
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
            line += f"  (ref/this: wall {median / base[0]:.2f}x, RSS {rss / base[1]:.2f}x)"
        print(line)


main()
