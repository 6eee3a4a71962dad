#!/usr/bin/env python3
"""Times `COMMAND < FILE > /dev/null` against `cat FILE > /dev/null` in the same run.

Usage: [BASELINE=BINARY] [PIPE=in|both] stdin_bench.py FILE RUNS TARGET -- COMMAND...
Both run alternately, RUNS times each after two warm-up runs (page cache and imagescan
cache warm), stdout to /dev/null; wall time includes process start-up for both. The
command must exit 0. Prints medians, minimums, the ratio command/cat (wall medians), MB/s
and the median CPU time (user + system of the child, from getrusage). With BASELINE set,
`BASELINE ARGS...` (another imagescan binary, same arguments) runs in the same
alternation and is reported the same way.

PIPE=in gives FILE through a pipe, as Helm, kpt and kustomize do (`cat FILE | COMMAND
> /dev/null` against `cat FILE | cat > /dev/null`); PIPE=both also takes stdout through a
pipe (`cat FILE | COMMAND | cat > /dev/null`), as Helm reads it. Wall and CPU are then
the whole pipeline's (every process of it is a child of this script).
"""

import os
import resource
import statistics
import subprocess
import sys
import time


PIPE = os.environ.get("PIPE", "")


def run(command, path, null):
    """Runs `command` on `path` (through pipes as PIPE says); raises if any part fails."""
    if not PIPE:
        with open(path, "rb") as stdin:
            subprocess.run(command, stdin=stdin, stdout=null, check=True)
        return
    feeder = subprocess.Popen(["cat", path], stdout=subprocess.PIPE)
    out = subprocess.PIPE if PIPE == "both" else null
    filt = subprocess.Popen(command, stdin=feeder.stdout, stdout=out)
    feeder.stdout.close()
    drain = None
    if PIPE == "both":
        drain = subprocess.Popen(["cat"], stdin=filt.stdout, stdout=null)
        filt.stdout.close()
    codes = [filt.wait(), feeder.wait()] + ([drain.wait()] if drain else [])
    if any(codes):
        raise RuntimeError(f"{command} exited {codes}")


def timed(command, path):
    with open(os.devnull, "wb") as null:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run(command, path, null)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu


def main():
    separator = sys.argv.index("--")
    path, runs, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    command = sys.argv[separator + 1:]
    commands = [["cat"], command]
    names = ["cat", " ".join(os.path.basename(c) for c in command[:2])]
    baseline = os.environ.get("BASELINE")
    if baseline:
        commands.append([baseline] + command[1:])
        names.append("baseline " + " ".join(os.path.basename(c) for c in commands[-1][:2]))
    for _ in range(2):
        for c in commands:
            timed(c, path)
    walls = [[] for _ in commands]
    cpus = [[] for _ in commands]
    for _ in range(runs):
        for i, c in enumerate(commands):
            wall, cpu = timed(c, path)
            walls[i].append(wall)
            cpus[i].append(cpu)
    mb = os.path.getsize(path) / 1e6
    cat_median = statistics.median(walls[0])
    how = {"": "stdin redirected from the file", "in": "stdin through a pipe from cat",
           "both": "stdin and stdout through pipes"}[PIPE]
    print(f"{path}: {mb:.1f} MB; {runs} runs each, alternating; {how}")
    for name, wall, cpu in zip(names, walls, cpus):
        median = statistics.median(wall)
        print(f"{name}  median {median * 1000:7.1f} ms  min {min(wall) * 1000:7.1f} ms  "
              f"{mb / median:7.0f} MB/s  CPU median {statistics.median(cpu) * 1000:6.1f} ms")
    for name, wall in list(zip(names, walls))[1:]:
        print(f"ratio {name}/cat (medians): {statistics.median(wall) / cat_median:.2f}  (target <= {target})")


if __name__ == "__main__":
    main()
