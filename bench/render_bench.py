#!/usr/bin/env python3
"""Times `render DIR > /dev/null` against one `cat` of the same files in the same run.

Usage: render_bench.py DIR RUNS -- RENDER_COMMAND...
The render command gets DIR appended. Both commands run alternately, RUNS times each after
two warm-up runs (page cache warm), stdout to /dev/null; wall time includes process
start-up for both. Prints medians, minimums, the ratio render/cat and MB/s.
"""

import os
import statistics
import subprocess
import sys
import time

CONFIG_NAMES = {"imagescan.yaml", "fleet.yaml"}


def manifest_files(root):
    """The files render reads, in its order (bytes of the relative path)."""
    files = []
    for parent, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            if name in CONFIG_NAMES or not name.endswith((".yaml", ".yml", ".json")):
                continue
            files.append(os.path.relpath(os.path.join(parent, name), root))
    files.sort(key=os.fsencode)
    return [os.path.join(root, f) for f in files]


def timed(command):
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        subprocess.run(command, stdout=null, check=True)
        return time.perf_counter() - start


def main():
    separator = sys.argv.index("--")
    root, runs = sys.argv[1], int(sys.argv[2])
    render = sys.argv[separator + 1:] + [root]
    files = manifest_files(root)
    size = sum(os.path.getsize(f) for f in files)
    cat = ["cat"] + files
    for _ in range(2):
        timed(cat)
        timed(render)
    cat_times, render_times = [], []
    for _ in range(runs):
        cat_times.append(timed(cat))
        render_times.append(timed(render))
    cat_median = statistics.median(cat_times)
    render_median = statistics.median(render_times)
    mb = size / 1e6
    print(f"files: {len(files)}, {mb:.1f} MB; {runs} runs each, alternating")
    print(f"cat    median {cat_median * 1000:7.1f} ms  min {min(cat_times) * 1000:7.1f} ms  {mb / cat_median:7.0f} MB/s")
    print(f"render median {render_median * 1000:7.1f} ms  min {min(render_times) * 1000:7.1f} ms  {mb / render_median:7.0f} MB/s")
    print(f"ratio render/cat (medians): {render_median / cat_median:.2f}  (target <= 0.6)")


if __name__ == "__main__":
    main()
