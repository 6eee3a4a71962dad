#!/usr/bin/env python3
"""Times `COMMAND < FILE > /dev/null` against `cat FILE > /dev/null` in the same run.

Usage: stdin_bench.py FILE RUNS TARGET -- COMMAND...
Both run alternately, RUNS times each after two warm-up runs (page cache and imagescan
cache warm), stdout to /dev/null; wall time includes process start-up for both. The
command must exit 0. Prints medians, minimums, the ratio command/cat and MB/s.
"""

import os
import statistics
import subprocess
import sys
import time


def timed(command, path):
    with open(path, "rb") as stdin, open(os.devnull, "wb") as null:
        start = time.perf_counter()
        subprocess.run(command, stdin=stdin, stdout=null, check=True)
        return time.perf_counter() - start


def main():
    separator = sys.argv.index("--")
    path, runs, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    command = sys.argv[separator + 1:]
    cat = ["cat"]
    for _ in range(2):
        timed(cat, path)
        timed(command, path)
    cat_times, times = [], []
    for _ in range(runs):
        cat_times.append(timed(cat, path))
        times.append(timed(command, path))
    cat_median = statistics.median(cat_times)
    median = statistics.median(times)
    mb = os.path.getsize(path) / 1e6
    name = " ".join(os.path.basename(c) for c in command[:2])
    print(f"{path}: {mb:.1f} MB; {runs} runs each, alternating")
    print(f"cat  median {cat_median * 1000:7.1f} ms  min {min(cat_times) * 1000:7.1f} ms  {mb / cat_median:7.0f} MB/s")
    print(f"{name}  median {median * 1000:7.1f} ms  min {min(times) * 1000:7.1f} ms  {mb / median:7.0f} MB/s")
    print(f"ratio {name}/cat (medians): {median / cat_median:.2f}  (target <= {target})")


if __name__ == "__main__":
    main()
